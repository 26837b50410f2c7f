package dev.marketplace.app.e2e;

import dev.marketplace.app.AuditCommand;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shop as its clients use it, for end-to-end tests on one {@link MarketplaceHarness}: accounts,
 * a seller's stocked product, a buyer's cart, checkout, the bank's 3DS page and knobs, orders;
 * and the operator's audit. Every call is a future; an answer other than the one a step needs fails it.
 */
final class ShopClient {
  static final String PASSWORD = "Correct-Horse-9";

  private final MarketplaceHarness market;

  ShopClient(MarketplaceHarness market) {
    this.market = market;
  }

  /** Registers an account with the role and returns its access token. */
  Future<String> token(String role) {
    String email = role + "-" + UUID.randomUUID() + "@example.com";
    return market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
        .put("email", email).put("password", PASSWORD).put("name", "Test " + role).put("role", role))
      .compose(registered -> {
        assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
        return market.http.post("/api/v1/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD));
      })
      .map(login -> {
        assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
        return login.bodyAsJsonObject().getString("access_token");
      });
  }

  /** A new product of the seller with {@code stock} units on hand; returns its id. */
  Future<String> product(String sellerToken, String title, long price, int stock) {
    return market.http.post("/api/v1/seller/products").bearerTokenAuthentication(sellerToken)
      .sendJsonObject(new JsonObject().put("title", title + " " + UUID.randomUUID()).put("description", "for " + title)
        .put("brand", "Test").put("category_id", 111).put("price", new JsonObject().put("amount", price).put("currency", "RUB"))
        .put("attributes", new JsonObject()))
      .compose(created -> {
        assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
        String id = created.bodyAsJsonObject().getString("id");
        return market.http.put("/api/v1/seller/products/" + id + "/stock").bearerTokenAuthentication(sellerToken)
          .sendJsonObject(new JsonObject().put("warehouse", "main").put("quantity", stock))
          .map(stocked -> {
            assertThat(stocked.statusCode()).as(stocked.bodyAsString()).isEqualTo(200);
            return id;
          });
      });
  }

  /** A new buyer with {@code quantity} of the product in the cart: {token, cart id}. */
  Future<String[]> buyerWith(String productId, int quantity) {
    return token("buyer").compose(token -> market.http.post("/api/v1/cart/items").bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("product_id", productId).put("quantity", quantity))
      .map(added -> {
        assertThat(added.statusCode()).as(added.bodyAsString()).isIn(200, 201);
        return new String[] {token, added.bodyAsJsonObject().getString("id")};
      }));
  }

  Future<HttpResponse<Buffer>> checkout(String[] buyer, String idempotencyKey) {
    return market.http.post("/api/v1/checkout").bearerTokenAuthentication(buyer[0]).putHeader("Idempotency-Key", idempotencyKey)
      .sendJsonObject(new JsonObject().put("cart_id", buyer[1]).put("payment_method", "card"));
  }

  Future<JsonObject> order(String[] buyer, String orderId) {
    return market.http.get("/api/v1/orders/" + orderId).bearerTokenAuthentication(buyer[0]).send().map(resp -> {
      assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(200);
      return resp.bodyAsJsonObject();
    });
  }

  /** Until the order is in that status (30 s); every read on the way must answer 200. */
  Future<Void> waitForStatus(String[] buyer, String orderId, String status) {
    AtomicReference<String> seen = new AtomicReference<>();
    return Waits.holds(market.vertx, "order " + orderId + " is " + status, 30_000,
        () -> order(buyer, orderId).map(order -> status.equals(seen.updateAndGet(before -> order.getString("status")))))
      .map(held -> {
        if (!held) {
          throw new AssertionError("order " + orderId + " is " + seen.get() + ", not " + status);
        }
        return null;
      });
  }

  /** Presses Confirm or Decline ({@code action}) on the bank's 3DS page. */
  Future<HttpResponse<Buffer>> threeDs(String paymentUrl, String action) {
    return WebClient.wrap(market.vertx.createHttpClient()).postAbs(paymentUrl + "/" + action)
      .putHeader("Accept", "application/json").send();
  }

  /** The bank simulator's knobs: {@code null} reads them, otherwise changes them. */
  Future<JsonObject> bank(JsonObject change) {
    WebClient client = WebClient.wrap(market.vertx.createHttpClient());
    String url = "http://127.0.0.1:" + market.bankPort + "/api/simulator";
    return (change == null ? client.getAbs(url).send() : client.putAbs(url).sendJsonObject(change)).map(HttpResponse::bodyAsJsonObject);
  }

  /** {@code marketplace.jar audit} reports AUDIT OK within 15 s (sagas may still be settling); it reads by JDBC, so off the event loop. */
  static Future<Void> auditEventuallyOk(Vertx vertx, String pgUrl) {
    AtomicReference<String> report = new AtomicReference<>("");
    return Waits.holds(vertx, "AUDIT OK", 15_000, () -> vertx.executeBlocking(() -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AuditCommand.audit(pgUrl, 0, new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
      }).compose(text -> {
        report.set(text);
        // a whole audit a check: about every 200 ms, as before, not Eventually's 50
        return text.contains("AUDIT OK") ? Future.succeededFuture(true) : vertx.timer(150).map(false);
      }))
      .map(held -> {
        assertThat(report.get()).contains("AUDIT OK").doesNotContain("MISSING");
        return null;
      });
  }
}
