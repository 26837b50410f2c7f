package dev.marketplace.orders;

import dev.marketplace.contracts.Components;
import dev.marketplace.platform.ComponentVerticle;

/** The orders component. */
public class OrdersVerticle extends ComponentVerticle {

  @Override
  protected boolean publishesEvents() {
    return true;
  }

  @Override
  protected String name() {
    return Components.ORDERS;
  }
}
