package dev.marketplace.app.e2e;

import dev.marketplace.auth.RoleGrants;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A big sale over the real components and public HTTP: the admin routes (403 for a buyer, 400
 * problem+json for bad input), buyers queued with 202 and tickets, exactly the units won, a ticket
 * worth nothing to another buyer, sold out told to everyone still queued and answered from memory
 * at the cart, the operator's view, and audit.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class SalesE2ETest {
  private static MarketplaceHarness market;
  private static ShopClient shop;

  @BeforeAll
  static void up(VertxTestContext ctx) {
    MarketplaceHarness.start()
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

  private static Future<String> adminToken() {
    String email = "admin-" + UUID.randomUUID() + "@example.com";
    return market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
        .put("email", email).put("password", ShopClient.PASSWORD).put("name", "Admin"))
      .compose(registered -> {
        assertThat(registered.statusCode()).isEqualTo(201);
        Pool pool = PgSupport.pool(market.vertx, market.config, 1);
        return RoleGrants.grant(pool, email, "admin").map(granted -> {
          assertThat(granted).isPresent();
          return null;
        }).eventually(pool::close);
      })
      .compose(v -> market.http.post("/api/v1/auth/login")
        .sendJsonObject(new JsonObject().put("email", email).put("password", ShopClient.PASSWORD)))
      .map(login -> login.bodyAsJsonObject().getString("access_token"));
  }

  private static Future<HttpResponse<Buffer>> postSale(String token, JsonObject body) {
    return market.http.post("/api/v1/admin/sales").bearerTokenAuthentication(token).sendJsonObject(body);
  }

  private static JsonObject problem(HttpResponse<Buffer> resp, int status, String code) {
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(status);
    assertThat(resp.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = resp.bodyAsJsonObject();
    assertThat(problem.getString("code")).isEqualTo(code);
    return problem;
  }

  private static Future<HttpResponse<Buffer>> checkout(String[] buyer, String key, String ticket) {
    var request = market.http.post("/api/v1/checkout").bearerTokenAuthentication(buyer[0]).putHeader("Idempotency-Key", key);
    if (ticket != null) {
      request.putHeader("X-Queue-Ticket", ticket);
    }
    return request.sendJsonObject(new JsonObject().put("cart_id", buyer[1]).put("payment_method", "card"));
  }

  @Test
  void theAdminRoutesRefuseBuyersAndBadInput(VertxTestContext ctx) {
    shop.token("seller")
      .compose(seller -> shop.product(seller, "Sale guard", 1000, 5))
      .compose(product -> shop.token("buyer").compose(buyer -> {
        JsonObject good = new JsonObject().put("product_ids", new JsonArray().add(product)).put("starts_at", Instant.now().plusSeconds(3600).toString())
          .put("admit_per_second", 10);
        return postSale(buyer, good)
          .map(resp -> problem(resp, 403, "FORBIDDEN"))
          .compose(v -> market.http.get("/api/v1/admin/sales/" + UUID.randomUUID()).bearerTokenAuthentication(buyer).send())
          .map(resp -> problem(resp, 403, "FORBIDDEN"))
          .compose(v -> adminToken())
          .compose(admin -> postSale(admin, good.copy().put("product_ids", new JsonArray().add(UUID.randomUUID().toString())))
            .map(resp -> {
              JsonObject unknown = problem(resp, 400, "VALIDATION_FAILED");
              return ctx.verify(() -> assertThat(unknown.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("product_ids[0]"));
            })
            .compose(v -> postSale(admin, good.copy().put("starts_at", Instant.now().minusSeconds(7200).toString())
              .put("ends_at", Instant.now().minusSeconds(3600).toString())))
            .map(resp -> {
              JsonObject pastEnd = problem(resp, 400, "VALIDATION_FAILED");
              return ctx.verify(() -> assertThat(pastEnd.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("ends_at"));
            })
            .compose(v -> postSale(admin, good.copy().put("admit_per_second", -1)))
            .map(resp -> {
              JsonObject negative = problem(resp, 400, "VALIDATION_FAILED");
              return ctx.verify(() -> assertThat(negative.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("admit_per_second"));
            })
            .compose(v -> postSale(admin, good.copy().put("price", 1)))
            .map(resp -> problem(resp, 400, "VALIDATION_FAILED"))
            .compose(v -> market.http.get("/api/v1/admin/sales/" + UUID.randomUUID()).bearerTokenAuthentication(admin).send())
            .map(resp -> problem(resp, 404, "NOT_FOUND")));
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @Timeout(value = 240, timeUnit = TimeUnit.SECONDS)
  void aFlashSaleQueuesBuyersSellsExactlyTheUnitsAndTellsTheRestSoldOut(VertxTestContext ctx) {
    int units = 3;
    int buyers = 8;
    List<String[]> carts = new ArrayList<>();
    Map<Integer, String> tickets = new ConcurrentHashMap<>();
    shop.token("seller")
      .compose(seller -> shop.product(seller, "Flash", 1000, units))
      .compose(product -> {
        Future<Void> filled = Future.succeededFuture();
        for (int i = 0; i < buyers; i++) {
          filled = filled.compose(v -> shop.buyerWith(product, 1)).map(buyer -> {
            carts.add(buyer);
            return null;
          });
        }
        // one more buyer with the product in the cart, who comes only after the sale is over
        return filled.compose(v -> shop.buyerWith(product, 1)).compose(latecomer -> adminToken().compose(admin ->
          postSale(admin, new JsonObject().put("product_ids", new JsonArray().add(product))
            .put("starts_at", Instant.now().plusSeconds(2).toString()).put("admit_per_second", 4))
          .compose(created -> {
            ctx.verify(() -> assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201));
            String saleId = created.bodyAsJsonObject().getString("id");
            // every checkout node hears of the sale
            return market.vertx.timer(600)
              .compose(v -> queueAll(carts, tickets))
              // another buyer's ticket is worth nothing
              .compose(v -> checkout(carts.get(1), "k1", tickets.get(0)))
              .map(resp -> problem(resp, 403, "QUEUE_TICKET_INVALID"))
              .compose(v -> {
                AtomicInteger won = new AtomicInteger();
                AtomicInteger soldOut = new AtomicInteger();
                return rounds(carts, tickets, new boolean[buyers], won, soldOut, System.currentTimeMillis() + 120_000).map(v2 -> ctx.verify(() -> {
                  assertThat(won.get()).isEqualTo(units);
                  assertThat(soldOut.get()).isEqualTo(buyers - units);
                }));
              })
              // once inventory's set says so, a cart addition is refused from memory
              .compose(v -> shop.token("buyer"))
              .compose(late -> market.http.post("/api/v1/cart/items").bearerTokenAuthentication(late)
                .sendJsonObject(new JsonObject().put("product_id", product).put("quantity", 1)))
              .map(add -> problem(add, 409, "OUT_OF_STOCK"))
              // and so is the latecomer's checkout: from memory, before any saga row, so the sale counts it (the
              // racers' refusals may all have been inventory's answers to sagas, had the flag not spread yet)
              .compose(v -> checkout(latecomer, "late", null))
              .map(resp -> problem(resp, 409, "OUT_OF_STOCK"))
              .compose(v -> operatorsView(admin, saleId))
              .map(v -> ctx.verify(() -> {
                assertThat(v.getString("status")).isEqualTo("SOLD_OUT");
                assertThat(v.getLong("admitted")).isGreaterThanOrEqualTo(units);
                assertThat(v.getLong("available")).isZero();
                assertThat(v.getJsonObject("refused").getLong("QUEUE_TICKET_INVALID")).isEqualTo(1);
                // refusals made before a saga row (sold-out set, waiting room); a reserve that lost the race in
                // inventory before the flag spread is the saga's answer and not counted here
                long outOfStock = v.getJsonObject("refused").getLong("OUT_OF_STOCK", 0L) + v.getJsonObject("refused").getLong("SOLD_OUT", 0L);
                assertThat(outOfStock).isGreaterThanOrEqualTo(1);
              }));
          })));
      })
      .compose(v -> ShopClient.auditEventuallyOk(market.vertx, market.config.getJsonObject("pg").getString("url")))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** Everyone arrives at once, one checkout after the other: all queued, numbered in order, nothing written. */
  private static Future<Void> queueAll(List<String[]> carts, Map<Integer, String> tickets) {
    Future<Void> chain = Future.succeededFuture();
    for (int n = 0; n < carts.size(); n++) {
      int i = n;
      chain = chain.compose(v -> checkout(carts.get(i), "k" + i, null)).map(queued -> {
        assertThat(queued.statusCode()).as(queued.bodyAsString()).isEqualTo(202);
        assertThat(queued.getHeader("Retry-After")).isNotNull();
        JsonObject body = queued.bodyAsJsonObject();
        assertThat(body.getLong("position")).isPositive();
        // tickets are numbered in arrival order
        assertThat(Long.parseLong(body.getString("queue_ticket").split("\\.")[1])).isEqualTo(i + 1);
        tickets.put(i, body.getString("queue_ticket"));
        return null;
      });
    }
    return chain;
  }

  /** Rounds of checkouts with the tickets, buyer after buyer, 50 ms apart, until every buyer won or was told sold out. */
  private static Future<Void> rounds(List<String[]> carts, Map<Integer, String> tickets, boolean[] done, AtomicInteger won,
                                     AtomicInteger soldOut, long deadline) {
    if (won.get() + soldOut.get() >= carts.size() || System.currentTimeMillis() >= deadline) {
      return Future.succeededFuture();
    }
    Future<Void> round = Future.succeededFuture();
    for (int n = 0; n < carts.size(); n++) {
      int i = n;
      round = round.compose(v -> {
        if (done[i]) {
          return Future.succeededFuture();
        }
        return checkout(carts.get(i), "k" + i, tickets.get(i)).map(resp -> {
          if (resp.statusCode() == 201) {
            won.incrementAndGet();
            done[i] = true;
          } else if (resp.statusCode() == 409) {
            assertThat(resp.bodyAsJsonObject().getString("code")).isEqualTo("OUT_OF_STOCK");
            soldOut.incrementAndGet();
            done[i] = true;
          } else {
            assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(202);
          }
          return null;
        });
      });
    }
    return round.compose(v -> market.vertx.timer(50)).compose(v -> rounds(carts, tickets, done, won, soldOut, deadline));
  }

  /** The operator's view once refusal reports reached sales on the checkout nodes' report timer (up to 15 s); every read is 200. */
  private static Future<JsonObject> operatorsView(String admin, String saleId) {
    AtomicReference<JsonObject> last = new AtomicReference<>();
    return Waits.holds(market.vertx, "the sale counts the refusals", 15_000, () ->
        market.http.get("/api/v1/admin/sales/" + saleId).bearerTokenAuthentication(admin).send().map(view -> {
          assertThat(view.statusCode()).as(view.bodyAsString()).isEqualTo(200);
          JsonObject v = view.bodyAsJsonObject();
          last.set(v);
          JsonObject refused = v.getJsonObject("refused");
          return refused.getLong("QUEUE_TICKET_INVALID", 0L) >= 1
            && refused.getLong("OUT_OF_STOCK", 0L) + refused.getLong("SOLD_OUT", 0L) >= 1;
        }))
      .map(held -> last.get());
  }
}
