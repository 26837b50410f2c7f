package dev.marketplace.checkout;

import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Finished sagas and their log are purged after retention.sagas; unfinished and recent ones stay. */
class SagaRetentionTest {
  private Vertx vertx;
  private Pool db;

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("checkout").put("sweep_interval_ms", 60_000);
    config.put("retention", new JsonObject().put("sagas", "PT1H").put("dead_letters", "PT1H").put("interval_ms", 200).put("batch", 2));
    await(PgSupport.migrate(vertx, config, "checkout"));
    db = PgSupport.pool(vertx, config, 2);
    // written before the component starts, so its first retention pass sees them
    oldPaid = saga("PAID", "2 hours");
    oldCancelled = saga("CANCELLED", "3 hours");
    oldPaid2 = saga("PAID", "5 hours");
    recentPaid = saga("PAID", "10 minutes");
    oldUnfinished = saga("AWAITING_PAYMENT", "2 days");
    await(db.query("INSERT INTO checkout.dead_letters (consumer, topic, partition, record_offset, payload, attempts, last_error, status, replayed_at) VALUES "
      + "('c', 't', 0, 1, 'x', 5, 'e', 'REPLAYED', now() - interval '2 hours'), ('c', 't', 0, 2, 'x', 5, 'e', 'REPLAYED', now()), "
      + "('c', 't', 0, 3, 'x', 5, 'e', 'PARKED', null)").execute());
    await(vertx.deployVerticle(new CheckoutVerticle(), new DeploymentOptions().setConfig(config)));
  }

  private UUID oldPaid;
  private UUID oldCancelled;
  private UUID oldPaid2;
  private UUID recentPaid;
  private UUID oldUnfinished;

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  @Test
  void finishedSagasOlderThanTheRetentionGoWithTheirLogInBatches() throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (count("SELECT count(*) FROM checkout.sagas") > 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(ids()).containsExactlyInAnyOrder(recentPaid.toString(), oldUnfinished.toString());
    assertThat(count("SELECT count(*) FROM checkout.saga_log")).isEqualTo(4);
    assertThat(count("SELECT count(*) FROM checkout.saga_log WHERE saga_id IN ('" + recentPaid + "', '" + oldUnfinished + "')")).isEqualTo(4);
    // replayed dead letters go too; a parked one waits for its admin whatever its age
    assertThat(count("SELECT count(*) FROM checkout.dead_letters")).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM checkout.dead_letters WHERE status = 'PARKED'")).isEqualTo(1);
  }

  private UUID saga(String state, String age) throws Exception {
    UUID id = UUID.randomUUID();
    await(db.preparedQuery("INSERT INTO checkout.sagas (id, user_id, idempotency_key, request_hash, cart_id, payment_method, reservation_id, "
        + "payment_id, state, next_attempt_at, updated_at) VALUES ($1, 'u', $2, 'h', $3, 'card', $4, $5, $6, now() + interval '1 day', "
        + "now() - $7::text::interval)")
      .execute(Tuple.of(id, id.toString(), UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), state, age)));
    await(db.preparedQuery("INSERT INTO checkout.saga_log (saga_id, state) VALUES ($1, 'STARTED'), ($1, $2)").execute(Tuple.of(id, state)));
    return id;
  }

  private java.util.List<String> ids() throws Exception {
    return await(db.query("SELECT id FROM checkout.sagas").execute()).stream().map(r -> r.getUUID(0).toString()).toList();
  }

  private long count(String sql) throws Exception {
    return await(db.query(sql).execute()).iterator().next().getLong(0);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
