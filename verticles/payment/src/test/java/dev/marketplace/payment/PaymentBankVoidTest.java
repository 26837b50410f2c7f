package dev.marketplace.payment;

import dev.marketplace.contracts.bank.BankApi;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.platform.bus.Bus;
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
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A void the bank does not confirm is due work, retried until the bank does: it is never lost
 * with a failed call, and a buyer who pays the bank meanwhile (the callback lost too) gets the
 * money back once the retried void learns of the capture.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class PaymentBankVoidTest {
  private Vertx vertx;
  private Pool db;
  private ScriptedBank bank;

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    // on the JUnit thread: the first call starts the shared PostgreSQL and Kafka, which blocks
    JsonObject config = TestInfra.shared().config();
    // the simulator's rules: only a PENDING payment can be voided, a captured one answers 409 with its status
    ScriptedBank.start(vertx, ScriptedBank.Rules.SIMULATOR).compose(started -> {
      bank = started;
      config.getJsonObject("payment").put("bank_url", bank.url())
        .put("bank_timeout_ms", 1_000).put("start_budget_ms", 3_000).put("bank_retry_budget_ms", 1_000)
        .put("breaker_max_failures", 1_000).put("breaker_reset_ms", 500)
        .put("poll_interval_ms", 100).put("bank_void_retry_ms", 200).put("refund_retry_ms", 300);
      db = PgSupport.pool(vertx, config, 2);
      return vertx.deployVerticle(new PaymentVerticle(), new DeploymentOptions().setConfig(config));
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** A payment started (PENDING); its id. */
  private Future<String> startPayment(VertxTestContext ctx) {
    String paymentId = UUID.randomUUID().toString();
    return Bus.request(vertx, PaymentAddresses.START, PaymentFixture.startBody(paymentId, UUID.randomUUID().toString()), 10_000)
      .map(started -> {
        ctx.verify(() -> assertThat(started.getString("status")).isEqualTo("PENDING"));
        return paymentId;
      });
  }

  private Future<Row> intent(String paymentId) {
    return db.preparedQuery("SELECT * FROM payment.intents WHERE payment_id = $1").execute(Tuple.of(UUID.fromString(paymentId)))
      .map(rows -> rows.iterator().next());
  }

  /** Voids the order while the bank's API fails, and waits until that first void at the bank has failed. */
  private Future<Void> voidWhileTheBankFails(String paymentId, VertxTestContext ctx) {
    bank.failsWith = 503;
    int before = bank.voidCalls.get();
    return intent(paymentId)
      .compose(row -> Bus.request(vertx, PaymentAddresses.VOID, new JsonObject().put("order_id", row.getUUID("order_id").toString()), 10_000))
      .compose(voided -> {
        ctx.verify(() -> assertThat(voided.getString("status")).isEqualTo("VOIDED"));
        return Eventually.untilTrue(vertx, "the void was tried at the bank", 10_000, () -> bank.voidCalls.get() > before);
      })
      .compose(v -> intent(paymentId))
      .map(row -> {
        ctx.verify(() -> assertThat(row.getBoolean("bank_void_due")).isTrue());
        return null;
      });
  }

  private Future<Void> eventually(String what, java.util.function.Supplier<Future<Boolean>> condition) {
    return Eventually.until(vertx, what, 15_000, condition);
  }

  @Test
  void aVoidTheBankDidNotConfirmIsRetriedUntilItDoes(VertxTestContext ctx) {
    startPayment(ctx).compose(paymentId -> voidWhileTheBankFails(paymentId, ctx)
        .compose(v -> vertx.timer(800)) // a few failed retries of the job
        .compose(t -> intent(paymentId))
        .compose(row -> {
          ctx.verify(() -> {
            assertThat(bank.status.get("bank-" + paymentId)).isEqualTo(BankApi.PENDING);
            assertThat(row.getBoolean("bank_void_due")).isTrue();
          });
          bank.failsWith = 0;
          return eventually("the bank voided the payment", () -> Future.succeededFuture(BankApi.VOIDED.equals(bank.status.get("bank-" + paymentId))));
        })
        .compose(v -> eventually("the void is no longer due", () -> intent(paymentId).map(row -> !row.getBoolean("bank_void_due"))))
        .compose(v -> intent(paymentId))
        .map(row -> ctx.verify(() -> assertThat(row.getString("status")).isEqualTo("VOIDED"))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aBuyerWhoPaidTheBankBeforeTheRetriedVoidGetsTheMoneyBack(VertxTestContext ctx) {
    startPayment(ctx).compose(paymentId -> voidWhileTheBankFails(paymentId, ctx)
        .compose(v -> {
          // the buyer confirms on the bank's page; the bank's callback is lost
          bank.status.put("bank-" + paymentId, BankApi.CAPTURED);
          bank.failsWith = 0;
          return eventually("the capture is recorded and refunded", () -> intent(paymentId).map(row -> "REFUNDED".equals(row.getString("status"))));
        })
        .compose(v -> {
          ctx.verify(() -> assertThat(bank.status.get("bank-" + paymentId)).isEqualTo(BankApi.REFUNDED));
          // the void stops being due in the statement after the refund (PaymentService: applyBankResult, then bankVoidDone)
          return eventually("the void is no longer due", () -> intent(paymentId).map(row -> !row.getBoolean("bank_void_due")));
        })
        .compose(v -> intent(paymentId))
        .map(row -> ctx.verify(() -> assertThat(row.getString("refund_reason")).isEqualTo("LATE_PAYMENT"))))
      .onComplete(ctx.succeedingThenComplete());
  }
}
