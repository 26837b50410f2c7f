package dev.marketplace.app.e2e;

import dev.marketplace.contracts.bank.BankApi;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole marketplace with its default rate limits on: a signed bank callback that names another
 * amount, currency or order is 409 and changes nothing; a sign-up flood from one address is 429
 * with Retry-After.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class SecurityE2ETest {
  private static MarketplaceHarness market;
  private static ShopClient shop;

  @BeforeAll
  static void up(VertxTestContext ctx) {
    MarketplaceHarness.start(config -> config.getJsonObject("gateway").put("rate_limits", new JsonObject().put("enabled", true)))
      .onSuccess(started -> {
        market = started;
        shop = new ShopClient(market);
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    MarketplaceHarness.close(market).onComplete(ctx.succeedingThenComplete());
  }

  private static Future<HttpResponse<Buffer>> callback(String body, String signature) {
    return market.http.post("/api/v1/payments/callback").putHeader(BankApi.SIGNATURE_HEADER, signature)
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body));
  }

  @Test
  @Order(1)
  void aSignedCallbackForAnotherAmountCurrencyOrOrderIs409AndChangesNothing(VertxTestContext ctx) {
    shop.token("seller")
      .compose(seller -> shop.product(seller, "Guarded", 150_00, 2))
      .compose(product -> shop.buyerWith(product, 1))
      .compose(buyer -> shop.checkout(buyer, UUID.randomUUID().toString()).compose(checkout -> {
        JsonObject started = checkout.bodyAsJsonObject();
        String orderId = started.getString("order_id");
        String bankId = started.getString("payment_url").replaceAll(".*/", "");
        String secret = market.config.getJsonObject("bank").getString("shared_secret");

        JsonObject genuine = new JsonObject().put("event_id", UUID.randomUUID().toString()).put("id", bankId).put("order_id", orderId)
          .put("status", BankApi.CAPTURED).put("amount", new JsonObject().put("amount", 150_00).put("currency", "RUB"));
        Future<Void> forgeries = Future.succeededFuture();
        for (JsonObject forged : new JsonObject[] {
          genuine.copy().put("amount", new JsonObject().put("amount", 1).put("currency", "RUB")),
          genuine.copy().put("amount", new JsonObject().put("amount", 150_00).put("currency", "KZT")),
          genuine.copy().put("order_id", UUID.randomUUID().toString())}) {
          String body = forged.encode();
          forgeries = forgeries.compose(v -> callback(body, BankApi.sign(secret, body.getBytes()))).map(refused -> {
            assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(409);
            assertThat(refused.getHeader("Content-Type")).isEqualTo("application/problem+json");
            assertThat(refused.bodyAsJsonObject().getString("code")).isEqualTo("CONFLICT");
            return null;
          });
        }
        String body = genuine.encode();
        return forgeries
          .compose(v -> market.vertx.timer(300))
          .compose(v -> shop.order(buyer, orderId))
          .map(order -> ctx.verify(() -> assertThat(order.getString("status")).isEqualTo("PENDING_PAYMENT")))
          .compose(v -> callback(body, BankApi.sign(secret, body.getBytes())))
          .map(accepted -> ctx.verify(() -> assertThat(accepted.statusCode()).isEqualTo(200)))
          .compose(v -> shop.waitForStatus(buyer, orderId, "PAID"));
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @Order(2)
  void aSignUpFloodFromOneAddressIs429WithRetryAfter(VertxTestContext ctx) {
    AtomicInteger accepted = new AtomicInteger();
    register(0, accepted)
      .map(limited -> ctx.verify(() -> {
        assertThat(limited).as("the default register limit (5 at once) stops the flood").isNotNull();
        assertThat(accepted.get()).isLessThanOrEqualTo(5);
        assertThat(Long.parseLong(limited.getHeader("Retry-After"))).isBetween(1L, 60L);
        assertThat(limited.bodyAsJsonObject().getString("code")).isEqualTo("RATE_LIMITED");
        assertThat(limited.bodyAsJsonObject().getString("limit")).isEqualTo("register");
      }))
      // other groups still answer the same address
      .compose(v -> market.http.get("/api/v1/catalog/categories").send())
      .map(categories -> ctx.verify(() -> assertThat(categories.statusCode()).isEqualTo(200)))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** Sign-ups one after the other (up to 10) until one is refused: that answer, or null if none was. */
  private static Future<HttpResponse<Buffer>> register(int i, AtomicInteger accepted) {
    if (i >= 10) {
      return Future.succeededFuture();
    }
    return market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
        .put("email", "flood-" + UUID.randomUUID() + "@example.com").put("password", ShopClient.PASSWORD).put("name", "Flood"))
      .compose(resp -> {
        if (resp.statusCode() == 429) {
          return Future.succeededFuture(resp);
        }
        assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(201);
        accepted.incrementAndGet();
        return register(i + 1, accepted);
      });
  }
}
