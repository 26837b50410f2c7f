package dev.marketplace.contracts;

import java.util.List;

/** Names of the components: module names, config sections and the prefix of their bus addresses. */
public final class Components {
  public static final String GATEWAY = "gateway";
  public static final String AUTH = "auth";
  public static final String CATALOG = "catalog";
  public static final String CART = "cart";
  public static final String INVENTORY = "inventory";
  public static final String ORDERS = "orders";
  public static final String PAYMENT = "payment";
  public static final String NOTIFICATION = "notification";
  public static final String CHECKOUT = "checkout";
  public static final String BANK = "bank";
  /** Big sales: the waiting room and its operator's view. */
  public static final String SALES = "sales";

  /** The platform components behind the gateway (the bank simulator is outside the platform). */
  public static final List<String> BACKEND = List.of(AUTH, CATALOG, CART, INVENTORY, ORDERS, PAYMENT, NOTIFICATION, CHECKOUT, SALES);

  /** Every component in start order: the back end first, the gateway once they answer. */
  public static final List<String> ALL = List.of(AUTH, CATALOG, CART, INVENTORY, ORDERS, PAYMENT, NOTIFICATION, CHECKOUT, SALES, BANK, GATEWAY);

  private Components() {
  }
}
