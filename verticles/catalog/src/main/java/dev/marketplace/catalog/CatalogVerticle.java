package dev.marketplace.catalog;

import dev.marketplace.contracts.Components;
import dev.marketplace.platform.ComponentVerticle;

/** The catalog component. */
public class CatalogVerticle extends ComponentVerticle {

  @Override
  protected boolean publishesEvents() {
    return true;
  }

  @Override
  protected String name() {
    return Components.CATALOG;
  }
}
