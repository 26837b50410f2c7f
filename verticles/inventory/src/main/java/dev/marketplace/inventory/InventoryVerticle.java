package dev.marketplace.inventory;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.catalog.CatalogApi;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.contracts.inventory.InventoryApi;
import dev.marketplace.platform.bus.Access;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.platform.jobs.RetentionJob;
import dev.marketplace.platform.kafka.ConsumeLoop;
import dev.marketplace.platform.kafka.ConsumedRecord;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
  protected Class<?> api() {
    return InventoryApi.class;
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

    serve(InventoryApi.RESERVE, (request, msg) -> reserve(request));
    // concurrent commits (orders being paid) share a transaction; 1 turns that off
    commits = new dev.marketplace.platform.batch.GroupCommit<>("inventory.commit", settings.getInteger("commit_batch_max", 64), 2,
      reservations::commitBatch, reservations::commitAlone);
    serve(InventoryApi.COMMIT, (request, msg) -> commits.submit(request.reservationId()).map(InventoryApi.Reservation::fromJson));
    serve(InventoryApi.RELEASE, (request, msg) -> reservations.release(request.reservationId(),
      request.reason() == null ? "RELEASED" : request.reason()).map(InventoryApi.Reservation::fromJson));
    serve(InventoryApi.AVAILABILITY, (request, msg) -> stock.availability(request.productIds()));
    serve(InventoryApi.SET_STOCK, Access.role("seller"), this::setStock);
    serve(InventoryApi.SET_PURCHASE_LIMIT, Access.role("seller"), this::setPurchaseLimit);
    serve(InventoryApi.SET_RESERVATION_TTL, Access.role("seller"), this::setReservationTtl);

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

  private Future<InventoryApi.Reservation> reserve(InventoryApi.ReserveRequest request) {
    List<Reservations.Line> lines = new ArrayList<>();
    request.lines().forEach(line -> lines.add(new Reservations.Line(UUID.fromString(line.productId()), line.quantity())));
    // one order of locks for every transaction: no deadlocks between multi-line reservations
    lines.sort(Comparator.comparing(Reservations.Line::productId));
    Integer ttl = request.ttlSeconds();
    int ttlSeconds = ttls.ttlFor(lines.stream().map(Reservations.Line::productId).toList(), ttl == null ? defaultTtlSeconds : ttl);
    return batcher.reserve(new Reservations.ReserveRequest(request.reservationId(), request.orderId(), UUID.fromString(request.buyerId()),
        lines, ttlSeconds))
      .map(InventoryApi.Reservation::fromJson);
  }

  private Future<InventoryApi.StockLevel> setStock(InventoryApi.SetStock request, Message<JsonObject> msg) {
    return requireOwnProduct(msg, request.productId())
      .compose(x -> stock.setStock(request.productId(), request.warehouse(), request.quantity()));
  }

  private Future<InventoryApi.PurchaseLimit> setPurchaseLimit(InventoryApi.PurchaseLimit request, Message<JsonObject> msg) {
    return requireOwnProduct(msg, request.productId())
      .compose(x -> stock.setPurchaseLimit(request.productId(), request.perBuyer()));
  }

  private Future<InventoryApi.ReservationTtl> setReservationTtl(InventoryApi.ReservationTtl request, Message<JsonObject> msg) {
    return requireOwnProduct(msg, request.productId()).compose(x -> ttls.set(request.productId(), request.ttlSeconds()));
  }

  /** The sold-out set as this instance knows it (tests). */
  java.util.Set<String> soldOutNow() {
    return soldOut.current();
  }

  /** Asks catalog who sells the product; another seller's, a deleted or an unknown product is NOT_FOUND. */
  private Future<Void> requireOwnProduct(Message<JsonObject> msg, UUID productId) {
    Caller caller = Caller.of(msg);
    return CatalogApi.over(bus().propagating(msg)).snapshot(List.of(productId)).compose(reply -> {
      for (CatalogApi.Snapshot.Product product : reply.products()) {
        if (productId.equals(product.id()) && !product.deleted()
          && (caller.isAdmin() || caller.userId().equals(product.sellerId()))) {
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
