package dev.marketplace.app.e2e;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Carts through the public HTTP API of the whole marketplace: real auth tokens, real catalog
 * listings and prices. Checkout's internal view of a cart is covered by the cart component's tests.
 */
class CartE2ETest {
  private static final String PASSWORD = "Correct-Horse-9";
  private static final String CART_ID = "X-Cart-Id";
  private static MarketplaceHarness market;
  private static String seller;
  private static Object categoryId;

  @BeforeAll
  static void up() throws Exception {
    market = MarketplaceHarness.start();
    seller = signUp("seller");
    JsonArray roots = await(market.http.get("/api/v1/catalog/categories").send()).bodyAsJsonObject().getJsonArray("categories");
    JsonObject leaf = roots.getJsonObject(0);
    while (!leaf.getJsonArray("children", new JsonArray()).isEmpty()) {
      leaf = leaf.getJsonArray("children").getJsonObject(0);
    }
    categoryId = leaf.getValue("id");
  }

  @AfterAll
  static void down() throws Exception {
    if (market != null) {
      market.close();
    }
  }

  /** Registers and logs in a new user; returns the access token. */
  private static String signUp(String role) throws Exception {
    String email = "cart-" + UUID.randomUUID() + "@example.com";
    HttpResponse<Buffer> registered = await(market.http.post("/api/v1/auth/register")
      .sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD).put("name", "Cart Tester").put("role", role)));
    assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> login = await(market.http.post("/api/v1/auth/login")
      .sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD)));
    assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
    return login.bodyAsJsonObject().getString("access_token");
  }

  private static JsonObject listing(String title, long kopecks) {
    return new JsonObject().put("title", title).put("description", "A product for cart tests").put("brand", "Cartbrand")
      .put("category_id", categoryId).put("price", rub(kopecks)).put("attributes", new JsonObject());
  }

  private static String listProduct(String title, long kopecks) throws Exception {
    HttpResponse<Buffer> created = await(market.http.post("/api/v1/seller/products").bearerTokenAuthentication(seller)
      .sendJsonObject(listing(title, kopecks)));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("id");
  }

  private static void reprice(String productId, String title, long kopecks) throws Exception {
    HttpResponse<Buffer> updated = await(market.http.put("/api/v1/seller/products/" + productId).bearerTokenAuthentication(seller)
      .sendJsonObject(listing(title, kopecks)));
    assertThat(updated.statusCode()).as(updated.bodyAsString()).isEqualTo(200);
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

  private static HttpResponse<Buffer> send(HttpMethod method, String path, String token, String cartId, JsonObject body) throws Exception {
    HttpRequest<Buffer> request = request(method, path, token, cartId);
    return await(body == null ? request.send() : request.sendJsonObject(body));
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
  void aGuestShopsSeesAPriceChangeAcceptsItAndTheCartMergesIntoTheBuyersOnLogin() throws Exception {
    String kettle = listProduct("Kettle", 350_000);
    String toaster = listProduct("Toaster", 520_000);

    JsonObject none = ok(send(HttpMethod.GET, "/cart", null, null, null));
    assertThat(none.getValue("id")).isNull();
    HttpResponse<Buffer> first = send(HttpMethod.POST, "/cart/items", null, null, item(kettle, 2));
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
    String guestCart = first.getHeader(CART_ID);
    assertThat(guestCart).isEqualTo(first.bodyAsJsonObject().getString("id")).hasSize(43);

    reprice(kettle, "Kettle", 330_000);
    JsonObject seen = ok(send(HttpMethod.GET, "/cart", null, guestCart, null));
    assertThat(line(seen, kettle).getJsonObject("price")).isEqualTo(rub(330_000));
    assertThat(line(seen, kettle).getJsonObject("seen_price")).isEqualTo(rub(350_000));
    assertThat(line(seen, kettle).getBoolean("price_changed")).isTrue();
    assertThat(seen.getJsonObject("total")).isEqualTo(rub(660_000));
    JsonObject accepted = ok(send(HttpMethod.POST, "/cart/accept-prices", null, guestCart, new JsonObject().put("items",
      new JsonArray().add(new JsonObject().put("product_id", kettle).put("price", rub(330_000))))));
    assertThat(accepted.getBoolean("price_changed")).isFalse();

    String buyer = signUp("buyer");
    JsonObject own = ok(send(HttpMethod.POST, "/cart/items", buyer, null, item(kettle, 1)));
    ok(send(HttpMethod.POST, "/cart/items", buyer, null, item(toaster, 1)));
    problem(send(HttpMethod.POST, "/cart/merge", null, guestCart, null), 401, "UNAUTHORIZED");
    JsonObject merged = ok(send(HttpMethod.POST, "/cart/merge", buyer, guestCart, null));

    assertThat(merged.getString("id")).isEqualTo(own.getString("id"));
    assertThat(line(merged, kettle).getInteger("quantity")).isEqualTo(3);
    assertThat(line(merged, toaster).getInteger("quantity")).isEqualTo(1);
    problem(send(HttpMethod.GET, "/cart", null, guestCart, null), 404, "NOT_FOUND");

    HttpResponse<Buffer> deleted = await(market.http.delete("/api/v1/seller/products/" + toaster).bearerTokenAuthentication(seller).send());
    assertThat(deleted.statusCode()).isEqualTo(204);
    JsonObject afterDelete = ok(send(HttpMethod.GET, "/cart", buyer, null, null));
    assertThat(line(afterDelete, toaster).getBoolean("deleted")).isTrue();
    assertThat(afterDelete.getJsonObject("total")).isEqualTo(rub(3 * 330_000));
    JsonObject cleaned = ok(send(HttpMethod.DELETE, "/cart/items/" + toaster, buyer, null, null));
    assertThat(cleaned.getJsonArray("items")).hasSize(1);
  }

  @Test
  void oneBuyerCannotReadOrChangeAnothersCart() throws Exception {
    String lamp = listProduct("Lamp", 99_000);
    String alice = signUp("buyer");
    String bob = signUp("buyer");
    String alicesCart = ok(send(HttpMethod.POST, "/cart/items", alice, null, item(lamp, 2))).getString("id");

    assertThat(ok(send(HttpMethod.GET, "/cart", bob, alicesCart, null)).getJsonArray("items")).isEmpty();
    problem(send(HttpMethod.PATCH, "/cart/items/" + lamp, bob, alicesCart, new JsonObject().put("quantity", 9)), 404, "NOT_FOUND");
    problem(send(HttpMethod.DELETE, "/cart/items/" + lamp, bob, null, null), 404, "NOT_FOUND");
    problem(send(HttpMethod.GET, "/cart", null, alicesCart, null), 404, "NOT_FOUND");
    problem(send(HttpMethod.PATCH, "/cart/items/" + lamp, null, alicesCart, new JsonObject().put("quantity", 9)), 404, "NOT_FOUND");
    problem(send(HttpMethod.POST, "/cart/merge", bob, alicesCart, null), 404, "NOT_FOUND");

    JsonObject alicesView = ok(send(HttpMethod.GET, "/cart", alice, null, null));
    assertThat(line(alicesView, lamp).getInteger("quantity")).isEqualTo(2);
    assertThat(alicesView.getString("id")).isEqualTo(alicesCart);
  }

  @Test
  void badQuantitiesUnknownProductsAndMalformedRequestsAreClearProblems() throws Exception {
    String mug = listProduct("Mug", 45_000);
    String buyer = signUp("buyer");
    for (Object quantity : new Object[] {0, -1, 2.5, 1e30, 100, "3", new java.math.BigInteger("99999999999999999999999")}) {
      JsonObject invalid = problem(send(HttpMethod.POST, "/cart/items", buyer, null, item(mug, quantity)), 400, "VALIDATION_FAILED");
      assertThat(invalid.getJsonArray("errors").getJsonObject(0).getString("field")).as(String.valueOf(quantity)).isEqualTo("quantity");
    }
    problem(send(HttpMethod.POST, "/cart/items", buyer, null, item(UUID.randomUUID().toString(), 1)), 404, "NOT_FOUND");
    problem(send(HttpMethod.POST, "/cart/items", buyer, null, item(mug, 1).put("price", rub(1))), 400, "VALIDATION_FAILED");
    problem(await(request(HttpMethod.POST, "/cart/items", buyer, null).putHeader("Content-Type", "application/json")
      .sendBuffer(Buffer.buffer("{\"product_id\":"))), 400, "MALFORMED_REQUEST");
    ok(send(HttpMethod.POST, "/cart/items", buyer, null, item(mug, 1)));
    problem(send(HttpMethod.PATCH, "/cart/items/not-a-uuid", buyer, null, new JsonObject().put("quantity", 2)), 400, "VALIDATION_FAILED");
    problem(send(HttpMethod.PATCH, "/cart/items/" + mug, buyer, null, new JsonObject().put("quantity", 0)), 400, "VALIDATION_FAILED");
    assertThat(line(ok(send(HttpMethod.GET, "/cart", buyer, null, null)), mug).getInteger("quantity")).isEqualTo(1);
  }
}
