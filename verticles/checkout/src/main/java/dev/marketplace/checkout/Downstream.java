package dev.marketplace.checkout;

/**
 * The operations of other components the saga calls, per docs/CONTRACTS.md. Written out here
 * because a component never depends on another's module; the names are the contract.
 */
final class Downstream {
  static final String CART_CHECKOUT_VIEW = "cart.checkout-view";
  static final String CART_CLEAR = "cart.clear";
  static final String ORDERS_CREATE = "orders.create";
  static final String ORDERS_TRANSITION = "orders.transition";
  static final String ORDERS_GET = "orders.get";
  static final String INVENTORY_RESERVE = "inventory.reserve";
  static final String INVENTORY_COMMIT = "inventory.commit";
  static final String INVENTORY_RELEASE = "inventory.release";

  private Downstream() {
  }
}
