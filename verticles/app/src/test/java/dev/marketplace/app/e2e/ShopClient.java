package dev.marketplace.app.e2e;

import dev.marketplace.app.AuditCommand;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shop as its clients use it, for end-to-end tests on one {@link MarketplaceHarness}: accounts,
 * a seller's stocked product, a buyer's cart, checkout, the bank's 3DS page and knobs, orders;
 * and the operator's audit.
 */
final class ShopClient {
  static final String PASSWORD = "Correct-Horse-9";

  private final MarketplaceHarness market;

  ShopClient(MarketplaceHarness market) {
    this.market = market;
  }

  /** Registers an account with the role and returns its access token. */
  String token(String role) throws Exception {
    String email = role + "-" + UUID.randomUUID() + "@example.com";
    HttpResponse<Buffer> registered = await(market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
      .put("email", email).put("password", PASSWORD).put("name", "Test " + role).put("role", role)));
    assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> login = await(market.http.post("/api/v1/auth/login")
      .sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD)));
    assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
    return login.bodyAsJsonObject().getString("access_token");
  }

  /** A new product of the seller with {@code stock} units on hand; returns its id. */
  String product(String sellerToken, String title, long price, int stock) throws Exception {
    HttpResponse<Buffer> created = await(market.http.post("/api/v1/seller/products").bearerTokenAuthentication(sellerToken)
      .sendJsonObject(new JsonObject().put("title", title + " " + UUID.randomUUID()).put("description", "for " + title)
        .put("brand", "Test").put("category_id", 111).put("price", new JsonObject().put("amount", price).put("currency", "RUB"))
        .put("attributes", new JsonObject())));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> stocked = await(market.http.put("/api/v1/seller/products/" + id + "/stock").bearerTokenAuthentication(sellerToken)
      .sendJsonObject(new JsonObject().put("warehouse", "main").put("quantity", stock)));
    assertThat(stocked.statusCode()).as(stocked.bodyAsString()).isEqualTo(200);
    return id;
  }

  /** A new buyer with {@code quantity} of the product in the cart: {token, cart id}. */
  String[] buyerWith(String productId, int quantity) throws Exception {
    String token = token("buyer");
    HttpResponse<Buffer> added = await(market.http.post("/api/v1/cart/items").bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("product_id", productId).put("quantity", quantity)));
    assertThat(added.statusCode()).as(added.bodyAsString()).isIn(200, 201);
    return new String[] {token, added.bodyAsJsonObject().getString("id")};
  }

  Future<HttpResponse<Buffer>> checkout(String[] buyer, String idempotencyKey) {
    return market.http.post("/api/v1/checkout").bearerTokenAuthentication(buyer[0]).putHeader("Idempotency-Key", idempotencyKey)
      .sendJsonObject(new JsonObject().put("cart_id", buyer[1]).put("payment_method", "card"));
  }

  JsonObject order(String[] buyer, String orderId) throws Exception {
    HttpResponse<Buffer> resp = await(market.http.get("/api/v1/orders/" + orderId).bearerTokenAuthentication(buyer[0]).send());
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(200);
    return resp.bodyAsJsonObject();
  }

  void waitForStatus(String[] buyer, String orderId, String status) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    String seen = null;
    while (System.currentTimeMillis() < deadline) {
      seen = order(buyer, orderId).getString("status");
      if (status.equals(seen)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("order " + orderId + " is " + seen + ", not " + status);
  }

  /** Presses Confirm or Decline ({@code action}) on the bank's 3DS page. */
  HttpResponse<Buffer> threeDs(String paymentUrl, String action) throws Exception {
    return await(WebClient.wrap(market.vertx.createHttpClient()).postAbs(paymentUrl + "/" + action)
      .putHeader("Accept", "application/json").send());
  }

  /** The bank simulator's knobs: {@code null} reads them, otherwise changes them. */
  JsonObject bank(JsonObject change) throws Exception {
    WebClient client = WebClient.wrap(market.vertx.createHttpClient());
    String url = "http://127.0.0.1:" + market.bankPort + "/api/simulator";
    return await(change == null ? client.getAbs(url).send() : client.putAbs(url).sendJsonObject(change)).bodyAsJsonObject();
  }

  /** {@code marketplace.jar audit} reports AUDIT OK within 15 s (sagas may still be settling). */
  static void assertAuditEventuallyOk(String pgUrl) throws Exception {
    String report = "";
    long deadline = System.currentTimeMillis() + 15_000;
    while (System.currentTimeMillis() < deadline) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      AuditCommand.audit(pgUrl, 0, new PrintStream(out, true, StandardCharsets.UTF_8));
      report = out.toString(StandardCharsets.UTF_8);
      if (report.contains("AUDIT OK")) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(report).contains("AUDIT OK").doesNotContain("MISSING");
  }
}
