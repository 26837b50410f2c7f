package dev.marketplace.notification;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/** The bus operations of {@code NotificationAddresses}: history, preferences, parked deliveries. */
final class NotificationService {
  private static final Set<String> CHANNELS = Set.of(DeliveryChannel.EMAIL, DeliveryChannel.SMS, DeliveryChannel.PUSH);
  private static final int DEFAULT_LIMIT = 50;
  private static final int MAX_LIMIT = 200;

  private final Vertx vertx;
  private final NotificationRepository repository;
  private final long busTimeoutMs;
  private final Consumer<String> kickChannel;

  NotificationService(Vertx vertx, NotificationRepository repository, long busTimeoutMs, Consumer<String> kickChannel) {
    this.vertx = vertx;
    this.repository = repository;
    this.busTimeoutMs = busTimeoutMs;
    this.kickChannel = kickChannel;
  }

  Future<JsonObject> list(Message<JsonObject> message) {
    String userId = Caller.of(message).requireUser();
    JsonValidator v = JsonValidator.of(message.body()).allowOnly("limit", "cursor", "channel");
    Long limit = v.optionalLong("limit", 1, MAX_LIMIT);
    String cursor = v.optionalString("cursor", 1, 19);
    Long before = null;
    if (cursor != null) {
      if (cursor.matches("[0-9]{1,18}")) {
        before = Long.parseLong(cursor);
      } else {
        v.error("cursor", "is not a cursor this service gave out");
      }
    }
    String channel = v.optionalEnum("channel", CHANNELS);
    v.throwIfInvalid();
    int pageSize = limit == null ? DEFAULT_LIMIT : limit.intValue();
    return repository.listForUser(userId, before, channel, pageSize + 1).map(rows -> {
      boolean more = rows.size() > pageSize;
      List<JsonObject> page = more ? rows.subList(0, pageSize) : rows;
      String nextCursor = more ? String.valueOf(page.get(page.size() - 1).getLong("seq")) : null;
      JsonArray items = new JsonArray();
      page.forEach(item -> {
        item.remove("seq");
        items.add(item);
      });
      return new JsonObject().put("items", items).put("next_cursor", nextCursor);
    });
  }

  Future<JsonObject> getPreferences(Message<JsonObject> message) {
    String userId = Caller.of(message).requireUser();
    JsonValidator.of(message.body()).allowOnly().throwIfInvalid();
    return repository.preferences(userId).compose(saved -> saved.isPresent()
      ? Future.succeededFuture(saved.get())
      // never saved: the defaults, in the language auth knows (ru when auth cannot say)
      : InboxProcessor.contact(vertx, busTimeoutMs, userId)
        .map(contact -> Preferences.defaults(contact.language()))
        .recover(err -> Future.succeededFuture(Preferences.defaults(null))));
  }

  Future<JsonObject> putPreferences(Message<JsonObject> message) {
    String userId = Caller.of(message).requireUser();
    JsonValidator v = JsonValidator.of(message.body()).allowOnly("language", "channels");
    String language = v.requiredString("language", 2, 2);
    if (language != null && !Templates.LANGUAGES.contains(language)) {
      v.error("language", "must be one of en, ru");
    }
    JsonValidator channels = v.requiredObject("channels").allowOnly(CHANNELS);
    Boolean email = requiredBoolean(channels, DeliveryChannel.EMAIL);
    Boolean sms = requiredBoolean(channels, DeliveryChannel.SMS);
    Boolean push = requiredBoolean(channels, DeliveryChannel.PUSH);
    v.throwIfInvalid();
    return repository.savePreferences(userId, language, email, sms, push)
      .map(Preferences.json(language, email, sms, push));
  }

  private static Boolean requiredBoolean(JsonValidator v, String field) {
    if (!v.has(field)) {
      v.error(field, "is required");
      return null;
    }
    return v.optionalBoolean(field);
  }

  Future<JsonObject> listParked(Message<JsonObject> message) {
    requireAdmin(message);
    JsonValidator v = JsonValidator.of(message.body()).allowOnly("limit");
    Long limit = v.optionalLong("limit", 1, MAX_LIMIT);
    v.throwIfInvalid();
    return repository.listParked(limit == null ? DEFAULT_LIMIT : limit.intValue()).map(rows -> {
      JsonArray items = new JsonArray();
      rows.forEach(item -> {
        item.remove("seq");
        items.add(item);
      });
      return new JsonObject().put("items", items);
    });
  }

  Future<JsonObject> replay(Message<JsonObject> message) {
    requireAdmin(message);
    JsonValidator v = JsonValidator.of(message.body()).allowOnly("notification_id");
    UUID id = v.requiredUuid("notification_id");
    v.throwIfInvalid();
    return repository.replay(id).compose(replayed -> {
      if (replayed.isPresent()) {
        JsonObject notification = replayed.get();
        notification.remove("seq");
        kickChannel.accept(notification.getString("channel"));
        return Future.succeededFuture(notification);
      }
      return repository.get(id).compose(existing -> Future.failedFuture(existing.isPresent()
        ? ErrorCode.ILLEGAL_STATE.failure("Only a parked notification can be replayed; this one is " + existing.get().getString("status") + ".")
        : ErrorCode.NOT_FOUND.failure("No such notification.")));
    });
  }

  private static void requireAdmin(Message<JsonObject> message) {
    Caller caller = Caller.of(message);
    caller.requireUser();
    if (!caller.isAdmin()) {
      throw ErrorCode.FORBIDDEN.failure("This needs the admin role.");
    }
  }
}
