package dev.marketplace.contracts.json;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Lenient reading and plain writing of the JSON of bus replies: a field left out or of another
 * type reads as {@code null}, and a {@code null} is written as absent. Requests are read strictly
 * with {@link JsonValidator}.
 */
public final class Json {
  private Json() {
  }

  public static UUID uuid(JsonObject json, String field) {
    return JsonValidator.parseUuid(json.getValue(field));
  }

  public static String string(JsonObject json, String field) {
    return json.getValue(field) instanceof String s ? s : null;
  }

  public static Long longValue(JsonObject json, String field) {
    return json.getValue(field) instanceof Number n ? n.longValue() : null;
  }

  public static Integer intValue(JsonObject json, String field) {
    return json.getValue(field) instanceof Number n ? n.intValue() : null;
  }

  public static Boolean bool(JsonObject json, String field) {
    return json.getValue(field) instanceof Boolean b ? b : null;
  }

  public static JsonObject object(JsonObject json, String field) {
    return json.getValue(field) instanceof JsonObject o ? o : null;
  }

  /** An ISO-8601 instant, with or without an offset; {@code null} when absent or unreadable. */
  public static Instant instant(JsonObject json, String field) {
    if (!(json.getValue(field) instanceof String s)) {
      return null;
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  /** The objects of an array field, each read by {@code read}; absent → empty. */
  public static <T> List<T> list(JsonObject json, String field, Function<JsonObject, T> read) {
    List<T> items = new ArrayList<>();
    if (json.getValue(field) instanceof JsonArray array) {
      for (Object o : array) {
        if (o instanceof JsonObject item) {
          items.add(read.apply(item));
        }
      }
    }
    return items;
  }

  /** The UUID strings of an array field; other entries are skipped; absent → empty. */
  public static List<UUID> uuids(JsonObject json, String field) {
    List<UUID> ids = new ArrayList<>();
    if (json.getValue(field) instanceof JsonArray array) {
      for (Object o : array) {
        UUID id = JsonValidator.parseUuid(o);
        if (id != null) {
          ids.add(id);
        }
      }
    }
    return ids;
  }

  public static JsonArray array(Collection<?> values, Function<Object, Object> write) {
    JsonArray array = new JsonArray();
    values.forEach(v -> array.add(write.apply(v)));
    return array;
  }

  public static JsonArray uuidArray(Collection<UUID> ids) {
    JsonArray array = new JsonArray();
    ids.forEach(id -> array.add(id.toString()));
    return array;
  }

  /** Puts {@code value} unless it is {@code null}. */
  public static JsonObject putIfPresent(JsonObject json, String field, Object value) {
    return value == null ? json : json.put(field, value);
  }

  /**
   * A strictly read list of UUIDs: {@code field} must be an array of at most {@code max} UUID
   * strings ({@code "<field> must be an array of at most <max> UUIDs"}, {@code "<field>[i] must be a UUID"}).
   */
  public static List<UUID> requiredUuids(JsonObject body, String field, int max, JsonValidator v) {
    Object value = body.getValue(field);
    List<UUID> ids = new ArrayList<>();
    if (!(value instanceof JsonArray array) || array.size() > max) {
      v.error(field, "must be an array of at most " + max + " UUIDs");
      return ids;
    }
    for (int i = 0; i < array.size(); i++) {
      UUID id = JsonValidator.parseUuid(array.getValue(i));
      if (id == null) {
        v.error(field + "[" + i + "]", "must be a UUID");
      } else {
        ids.add(id);
      }
    }
    return ids;
  }
}
