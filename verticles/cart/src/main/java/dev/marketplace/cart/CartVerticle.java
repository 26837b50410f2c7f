package dev.marketplace.cart;

import dev.marketplace.contracts.Components;
import dev.marketplace.platform.ComponentVerticle;

/** The cart component. */
public class CartVerticle extends ComponentVerticle {

  @Override
  protected String name() {
    return Components.CART;
  }
}
