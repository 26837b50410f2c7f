package dev.marketplace.contracts.bus;

import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * How a request or a reply travels over the event bus: as one JSON object, always the same shape.
 * A request's {@link #decode} is the receiver's only reading of the body: it checks every field and
 * refuses a malformed body with a coded failure (VALIDATION_FAILED listing the offending fields,
 * as {@link dev.marketplace.contracts.json.JsonValidator} builds it). A reply's decode is lenient:
 * a field the answer leaves out reads as {@code null}.
 */
public interface Codec<T> {

  JsonObject encode(T value);

  T decode(JsonObject json);

  static <T> Codec<T> of(Function<T, JsonObject> encode, Function<JsonObject, T> decode) {
    return new Codec<>() {
      @Override
      public JsonObject encode(T value) {
        return encode.apply(value);
      }

      @Override
      public T decode(JsonObject json) {
        return decode.apply(json == null ? new JsonObject() : json);
      }
    };
  }

  /** No body: {@code {}} on the wire, whatever came is ignored (as the receivers always did), {@code null} in Java. */
  Codec<Void> EMPTY = of(v -> new JsonObject(), json -> null);

  /** No fields: {@code {}} on the wire; any field sent is refused as unknown (VALIDATION_FAILED). */
  Codec<Void> NO_FIELDS = of(v -> new JsonObject(), json -> {
    JsonValidator.of(json).allowOnly().throwIfInvalid();
    return null;
  });

  /**
   * A JSON document passed on as it is: the HTTP JSON of a public route (a search page, an order
   * view) that the gateway forwards to clients unchanged and no component reads field by field.
   */
  Codec<JsonObject> DOCUMENT = of(json -> json, json -> json);
}
