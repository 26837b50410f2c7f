package dev.marketplace.inventory;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.platform.jobs.RetentionJob;
import dev.marketplace.platform.kafka.ConsumeLoop;
import dev.marketplace.platform.kafka.ConsumedRecord;
import dev.marketplace.platform.validation.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The inventory component: stock per product and warehouse, reservations with expiry, commit and
 * release; never oversells. Settings ({@code inventory} section): {@code buckets} (16),
 * {@code default_ttl_seconds} (900), {@code expiry_interval_ms} (1000), {@code expiry_batch} (200),
 * {@code reserve_batch_max} (128: concurrent single-line reserves of one product share a transaction; 1 turns it off),
 * {@code reserve_batch_parallelism} (4: batches of one product running at once, each on its share of the buckets).
 */
public class InventoryVerticle extends ComponentVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(InventoryVerticle.class);
  /** Catalog's internal operation: {@code {product_ids}} → {@code {products:[{id, seller_id, deleted}]}}. */
  static final String CATALOG_PRODUCTS_SNAPSHOT = CatalogAddresses.SNAPSHOT;
  private static final int MAX_LINES = 100;
  private static final int MAX_QUANTITY = 10_000;
  private static final int MAX_IDS = 500;

  private Reservations reservations;
  private ReserveBatcher batcher;
  private dev.marketplace.platform.batch.GroupCommit<UUID, JsonObject> commits;
  private StockLevels stock;
  private SoldOutTracker soldOut;
  private ReservationTtls ttls;
  private long expiryTimer = -1;
  private boolean expiring;
  private int defaultTtlSeconds;

  @Override
  protected boolean publishesEvents() {
    return true;
  }

  @Override
  protected String name() {
    return Components.INVENTORY;
  }

  @Override
  protected Future<?> startComponent() {
    JsonObject settings = section();
    int buckets = settings.getInteger("buckets", 16);
    defaultTtlSeconds = settings.getInteger("default_ttl_seconds", 900);
    Runnable kick = () -> relay.kick();
    int batchParallelism = settings.getInteger("reserve_batch_parallelism", 4);
    reservations = new Reservations(pool, buckets, batchParallelism, kick);
    stock = new StockLevels(pool, buckets, kick);
    batcher = new ReserveBatcher(reservations, settings.getInteger("reserve_batch_max", 128), batchParallelism);

    serve(InventoryAddresses.RESERVE, this::reserve);
    // concurrent commits (orders being paid) share a transaction; 1 turns that off
    commits = new dev.marketplace.platform.batch.GroupCommit<>("inventory.commit", settings.getInteger("commit_batch_max", 64), 2,
      reservations::commitBatch, reservations::commitAlone);
    serve(InventoryAddresses.COMMIT, msg -> commits.submit(reservationId(msg.body(), "reservation_id")));
    serve(InventoryAddresses.RELEASE, this::release);
    serve(InventoryAddresses.AVAILABILITY, this::availability);
    serve(InventoryAddresses.SET_STOCK, this::setStock);
    serve(InventoryAddresses.SET_PURCHASE_LIMIT, this::setPurchaseLimit);
    serve(InventoryAddresses.SET_RESERVATION_TTL, this::setReservationTtl);

    int batch = settings.getInteger("expiry_batch", 200);
    expiryTimer = vertx.setPeriodic(settings.getLong("expiry_interval_ms", 1000L), id -> expire(batch));
    // big sales: the sold-out set every node refuses from, and per-product reservation TTLs
    JsonObject soldOutSettings = settings.getJsonObject("sold_out", new JsonObject());
    soldOut = new SoldOutTracker(vertx, pool, soldOutSettings.getLong("interval_ms", 200L), soldOutSettings.getLong("snapshot_ms", 500L));
    ttls = new ReservationTtls(vertx, pool);
    return Future.all(soldOut.start(), ttls.start(settings.getLong("reservation_ttl_refresh_ms", 1000L)))
      .compose(v -> startOrdersConsumer());
  }

  @Override
  protected List<RetentionJob.Purge> retentionPurges() {
    return InventoryRetention.purges(pool, config());
  }

  @Override
  protected Future<?> stopComponent() {
    if (expiryTimer >= 0) {
      vertx.cancelTimer(expiryTimer);
    }
    if (soldOut != null) {
      soldOut.stop();
    }
    if (ttls != null) {
      ttls.stop();
    }
    return Future.succeededFuture();
  }

  // ------------------------------------------------------------- handlers

  private Future<JsonObject> reserve(Message<JsonObject> msg) {
    JsonValidator v = JsonValidator.of(msg.body()).allowOnly("reservation_id", "order_id", "buyer_id", "lines", "ttl_seconds");
    UUID reservationId = v.requiredUuid("reservation_id");
    UUID orderId = v.requiredUuid("order_id");
    UUID buyerId = v.requiredUuid("buyer_id");
    Long ttl = v.optionalLong("ttl_seconds", 1, 86_400);
    List<Reservations.Line> lines = lines(msg.body(), v);
    v.throwIfInvalid();
    int ttlSeconds = ttls.ttlFor(lines.stream().map(Reservations.Line::productId).toList(), ttl == null ? defaultTtlSeconds : ttl.intValue());
    return batcher.reserve(new Reservations.ReserveRequest(reservationId, orderId, buyerId, lines, ttlSeconds));
  }

  private static List<Reservations.Line> lines(JsonObject body, JsonValidator v) {
    Object value = body.getValue("lines");
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_LINES) {
      v.error("lines", "must be an array of 1 to " + MAX_LINES + " lines");
      return List.of();
    }
    List<Reservations.Line> lines = new ArrayList<>();
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
        lines.add(new Reservations.Line(productId, q));
      }
    }
    // one order of locks for every transaction: no deadlocks between multi-line reservations
    lines.sort(Comparator.comparing(Reservations.Line::productId));
    return lines;
  }

  private static UUID reservationId(JsonObject body, String field) {
    JsonValidator v = JsonValidator.of(body).allowOnly(field);
    UUID id = v.requiredUuid(field);
    v.throwIfInvalid();
    return id;
  }

  private Future<JsonObject> release(Message<JsonObject> msg) {
    JsonValidator v = JsonValidator.of(msg.body()).allowOnly("reservation_id", "reason");
    UUID id = v.requiredUuid("reservation_id");
    String reason = v.optionalString("reason", 1, 64);
    v.throwIfInvalid();
    return reservations.release(id, reason == null ? "RELEASED" : reason);
  }

  private Future<JsonObject> availability(Message<JsonObject> msg) {
    JsonValidator v = JsonValidator.of(msg.body()).allowOnly("product_ids");
    Object value = msg.body().getValue("product_ids");
    List<UUID> ids = new ArrayList<>();
    if (!(value instanceof JsonArray array) || array.size() > MAX_IDS) {
      v.error("product_ids", "must be an array of at most " + MAX_IDS + " UUIDs");
    } else {
      for (int i = 0; i < array.size(); i++) {
        UUID id = JsonValidator.parseUuid(array.getValue(i));
        if (id == null) {
          v.error("product_ids[" + i + "]", "must be a UUID");
        } else {
          ids.add(id);
        }
      }
    }
    v.throwIfInvalid();
    return stock.availability(ids);
  }

  private Future<JsonObject> setStock(Message<JsonObject> msg) {
    Caller caller = Caller.of(msg);
    caller.requireRole("seller");
    JsonValidator v = JsonValidator.of(msg.body()).allowOnly("product_id", "warehouse", "quantity");
    UUID productId = v.requiredUuid("product_id");
    String warehouse = v.requiredString("warehouse", 1, 64);
    Long quantity = v.requiredLong("quantity", 0, 10_000_000);
    v.throwIfInvalid();
    return requireOwnProduct(msg, caller, productId)
      .compose(x -> stock.setStock(productId, warehouse, quantity.intValue()));
  }

  private Future<JsonObject> setPurchaseLimit(Message<JsonObject> msg) {
    Caller caller = Caller.of(msg);
    caller.requireRole("seller");
    JsonValidator v = JsonValidator.of(msg.body()).allowOnly("product_id", "per_buyer");
    UUID productId = v.requiredUuid("product_id");
    if (!msg.body().containsKey("per_buyer")) {
      v.error("per_buyer", "is required (null removes the limit)");
    }
    Long perBuyer = v.optionalLong("per_buyer", 1, 1_000_000);
    v.throwIfInvalid();
    return requireOwnProduct(msg, caller, productId)
      .compose(x -> stock.setPurchaseLimit(productId, perBuyer == null ? null : perBuyer.intValue()));
  }

  private Future<JsonObject> setReservationTtl(Message<JsonObject> msg) {
    Caller caller = Caller.of(msg);
    caller.requireRole("seller");
    JsonValidator v = JsonValidator.of(msg.body()).allowOnly("product_id", "ttl_seconds");
    UUID productId = v.requiredUuid("product_id");
    if (!msg.body().containsKey("ttl_seconds")) {
      v.error("ttl_seconds", "is required (null removes the cap)");
    }
    Long ttl = v.optionalLong("ttl_seconds", 60, 86_400);
    v.throwIfInvalid();
    return requireOwnProduct(msg, caller, productId).compose(x -> ttls.set(productId, ttl == null ? null : ttl.intValue()));
  }

  /** The sold-out set as this instance knows it (tests). */
  java.util.Set<String> soldOutNow() {
    return soldOut.current();
  }

  /** Asks catalog who sells the product; another seller's, a deleted or an unknown product is NOT_FOUND. */
  private Future<Void> requireOwnProduct(Message<JsonObject> msg, Caller caller, UUID productId) {
    JsonObject ask = new JsonObject().put("product_ids", new JsonArray().add(productId.toString()));
    return Bus.request(vertx, CATALOG_PRODUCTS_SNAPSHOT, ask, Bus.propagate(msg, busTimeoutMs())).compose(reply -> {
      JsonArray products = reply.getJsonArray("products", new JsonArray());
      for (int i = 0; i < products.size(); i++) {
        JsonObject product = products.getJsonObject(i);
        if (productId.toString().equals(product.getString("id")) && !product.getBoolean("deleted", false)
          && (caller.isAdmin() || caller.userId().equals(product.getString("seller_id")))) {
          return Future.succeededFuture();
        }
      }
      return Future.failedFuture(Caller.notFound());
    });
  }

  // ------------------------------------------------------------- expiry job

  /** Releases expired reservations; safe on every node at once (each one is taken under SKIP LOCKED). */
  private void expire(int batch) {
    if (expiring) {
      return;
    }
    expiring = true;
    reservations.expireDue(batch).onComplete(ar -> {
      expiring = false;
      if (ar.failed()) {
        LOG.warn("Releasing expired reservations failed; trying again next round: {}", ar.cause().toString());
      } else if (ar.result() > 0) {
        LOG.debug("Released {} expired reservations", ar.result());
        if (ar.result() >= batch) {
          vertx.runOnContext(x -> expire(batch));
        }
      }
    });
  }

  // ------------------------------------------------------------- orders.events

  /**
   * {@code orders.events} (group {@link InventoryAddresses#ORDERS_EVENTS_GROUP}) through the
   * platform's consume loop: a cancelled order's stock goes back, once per event id
   * ({@code consumed_event}), and nothing is committed past an event that was not applied.
   */
  private Future<Void> startOrdersConsumer() {
    return consume(ConsumeLoop.builder(vertx, config(), InventoryAddresses.ORDERS_EVENTS_GROUP, List.of(Topics.ORDERS_EVENTS))
      .handler(this::handleOrderEvent)).mapEmpty();
  }

  private Future<Void> handleOrderEvent(ConsumedRecord record) {
    EventEnvelope event = record.envelope();
    if (!"OrderCancelled".equals(event.type())) {
      return Future.succeededFuture();
    }
    UUID orderId = JsonValidator.parseUuid(event.data().getString("order_id", event.aggregateId()));
    if (orderId == null) {
      return Future.failedFuture(new IllegalArgumentException("OrderCancelled " + event.eventId() + " names no order"));
    }
    return reservations.orderCancelled(event.eventId(), orderId).mapEmpty();
  }
}
