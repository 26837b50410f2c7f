package dev.marketplace.notification;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** One way of reaching a user. Each channel has its own queue and job, so one failing holds up no other. */
interface DeliveryChannel {
  String EMAIL = "email";
  String SMS = "sms";
  String PUSH = "push";

  String name();

  /**
   * Sends one notification (a row as {@link NotificationRepository} returns it).
   *
   * @return how it went out ({@code smtp}, {@code local_outbox}, {@code sms_gateway}, {@code event_bus});
   *     a failed future means "try again later"
   */
  Future<String> send(JsonObject notification);

  default Future<Void> close() {
    return Future.succeededFuture();
  }
}
