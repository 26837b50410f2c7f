package dev.marketplace.app.e2e;

import dev.marketplace.auth.RoleGrants;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A big sale over the real components and public HTTP: the admin routes (403 for a buyer, 400
 * problem+json for bad input), buyers queued with 202 and tickets, exactly the units won, a ticket
 * worth nothing to another buyer, sold out told to everyone still queued and answered from memory
 * at the cart, the operator's view, and audit.
 */
class SalesE2ETest {
  private static MarketplaceHarness market;
  private static ShopClient shop;

  @BeforeAll
  static void up() throws Exception {
    market = MarketplaceHarness.start();
    shop = new ShopClient(market);
  }

  @AfterAll
  static void down() throws Exception {
    market.close();
  }

  private static String adminToken() throws Exception {
    String email = "admin-" + UUID.randomUUID() + "@example.com";
    HttpResponse<Buffer> registered = await(market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
      .put("email", email).put("password", ShopClient.PASSWORD).put("name", "Admin")));
    assertThat(registered.statusCode()).isEqualTo(201);
    Pool pool = PgSupport.pool(market.vertx, market.config, 1);
    try {
      assertThat(await(RoleGrants.grant(pool, email, "admin"))).isPresent();
    } finally {
      await(pool.close());
    }
    HttpResponse<Buffer> login = await(market.http.post("/api/v1/auth/login")
      .sendJsonObject(new JsonObject().put("email", email).put("password", ShopClient.PASSWORD)));
    return login.bodyAsJsonObject().getString("access_token");
  }

  private static HttpResponse<Buffer> postSale(String token, JsonObject body) throws Exception {
    return await(market.http.post("/api/v1/admin/sales").bearerTokenAuthentication(token).sendJsonObject(body));
  }

  private static JsonObject problem(HttpResponse<Buffer> resp, int status, String code) {
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(status);
    assertThat(resp.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = resp.bodyAsJsonObject();
    assertThat(problem.getString("code")).isEqualTo(code);
    return problem;
  }

  private static HttpResponse<Buffer> checkout(String[] buyer, String key, String ticket) throws Exception {
    var request = market.http.post("/api/v1/checkout").bearerTokenAuthentication(buyer[0]).putHeader("Idempotency-Key", key);
    if (ticket != null) {
      request.putHeader("X-Queue-Ticket", ticket);
    }
    return await(request.sendJsonObject(new JsonObject().put("cart_id", buyer[1]).put("payment_method", "card")));
  }

  @Test
  void theAdminRoutesRefuseBuyersAndBadInput() throws Exception {
    String seller = shop.token("seller");
    String product = shop.product(seller, "Sale guard", 1000, 5);
    String buyer = shop.token("buyer");
    JsonObject good = new JsonObject().put("product_ids", new JsonArray().add(product)).put("starts_at", Instant.now().plusSeconds(3600).toString())
      .put("admit_per_second", 10);
    problem(postSale(buyer, good), 403, "FORBIDDEN");
    problem(await(market.http.get("/api/v1/admin/sales/" + UUID.randomUUID()).bearerTokenAuthentication(buyer).send()), 403, "FORBIDDEN");

    String admin = adminToken();
    JsonObject unknown = problem(postSale(admin, good.copy().put("product_ids", new JsonArray().add(UUID.randomUUID().toString()))), 400, "VALIDATION_FAILED");
    assertThat(unknown.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("product_ids[0]");
    JsonObject pastEnd = problem(postSale(admin, good.copy().put("starts_at", Instant.now().minusSeconds(7200).toString())
      .put("ends_at", Instant.now().minusSeconds(3600).toString())), 400, "VALIDATION_FAILED");
    assertThat(pastEnd.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("ends_at");
    JsonObject negative = problem(postSale(admin, good.copy().put("admit_per_second", -1)), 400, "VALIDATION_FAILED");
    assertThat(negative.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("admit_per_second");
    problem(postSale(admin, good.copy().put("price", 1)), 400, "VALIDATION_FAILED");
    problem(await(market.http.get("/api/v1/admin/sales/" + UUID.randomUUID()).bearerTokenAuthentication(admin).send()), 404, "NOT_FOUND");
  }

  @Test
  void aFlashSaleQueuesBuyersSellsExactlyTheUnitsAndTellsTheRestSoldOut() throws Exception {
    int units = 3;
    int buyers = 8;
    String seller = shop.token("seller");
    String product = shop.product(seller, "Flash", 1000, units);
    List<String[]> carts = new ArrayList<>();
    for (int i = 0; i < buyers; i++) {
      carts.add(shop.buyerWith(product, 1));
    }
    // one more buyer with the product in the cart, who comes only after the sale is over
    String[] latecomer = shop.buyerWith(product, 1);
    String admin = adminToken();
    HttpResponse<Buffer> created = postSale(admin, new JsonObject().put("product_ids", new JsonArray().add(product))
      .put("starts_at", Instant.now().plusSeconds(2).toString()).put("admit_per_second", 4));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String saleId = created.bodyAsJsonObject().getString("id");
    Thread.sleep(600); // every checkout node hears of the sale

    // everyone arrives at once: all queued, numbered in order, nothing written
    Map<Integer, String> tickets = new HashMap<>();
    for (int i = 0; i < buyers; i++) {
      HttpResponse<Buffer> queued = checkout(carts.get(i), "k" + i, null);
      assertThat(queued.statusCode()).as(queued.bodyAsString()).isEqualTo(202);
      assertThat(queued.getHeader("Retry-After")).isNotNull();
      JsonObject body = queued.bodyAsJsonObject();
      assertThat(body.getLong("position")).isPositive();
      // tickets are numbered in arrival order
      assertThat(Long.parseLong(body.getString("queue_ticket").split("\\.")[1])).isEqualTo(i + 1);
      tickets.put(i, body.getString("queue_ticket"));
    }
    // another buyer's ticket is worth nothing
    problem(checkout(carts.get(1), "k1", tickets.get(0)), 403, "QUEUE_TICKET_INVALID");

    int won = 0;
    int soldOut = 0;
    boolean[] done = new boolean[buyers];
    long deadline = System.currentTimeMillis() + 120_000;
    while ((won + soldOut) < buyers && System.currentTimeMillis() < deadline) {
      for (int i = 0; i < buyers; i++) {
        if (done[i]) {
          continue;
        }
        HttpResponse<Buffer> resp = checkout(carts.get(i), "k" + i, tickets.get(i));
        if (resp.statusCode() == 201) {
          won++;
          done[i] = true;
        } else if (resp.statusCode() == 409) {
          assertThat(resp.bodyAsJsonObject().getString("code")).isEqualTo("OUT_OF_STOCK");
          soldOut++;
          done[i] = true;
        } else {
          assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(202);
        }
      }
      Thread.sleep(50);
    }
    assertThat(won).isEqualTo(units);
    assertThat(soldOut).isEqualTo(buyers - units);

    // once inventory's set says so, a cart addition is refused from memory
    String[] late = new String[] {shop.token("buyer"), null};
    HttpResponse<Buffer> add = await(market.http.post("/api/v1/cart/items").bearerTokenAuthentication(late[0])
      .sendJsonObject(new JsonObject().put("product_id", product).put("quantity", 1)));
    problem(add, 409, "OUT_OF_STOCK");

    // and so is the latecomer's checkout: from memory, before any saga row, so the sale counts it (the
    // racers' refusals may all have been inventory's answers to sagas, had the flag not spread yet)
    problem(checkout(latecomer, "late", null), 409, "OUT_OF_STOCK");

    // refusal reports reach sales on the checkout nodes' report timer
    JsonObject v = null;
    long reportDeadline = System.currentTimeMillis() + 15_000;
    while (System.currentTimeMillis() < reportDeadline) {
      HttpResponse<Buffer> view = await(market.http.get("/api/v1/admin/sales/" + saleId).bearerTokenAuthentication(admin).send());
      assertThat(view.statusCode()).as(view.bodyAsString()).isEqualTo(200);
      v = view.bodyAsJsonObject();
      JsonObject refused = v.getJsonObject("refused");
      if (refused.getLong("QUEUE_TICKET_INVALID", 0L) >= 1
        && refused.getLong("OUT_OF_STOCK", 0L) + refused.getLong("SOLD_OUT", 0L) >= 1) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(v.getString("status")).isEqualTo("SOLD_OUT");
    assertThat(v.getLong("admitted")).isGreaterThanOrEqualTo(units);
    assertThat(v.getLong("available")).isZero();
    assertThat(v.getJsonObject("refused").getLong("QUEUE_TICKET_INVALID")).isEqualTo(1);
    // refusals made before a saga row (sold-out set, waiting room); a reserve that lost the race in
    // inventory before the flag spread is the saga's answer and not counted here
    long outOfStock = v.getJsonObject("refused").getLong("OUT_OF_STOCK", 0L) + v.getJsonObject("refused").getLong("SOLD_OUT", 0L);
    assertThat(outOfStock).isGreaterThanOrEqualTo(1);

    ShopClient.assertAuditEventuallyOk(market.config.getJsonObject("pg").getString("url"));
  }
}
