package dev.marketplace.contracts.sales;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.json.Json;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The requests of the operator's sale operations ({@link SalesApi}). Each decode is sales' one
 * reading of a body: unknown fields, missing and ill-typed ones are VALIDATION_FAILED listing every
 * field, with the messages the HTTP problems show.
 */
public final class SalesRequests {
  /** The most products of one sale. */
  public static final int MAX_PRODUCTS = 50;
  /** The fastest admission rate a sale may have (buyers a second). */
  public static final int MAX_ADMIT_PER_SECOND = 100_000;

  private SalesRequests() {
  }

  /**
   * A sale to declare: distinct products, its start, its end ({@code null}: until sold out or
   * ended by hand; else in the future and after the start, as of decoding), the admission rate.
   */
  public record CreateSale(List<UUID> productIds, Instant startsAt, Instant endsAt, int admitPerSecond) {
    public static final Codec<CreateSale> CODEC = Codec.of(CreateSale::toJson, CreateSale::decode);

    private JsonObject toJson() {
      JsonObject json = new JsonObject().put("product_ids", Json.uuidArray(productIds)).put("starts_at", startsAt.toString());
      return Json.putIfPresent(json, "ends_at", endsAt == null ? null : endsAt.toString()).put("admit_per_second", admitPerSecond);
    }

    private static CreateSale decode(JsonObject body) {
      JsonValidator v = JsonValidator.of(body).allowOnly("product_ids", "starts_at", "ends_at", "admit_per_second");
      List<UUID> products = productIds(body, v);
      Instant now = Instant.now();
      Instant startsAt = instant(body, "starts_at", true, v);
      Instant endsAt = instant(body, "ends_at", false, v);
      Long rate = v.requiredLong("admit_per_second", 1, MAX_ADMIT_PER_SECOND);
      if (endsAt != null && !endsAt.isAfter(now)) {
        v.error("ends_at", "must be in the future");
      } else if (endsAt != null && startsAt != null && !endsAt.isAfter(startsAt)) {
        v.error("ends_at", "must be after starts_at");
      }
      v.throwIfInvalid();
      return new CreateSale(List.copyOf(products), startsAt, endsAt, rate.intValue());
    }

    private static List<UUID> productIds(JsonObject body, JsonValidator v) {
      Object value = body.getValue("product_ids");
      List<UUID> ids = new ArrayList<>();
      if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_PRODUCTS) {
        v.error("product_ids", "must be an array of 1 to " + MAX_PRODUCTS + " product ids");
        return ids;
      }
      Set<UUID> seen = new LinkedHashSet<>();
      for (int i = 0; i < array.size(); i++) {
        UUID id = JsonValidator.parseUuid(array.getValue(i));
        if (id == null) {
          v.error("product_ids[" + i + "]", "must be a UUID");
        } else if (!seen.add(id)) {
          v.error("product_ids[" + i + "]", "appears twice");
        } else {
          ids.add(id);
        }
      }
      return ids;
    }

    private static Instant instant(JsonObject body, String field, boolean required, JsonValidator v) {
      Object value = body.getValue(field);
      if (value == null) {
        if (required) {
          v.error(field, "is required (an ISO-8601 instant)");
        }
        return null;
      }
      if (!(value instanceof String text)) {
        v.error(field, "must be an ISO-8601 instant");
        return null;
      }
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException e) {
        v.error(field, "must be an ISO-8601 instant such as 2026-12-01T10:00:00Z");
        return null;
      }
    }
  }

  /** One sale. */
  public record SaleRef(UUID saleId) {
    public static final Codec<SaleRef> CODEC = Codec.of(r -> new JsonObject().put("sale_id", r.saleId().toString()), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("sale_id");
      UUID id = v.requiredUuid("sale_id");
      v.throwIfInvalid();
      return new SaleRef(id);
    });
  }
}
