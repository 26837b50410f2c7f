package dev.marketplace.notification;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.contracts.notification.NotificationRequests;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The bus operations of {@code NotificationAddresses}: history, preferences, parked deliveries.
 * Requests arrive decoded ({@link NotificationRequests}); the caller is checked before (access rules
 * of {@code NotificationVerticle}) and read from the message where it matters.
 */
final class NotificationService {
  private static final int DEFAULT_LIMIT = 50;

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

  Future<JsonObject> list(NotificationRequests.ListPage request, Message<JsonObject> message) {
    String userId = Caller.of(message).requireUser();
    Long limit = request.limit();
    int pageSize = limit == null ? DEFAULT_LIMIT : limit.intValue();
    return repository.listForUser(userId, request.before(), request.channel(), pageSize + 1).map(rows -> {
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
    return repository.preferences(userId).compose(saved -> saved.isPresent()
      ? Future.succeededFuture(saved.get())
      // never saved: the defaults, in the language auth knows (ru when auth cannot say)
      : InboxProcessor.contact(vertx, busTimeoutMs, userId)
        .map(contact -> Preferences.defaults(contact.language()))
        .recover(err -> Future.succeededFuture(Preferences.defaults(null))));
  }

  Future<JsonObject> putPreferences(NotificationRequests.Preferences request, Message<JsonObject> message) {
    String userId = Caller.of(message).requireUser();
    return repository.savePreferences(userId, request.language(), request.email(), request.sms(), request.push())
      .map(Preferences.json(request.language(), request.email(), request.sms(), request.push()));
  }

  Future<JsonObject> listParked(NotificationRequests.Parked request) {
    Long limit = request.limit();
    return repository.listParked(limit == null ? DEFAULT_LIMIT : limit.intValue()).map(rows -> {
      JsonArray items = new JsonArray();
      rows.forEach(item -> {
        item.remove("seq");
        items.add(item);
      });
      return new JsonObject().put("items", items);
    });
  }

  Future<JsonObject> replay(NotificationRequests.NotificationRef request) {
    UUID id = request.id();
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
}
