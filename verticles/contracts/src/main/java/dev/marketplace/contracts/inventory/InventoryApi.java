package dev.marketplace.contracts.inventory;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.bus.SettingCodecs;
import dev.marketplace.contracts.json.Json;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The inventory component's operations, typed (what each one means: {@link InventoryAddresses}).
 * {@code InventoryApi.over(client)} is the client; inventory registers its handlers from the same
 * {@link Operation}s.
 */
public interface InventoryApi extends Invoker {
  int MAX_LINES = 100;
  int MAX_QUANTITY = 10_000;
  int MAX_IDS = 500;

  Operation<ReserveRequest, Reservation> RESERVE = Operation.of(InventoryAddresses.RESERVE, ReserveRequest.CODEC, Reservation.CODEC);
  Operation<ReservationRef, Reservation> COMMIT = Operation.of(InventoryAddresses.COMMIT, ReservationRef.CODEC, Reservation.CODEC);
  Operation<Release, Reservation> RELEASE = Operation.of(InventoryAddresses.RELEASE, Release.CODEC, Reservation.CODEC);
  Operation<ProductIds, Availability> AVAILABILITY = Operation.of(InventoryAddresses.AVAILABILITY, ProductIds.CODEC, Availability.CODEC);
  Operation<SetStock, StockLevel> SET_STOCK = Operation.of(InventoryAddresses.SET_STOCK, SetStock.CODEC, StockLevel.CODEC);
  Operation<PurchaseLimit, PurchaseLimit> SET_PURCHASE_LIMIT =
    Operation.of(InventoryAddresses.SET_PURCHASE_LIMIT, PurchaseLimit.CODEC, PurchaseLimit.CODEC);
  Operation<ReservationTtl, ReservationTtl> SET_RESERVATION_TTL =
    Operation.of(InventoryAddresses.SET_RESERVATION_TTL, ReservationTtl.CODEC, ReservationTtl.CODEC);

  static InventoryApi over(Invoker bus) {
    return bus::call;
  }

  default Future<Reservation> reserve(ReserveRequest request) {
    return call(RESERVE, request);
  }

  default Future<Reservation> commit(UUID reservationId) {
    return call(COMMIT, new ReservationRef(reservationId));
  }

  default Future<Reservation> release(UUID reservationId, String reason) {
    return call(RELEASE, new Release(reservationId, reason));
  }

  default Future<Availability> availability(List<UUID> productIds) {
    return call(AVAILABILITY, new ProductIds(productIds));
  }

  default Future<StockLevel> setStock(SetStock request) {
    return call(SET_STOCK, request);
  }

  default Future<PurchaseLimit> setPurchaseLimit(PurchaseLimit request) {
    return call(SET_PURCHASE_LIMIT, request);
  }

  default Future<ReservationTtl> setReservationTtl(ReservationTtl request) {
    return call(SET_RESERVATION_TTL, request);
  }

  /**
   * One line of a reservation. Ids a caller passes on from others (products, buyers) are the
   * strings it was given; the receiver's decode admits UUIDs only.
   */
  record Line(String productId, int quantity) {
    JsonObject toJson() {
      return new JsonObject().put("product_id", productId).put("quantity", quantity);
    }
  }

  /** {@code ttlSeconds} null: the component's default. Lines are distinct products. */
  record ReserveRequest(UUID reservationId, UUID orderId, String buyerId, List<Line> lines, Integer ttlSeconds) {
    public static final Codec<ReserveRequest> CODEC = Codec.of(ReserveRequest::toJson, ReserveRequest::decode);

    JsonObject toJson() {
      JsonArray array = new JsonArray();
      lines.forEach(l -> array.add(l.toJson()));
      JsonObject json = new JsonObject().put("reservation_id", reservationId.toString()).put("order_id", orderId.toString())
        .put("buyer_id", buyerId).put("lines", array);
      return Json.putIfPresent(json, "ttl_seconds", ttlSeconds);
    }

    static ReserveRequest decode(JsonObject body) {
      JsonValidator v = JsonValidator.of(body).allowOnly("reservation_id", "order_id", "buyer_id", "lines", "ttl_seconds");
      UUID reservationId = v.requiredUuid("reservation_id");
      UUID orderId = v.requiredUuid("order_id");
      UUID buyerId = v.requiredUuid("buyer_id");
      Long ttl = v.optionalLong("ttl_seconds", 1, 86_400);
      List<Line> lines = lines(body, v);
      v.throwIfInvalid();
      return new ReserveRequest(reservationId, orderId, buyerId == null ? null : buyerId.toString(), List.copyOf(lines),
        ttl == null ? null : ttl.intValue());
    }

    private static List<Line> lines(JsonObject body, JsonValidator v) {
      Object value = body.getValue("lines");
      if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_LINES) {
        v.error("lines", "must be an array of 1 to " + MAX_LINES + " lines");
        return List.of();
      }
      List<Line> lines = new ArrayList<>();
      Set<UUID> seen = new HashSet<>();
      for (int i = 0; i < array.size(); i++) {
        String field = "lines[" + i + "]";
        if (!(array.getValue(i) instanceof JsonObject line)) {
          v.error(field, "must be an object");
          continue;
        }
        for (String name : line.fieldNames()) {
          if (!name.equals("product_id") && !name.equals("quantity")) {
            v.error(field + "." + name, "is not a known field");
          }
        }
        UUID productId = JsonValidator.parseUuid(line.getValue("product_id"));
        Object quantity = line.getValue("quantity");
        if (productId == null) {
          v.error(field + ".product_id", "must be a UUID");
        } else if (!seen.add(productId)) {
          v.error(field + ".product_id", "appears in another line");
        }
        if (!(quantity instanceof Integer q) || q < 1 || q > MAX_QUANTITY) {
          v.error(field + ".quantity", "must be an integer between 1 and " + MAX_QUANTITY);
        } else if (productId != null) {
          lines.add(new Line(productId.toString(), q));
        }
      }
      return lines;
    }
  }

  /** A reservation as inventory answers it: status HELD, COMMITTED or RELEASED; {@code reservedUntil} where it has one. */
  record Reservation(UUID reservationId, String status, Instant reservedUntil) {
    public static final Codec<Reservation> CODEC = Codec.of(Reservation::toJson, Reservation::fromJson);

    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("reservation_id", reservationId == null ? null : reservationId.toString()).put("status", status);
      return reservedUntil == null ? json : json.put("reserved_until", reservedUntil.toString());
    }

    public static Reservation fromJson(JsonObject json) {
      return new Reservation(Json.uuid(json, "reservation_id"), Json.string(json, "status"), Json.instant(json, "reserved_until"));
    }
  }

  record ReservationRef(UUID reservationId) {
    public static final Codec<ReservationRef> CODEC = Codec.of(
      r -> new JsonObject().put("reservation_id", r.reservationId().toString()),
      body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("reservation_id");
        UUID id = v.requiredUuid("reservation_id");
        v.throwIfInvalid();
        return new ReservationRef(id);
      });
  }

  /** {@code reason} null: the component's default ({@code RELEASED}). */
  record Release(UUID reservationId, String reason) {
    public static final Codec<Release> CODEC = Codec.of(
      r -> Json.putIfPresent(new JsonObject().put("reservation_id", r.reservationId().toString()), "reason", r.reason()),
      body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("reservation_id", "reason");
        UUID id = v.requiredUuid("reservation_id");
        String reason = v.optionalString("reason", 1, 64);
        v.throwIfInvalid();
        return new Release(id, reason);
      });
  }

  record ProductIds(List<UUID> productIds) {
    public static final Codec<ProductIds> CODEC = Codec.of(
      r -> new JsonObject().put("product_ids", Json.uuidArray(r.productIds())),
      body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("product_ids");
        List<UUID> ids = Json.requiredUuids(body, "product_ids", MAX_IDS, v);
        v.throwIfInvalid();
        return new ProductIds(List.copyOf(ids));
      });
  }

  record Availability(List<Item> items) {
    public static final Codec<Availability> CODEC = Codec.of(Availability::toJson,
      json -> new Availability(Json.list(json, "items", Item::fromJson)));

    /** Free units of one product, as asked. */
    public record Item(UUID productId, long available, long sold) {
      static Item fromJson(JsonObject json) {
        Long available = Json.longValue(json, "available");
        Long sold = Json.longValue(json, "sold");
        return new Item(Json.uuid(json, "product_id"), available == null ? 0 : available, sold == null ? 0 : sold);
      }
    }

    JsonObject toJson() {
      JsonArray array = new JsonArray();
      items.forEach(i -> array.add(new JsonObject().put("product_id", i.productId().toString()).put("available", i.available()).put("sold", i.sold())));
      return new JsonObject().put("items", array);
    }
  }

  record SetStock(UUID productId, String warehouse, int quantity) {
    public static final Codec<SetStock> CODEC = Codec.of(
      r -> new JsonObject().put("product_id", r.productId().toString()).put("warehouse", r.warehouse()).put("quantity", r.quantity()),
      body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("product_id", "warehouse", "quantity");
        UUID productId = v.requiredUuid("product_id");
        String warehouse = v.requiredString("warehouse", 1, 64);
        Long quantity = v.requiredLong("quantity", 0, 10_000_000);
        v.throwIfInvalid();
        return new SetStock(productId, warehouse, quantity.intValue());
      });

    /**
     * {@code PUT /seller/products/{id}/stock}'s body {@code {warehouse, quantity}} for the product
     * the path names, read by the codec inventory decodes with: a bad field throws the same
     * VALIDATION_FAILED before the request travels.
     */
    public static SetStock of(UUID productId, JsonObject fields) {
      return CODEC.decode(fields.copy().put("product_id", productId.toString()));
    }
  }

  /** A product's stock after a change; {@code warehouse} and {@code quantity} are the warehouse that was set. */
  record StockLevel(UUID productId, long onHand, long reserved, long sold, long available, String warehouse, Integer quantity) {
    public static final Codec<StockLevel> CODEC = Codec.of(StockLevel::toJson, json -> new StockLevel(Json.uuid(json, "product_id"),
      orZero(Json.longValue(json, "on_hand")), orZero(Json.longValue(json, "reserved")), orZero(Json.longValue(json, "sold")),
      orZero(Json.longValue(json, "available")), Json.string(json, "warehouse"), Json.intValue(json, "quantity")));

    private static long orZero(Long n) {
      return n == null ? 0 : n;
    }

    JsonObject toJson() {
      JsonObject json = new JsonObject().put("product_id", productId.toString()).put("on_hand", onHand).put("reserved", reserved)
        .put("sold", sold).put("available", available);
      Json.putIfPresent(json, "warehouse", warehouse);
      return Json.putIfPresent(json, "quantity", quantity);
    }
  }

  /** {@code perBuyer} null: no limit (the request removes it). */
  record PurchaseLimit(UUID productId, Integer perBuyer) {
    public static final Codec<PurchaseLimit> CODEC = SettingCodecs.nullableBounded("product_id", "per_buyer", 1, 1_000_000,
      "the limit", PurchaseLimit::new, PurchaseLimit::productId, PurchaseLimit::perBuyer);

    /** {@code PUT /seller/products/{id}/purchase-limit}'s body {@code {per_buyer}}, read as {@link SetStock#of} reads its. */
    public static PurchaseLimit of(UUID productId, JsonObject fields) {
      return CODEC.decode(fields.copy().put("product_id", productId.toString()));
    }
  }

  /** {@code ttlSeconds} null: no cap (the request removes it). */
  record ReservationTtl(UUID productId, Integer ttlSeconds) {
    public static final Codec<ReservationTtl> CODEC = SettingCodecs.nullableBounded("product_id", "ttl_seconds", 60, 86_400,
      "the cap", ReservationTtl::new, ReservationTtl::productId, ReservationTtl::ttlSeconds);

    /** {@code PUT /seller/products/{id}/reservation-ttl}'s body {@code {ttl_seconds}}, read as {@link SetStock#of} reads its. */
    public static ReservationTtl of(UUID productId, JsonObject fields) {
      return CODEC.decode(fields.copy().put("product_id", productId.toString()));
    }
  }
}
