package dev.marketplace.platform.testing;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * A table another session holds in {@code EXCLUSIVE} mode inside an open transaction, so that the
 * code under test blocks on it halfway through a transaction of its own; and the killing of the
 * backends that wait for it, as a node dying mid-transaction looks to PostgreSQL. The test's pool
 * watches and kills: run the code under test on a pool (or a component) of its own.
 *
 * <pre>{@code
 * LockedTable.lock(pool, "orders.outbox").compose(outbox -> {
 *   Future<List<Object>> running = store.createBatch(batch);
 *   return outbox.killFirstWaiter("%orders.outbox%", 10_000).eventually(outbox::release).map(pid -> running);
 * })
 * }</pre>
 */
public final class LockedTable {
  private static final String WAITERS =
    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1 AND pid <> pg_backend_pid()";

  private final Pool pool;
  private final SqlConnection holder;

  private LockedTable(Pool pool, SqlConnection holder) {
    this.pool = pool;
    this.holder = holder;
  }

  /** Takes a connection of {@code pool} and locks {@code table} in a transaction that stays open until {@link #release}. */
  public static Future<LockedTable> lock(Pool pool, String table) {
    return pool.getConnection().compose(conn -> conn.query("BEGIN").execute()
      .compose(v -> conn.query("LOCK TABLE " + table + " IN EXCLUSIVE MODE").execute())
      .map(v -> new LockedTable(pool, conn))
      .onFailure(e -> conn.close()));
  }

  /**
   * Waits until a statement whose text is {@code LIKE queryPattern} waits for a lock, and terminates
   * its backend; the future has the pid, or fails with an {@link AssertionError} when no statement
   * waited within {@code timeoutMs}.
   */
  public Future<Integer> killFirstWaiter(String queryPattern, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    Set<Integer> killed = new HashSet<>();
    return killWaiters(queryPattern, () -> !killed.isEmpty(), deadline, killed)
      .compose(v -> killed.isEmpty()
        ? Future.failedFuture(new AssertionError("no statement like " + queryPattern + " waited for the lock within " + timeoutMs + " ms"))
        : Future.succeededFuture(killed.iterator().next()));
  }

  /**
   * Terminates every backend whose statement ({@code LIKE queryPattern}) waits for a lock, round
   * after round, until {@code done} holds or {@code timeoutMs} passed; the future has the pids killed.
   */
  public Future<Set<Integer>> killWaitersUntil(String queryPattern, BooleanSupplier done, long timeoutMs) {
    Set<Integer> killed = new HashSet<>();
    return killWaiters(queryPattern, done, System.currentTimeMillis() + timeoutMs, killed).map(v -> killed);
  }

  private Future<Void> killWaiters(String queryPattern, BooleanSupplier done, long deadline, Set<Integer> killed) {
    if (done.getAsBoolean() || System.currentTimeMillis() > deadline) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(WAITERS).execute(Tuple.of(queryPattern)).compose(rows -> {
      Future<Void> kills = Future.succeededFuture();
      for (Row row : rows) {
        int pid = row.getInteger("pid");
        killed.add(pid);
        kills = kills.compose(v -> pool.preparedQuery("SELECT pg_terminate_backend($1)").execute(Tuple.of(pid)).mapEmpty());
      }
      return kills;
    }).compose(v -> killWaiters(queryPattern, done, deadline, killed));
  }

  /** Rolls the holding transaction back and gives its connection back. */
  public Future<Void> release() {
    return holder.query("ROLLBACK").execute().<Void>mapEmpty().eventually(holder::close);
  }

  /** The outcome of {@code future} as a value: {@code true} when it failed (a failed future succeeds with it). */
  public static Future<Boolean> failed(Future<?> future) {
    return future.transform(ar -> Future.succeededFuture(ar.failed()));
  }
}
