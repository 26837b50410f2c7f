package dev.marketplace.payment;

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

/** Payment's tombstones go after retention.tombstones; real payments, voided or not, stay. */
class PaymentRetentionTest {
  private Vertx vertx;
  private Pool db;
  private UUID oldTombstone;
  private UUID recentTombstone;
  private UUID oldVoidedPayment;
  private UUID oldRefunded;

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("bank").put("shared_secret", "retention-test");
    config.getJsonObject("payment").put("bank_url", "http://127.0.0.1:9");
    config.put("retention", new JsonObject().put("tombstones", "PT1H").put("interval_ms", 200));
    await(PgSupport.migrate(vertx, config, "payment"));
    db = PgSupport.pool(vertx, config, 2);
    oldTombstone = intent("VOIDED", null, null, 0, "2 hours");
    recentTombstone = intent("VOIDED", null, null, 0, "5 minutes");
    oldVoidedPayment = intent("VOIDED", "u1", "bank-1", 2500, "2 days");
    oldRefunded = intent("REFUNDED", "u1", "bank-2", 2500, "2 days");
    await(vertx.deployVerticle(new PaymentVerticle(), new DeploymentOptions().setConfig(config)));
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  @Test
  void onlyOldTombstonesArePurged() throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (exists(oldTombstone) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(exists(oldTombstone)).isFalse();
    Thread.sleep(500);
    assertThat(exists(recentTombstone)).isTrue();
    assertThat(exists(oldVoidedPayment)).isTrue();
    assertThat(exists(oldRefunded)).isTrue();
  }

  private UUID intent(String status, String buyer, String bankId, long amount, String age) throws Exception {
    UUID order = UUID.randomUUID();
    await(db.preparedQuery("INSERT INTO payment.intents (payment_id, order_id, buyer_id, amount, currency, status, bank_payment_id, updated_at) "
      + "VALUES ($1, $2, $3, $4, 'RUB', $5, $6, now() - $7::text::interval)")
      .execute(Tuple.of(UUID.randomUUID(), order, buyer, amount, status, bankId).addValue(age)));
    return order;
  }

  private boolean exists(UUID order) throws Exception {
    return await(db.preparedQuery("SELECT count(*) FROM payment.intents WHERE order_id = $1").execute(Tuple.of(order))).iterator().next().getLong(0) == 1;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
