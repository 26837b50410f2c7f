package dev.marketplace.payment;

import dev.marketplace.contracts.Components;
import dev.marketplace.platform.ComponentVerticle;

/** The payment component. */
public class PaymentVerticle extends ComponentVerticle {

  @Override
  protected boolean publishesEvents() {
    return true;
  }

  @Override
  protected String name() {
    return Components.PAYMENT;
  }
}
