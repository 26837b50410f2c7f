package dev.marketplace.contracts.notification;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The notification component's operations (what each one means: {@link NotificationAddresses}).
 * {@code NotificationApi.over(client)} is the client; notification registers its handlers from the
 * same {@link Operation}s. Only the gateway calls them, for the routes {@code /notifications},
 * {@code /me/notification-preferences} and {@code /admin/notifications}: the requests are records
 * ({@link NotificationRequests}) whose decoding is notification's whole reading of the body; the
 * caller travels as headers and is checked first. The replies are the HTTP JSON the gateway shows
 * as it is (a page of notifications, the preferences, a notification): documents.
 */
public interface NotificationApi extends Invoker {

  /** {@code {limit?, cursor?, channel?}} (+ caller) → {@code {items:[notification], next_cursor}}. */
  Operation<NotificationRequests.ListPage, JsonObject> LIST =
    Operation.of(NotificationAddresses.LIST, NotificationRequests.ListPage.CODEC, Codec.DOCUMENT);
  /** {@code {}} (strictly: any field is refused) (+ caller) → {@code {language, channels:{email, sms, push}}}. */
  Operation<Void, JsonObject> PREFERENCES_GET = Operation.of(NotificationAddresses.PREFERENCES_GET, Codec.NO_FIELDS, Codec.DOCUMENT);
  /** {@code {language, channels:{email, sms, push}}} (+ caller) → the preferences. */
  Operation<NotificationRequests.Preferences, JsonObject> PREFERENCES_PUT =
    Operation.of(NotificationAddresses.PREFERENCES_PUT, NotificationRequests.Preferences.CODEC, Codec.DOCUMENT);
  /** {@code {limit?}} (admin) → {@code {items}}. */
  Operation<NotificationRequests.Parked, JsonObject> PARKED_LIST =
    Operation.of(NotificationAddresses.PARKED_LIST, NotificationRequests.Parked.CODEC, Codec.DOCUMENT);
  /** {@code {notification_id}} (admin) → the notification. */
  Operation<NotificationRequests.NotificationRef, JsonObject> REPLAY =
    Operation.of(NotificationAddresses.REPLAY, NotificationRequests.NotificationRef.CODEC, Codec.DOCUMENT);

  static NotificationApi over(Invoker bus) {
    return bus::call;
  }

  default Future<JsonObject> list(NotificationRequests.ListPage request) {
    return call(LIST, request);
  }

  default Future<JsonObject> preferences() {
    return call(PREFERENCES_GET, null);
  }

  default Future<JsonObject> putPreferences(NotificationRequests.Preferences preferences) {
    return call(PREFERENCES_PUT, preferences);
  }

  default Future<JsonObject> parked(NotificationRequests.Parked request) {
    return call(PARKED_LIST, request);
  }

  default Future<JsonObject> replay(NotificationRequests.NotificationRef request) {
    return call(REPLAY, request);
  }
}
