package dev.marketplace.contracts;

import io.vertx.core.json.JsonObject;

import java.util.Objects;
import java.util.regex.Pattern;

/** Money as integer minor units (kopecks) plus an ISO 4217 code. Never a float. */
public record Money(long amount, String currency) {
  private static final Pattern ISO_CODE = Pattern.compile("[A-Z]{3}");

  public Money {
    Objects.requireNonNull(currency, "currency");
    if (!ISO_CODE.matcher(currency).matches()) {
      throw new IllegalArgumentException("currency must be an ISO 4217 code such as RUB");
    }
  }

  public static Money rub(long kopecks) {
    return new Money(kopecks, "RUB");
  }

  public JsonObject toJson() {
    return new JsonObject().put("amount", amount).put("currency", currency);
  }

  public static Money fromJson(JsonObject json) {
    return new Money(json.getLong("amount"), json.getString("currency"));
  }
}
