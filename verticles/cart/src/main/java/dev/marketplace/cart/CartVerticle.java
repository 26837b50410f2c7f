package dev.marketplace.cart;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.contracts.cart.CartApi;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.bus.Access;
import dev.marketplace.platform.stock.SoldOutView;
import io.vertx.core.Future;

/**
 * The cart component: guest and user carts at live catalog prices, merge on login, the checkout's
 * view of a cart, and the job that deletes abandoned guest carts. Operations: {@link CartAddresses}.
 * Settings: {@link CartSettings}.
 */
public class CartVerticle extends ComponentVerticle {
  private GuestCartExpiryJob expiryJob;
  private SoldOutView soldOut;

  @Override
  protected String name() {
    return Components.CART;
  }

  @Override
  protected Class<?> api() {
    return CartApi.class;
  }

  @Override
  protected Future<?> startComponent() {
    CartSettings settings = CartSettings.from(section());
    Neighbours neighbours = new Neighbours(vertx, busTimeoutMs(), settings.availabilityTimeoutMs());
    soldOut = new SoldOutView(section().getLong("sold_out_stale_ms", 3000L));
    CartService service = new CartService(pool, neighbours, settings, soldOut);
    // requests decoded within this cart's limits; the caller, guest cart and request id are the message's headers
    serve(CartApi.GET, (none, msg) -> service.get(msg));
    serve(CartApi.addItemWithin(settings.limits()), service::addItem);
    serve(CartApi.updateItemWithin(settings.limits()), service::updateItem);
    serve(CartApi.REMOVE_ITEM, service::removeItem);
    serve(CartApi.acceptPricesWithin(settings.limits()), service::acceptPrices);
    // a user only, checked before the body is read
    serve(CartApi.MERGE, Access.USER, service::merge);
    serve(CartApi.CHECKOUT_VIEW, service::checkoutView);
    serve(CartApi.CLEAR, (request, msg) -> service.clear(request));
    expiryJob = new GuestCartExpiryJob(vertx, pool, settings);
    expiryJob.start();
    return soldOut.start(vertx);
  }

  @Override
  protected Future<?> stopComponent() {
    if (expiryJob != null) {
      expiryJob.stop();
    }
    return soldOut == null ? Future.succeededFuture() : soldOut.stop();
  }
}
