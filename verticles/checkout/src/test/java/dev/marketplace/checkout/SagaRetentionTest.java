package dev.marketplace.checkout;

import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Finished sagas and their log are purged after retention.sagas; unfinished and recent ones stay. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class SagaRetentionTest {
  private final UUID oldPaid = UUID.randomUUID();
  private final UUID oldCancelled = UUID.randomUUID();
  private final UUID oldPaid2 = UUID.randomUUID();
  private final UUID recentPaid = UUID.randomUUID();
  private final UUID oldUnfinished = UUID.randomUUID();
  private Pool db;

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("checkout").put("sweep_interval_ms", 60_000);
    config.put("retention", new JsonObject().put("sagas", "PT1H").put("dead_letters", "PT1H").put("interval_ms", 200).put("batch", 2));
    PgSupport.migrate(vertx, config, "checkout")
      .compose(v -> {
        db = PgSupport.pool(vertx, config, 2);
        // written before the component starts, so its first retention pass sees them
        return Future.all(saga(oldPaid, "PAID", "2 hours"), saga(oldCancelled, "CANCELLED", "3 hours"), saga(oldPaid2, "PAID", "5 hours"),
          saga(recentPaid, "PAID", "10 minutes"), saga(oldUnfinished, "AWAITING_PAYMENT", "2 days"),
          db.query("INSERT INTO checkout.dead_letters (consumer, topic, partition, record_offset, payload, attempts, last_error, status, replayed_at) VALUES "
            + "('c', 't', 0, 1, 'x', 5, 'e', 'REPLAYED', now() - interval '2 hours'), ('c', 't', 0, 2, 'x', 5, 'e', 'REPLAYED', now()), "
            + "('c', 't', 0, 3, 'x', 5, 'e', 'PARKED', null)").execute());
      })
      .compose(v -> vertx.deployVerticle(new CheckoutVerticle(), new DeploymentOptions().setConfig(config)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void finishedSagasOlderThanTheRetentionGoWithTheirLogInBatches(Vertx vertx, VertxTestContext ctx) {
    Eventually.until(vertx, "two sagas are left", 20_000, () -> count("SELECT count(*) FROM checkout.sagas").map(n -> n <= 2))
      .compose(v -> Future.all(ids(), count("SELECT count(*) FROM checkout.saga_log"),
        count("SELECT count(*) FROM checkout.saga_log WHERE saga_id IN ('" + recentPaid + "', '" + oldUnfinished + "')"),
        count("SELECT count(*) FROM checkout.dead_letters"), count("SELECT count(*) FROM checkout.dead_letters WHERE status = 'PARKED'")))
      .map(left -> ctx.verify(() -> {
        assertThat(left.<List<String>>resultAt(0)).containsExactlyInAnyOrder(recentPaid.toString(), oldUnfinished.toString());
        assertThat(left.<Long>resultAt(1)).isEqualTo(4);
        assertThat(left.<Long>resultAt(2)).isEqualTo(4);
        // replayed dead letters go too; a parked one waits for its admin whatever its age
        assertThat(left.<Long>resultAt(3)).isEqualTo(2);
        assertThat(left.<Long>resultAt(4)).isEqualTo(1);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<Void> saga(UUID id, String state, String age) {
    return db.preparedQuery("INSERT INTO checkout.sagas (id, user_id, idempotency_key, request_hash, cart_id, payment_method, reservation_id, "
        + "payment_id, state, next_attempt_at, updated_at) VALUES ($1, 'u', $2, 'h', $3, 'card', $4, $5, $6, now() + interval '1 day', "
        + "now() - $7::text::interval)")
      .execute(Tuple.of(id, id.toString(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), state, age))
      .compose(v -> db.preparedQuery("INSERT INTO checkout.saga_log (saga_id, state) VALUES ($1, 'STARTED'), ($1, $2)").execute(Tuple.of(id, state)))
      .mapEmpty();
  }

  private Future<List<String>> ids() {
    return db.query("SELECT id FROM checkout.sagas").execute().map(rows -> rows.stream().map(r -> r.getUUID(0).toString()).toList());
  }

  private Future<Long> count(String sql) {
    return db.query(sql).execute().map(rows -> rows.iterator().next().getLong(0));
  }
}
