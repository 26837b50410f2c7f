package dev.marketplace.contracts.notification;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The notification component's operations (what each one means: {@link NotificationAddresses}).
 * {@code NotificationApi.over(client)} is the client; notification registers its handlers from the
 * same {@link Operation}s. Only the gateway calls them, with the HTTP JSON of the routes
 * {@code /notifications}, {@code /me/notification-preferences} and {@code /admin/notifications}:
 * requests and replies travel as those documents, checked by notification (caller first).
 */
public interface NotificationApi extends Invoker {

  /** {@code {limit?, cursor?, channel?}} (+ caller) → {@code {items:[notification], next_cursor}}. */
  Operation<JsonObject, JsonObject> LIST = Operation.of(NotificationAddresses.LIST, Codec.DOCUMENT, Codec.DOCUMENT);
  /** {@code {}} (+ caller) → {@code {language, channels:{email, sms, push}}}. */
  Operation<JsonObject, JsonObject> PREFERENCES_GET = Operation.of(NotificationAddresses.PREFERENCES_GET, Codec.DOCUMENT, Codec.DOCUMENT);
  /** {@code {language, channels:{email, sms, push}}} (+ caller) → the preferences. */
  Operation<JsonObject, JsonObject> PREFERENCES_PUT = Operation.of(NotificationAddresses.PREFERENCES_PUT, Codec.DOCUMENT, Codec.DOCUMENT);
  /** {@code {limit?}} (admin) → {@code {items}}. */
  Operation<JsonObject, JsonObject> PARKED_LIST = Operation.of(NotificationAddresses.PARKED_LIST, Codec.DOCUMENT, Codec.DOCUMENT);
  /** {@code {notification_id}} (admin) → the notification. */
  Operation<JsonObject, JsonObject> REPLAY = Operation.of(NotificationAddresses.REPLAY, Codec.DOCUMENT, Codec.DOCUMENT);

  static NotificationApi over(Invoker bus) {
    return bus::call;
  }

  default Future<JsonObject> list(JsonObject request) {
    return call(LIST, request);
  }

  default Future<JsonObject> preferences() {
    return call(PREFERENCES_GET, new JsonObject());
  }

  default Future<JsonObject> putPreferences(JsonObject preferences) {
    return call(PREFERENCES_PUT, preferences);
  }

  default Future<JsonObject> parked(JsonObject request) {
    return call(PARKED_LIST, request);
  }

  default Future<JsonObject> replay(JsonObject request) {
    return call(REPLAY, request);
  }
}
