package dev.marketplace.contracts.json;

import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Checks a JSON request body field by field and collects every problem, so a client learns all
 * that is wrong at once: {@code errors: [{field, message}]} in a VALIDATION_FAILED failure.
 *
 * <pre>{@code
 * JsonValidator v = JsonValidator.of(body).allowOnly("email", "password", "name", "role");
 * String email = v.requiredString("email", 3, 254);
 * long qty = v.requiredLong("quantity", 1, 99);
 * v.throwIfInvalid();          // ReplyException(VALIDATION_FAILED) listing every field
 * }</pre>
 * Getters return {@code null} (or 0) for a field that failed; only use the values after
 * {@link #throwIfInvalid()}.
 */
public final class JsonValidator {
  private static final Pattern ISO_CURRENCY = Pattern.compile("[A-Z]{3}");

  private final JsonObject body;
  private final String prefix;
  private final List<JsonObject> errors;

  private JsonValidator(JsonObject body, String prefix, List<JsonObject> errors) {
    this.body = body == null ? new JsonObject() : body;
    this.prefix = prefix;
    this.errors = errors;
  }

  public static JsonValidator of(JsonObject body) {
    return new JsonValidator(body, "", new ArrayList<>());
  }

  /** Unknown fields are refused (no mass assignment). */
  public JsonValidator allowOnly(String... fields) {
    return allowOnly(Set.of(fields));
  }

  public JsonValidator allowOnly(Collection<String> fields) {
    for (String name : body.fieldNames()) {
      if (!fields.contains(name)) {
        error(name, "is not a known field");
      }
    }
    return this;
  }

  public JsonValidator error(String field, String message) {
    errors.add(new JsonObject().put("field", prefix + field).put("message", message));
    return this;
  }

  public boolean has(String field) {
    return body.containsKey(field) && body.getValue(field) != null;
  }

  public boolean valid() {
    return errors.isEmpty();
  }

  public List<JsonObject> errors() {
    return List.copyOf(errors);
  }

  public void throwIfInvalid() {
    if (!errors.isEmpty()) {
      throw failure();
    }
  }

  public ReplyException failure() {
    return ErrorCode.VALIDATION_FAILED.failure("The request is not valid.",
      new JsonObject().put("errors", new JsonArray(new ArrayList<>(errors))));
  }

  public String requiredString(String field, int minLength, int maxLength) {
    if (!has(field)) {
      error(field, "is required");
      return null;
    }
    return optionalString(field, minLength, maxLength);
  }

  public String optionalString(String field, int minLength, int maxLength) {
    if (!has(field)) {
      return null;
    }
    Object value = body.getValue(field);
    if (!(value instanceof String s)) {
      error(field, "must be a string");
      return null;
    }
    String trimmed = s.strip();
    if (trimmed.length() < minLength) {
      error(field, minLength <= 1 ? "must not be blank" : "must be at least " + minLength + " characters");
      return null;
    }
    if (s.length() > maxLength) {
      error(field, "must be at most " + maxLength + " characters");
      return null;
    }
    return trimmed;
  }

  public String optionalEnum(String field, Set<String> allowed) {
    String value = optionalString(field, 1, 64);
    if (value != null && !allowed.contains(value)) {
      error(field, "must be one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
      return null;
    }
    return value;
  }

  public Long requiredLong(String field, long min, long max) {
    if (!has(field)) {
      error(field, "is required");
      return null;
    }
    return optionalLong(field, min, max);
  }

  /** An integer in range: 2.5, "3", true and 1e30 are all refused. */
  public Long optionalLong(String field, long min, long max) {
    if (!has(field)) {
      return null;
    }
    Object value = body.getValue(field);
    if (!(value instanceof Integer || value instanceof Long)) {
      error(field, "must be an integer");
      return null;
    }
    long n = ((Number) value).longValue();
    if (n < min || n > max) {
      error(field, "must be between " + min + " and " + max);
      return null;
    }
    return n;
  }

  public UUID requiredUuid(String field) {
    if (!has(field)) {
      error(field, "is required");
      return null;
    }
    return optionalUuid(field);
  }

  public UUID optionalUuid(String field) {
    if (!has(field)) {
      return null;
    }
    UUID id = parseUuid(body.getValue(field));
    if (id == null) {
      error(field, "must be a UUID");
    }
    return id;
  }

  public Boolean optionalBoolean(String field) {
    if (!has(field)) {
      return null;
    }
    Object value = body.getValue(field);
    if (!(value instanceof Boolean b)) {
      error(field, "must be true or false");
      return null;
    }
    return b;
  }

  /** A nested object validated by its own rules, errors reported as {@code field.sub}. */
  public JsonValidator requiredObject(String field) {
    if (!has(field)) {
      error(field, "is required");
      return new JsonValidator(new JsonObject(), prefix + field + ".", errors);
    }
    return optionalObject(field);
  }

  public JsonValidator optionalObject(String field) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof JsonObject)) {
      error(field, "must be an object");
      value = null;
    }
    return new JsonValidator((JsonObject) value, prefix + field + ".", errors);
  }

  /** Money as {@code {amount, currency}}: a positive integer of minor units and an ISO code. */
  public JsonObject requiredMoney(String field, long maxAmount) {
    if (!has(field)) {
      error(field, "is required");
      return null;
    }
    JsonValidator money = optionalObject(field).allowOnly("amount", "currency");
    int before = errors.size();
    Long amount = money.requiredLong("amount", 1, maxAmount);
    String currency = money.requiredString("currency", 3, 3);
    if (currency != null && !ISO_CURRENCY.matcher(currency).matches()) {
      money.error("currency", "must be an ISO 4217 code such as RUB");
    }
    return errors.size() == before ? new JsonObject().put("amount", amount).put("currency", currency) : null;
  }

  public static UUID parseUuid(Object value) {
    if (!(value instanceof String s) || s.length() != 36) {
      return null;
    }
    try {
      return UUID.fromString(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
