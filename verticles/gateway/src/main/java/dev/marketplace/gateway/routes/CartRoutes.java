package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.contracts.cart.CartApi;
import dev.marketplace.contracts.cart.CartLimits;
import dev.marketplace.contracts.cart.CartRequests;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.ProblemResponses;
import dev.marketplace.gateway.RouteModule;
import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.platform.bus.RequestIds;
import dev.marketplace.platform.bus.BusClient;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import static dev.marketplace.gateway.GatewayContext.API;

/**
 * The cart: guests (with the server-issued {@code X-Cart-Id}) and users (by their token) alike.
 * The guest id travels to the cart component as the {@code x-cart-id} bus header; for a signed-in
 * caller the component uses the user's cart and ignores it. Replies are the cart view
 * ({@link CartAddresses}); a guest's response carries its id in {@code X-Cart-Id} and {@code id};
 * the write that creates a cart answers 201.
 *
 * <p>Every request is sent again to another node when an attempt gets no answer in time: reads are
 * safe to repeat, and each write carries a request id of its own ({@code x-request-id}, the same
 * on every attempt) by which the cart applies it once.
 */
public final class CartRoutes implements RouteModule {
  public static final String CART_ID_HEADER = "X-Cart-Id";

  @Override
  public void mount(Router router, GatewayContext gateway) {
    // bodies are decoded here with the cart's own codecs and limits (the cart config section), so a
    // malformed one is the 400 the cart would answer, without a trip to it
    CartLimits limits = CartLimits.from(gateway.config().getJsonObject("cart"));
    Operation<CartRequests.ItemQuantity, JsonObject> addItem = CartApi.addItemWithin(limits);
    Operation<CartRequests.ItemQuantity, JsonObject> updateItem = CartApi.updateItemWithin(limits);
    Operation<CartRequests.AcceptPrices, JsonObject> acceptPrices = CartApi.acceptPricesWithin(limits);
    router.get(API + "/cart").handler(Access.anyone()).handler(ctx -> answer(ctx, cart(ctx, gateway).get()));
    router.post(API + "/cart/items").handler(Access.anyone()).handler(ctx ->
      answer(ctx, cart(ctx, gateway).addItem(addItem.decodeRequest(GatewayContext.jsonBody(ctx)))));
    router.patch(API + "/cart/items/:product_id").handler(Access.anyone()).handler(ctx ->
      answer(ctx, cart(ctx, gateway).updateItem(updateItem.decodeRequest(withPathProduct(ctx, GatewayContext.jsonBody(ctx))))));
    router.delete(API + "/cart/items/:product_id").handler(Access.anyone()).handler(ctx ->
      answer(ctx, cart(ctx, gateway).removeItem(CartApi.REMOVE_ITEM.decodeRequest(withPathProduct(ctx, new JsonObject())))));
    router.post(API + "/cart/accept-prices").handler(Access.anyone()).handler(ctx ->
      answer(ctx, cart(ctx, gateway).acceptPrices(acceptPrices.decodeRequest(GatewayContext.jsonBody(ctx)))));
    router.post(API + "/cart/merge").handler(Access.user()).handler(ctx -> answer(ctx, cart(ctx, gateway).merge(merge(ctx))));
  }

  /** The body with the product named by the path; the same field in the body would be ambiguous, so it is refused. */
  private static JsonObject withPathProduct(RoutingContext ctx, JsonObject body) {
    if (body.containsKey("product_id")) {
      throw JsonValidator.of(body).error("product_id", "is taken from the path, not the body").failure();
    }
    return body.put("product_id", ctx.pathParam("product_id"));
  }

  /** Merge takes the guest's id from its header (the cart checks it); a body, if any, must be an empty object. */
  private static CartRequests.Merge merge(RoutingContext ctx) {
    if (ctx.body().length() > 0) {
      JsonValidator.of(GatewayContext.jsonBody(ctx)).allowOnly().throwIfInvalid();
    }
    String guestId = ctx.request().getHeader(CART_ID_HEADER);
    if (guestId == null || guestId.isBlank()) {
      throw JsonValidator.of(new JsonObject()).error(CART_ID_HEADER, "is required: the guest cart to merge").failure();
    }
    return new CartRequests.Merge(guestId);
  }

  /**
   * The cart's client for this request: the guest's id as a bus header, every request repeated to
   * another node when an attempt is lost (a write with a request id of its own, the same on every
   * attempt).
   */
  private static CartApi cart(RoutingContext ctx, GatewayContext gateway) {
    BusClient client = gateway.client(ctx).retrying(gateway.attemptTimeoutMs())
      .withHeader(CartAddresses.GUEST_CART_HEADER, ctx.request().getHeader(CART_ID_HEADER));
    if (ctx.request().method() != HttpMethod.GET) {
      client = client.withHeader(BusHeaders.REQUEST_ID, RequestIds.newId());
    }
    return CartApi.over(client);
  }

  private static void answer(RoutingContext ctx, Future<JsonObject> reply) {
    reply.onComplete(ar -> {
      if (ar.failed()) {
        ProblemResponses.send(ctx, ar.cause());
        return;
      }
      JsonObject cart = ar.result();
      boolean created = Boolean.TRUE.equals(cart.remove("created"));
      if ("guest".equals(cart.getString("kind")) && cart.getString("id") != null) {
        ctx.response().putHeader(CART_ID_HEADER, cart.getString("id"));
      }
      // a cart is private to its owner: no shared cache may keep it
      ctx.response().putHeader("Cache-Control", "no-store");
      GatewayContext.sendJson(ctx, created ? 201 : 200, cart);
    });
  }
}
