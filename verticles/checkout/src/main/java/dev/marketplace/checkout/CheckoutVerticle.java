package dev.marketplace.checkout;

import dev.marketplace.contracts.Components;
import dev.marketplace.platform.ComponentVerticle;

/** The checkout component. */
public class CheckoutVerticle extends ComponentVerticle {

  @Override
  protected String name() {
    return Components.CHECKOUT;
  }
}
