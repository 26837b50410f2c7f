package dev.marketplace.notification;

import dev.marketplace.contracts.notification.NotificationAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Live push: publishes to {@code notification.push.<user_id>}, where only that user's open
 * streams (the gateway's SSE handler) listen. A user who is not connected misses the live banner
 * but finds the notification in the history.
 */
final class PushChannel implements DeliveryChannel {
  private final Vertx vertx;

  PushChannel(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public String name() {
    return PUSH;
  }

  @Override
  public Future<String> send(JsonObject notification) {
    JsonObject payload = new JsonObject()
      .put("id", notification.getString("id"))
      .put("template", notification.getString("template"))
      .put("event_type", notification.getString("event_type"))
      .put("order_id", notification.getString("order_id"))
      .put("language", notification.getString("language"))
      .put("subject", notification.getString("subject"))
      .put("body", notification.getString("body"))
      .put("created_at", notification.getString("created_at"));
    vertx.eventBus().publish(NotificationAddresses.push(notification.getString("user_id")), payload);
    return Future.succeededFuture("event_bus");
  }
}
