package dev.marketplace.contracts;

import java.util.List;

/** Kafka topics. Key = aggregate id, value = an {@link EventEnvelope} as JSON. */
public final class Topics {
  public static final String ORDERS_EVENTS = "orders.events";
  public static final String PAYMENTS_EVENTS = "payments.events";
  public static final String INVENTORY_EVENTS = "inventory.events";
  public static final String CATALOG_EVENTS = "catalog.events";

  /** Internal, compacted: the outbox relays' high-water marks, written in the same Kafka transaction as the events. */
  public static final String OUTBOX_WATERMARKS = "marketplace.outbox-watermarks";

  public static final List<String> DOMAIN = List.of(ORDERS_EVENTS, PAYMENTS_EVENTS, INVENTORY_EVENTS, CATALOG_EVENTS);

  private Topics() {
  }
}
