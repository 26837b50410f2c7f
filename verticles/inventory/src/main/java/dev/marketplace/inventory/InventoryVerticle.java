package dev.marketplace.inventory;

import dev.marketplace.contracts.Components;
import dev.marketplace.platform.ComponentVerticle;

/** The inventory component. */
public class InventoryVerticle extends ComponentVerticle {

  @Override
  protected boolean publishesEvents() {
    return true;
  }

  @Override
  protected String name() {
    return Components.INVENTORY;
  }
}
