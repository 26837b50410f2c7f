package dev.marketplace.payment;

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

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Payment's tombstones go after retention.tombstones; real payments, voided or not, stay. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class PaymentRetentionTest {
  private final UUID oldTombstone = UUID.randomUUID();
  private final UUID recentTombstone = UUID.randomUUID();
  private final UUID oldVoidedPayment = UUID.randomUUID();
  private final UUID oldRefunded = UUID.randomUUID();
  private Pool db;

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("bank").put("shared_secret", "retention-test");
    config.getJsonObject("payment").put("bank_url", "http://127.0.0.1:9");
    config.put("retention", new JsonObject().put("tombstones", "PT1H").put("interval_ms", 200));
    PgSupport.migrate(vertx, config, "payment")
      .compose(v -> {
        db = PgSupport.pool(vertx, config, 2);
        return Future.all(
          intent(oldTombstone, "VOIDED", null, null, 0, "2 hours"),
          intent(recentTombstone, "VOIDED", null, null, 0, "5 minutes"),
          intent(oldVoidedPayment, "VOIDED", "u1", "bank-1", 2500, "2 days"),
          intent(oldRefunded, "REFUNDED", "u1", "bank-2", 2500, "2 days"));
      })
      .compose(v -> vertx.deployVerticle(new PaymentVerticle(), new DeploymentOptions().setConfig(config)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void onlyOldTombstonesArePurged(Vertx vertx, VertxTestContext ctx) {
    Eventually.until(vertx, "the old tombstone is purged", 20_000, () -> exists(oldTombstone).map(exists -> !exists))
      // a few more passes of the job, which must leave the rest alone
      .compose(v -> vertx.timer(500))
      .compose(t -> Future.all(exists(recentTombstone), exists(oldVoidedPayment), exists(oldRefunded)))
      .map(kept -> ctx.verify(() -> assertThat(kept.<Boolean>list()).containsExactly(true, true, true)))
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<Void> intent(UUID order, String status, String buyer, String bankId, long amount, String age) {
    return db.preparedQuery("INSERT INTO payment.intents (payment_id, order_id, buyer_id, amount, currency, status, bank_payment_id, updated_at) "
      + "VALUES ($1, $2, $3, $4, 'RUB', $5, $6, now() - $7::text::interval)")
      .execute(Tuple.of(UUID.randomUUID(), order, buyer, amount, status, bankId).addValue(age)).mapEmpty();
  }

  private Future<Boolean> exists(UUID order) {
    return db.preparedQuery("SELECT count(*) FROM payment.intents WHERE order_id = $1").execute(Tuple.of(order))
      .map(rows -> rows.iterator().next().getLong(0) == 1);
  }
}
