package dev.marketplace.inventory;

import dev.marketplace.contracts.inventory.InventoryAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Keeps the set of products whose available stock is 0 and publishes it on
 * {@link InventoryAddresses#SOLD_OUT}: changes within {@code interval_ms} of the commit that made
 * them, the whole set every {@code snapshot_ms}.
 *
 * <p>Cheap at any catalog size: every stock change already writes a {@code StockChanged} row to the
 * outbox in its own transaction, so a round reads only the outbox rows since the last round (by
 * primary key, with a look-back for ids whose transactions committed late) to learn which products
 * changed, and asks the buckets of just those products plus the ones flagged now. A flagged product
 * is re-checked every round, so a flag can never outlive the stock coming back by more than a round.
 * Every inventory instance runs one; they agree because each reads the database.
 */
final class SoldOutTracker {
  private static final Logger LOG = LoggerFactory.getLogger(SoldOutTracker.class);
  /** Outbox ids are taken before commit: look back this many ids for rows that committed late. */
  private static final long LOOK_BACK = 1_000;
  private static final String CHANGED_SINCE =
    "SELECT DISTINCT record_key FROM inventory.outbox WHERE id > $1 AND topic = 'inventory.events'";
  private static final String MAX_ID = "SELECT coalesce(max(id), 0) AS id FROM inventory.outbox";
  private static final String INITIAL =
    "SELECT product_id FROM inventory.stock_bucket GROUP BY product_id HAVING sum(on_hand - held - sold) <= 0";
  private static final String AVAILABLE =
    "SELECT product_id, sum(on_hand - held - sold)::int AS available FROM inventory.stock_bucket "
      + "WHERE product_id = ANY($1::uuid[]) GROUP BY product_id";

  private final Vertx vertx;
  private final Pool pool;
  private final long intervalMs;
  private final long snapshotMs;
  private final Set<String> soldOut = new HashSet<>();
  private long cursor = -1;
  private long lastSnapshot;
  private boolean running;
  private boolean busy;
  private long timer = -1;

  SoldOutTracker(Vertx vertx, Pool pool, long intervalMs, long snapshotMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.intervalMs = intervalMs;
    this.snapshotMs = snapshotMs;
  }

  /** Loads the set (one full scan at start) and starts the rounds. */
  Future<Void> start() {
    running = true;
    return pool.query(MAX_ID).execute()
      .compose(max -> {
        cursor = max.iterator().next().getLong("id");
        return pool.query(INITIAL).execute();
      })
      .map(rows -> {
        rows.forEach(row -> soldOut.add(row.getUUID("product_id").toString()));
        publishSnapshot();
        timer = vertx.setPeriodic(intervalMs, id -> round());
        return null;
      });
  }

  void stop() {
    running = false;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** The products known sold out now (for tests and the operator). */
  Set<String> current() {
    return Set.copyOf(soldOut);
  }

  private void round() {
    if (!running || busy) {
      return;
    }
    busy = true;
    long since = Math.max(0, cursor - LOOK_BACK);
    pool.query(MAX_ID).execute()
      .compose(max -> {
        long top = max.iterator().next().getLong("id");
        return pool.preparedQuery(CHANGED_SINCE).execute(Tuple.of(since)).map(rows -> {
          Set<String> candidates = new HashSet<>(soldOut);
          rows.forEach(row -> candidates.add(row.getString("record_key")));
          return new Object[] {top, candidates};
        });
      })
      .compose(found -> {
        long top = (Long) found[0];
        @SuppressWarnings("unchecked")
        Set<String> candidates = (Set<String>) found[1];
        return recheck(candidates).map(v -> {
          cursor = Math.max(cursor, top);
          return null;
        });
      })
      .onComplete(ar -> {
        busy = false;
        if (ar.failed()) {
          LOG.warn("Sold-out round failed; trying again: {}", ar.cause().toString());
        }
        if (System.currentTimeMillis() - lastSnapshot >= snapshotMs) {
          publishSnapshot();
        }
      });
  }

  private Future<Void> recheck(Set<String> candidates) {
    List<UUID> ids = new ArrayList<>();
    for (String c : candidates) {
      try {
        ids.add(UUID.fromString(c));
      } catch (IllegalArgumentException e) {
        // not a product key: nothing to check
      }
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(AVAILABLE).execute(Tuple.of(ids.toArray(UUID[]::new))).map(rows -> {
      Set<String> nowSoldOut = new HashSet<>();
      for (Row row : rows) {
        String id = row.getUUID("product_id").toString();
        if (row.getInteger("available") <= 0) {
          nowSoldOut.add(id);
        }
      }
      JsonArray added = new JsonArray();
      JsonArray removed = new JsonArray();
      for (UUID uuid : ids) {
        String id = uuid.toString();
        // a product without buckets has no stock at all: it is not "sold out", it is unknown
        boolean out = nowSoldOut.contains(id);
        if (out && soldOut.add(id)) {
          added.add(id);
        } else if (!out && soldOut.remove(id)) {
          removed.add(id);
        }
      }
      if (!added.isEmpty() || !removed.isEmpty()) {
        vertx.eventBus().publish(InventoryAddresses.SOLD_OUT, new JsonObject().put("full", false)
          .put("added", added).put("removed", removed).put("at", Instant.now().toString()));
      }
      return null;
    });
  }

  private void publishSnapshot() {
    lastSnapshot = System.currentTimeMillis();
    vertx.eventBus().publish(InventoryAddresses.SOLD_OUT, new JsonObject().put("full", true)
      .put("sold_out", new JsonArray(new ArrayList<>(soldOut))).put("at", Instant.now().toString()));
  }
}
