package dev.marketplace.app.e2e;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Carts through the public HTTP API of the whole marketplace: real auth tokens, real catalog
 * listings and prices. Checkout's internal view of a cart is covered by the cart component's tests.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class CartE2ETest {
  private static final String PASSWORD = "Correct-Horse-9";
  private static final String CART_ID = "X-Cart-Id";
  private static MarketplaceHarness market;
  private static String seller;
  private static Object categoryId;

  @BeforeAll
  static void up(VertxTestContext ctx) {
    MarketplaceHarness.start()
      .compose(started -> {
        market = started;
        return signUp("seller");
      })
      .compose(token -> {
        seller = token;
        return market.http.get("/api/v1/catalog/categories").send();
      })
      .map(resp -> {
        JsonArray roots = resp.bodyAsJsonObject().getJsonArray("categories");
        JsonObject leaf = roots.getJsonObject(0);
        while (!leaf.getJsonArray("children", new JsonArray()).isEmpty()) {
          leaf = leaf.getJsonArray("children").getJsonObject(0);
        }
        categoryId = leaf.getValue("id");
        return null;
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    MarketplaceHarness.close(market).onComplete(ctx.succeedingThenComplete());
  }

  /** Registers and logs in a new user; returns the access token. */
  private static Future<String> signUp(String role) {
    String email = "cart-" + UUID.randomUUID() + "@example.com";
    return market.http.post("/api/v1/auth/register")
      .sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD).put("name", "Cart Tester").put("role", role))
      .compose(registered -> {
        assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
        return market.http.post("/api/v1/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD));
      })
      .map(login -> {
        assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
        return login.bodyAsJsonObject().getString("access_token");
      });
  }

  private static JsonObject listing(String title, long kopecks) {
    return new JsonObject().put("title", title).put("description", "A product for cart tests").put("brand", "Cartbrand")
      .put("category_id", categoryId).put("price", rub(kopecks)).put("attributes", new JsonObject());
  }

  private static Future<String> listProduct(String title, long kopecks) {
    return market.http.post("/api/v1/seller/products").bearerTokenAuthentication(seller).sendJsonObject(listing(title, kopecks)).map(created -> {
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      return created.bodyAsJsonObject().getString("id");
    });
  }

  private static Future<Void> reprice(String productId, String title, long kopecks) {
    return market.http.put("/api/v1/seller/products/" + productId).bearerTokenAuthentication(seller).sendJsonObject(listing(title, kopecks))
      .map(updated -> {
        assertThat(updated.statusCode()).as(updated.bodyAsString()).isEqualTo(200);
        return null;
      });
  }

  private static JsonObject rub(long kopecks) {
    return new JsonObject().put("amount", kopecks).put("currency", "RUB");
  }

  private static JsonObject item(String productId, Object quantity) {
    return new JsonObject().put("product_id", productId).put("quantity", quantity);
  }

  /** A request as a guest (cartId may be null) or a user (token may be null). */
  private static HttpRequest<Buffer> request(HttpMethod method, String path, String token, String cartId) {
    HttpRequest<Buffer> request = market.http.request(method, "/api/v1" + path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    if (cartId != null) {
      request.putHeader(CART_ID, cartId);
    }
    return request;
  }

  private static Future<HttpResponse<Buffer>> send(HttpMethod method, String path, String token, String cartId, JsonObject body) {
    HttpRequest<Buffer> request = request(method, path, token, cartId);
    return body == null ? request.send() : request.sendJsonObject(body);
  }

  private static JsonObject ok(HttpResponse<Buffer> resp) {
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isBetween(200, 201);
    return resp.bodyAsJsonObject();
  }

  private static JsonObject line(JsonObject cart, String productId) {
    return cart.getJsonArray("items").stream().map(o -> (JsonObject) o)
      .filter(l -> l.getString("product_id").equals(productId)).findFirst().orElseThrow();
  }

  private static JsonObject problem(HttpResponse<Buffer> resp, int status, String code) {
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(status);
    assertThat(resp.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = resp.bodyAsJsonObject();
    assertThat(problem.getString("code")).isEqualTo(code);
    return problem;
  }

  @Test
  void aGuestShopsSeesAPriceChangeAcceptsItAndTheCartMergesIntoTheBuyersOnLogin(VertxTestContext ctx) {
    listProduct("Kettle", 350_000).compose(kettle -> listProduct("Toaster", 520_000).compose(toaster ->
      send(HttpMethod.GET, "/cart", null, null, null)
        .map(resp -> ctx.verify(() -> assertThat(ok(resp).getValue("id")).isNull()))
        .compose(v -> send(HttpMethod.POST, "/cart/items", null, null, item(kettle, 2)))
        .compose(first -> {
          String guestCart = first.getHeader(CART_ID);
          ctx.verify(() -> {
            assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
            assertThat(guestCart).isEqualTo(first.bodyAsJsonObject().getString("id")).hasSize(43);
          });
          return reprice(kettle, "Kettle", 330_000)
            .compose(v -> send(HttpMethod.GET, "/cart", null, guestCart, null))
            .map(resp -> ctx.verify(() -> {
              JsonObject seen = ok(resp);
              assertThat(line(seen, kettle).getJsonObject("price")).isEqualTo(rub(330_000));
              assertThat(line(seen, kettle).getJsonObject("seen_price")).isEqualTo(rub(350_000));
              assertThat(line(seen, kettle).getBoolean("price_changed")).isTrue();
              assertThat(seen.getJsonObject("total")).isEqualTo(rub(660_000));
            }))
            .compose(v -> send(HttpMethod.POST, "/cart/accept-prices", null, guestCart, new JsonObject().put("items",
              new JsonArray().add(new JsonObject().put("product_id", kettle).put("price", rub(330_000))))))
            .map(resp -> ctx.verify(() -> assertThat(ok(resp).getBoolean("price_changed")).isFalse()))
            .compose(v -> signUp("buyer"))
            .compose(buyer -> send(HttpMethod.POST, "/cart/items", buyer, null, item(kettle, 1)).map(CartE2ETest::ok)
              .compose(own -> send(HttpMethod.POST, "/cart/items", buyer, null, item(toaster, 1)).map(CartE2ETest::ok)
                .compose(v -> send(HttpMethod.POST, "/cart/merge", null, guestCart, null))
                .map(resp -> problem(resp, 401, "UNAUTHORIZED"))
                .compose(v -> send(HttpMethod.POST, "/cart/merge", buyer, guestCart, null))
                .map(resp -> ctx.verify(() -> {
                  JsonObject merged = ok(resp);
                  assertThat(merged.getString("id")).isEqualTo(own.getString("id"));
                  assertThat(line(merged, kettle).getInteger("quantity")).isEqualTo(3);
                  assertThat(line(merged, toaster).getInteger("quantity")).isEqualTo(1);
                })))
              .compose(v -> send(HttpMethod.GET, "/cart", null, guestCart, null))
              .map(resp -> problem(resp, 404, "NOT_FOUND"))
              .compose(v -> market.http.delete("/api/v1/seller/products/" + toaster).bearerTokenAuthentication(seller).send())
              .map(deleted -> ctx.verify(() -> assertThat(deleted.statusCode()).isEqualTo(204)))
              .compose(v -> send(HttpMethod.GET, "/cart", buyer, null, null))
              .map(resp -> ctx.verify(() -> {
                JsonObject afterDelete = ok(resp);
                assertThat(line(afterDelete, toaster).getBoolean("deleted")).isTrue();
                assertThat(afterDelete.getJsonObject("total")).isEqualTo(rub(3 * 330_000));
              }))
              .compose(v -> send(HttpMethod.DELETE, "/cart/items/" + toaster, buyer, null, null))
              .map(resp -> ctx.verify(() -> assertThat(ok(resp).getJsonArray("items")).hasSize(1))));
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void oneBuyerCannotReadOrChangeAnothersCart(VertxTestContext ctx) {
    listProduct("Lamp", 99_000).compose(lamp -> signUp("buyer").compose(alice -> signUp("buyer").compose(bob ->
      send(HttpMethod.POST, "/cart/items", alice, null, item(lamp, 2)).map(resp -> ok(resp).getString("id")).compose(alicesCart ->
        send(HttpMethod.GET, "/cart", bob, alicesCart, null)
          .map(resp -> ctx.verify(() -> assertThat(ok(resp).getJsonArray("items")).isEmpty()))
          .compose(v -> send(HttpMethod.PATCH, "/cart/items/" + lamp, bob, alicesCart, new JsonObject().put("quantity", 9)))
          .map(resp -> problem(resp, 404, "NOT_FOUND"))
          .compose(v -> send(HttpMethod.DELETE, "/cart/items/" + lamp, bob, null, null))
          .map(resp -> problem(resp, 404, "NOT_FOUND"))
          .compose(v -> send(HttpMethod.GET, "/cart", null, alicesCart, null))
          .map(resp -> problem(resp, 404, "NOT_FOUND"))
          .compose(v -> send(HttpMethod.PATCH, "/cart/items/" + lamp, null, alicesCart, new JsonObject().put("quantity", 9)))
          .map(resp -> problem(resp, 404, "NOT_FOUND"))
          .compose(v -> send(HttpMethod.POST, "/cart/merge", bob, alicesCart, null))
          .map(resp -> problem(resp, 404, "NOT_FOUND"))
          .compose(v -> send(HttpMethod.GET, "/cart", alice, null, null))
          .map(resp -> ctx.verify(() -> {
            JsonObject alicesView = ok(resp);
            assertThat(line(alicesView, lamp).getInteger("quantity")).isEqualTo(2);
            assertThat(alicesView.getString("id")).isEqualTo(alicesCart);
          }))))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void badQuantitiesUnknownProductsAndMalformedRequestsAreClearProblems(VertxTestContext ctx) {
    listProduct("Mug", 45_000).compose(mug -> signUp("buyer").compose(buyer -> {
      Future<Void> chain = Future.succeededFuture();
      for (Object quantity : new Object[] {0, -1, 2.5, 1e30, 100, "3", new java.math.BigInteger("99999999999999999999999")}) {
        chain = chain.compose(v -> send(HttpMethod.POST, "/cart/items", buyer, null, item(mug, quantity))).map(resp -> {
          JsonObject invalid = problem(resp, 400, "VALIDATION_FAILED");
          assertThat(invalid.getJsonArray("errors").getJsonObject(0).getString("field")).as(String.valueOf(quantity)).isEqualTo("quantity");
          return null;
        });
      }
      return chain
        .compose(v -> send(HttpMethod.POST, "/cart/items", buyer, null, item(UUID.randomUUID().toString(), 1)))
        .map(resp -> problem(resp, 404, "NOT_FOUND"))
        .compose(v -> send(HttpMethod.POST, "/cart/items", buyer, null, item(mug, 1).put("price", rub(1))))
        .map(resp -> problem(resp, 400, "VALIDATION_FAILED"))
        .compose(v -> request(HttpMethod.POST, "/cart/items", buyer, null).putHeader("Content-Type", "application/json")
          .sendBuffer(Buffer.buffer("{\"product_id\":")))
        .map(resp -> problem(resp, 400, "MALFORMED_REQUEST"))
        .compose(v -> send(HttpMethod.POST, "/cart/items", buyer, null, item(mug, 1)))
        .map(CartE2ETest::ok)
        .compose(v -> send(HttpMethod.PATCH, "/cart/items/not-a-uuid", buyer, null, new JsonObject().put("quantity", 2)))
        .map(resp -> problem(resp, 400, "VALIDATION_FAILED"))
        .compose(v -> send(HttpMethod.PATCH, "/cart/items/" + mug, buyer, null, new JsonObject().put("quantity", 0)))
        .map(resp -> problem(resp, 400, "VALIDATION_FAILED"))
        .compose(v -> send(HttpMethod.GET, "/cart", buyer, null, null))
        .map(resp -> ctx.verify(() -> assertThat(line(ok(resp), mug).getInteger("quantity")).isEqualTo(1)));
    })).onComplete(ctx.succeedingThenComplete());
  }
}
