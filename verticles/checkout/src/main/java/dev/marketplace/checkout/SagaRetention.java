package dev.marketplace.checkout;

import dev.marketplace.platform.jobs.RetentionJob;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Purges finished sagas (PAID or CANCELLED, unchanged for {@code retention.sagas}, 30 days) with
 * their saga log. A purged saga's idempotency key is forgotten: the same key later starts a new
 * checkout, so the retention is the time a client may retry a checkout with the same key.
 */
final class SagaRetention {
  private static final String CLAIM = """
    SELECT id FROM checkout.sagas
    WHERE state IN ('PAID', 'CANCELLED') AND updated_at < now() - $1::bigint * interval '1 millisecond'
    ORDER BY updated_at LIMIT $2::bigint FOR UPDATE SKIP LOCKED""";
  private static final String DELETE_LOG = "DELETE FROM checkout.saga_log WHERE saga_id = ANY($1)";
  private static final String DELETE_SAGAS = "DELETE FROM checkout.sagas WHERE id = ANY($1)";

  private SagaRetention() {
  }

  static List<RetentionJob.Purge> purges(Pool pool, JsonObject config) {
    return List.of(new RetentionJob.Purge("finished sagas", RetentionJob.age(config, "sagas", Duration.ofDays(30)),
      (olderThanMs, limit) -> pool.withTransaction(tx -> tx.preparedQuery(CLAIM).execute(Tuple.of(olderThanMs, (long) limit))
        .compose(rows -> {
          List<UUID> ids = new ArrayList<>();
          for (Row row : rows) {
            ids.add(row.getUUID("id"));
          }
          if (ids.isEmpty()) {
            return Future.succeededFuture(0);
          }
          Tuple byIds = Tuple.of(ids.toArray(new UUID[0]));
          return tx.preparedQuery(DELETE_LOG).execute(byIds)
            .compose(v -> tx.preparedQuery(DELETE_SAGAS).execute(byIds))
            .map(deleted -> deleted.rowCount());
        }))));
  }
}
