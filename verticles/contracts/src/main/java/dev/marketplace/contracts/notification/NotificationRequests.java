package dev.marketplace.contracts.notification;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.json.Json;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.UUID;

/**
 * The requests of notification's operations ({@link NotificationApi}). Each decode is
 * notification's one reading of a body: unknown fields, missing and ill-typed ones are
 * VALIDATION_FAILED listing every field, with the messages the HTTP problems show.
 */
public final class NotificationRequests {
  /** The delivery channels a user may switch and filter by. */
  public static final Set<String> CHANNELS = Set.of("email", "sms", "push");
  /** The languages notifications are written in. */
  public static final Set<String> LANGUAGES = Set.of("ru", "en");
  /** The most items of one page ({@code limit}). */
  public static final int MAX_LIMIT = 200;

  private NotificationRequests() {
  }


  /**
   * One page of the caller's notifications, newest first: {@code limit} (1..200, null: the
   * default), {@code cursor} (the {@code next_cursor} of the page before, null: the first page),
   * {@code channel} (null: every channel).
   */
  public record ListPage(Long limit, String cursor, String channel) {
    public static final Codec<ListPage> CODEC = Codec.of(r -> {
      JsonObject json = Json.putIfPresent(new JsonObject(), "limit", r.limit());
      Json.putIfPresent(json, "cursor", r.cursor());
      return Json.putIfPresent(json, "channel", r.channel());
    }, body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("limit", "cursor", "channel");
      Long limit = v.optionalLong("limit", 1, MAX_LIMIT);
      String cursor = v.optionalString("cursor", 1, 19);
      if (cursor != null && !cursor.matches("[0-9]{1,18}")) {
        v.error("cursor", "is not a cursor this service gave out");
      }
      String channel = v.optionalEnum("channel", CHANNELS);
      v.throwIfInvalid();
      return new ListPage(limit, cursor, channel);
    });

    /** The position the cursor names (the page holds what came before it); null for the first page. */
    public Long before() {
      return cursor == null ? null : Long.parseLong(cursor);
    }
  }

  /** A user's preferences: the language and whether each channel is on. */
  public record Preferences(String language, boolean email, boolean sms, boolean push) {
    public static final Codec<Preferences> CODEC = Codec.of(r -> new JsonObject().put("language", r.language())
      .put("channels", new JsonObject().put("email", r.email()).put("sms", r.sms()).put("push", r.push())), body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("language", "channels");
        String language = v.requiredString("language", 2, 2);
        if (language != null && !LANGUAGES.contains(language)) {
          v.error("language", "must be one of en, ru");
        }
        JsonValidator channels = v.requiredObject("channels").allowOnly(CHANNELS);
        Boolean email = requiredBoolean(channels, "email");
        Boolean sms = requiredBoolean(channels, "sms");
        Boolean push = requiredBoolean(channels, "push");
        v.throwIfInvalid();
        return new Preferences(language, email, sms, push);
      });

    private static Boolean requiredBoolean(JsonValidator v, String field) {
      if (!v.has(field)) {
        v.error(field, "is required");
        return null;
      }
      return v.optionalBoolean(field);
    }
  }

  /** A page of parked deliveries: {@code limit} 1..200, null: the default. */
  public record Parked(Long limit) {
    public static final Codec<Parked> CODEC = Codec.of(r -> Json.putIfPresent(new JsonObject(), "limit", r.limit()), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("limit");
      Long limit = v.optionalLong("limit", 1, MAX_LIMIT);
      v.throwIfInvalid();
      return new Parked(limit);
    });
  }

  /**
   * One notification. The id is the string a caller was given (the gateway passes the path's on);
   * the receiver's decode admits a UUID only.
   */
  public record NotificationRef(String notificationId) {
    public static final Codec<NotificationRef> CODEC = Codec.of(r -> new JsonObject().put("notification_id", r.notificationId()),
      body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("notification_id");
        UUID id = v.requiredUuid("notification_id");
        v.throwIfInvalid();
        return new NotificationRef(id.toString());
      });

    /** The id as a UUID (a decoded ref always has one). */
    public UUID id() {
      return UUID.fromString(notificationId);
    }
  }
}
