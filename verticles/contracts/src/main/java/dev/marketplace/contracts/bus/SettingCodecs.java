package dev.marketplace.contracts.bus;

import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.json.JsonObject;

import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Codecs for a setting of one thing, shared by operations of several shapes alike. A class of its
 * own on purpose, not a private method of a component interface: a nested record whose
 * {@code CODEC} called into its enclosing interface would start the interface's initialization
 * from inside its own, and when the record is touched first (the gateway reads a request with
 * {@code PurchaseLimit.of} before it names {@code InventoryApi.SET_PURCHASE_LIMIT}) the
 * interface's {@code Operation} constants would read that {@code CODEC} while it is still null.
 */
public final class SettingCodecs {
  private SettingCodecs() {
  }

  /**
   * {@code {<key>, <field>}}: the UUID of the thing and an integer setting of it in
   * {@code min..max}, or null to remove the setting. The field must be present: without it the
   * decode fails VALIDATION_FAILED {@code "<field>": "is required (null removes <what>)"}; unknown
   * fields, a bad id and an integer out of range fail in the same failure.
   */
  public static <R> Codec<R> nullableBounded(String key, String field, long min, long max, String what,
                                             BiFunction<UUID, Integer, R> make, Function<R, UUID> id,
                                             Function<R, Integer> value) {
    return Codec.of(
      r -> new JsonObject().put(key, id.apply(r).toString()).put(field, value.apply(r)),
      body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly(key, field);
        UUID thing = v.requiredUuid(key);
        if (!body.containsKey(field)) {
          v.error(field, "is required (null removes " + what + ")");
        }
        Long setting = v.optionalLong(field, min, max);
        v.throwIfInvalid();
        return make.apply(thing, setting == null ? null : setting.intValue());
      });
  }
}
