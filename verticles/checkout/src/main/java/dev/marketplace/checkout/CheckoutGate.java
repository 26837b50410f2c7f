package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.contracts.sales.SalesApi;
import dev.marketplace.platform.bus.BusClient;
import dev.marketplace.platform.stock.SoldOutView;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a checkout must pass before its saga row is written (big sales), in order:
 * <ol>
 *   <li><b>sold out</b>: a cart line whose product is in the node's {@link SoldOutView} is refused
 *   with OUT_OF_STOCK, with no write and no bus hop to inventory;</li>
 *   <li><b>hoarding</b>: a buyer with {@code max_open_per_buyer} unpaid checkouts gets
 *   TOO_MANY_OPEN_CHECKOUTS for a new key;</li>
 *   <li><b>the waiting room</b>: a cart holding a product of an active sale ({@link SaleProducts})
 *   asks {@link SalesAddresses#ADMIT}; a buyer not admitted yet gets a {@link Queued} answer
 *   (the gateway's 202) and nothing is written.</li>
 * </ol>
 * A key the buyer already used always passes, so a replay answers what the first call got. The
 * count of open checkouts and that key lookup are one indexed read; one buyer's new checkouts on
 * this node pass the count and the insert one at a time, so they cannot slip past the cap together
 * (across nodes the window is one insert long, and the gateway's per-buyer rate limit narrows it).
 */
final class CheckoutGate {
  private static final Logger LOG = LoggerFactory.getLogger(CheckoutGate.class);
  private static final String KEY_AND_OPEN = "SELECT "
    + "EXISTS (SELECT 1 FROM checkout.sagas WHERE user_id = $1 AND idempotency_key = $2) AS used, "
    + "(SELECT count(*) FROM checkout.sagas WHERE user_id = $1 AND state IN "
    + "('STARTED', 'CART_LOADED', 'ORDER_CREATED', 'RESERVED', 'PAYMENT_STARTING', 'AWAITING_PAYMENT'))::int AS open";
  private static final String KEY_USED = "SELECT 1 FROM checkout.sagas WHERE user_id = $1 AND idempotency_key = $2";

  /** A checkout that waits in a sale's queue: the reply is {@code {queue_ticket, position, retry_after_ms, ...}}. */
  static final class Queued extends RuntimeException {
    private final JsonObject reply;

    Queued(JsonObject reply) {
      super("queued", null, false, false);
      this.reply = reply;
    }

    JsonObject reply() {
      return reply;
    }
  }

  private final Vertx vertx;
  private final Pool pool;
  private final SoldOutView soldOut;
  private final SaleProducts sales;
  private final int maxOpen;
  private final long admitTimeoutMs;
  /** One buyer's count-then-insert runs alone on this node: the tail of each buyer's chain. */
  private final Map<String, Future<?>> tails = new HashMap<>();
  /** Refusals of sale checkouts made here, reported to sales about once a second. */
  private final Map<String, Map<String, Long>> refusals = new HashMap<>();
  private long reportTimer = -1;

  CheckoutGate(Vertx vertx, Pool pool, SoldOutView soldOut, SaleProducts sales, int maxOpen, long admitTimeoutMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.soldOut = soldOut;
    this.sales = sales;
    this.maxOpen = maxOpen;
    this.admitTimeoutMs = admitTimeoutMs;
  }

  void startReporting(long intervalMs) {
    reportTimer = vertx.setPeriodic(intervalMs, id -> report());
  }

  void stop() {
    if (reportTimer >= 0) {
      vertx.cancelTimer(reportTimer);
    }
    report();
  }

  /**
   * Runs {@code insert} if the checkout may go on; fails with OUT_OF_STOCK, TOO_MANY_OPEN_CHECKOUTS,
   * a sales failure, or {@link Queued}. {@code cart} is the cart view the first step read (null when
   * that step ended the checkout: the insert then records that answer as before).
   */
  <T> Future<T> pass(String userId, String key, JsonObject cart, String ticket, Supplier<Future<T>> insert) {
    if (cart == null) {
      return insert.get();
    }
    List<String> products = productIds(cart);
    String sale = sales.saleOf(products);
    List<String> gone = soldOut.soldOutAmong(products);
    if (!gone.isEmpty()) {
      count(sale, ErrorCode.OUT_OF_STOCK.name());
      return unlessKeyUsed(userId, key, insert, ErrorCode.OUT_OF_STOCK.failure("Sold out.",
        new JsonObject().put("product_ids", new JsonArray(gone))));
    }
    Future<Void> admitted = sale == null ? Future.succeededFuture() : admit(userId, products, ticket);
    return admitted.transform(ar -> {
      if (ar.failed()) {
        // a poll with a ticket that is still queued costs no query; every other refusal first
        // makes sure the key was not used already (a replay answers what the first call got)
        if (ar.cause() instanceof Queued && ticket != null) {
          return Future.failedFuture(ar.cause());
        }
        return unlessKeyUsed(userId, key, insert, ar.cause());
      }
      return oneAtATime(userId, () -> pool.preparedQuery(KEY_AND_OPEN).execute(Tuple.of(userId, key)).compose(rows -> {
        Row row = rows.iterator().next();
        if (row.getBoolean("used")) {
          return insert.get();
        }
        if (row.getInteger("open") >= maxOpen) {
          count(sale, ErrorCode.TOO_MANY_OPEN_CHECKOUTS.name());
          return Future.failedFuture(ErrorCode.TOO_MANY_OPEN_CHECKOUTS.failure(
            "You already have " + maxOpen + " checkouts waiting for payment; pay or cancel one first.",
            new JsonObject().put("max_open", maxOpen)));
        }
        return insert.get();
      }));
    });
  }

  /** Replays (runs {@code insert}, which finds the key taken) when the buyer used the key; fails with {@code refusal} otherwise. */
  private <T> Future<T> unlessKeyUsed(String userId, String key, Supplier<Future<T>> insert, Throwable refusal) {
    return pool.preparedQuery(KEY_USED).execute(Tuple.of(userId, key))
      .compose(rows -> rows.size() > 0 ? insert.get() : Future.failedFuture(refusal));
  }

  /** Asks sales; completes when admitted, fails with {@link Queued} or the sales failure otherwise. */
  private Future<Void> admit(String userId, List<String> products, String ticket) {
    SalesApi sales = SalesApi.over(BusClient.of(vertx, admitTimeoutMs).withHeader(BusHeaders.USER_ID, userId));
    return sales.admit(new SalesApi.Admit(userId, List.copyOf(products), ticket))
      .compose(reply -> {
        if (reply.admitted()) {
          return Future.<Void>succeededFuture();
        }
        return Future.failedFuture(new Queued(new JsonObject()
          .put("status", "QUEUED")
          .put("sale_id", reply.saleId())
          .put("queue_ticket", reply.queueTicket())
          .put("position", reply.position())
          .put("retry_after_ms", reply.retryAfterMs())));
      });
  }

  private <T> Future<T> oneAtATime(String userId, Supplier<Future<T>> work) {
    Future<?> before = tails.getOrDefault(userId, Future.succeededFuture());
    Future<T> mine = before.transform(x -> work.get());
    tails.put(userId, mine);
    mine.onComplete(x -> tails.remove(userId, mine));
    return mine;
  }

  private void count(String sale, String reason) {
    if (sale != null) {
      refusals.computeIfAbsent(sale, s -> new HashMap<>()).merge(reason, 1L, Long::sum);
    }
  }

  private void report() {
    if (refusals.isEmpty()) {
      return;
    }
    JsonArray counts = new JsonArray();
    refusals.forEach((sale, reasons) -> reasons.forEach((reason, n) ->
      counts.add(new JsonObject().put("sale_id", sale).put("reason", reason).put("n", n))));
    refusals.clear();
    vertx.eventBus().send(SalesAddresses.REPORT, new JsonObject().put("counts", counts));
    LOG.debug("Reported {} refusal counts to sales", counts.size());
  }

  static List<String> productIds(JsonObject cart) {
    List<String> ids = new ArrayList<>();
    JsonArray lines = cart.getJsonArray("lines", new JsonArray());
    for (int i = 0; i < lines.size(); i++) {
      Object id = lines.getJsonObject(i).getValue("product_id");
      if (id != null) {
        ids.add(String.valueOf(id));
      }
    }
    return ids;
  }
}
