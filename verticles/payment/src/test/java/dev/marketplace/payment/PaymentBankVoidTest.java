package dev.marketplace.payment;

import dev.marketplace.contracts.bank.BankApi;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A void the bank does not confirm is due work, retried until the bank does: it is never lost
 * with a failed call, and a buyer who pays the bank meanwhile (the callback lost too) gets the
 * money back once the retried void learns of the capture.
 */
class PaymentBankVoidTest {
  private Vertx vertx;
  private Pool db;
  /** 0: the scripted bank answers; otherwise this HTTP status to every API call. */
  private volatile int bankFailsWith;
  private final AtomicInteger voidCalls = new AtomicInteger();
  private final Map<String, String> bankStatus = new ConcurrentHashMap<>();

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    // the simulator's rules: only a PENDING payment can be voided, a captured one answers 409 with its status
    HttpServer bank = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String path = req.path();
      if (path.endsWith("/void")) {
        voidCalls.incrementAndGet();
      }
      if (bankFailsWith != 0) {
        req.response().setStatusCode(bankFailsWith).end("{}");
        return;
      }
      int status = 200;
      JsonObject reply;
      if (path.equals("/api/payments")) {
        String id = "bank-" + body.toJsonObject().getString("reference");
        bankStatus.putIfAbsent(id, BankApi.PENDING);
        reply = new JsonObject().put("id", id).put("status", bankStatus.get(id)).put("confirm_url", "http://bank/3ds/" + id);
      } else {
        String id = path.split("/")[3];
        if (path.endsWith("/refund")) {
          bankStatus.computeIfPresent(id, (k, v) -> v.equals(BankApi.CAPTURED) ? BankApi.REFUNDED : v);
          status = bankStatus.get(id).equals(BankApi.REFUNDED) ? 200 : 409;
        } else if (path.endsWith("/void")) {
          bankStatus.computeIfPresent(id, (k, v) -> v.equals(BankApi.PENDING) ? BankApi.VOIDED : v);
          status = Set.of(BankApi.VOIDED, BankApi.DECLINED).contains(bankStatus.get(id)) ? 200 : 409;
        }
        reply = new JsonObject().put("id", id).put("status", bankStatus.get(id));
      }
      req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(reply.encode());
    })).listen(0, "127.0.0.1"));
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("payment").put("bank_url", "http://127.0.0.1:" + bank.actualPort())
      .put("bank_timeout_ms", 1_000).put("start_budget_ms", 3_000).put("bank_retry_budget_ms", 1_000)
      .put("breaker_max_failures", 1_000).put("breaker_reset_ms", 500)
      .put("poll_interval_ms", 100).put("bank_void_retry_ms", 200).put("refund_retry_ms", 300);
    await(vertx.deployVerticle(new PaymentVerticle(), new DeploymentOptions().setConfig(config)));
    db = PgSupport.pool(vertx, config, 2);
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  private String startPayment() throws Exception {
    String paymentId = UUID.randomUUID().toString();
    JsonObject start = new JsonObject().put("payment_id", paymentId).put("order_id", UUID.randomUUID().toString()).put("buyer_id", "u1")
      .put("amount", new JsonObject().put("amount", 2500).put("currency", "RUB")).put("method", "card");
    assertThat(await(Bus.request(vertx, PaymentAddresses.START, start, 10_000)).getString("status")).isEqualTo("PENDING");
    return paymentId;
  }

  private Row intent(String paymentId) throws Exception {
    return await(db.preparedQuery("SELECT * FROM payment.intents WHERE payment_id = $1").execute(Tuple.of(UUID.fromString(paymentId))))
      .iterator().next();
  }

  private String orderOf(String paymentId) throws Exception {
    return intent(paymentId).getUUID("order_id").toString();
  }

  /** Voids the order while the bank's API fails, and waits until that first void at the bank has failed. */
  private void voidWhileTheBankFails(String paymentId) throws Exception {
    bankFailsWith = 503;
    int before = voidCalls.get();
    JsonObject voided = await(Bus.request(vertx, PaymentAddresses.VOID, new JsonObject().put("order_id", orderOf(paymentId)), 10_000));
    assertThat(voided.getString("status")).isEqualTo("VOIDED");
    long deadline = System.currentTimeMillis() + 10_000;
    while (voidCalls.get() == before && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(voidCalls.get()).as("the void was tried at the bank").isGreaterThan(before);
    assertThat(intent(paymentId).getBoolean("bank_void_due")).isTrue();
  }

  private void eventually(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
    long deadline = System.currentTimeMillis() + 15_000;
    while (!condition.call()) {
      assertThat(System.currentTimeMillis()).as(what).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @Test
  void aVoidTheBankDidNotConfirmIsRetriedUntilItDoes() throws Exception {
    String paymentId = startPayment();
    voidWhileTheBankFails(paymentId);
    Thread.sleep(800); // a few failed retries of the job
    assertThat(bankStatus.get("bank-" + paymentId)).isEqualTo(BankApi.PENDING);
    assertThat(intent(paymentId).getBoolean("bank_void_due")).isTrue();

    bankFailsWith = 0;

    eventually("the bank voided the payment", () -> BankApi.VOIDED.equals(bankStatus.get("bank-" + paymentId)));
    eventually("the void is no longer due", () -> !intent(paymentId).getBoolean("bank_void_due"));
    assertThat(intent(paymentId).getString("status")).isEqualTo("VOIDED");
  }

  @Test
  void aBuyerWhoPaidTheBankBeforeTheRetriedVoidGetsTheMoneyBack() throws Exception {
    String paymentId = startPayment();
    voidWhileTheBankFails(paymentId);
    // the buyer confirms on the bank's page; the bank's callback is lost
    bankStatus.put("bank-" + paymentId, BankApi.CAPTURED);

    bankFailsWith = 0;

    eventually("the capture is recorded and refunded", () -> "REFUNDED".equals(intent(paymentId).getString("status")));
    assertThat(bankStatus.get("bank-" + paymentId)).isEqualTo(BankApi.REFUNDED);
    // the void stops being due in the statement after the refund (PaymentService: applyBankResult, then bankVoidDone)
    eventually("the void is no longer due", () -> !intent(paymentId).getBoolean("bank_void_due"));
    assertThat(intent(paymentId).getString("refund_reason")).isEqualTo("LATE_PAYMENT");
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
