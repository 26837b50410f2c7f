package dev.marketplace.app;

import dev.marketplace.auth.AuthVerticle;
import dev.marketplace.bank.BankVerticle;
import dev.marketplace.cart.CartVerticle;
import dev.marketplace.catalog.CatalogVerticle;
import dev.marketplace.checkout.CheckoutVerticle;
import dev.marketplace.contracts.Components;
import dev.marketplace.gateway.GatewayVerticle;
import dev.marketplace.inventory.InventoryVerticle;
import dev.marketplace.notification.NotificationVerticle;
import dev.marketplace.orders.OrdersVerticle;
import dev.marketplace.payment.PaymentVerticle;
import dev.marketplace.sales.SalesVerticle;
import io.vertx.core.Deployable;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The one place that knows every component's verticle. */
final class ComponentRegistry {
  static final Map<String, Supplier<? extends Deployable>> VERTICLES = new LinkedHashMap<>();

  static {
    VERTICLES.put(Components.AUTH, AuthVerticle::new);
    VERTICLES.put(Components.CATALOG, CatalogVerticle::new);
    VERTICLES.put(Components.CART, CartVerticle::new);
    VERTICLES.put(Components.INVENTORY, InventoryVerticle::new);
    VERTICLES.put(Components.ORDERS, OrdersVerticle::new);
    VERTICLES.put(Components.PAYMENT, PaymentVerticle::new);
    VERTICLES.put(Components.NOTIFICATION, NotificationVerticle::new);
    VERTICLES.put(Components.CHECKOUT, CheckoutVerticle::new);
    VERTICLES.put(Components.SALES, SalesVerticle::new);
    VERTICLES.put(Components.BANK, BankVerticle::new);
    VERTICLES.put(Components.GATEWAY, GatewayVerticle::new);
  }

  private ComponentRegistry() {
  }
}
