package dev.marketplace.sales;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.catalog.CatalogApi;
import dev.marketplace.contracts.inventory.InventoryApi;
import dev.marketplace.contracts.sales.SalesApi;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.contracts.sales.SalesRequests;
import dev.marketplace.platform.bus.BusClient;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.platform.stock.SoldOutView;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The sales operations ({@link SalesAddresses}) and the waiting room. Each node keeps the running
 * sales and their horizons as its last tick read them; an admission is a comparison of the ticket's
 * number with that horizon, so a queued buyer's retry costs no statement at all. Asked about products
 * on no sale it knows, a node reads the sales afresh before it answers: a sale declared since its
 * last tick still queues everyone.
 */
final class SalesService {
  private static final Logger LOG = LoggerFactory.getLogger(SalesService.class);
  /** Never sooner: a queued buyer asks at most five times a second (the gateway limits attempts per buyer too). */
  private static final long MIN_RETRY_MS = 200;

  private final Vertx vertx;
  private final SaleStore store;
  private final Tickets tickets;
  private final SoldOutView soldOut;
  private final SalesSettings settings;
  private final long busTimeoutMs;
  private volatile List<Sale> running = List.of();
  private final Map<UUID, Map<String, Long>> refusals = new HashMap<>();
  private final Set<String> markedAdmitted = new HashSet<>();
  /** The tick in flight and the one queued behind it ({@link #tick()}); touched on the verticle's event loop only. */
  private Future<Void> ticking;
  private Future<Void> nextTick;

  SalesService(Vertx vertx, SaleStore store, Tickets tickets, SoldOutView soldOut, SalesSettings settings, long busTimeoutMs) {
    this.vertx = vertx;
    this.store = store;
    this.tickets = tickets;
    this.soldOut = soldOut;
    this.settings = settings;
    this.busTimeoutMs = busTimeoutMs;
  }

  List<Sale> running() {
    return running;
  }

  // ---- the tick: horizons, the sales every checkout node must know

  /**
   * A tick that starts after this call (the one in flight may have read the sales before a change
   * this caller knows about): at once when none is in flight, else right after it, one tick shared
   * by everyone who asked meanwhile. Ticks of a node never overlap, so its horizons only grow.
   */
  Future<Void> tick() {
    if (ticking == null) {
      return startTick();
    }
    if (nextTick == null) {
      nextTick = ticking.transform(ar -> {
        nextTick = null;
        return startTick();
      });
    }
    return nextTick;
  }

  /** Whether a tick is in flight (the ticker skips its turn then). */
  boolean ticking() {
    return ticking != null;
  }

  private Future<Void> startTick() {
    Future<Void> tick = store.advance().map(sales -> {
      running = sales;
      return null;
    });
    ticking = tick;
    tick.onComplete(ar -> {
      if (ticking == tick) {
        ticking = null;
      }
    });
    return tick;
  }

  void broadcast() {
    Instant now = Instant.now();
    JsonArray list = new JsonArray();
    for (Sale sale : running) {
      if (!sale.ended(now)) {
        list.add(new JsonObject().put("id", sale.id().toString()).put("product_ids", new JsonArray(new ArrayList<>(sale.productIds())))
          .put("starts_at", sale.startsAt().toString()).put("ends_at", sale.endsAt() == null ? null : sale.endsAt().toString()));
      }
    }
    vertx.eventBus().publish(SalesAddresses.ACTIVE, new JsonObject().put("sales", list).put("at", now.toString()));
  }

  // ---- sales.create

  Future<JsonObject> create(SalesRequests.CreateSale request, Message<JsonObject> msg) {
    Caller caller = Caller.of(msg);
    List<UUID> products = request.productIds();
    OffsetDateTime startsAt = request.startsAt().atOffset(ZoneOffset.UTC);
    OffsetDateTime endsAt = request.endsAt() == null ? null : request.endsAt().atOffset(ZoneOffset.UTC);
    int rate = request.admitPerSecond();
    return CatalogApi.over(BusClient.of(vertx, busTimeoutMs).propagating(msg)).snapshot(products).compose(snapshot -> {
      Set<String> onSale = new HashSet<>();
      for (CatalogApi.Snapshot.Product product : snapshot.products()) {
        if (!product.deleted() && product.id() != null) {
          onSale.add(product.id().toString());
        }
      }
      JsonValidator unknown = JsonValidator.of(new JsonObject());
      for (int i = 0; i < products.size(); i++) {
        if (!onSale.contains(products.get(i).toString())) {
          unknown.error("product_ids[" + i + "]", "names no product that is for sale");
        }
      }
      unknown.throwIfInvalid();
      UUID[] ids = products.toArray(UUID[]::new);
      return store.overlapping(ids, startsAt, endsAt).compose(clash -> {
        if (clash.isPresent()) {
          return Future.failedFuture(ErrorCode.CONFLICT.failure("A product is already on another sale at that time.",
            new JsonObject().put("sale_id", clash.get().toString())));
        }
        return store.create(UUID.randomUUID(), ids, startsAt, endsAt, rate, caller.userId());
      });
    }).compose(sale -> tick().map(x -> {
      broadcast();
      LOG.info("Sale {} declared on {} products from {} at {}/s", sale.id(), sale.productIds().size(), sale.startsAt(), sale.admitPerSecond());
      return sale.toJson(Instant.now(), false);
    }));
  }

  // ---- sales.get

  Future<JsonObject> get(SalesRequests.SaleRef request) {
    UUID id = request.saleId();
    return store.byId(id).compose(found -> {
      Sale sale = found.orElseThrow(Caller::notFound);
      return store.stats(id).compose(stats -> availability(sale).map(stock -> {
        Instant now = Instant.now();
        JsonObject view = sale.toJson(now, allSoldOut(sale)).mergeIn(stats)
          .put("horizon", (long) Math.floor(currentHorizon(sale)))
          .put("sold", stock.getLong("sold")).put("available", stock.getLong("available"));
        return view;
      }));
    });
  }

  /** The sale's horizon as this node's last tick read it (the stored one for a sale no longer running). */
  private double currentHorizon(Sale sale) {
    for (Sale s : running) {
      if (s.id().equals(sale.id())) {
        return s.horizon();
      }
    }
    return sale.horizon();
  }

  private Future<JsonObject> availability(Sale sale) {
    List<UUID> ids = sale.productIds().stream().map(UUID::fromString).toList();
    return InventoryApi.over(BusClient.of(vertx, busTimeoutMs)).availability(ids).map(reply -> {
      long sold = 0;
      long available = 0;
      for (InventoryApi.Availability.Item item : reply.items()) {
        sold += item.sold();
        available += item.available();
      }
      return new JsonObject().put("sold", sold).put("available", available);
    }).otherwise(err -> new JsonObject().put("sold", (Long) null).put("available", (Long) null));
  }

  private boolean allSoldOut(Sale sale) {
    return soldOut.soldOutAmong(sale.productIds()).size() == sale.productIds().size();
  }

  // ---- sales.admit

  Future<JsonObject> admit(SalesApi.Admit request) {
    String buyer = request.buyerId();
    String ticket = request.queueTicket();
    List<String> products = request.productIds();
    Sale known = saleOf(products, Instant.now());
    if (known != null) {
      return admit(known, buyer, ticket, Instant.now());
    }
    // checkout asks only for products it heard are on a sale: a sale this node has not read yet
    // (declared after its last tick) must not let the buyer through without a ticket. Read the
    // sales afresh first; should that fail, decide on what the node knows, as before
    return tick().onFailure(err -> LOG.warn("Reading the sales afresh failed: {}", err.toString())).otherwiseEmpty().compose(x -> {
      Instant now = Instant.now();
      Sale sale = saleOf(products, now);
      if (sale == null) {
        return Future.succeededFuture(new JsonObject().put("admitted", true));
      }
      return admit(sale, buyer, ticket, now);
    });
  }

  private Future<JsonObject> admit(Sale sale, String buyer, String ticket, Instant now) {
    if (allSoldOut(sale)) {
      count(sale.id(), "SOLD_OUT");
      return Future.failedFuture(ErrorCode.OUT_OF_STOCK.failure("The sale is sold out.",
        new JsonObject().put("sale_id", sale.id().toString()).put("product_ids", new JsonArray(new ArrayList<>(sale.productIds())))));
    }
    if (ticket != null) {
      Tickets.Ticket t = tickets.verify(ticket, buyer);
      if (t == null || !t.saleId().equals(sale.id())) {
        count(sale.id(), ErrorCode.QUEUE_TICKET_INVALID.name());
        return Future.failedFuture(ErrorCode.QUEUE_TICKET_INVALID.failure("This queue ticket is not yours or not for this sale."));
      }
      if (t.issuedAt() + settings.ticketTtlSeconds() <= now.getEpochSecond()) {
        count(sale.id(), ErrorCode.QUEUE_TICKET_EXPIRED.name());
        return Future.failedFuture(ErrorCode.QUEUE_TICKET_EXPIRED.failure(
          "This queue ticket has expired; check out again without it to queue anew.", new JsonObject().put("sale_id", sale.id().toString())));
      }
      return Future.succeededFuture(decide(sale, t.number(), ticket, now));
    }
    return store.ticket(sale, buyer, settings.ticketTtlSeconds())
      .map(issued -> decide(sale, issued[0], tickets.issue(sale.id(), issued[0], issued[1], buyer), now));
  }

  private Sale saleOf(List<String> products, Instant now) {
    for (Sale sale : running) {
      if (sale.ended(now)) {
        continue;
      }
      for (String p : products) {
        if (sale.productIds().contains(p)) {
          return sale;
        }
      }
    }
    return null;
  }

  private JsonObject decide(Sale sale, long number, String ticket, Instant now) {
    double horizon = sale.started(now) ? sale.horizon() : 0;
    JsonObject reply = new JsonObject().put("sale_id", sale.id().toString()).put("queue_ticket", ticket);
    if (number <= horizon) {
      markAdmitted(sale.id(), number);
      return reply.put("admitted", true);
    }
    long position = number - (long) Math.floor(horizon);
    long wait = (long) Math.ceil(position * 1000.0 / sale.admitPerSecond());
    if (!sale.started(now)) {
      wait += sale.startsAt().toEpochMilli() - now.toEpochMilli();
    }
    long retry = Math.max(MIN_RETRY_MS, Math.min(settings.maxRetryAfterMs(), wait));
    return reply.put("admitted", false).put("position", position).put("retry_after_ms", retry);
  }

  private void markAdmitted(UUID saleId, long number) {
    if (markedAdmitted.size() > 200_000) {
      markedAdmitted.clear();
    }
    if (markedAdmitted.add(saleId + ":" + number)) {
      store.markAdmitted(saleId, number).onFailure(err -> {
        markedAdmitted.remove(saleId + ":" + number);
        LOG.warn("Recording admission {} of sale {} failed: {}", number, saleId, err.toString());
      });
    }
  }

  // ---- refusal counts

  void count(UUID saleId, String reason) {
    refusals.computeIfAbsent(saleId, s -> new HashMap<>()).merge(reason, 1L, Long::sum);
  }

  /** {@link SalesAddresses#REPORT} from a checkout node. */
  void report(JsonObject body) {
    if (body == null) {
      return;
    }
    for (Object o : body.getJsonArray("counts", new JsonArray())) {
      if (o instanceof JsonObject c) {
        UUID sale = JsonValidator.parseUuid(c.getValue("sale_id"));
        String reason = c.getString("reason");
        Long n = c.getLong("n");
        if (sale != null && reason != null && reason.matches("[A-Z_]{1,40}") && n != null && n > 0) {
          refusals.computeIfAbsent(sale, s -> new HashMap<>()).merge(reason, n, Long::sum);
        }
      }
    }
  }

  Future<Void> flush() {
    if (refusals.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<UUID, Map<String, Long>> batch = new HashMap<>(refusals);
    refusals.clear();
    return store.addRefusals(batch).onFailure(err -> {
      // keep them for the next round
      batch.forEach((sale, reasons) -> reasons.forEach((reason, n) ->
        refusals.computeIfAbsent(sale, s -> new HashMap<>()).merge(reason, n, Long::sum)));
    });
  }

  Future<JsonObject> stats(Sale sale) {
    return store.stats(sale.id());
  }
}
