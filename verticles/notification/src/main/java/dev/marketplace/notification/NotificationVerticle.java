package dev.marketplace.notification;

import dev.marketplace.contracts.Components;
import dev.marketplace.platform.ComponentVerticle;

/** The notification component. */
public class NotificationVerticle extends ComponentVerticle {

  @Override
  protected String name() {
    return Components.NOTIFICATION;
  }
}
