package dev.marketplace.contracts.orders;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The order state machine of the contract: every allowed transition and nothing else. */
public enum OrderStatus {
  NEW, RESERVED, PENDING_PAYMENT, PAID, SHIPPED, DELIVERED, CANCELLED, REFUNDED;

  private static final Map<OrderStatus, Set<OrderStatus>> NEXT = Map.of(
    NEW, EnumSet.of(RESERVED, CANCELLED),
    RESERVED, EnumSet.of(PENDING_PAYMENT, CANCELLED),
    PENDING_PAYMENT, EnumSet.of(PAID, CANCELLED),
    PAID, EnumSet.of(SHIPPED, CANCELLED),
    SHIPPED, EnumSet.of(DELIVERED),
    DELIVERED, EnumSet.noneOf(OrderStatus.class),
    CANCELLED, EnumSet.of(REFUNDED),
    REFUNDED, EnumSet.noneOf(OrderStatus.class));

  public boolean canMoveTo(OrderStatus next) {
    return NEXT.get(this).contains(next);
  }

  /** The states a buyer may cancel from. */
  public boolean buyerMayCancel() {
    return this == NEW || this == RESERVED || this == PENDING_PAYMENT || this == PAID;
  }

  /** The {@code orders.events} type announcing that an order reached this state. */
  public String eventType() {
    return switch (this) {
      case NEW -> "OrderCreated";
      case RESERVED -> "OrderReserved";
      case PENDING_PAYMENT -> "OrderAwaitingPayment";
      case PAID -> "OrderPaid";
      case SHIPPED -> "OrderShipped";
      case DELIVERED -> "OrderDelivered";
      case CANCELLED -> "OrderCancelled";
      case REFUNDED -> "OrderRefunded";
    };
  }

  public static OrderStatus parse(String s) {
    for (OrderStatus status : values()) {
      if (status.name().equals(s)) {
        return status;
      }
    }
    return null;
  }
}
