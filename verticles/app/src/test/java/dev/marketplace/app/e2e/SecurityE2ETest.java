package dev.marketplace.app.e2e;

import dev.marketplace.contracts.bank.BankApi;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.UUID;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole marketplace with its default rate limits on: a signed bank callback that names another
 * amount, currency or order is 409 and changes nothing; a sign-up flood from one address is 429
 * with Retry-After.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityE2ETest {
  private static MarketplaceHarness market;
  private static ShopClient shop;

  @BeforeAll
  static void up() throws Exception {
    market = MarketplaceHarness.start(config -> config.getJsonObject("gateway").put("rate_limits", new JsonObject().put("enabled", true)));
    shop = new ShopClient(market);
  }

  @AfterAll
  static void down() throws Exception {
    market.close();
  }

  private static HttpResponse<Buffer> callback(String body, String signature) throws Exception {
    return await(market.http.post("/api/v1/payments/callback").putHeader(BankApi.SIGNATURE_HEADER, signature)
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body)));
  }

  @Test
  @Order(1)
  void aSignedCallbackForAnotherAmountCurrencyOrOrderIs409AndChangesNothing() throws Exception {
    String seller = shop.token("seller");
    String product = shop.product(seller, "Guarded", 150_00, 2);
    String[] buyer = shop.buyerWith(product, 1);
    JsonObject started = await(shop.checkout(buyer, UUID.randomUUID().toString())).bodyAsJsonObject();
    String orderId = started.getString("order_id");
    String bankId = started.getString("payment_url").replaceAll(".*/", "");
    String secret = market.config.getJsonObject("bank").getString("shared_secret");

    JsonObject genuine = new JsonObject().put("event_id", UUID.randomUUID().toString()).put("id", bankId).put("order_id", orderId)
      .put("status", BankApi.CAPTURED).put("amount", new JsonObject().put("amount", 150_00).put("currency", "RUB"));
    for (JsonObject forged : new JsonObject[] {
      genuine.copy().put("amount", new JsonObject().put("amount", 1).put("currency", "RUB")),
      genuine.copy().put("amount", new JsonObject().put("amount", 150_00).put("currency", "KZT")),
      genuine.copy().put("order_id", UUID.randomUUID().toString())}) {
      String body = forged.encode();
      HttpResponse<Buffer> refused = callback(body, BankApi.sign(secret, body.getBytes()));
      assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(409);
      assertThat(refused.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(refused.bodyAsJsonObject().getString("code")).isEqualTo("CONFLICT");
    }
    Thread.sleep(300);
    assertThat(shop.order(buyer, orderId).getString("status")).isEqualTo("PENDING_PAYMENT");

    String body = genuine.encode();
    assertThat(callback(body, BankApi.sign(secret, body.getBytes())).statusCode()).isEqualTo(200);
    shop.waitForStatus(buyer, orderId, "PAID");
  }

  @Test
  @Order(2)
  void aSignUpFloodFromOneAddressIs429WithRetryAfter() throws Exception {
    HttpResponse<Buffer> limited = null;
    int accepted = 0;
    for (int i = 0; i < 10 && limited == null; i++) {
      HttpResponse<Buffer> resp = await(market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
        .put("email", "flood-" + UUID.randomUUID() + "@example.com").put("password", ShopClient.PASSWORD).put("name", "Flood")));
      if (resp.statusCode() == 429) {
        limited = resp;
      } else {
        assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(201);
        accepted++;
      }
    }
    assertThat(limited).as("the default register limit (5 at once) stops the flood").isNotNull();
    assertThat(accepted).isLessThanOrEqualTo(5);
    assertThat(Long.parseLong(limited.getHeader("Retry-After"))).isBetween(1L, 60L);
    assertThat(limited.bodyAsJsonObject().getString("code")).isEqualTo("RATE_LIMITED");
    assertThat(limited.bodyAsJsonObject().getString("limit")).isEqualTo("register");
    // other groups still answer the same address
    assertThat(await(market.http.get("/api/v1/catalog/categories").send()).statusCode()).isEqualTo(200);
  }
}
