package dev.marketplace.auth;

import dev.marketplace.contracts.Components;
import dev.marketplace.platform.ComponentVerticle;

/** The auth component. */
public class AuthVerticle extends ComponentVerticle {

  @Override
  protected String name() {
    return Components.AUTH;
  }
}
