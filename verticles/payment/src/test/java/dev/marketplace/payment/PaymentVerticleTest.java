package dev.marketplace.payment;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.bank.BankApi;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.Outcomes;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.payment.PaymentFixture.startBody;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The payment component over the bus on real PostgreSQL and Kafka, talking HTTP to a scripted
 * bank (a few lines of HTTP server, since a component never depends on another component's module).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class PaymentVerticleTest {
  private static final String SECRET = "payment-test-secret";
  private Vertx vertx;
  private Pool db;
  private JsonObject config;
  private ScriptedBank bank;
  /** A second Vert.x a test may start; closed after it. */
  private Vertx other;

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    // on the JUnit thread: the first call starts the shared PostgreSQL and Kafka, which blocks
    config = TestInfra.shared().config();
    ScriptedBank.start(vertx, ScriptedBank.Rules.LENIENT).compose(started -> {
      bank = started;
      config.getJsonObject("bank").put("shared_secret", SECRET);
      config.getJsonObject("payment").put("bank_url", bank.url())
        .put("bank_timeout_ms", 500).put("start_budget_ms", 800).put("breaker_max_failures", 2).put("breaker_reset_ms", 60_000);
      db = PgSupport.pool(vertx, config, 2);
      return vertx.deployVerticle(new PaymentVerticle(), new DeploymentOptions().setConfig(config));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void closeOther(VertxTestContext ctx) {
    if (other == null) {
      ctx.completeNow();
    } else {
      other.close().onComplete(ctx.succeedingThenComplete());
    }
  }

  private Future<JsonObject> call(String address, JsonObject body) {
    return Bus.request(vertx, address, body, 10_000);
  }

  private Future<String> callStatus(String address, JsonObject body) {
    return call(address, body).map(reply -> reply.getString("status"));
  }

  private Future<ErrorCode> failureOf(String address, JsonObject body) {
    return Outcomes.refusal(call(address, body)).map(ServiceFailure::code);
  }

  /** The bank's signed callback about the payment {@code reference}, naming its order and amount as the bank would. */
  private Future<JsonObject> callback(String bankId, String reference, String status) {
    return db.preparedQuery("SELECT order_id, amount, currency FROM payment.intents WHERE payment_id = $1")
      .execute(Tuple.of(UUID.fromString(reference)))
      .map(rows -> {
        if (!rows.iterator().hasNext()) {
          return callback(bankId, reference, status, UUID.randomUUID().toString(), 2500, "RUB");
        }
        var row = rows.iterator().next();
        return callback(bankId, reference, status, row.getUUID("order_id").toString(), row.getLong("amount"), row.getString("currency"));
      });
  }

  private static JsonObject callback(String bankId, String reference, String status, String orderId, long amount, String currency) {
    return PaymentFixture.signedCallback(SECRET, bankId, reference, status, orderId, amount, currency);
  }

  /** The status {@code payment.callback} answers to the bank's signed callback. */
  private Future<String> callbackStatus(String bankId, String reference, String status) {
    return callback(bankId, reference, status).compose(body -> callStatus(PaymentAddresses.CALLBACK, body));
  }

  private Future<String> status(String orderId) {
    return PaymentFixture.status(db, orderId);
  }

  private Future<Long> events(String orderId, String type) {
    return PaymentFixture.events(db, orderId, type);
  }

  @Test
  void startIsIdempotentAndAnsweredWithThe3dsUrl(VertxTestContext ctx) {
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();

    call(PaymentAddresses.START, startBody(paymentId, orderId))
      .compose(first -> call(PaymentAddresses.START, startBody(paymentId, orderId))
        .compose(again -> events(orderId, "PaymentStarted")
          .compose(started -> failureOf(PaymentAddresses.START, startBody(UUID.randomUUID().toString(), orderId))
            .map(otherPayment -> ctx.verify(() -> {
              assertThat(first.getString("status")).isEqualTo("PENDING");
              assertThat(first.getString("payment_url")).isEqualTo("http://bank/3ds/bank-" + paymentId);
              assertThat(again).isEqualTo(first);
              assertThat(started).isEqualTo(1);
              assertThat(otherPayment).isEqualTo(ErrorCode.CONFLICT);
            })))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aCallbackWithAMissingOrWrongSignatureIsRefusedAndChangesNothing(VertxTestContext ctx) {
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();
    call(PaymentAddresses.START, startBody(paymentId, orderId))
      .compose(started -> callback("bank-" + paymentId, paymentId, BankApi.CAPTURED))
      .compose(genuine -> {
        JsonObject unsigned = genuine.copy();
        unsigned.remove("signature");
        return InOrder.run(
            () -> failureOf(PaymentAddresses.CALLBACK, unsigned),
            () -> failureOf(PaymentAddresses.CALLBACK, genuine.copy().put("signature", BankApi.sign("guess", genuine.getString("body").getBytes()))),
            () -> failureOf(PaymentAddresses.CALLBACK, genuine.copy().put("signature", "sha256=zz")))
          .compose(refusals -> status(orderId).map(status -> ctx.verify(() -> {
            assertThat(refusals).containsOnly(ErrorCode.INVALID_SIGNATURE);
            assertThat(status).isEqualTo("PENDING");
          })))
          .compose(v -> InOrder.run(
            () -> callStatus(PaymentAddresses.CALLBACK, genuine),
            () -> callbackStatus("bank-" + paymentId, paymentId, BankApi.CAPTURED),
            () -> callbackStatus("bank-" + paymentId, paymentId, BankApi.DECLINED)));
      })
      .compose(statuses -> Future.all(events(orderId, "PaymentCaptured"), events(orderId, "PaymentDeclined"),
          callback("bank-unknown", UUID.randomUUID().toString(), BankApi.CAPTURED).compose(unknown -> failureOf(PaymentAddresses.CALLBACK, unknown)))
        .map(after -> ctx.verify(() -> {
          assertThat(statuses).containsExactly("CAPTURED", "CAPTURED", "CAPTURED");
          assertThat(after.<Long>resultAt(0)).isEqualTo(1);
          assertThat(after.<Long>resultAt(1)).isZero();
          assertThat(after.<ErrorCode>resultAt(2)).isEqualTo(ErrorCode.NOT_FOUND);
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aSignedCallbackWhoseOrderAmountOrCurrencyDiffersFromThePaymentIsAConflictAndChangesNothing(VertxTestContext ctx) {
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();
    String bankId = "bank-" + paymentId;
    // a result without order or amount is not one the bank sends
    String bare = new JsonObject().put("id", bankId).put("reference", paymentId).put("status", BankApi.CAPTURED).encode();
    call(PaymentAddresses.START, startBody(paymentId, orderId))
      .compose(started -> InOrder.run(
        () -> failureOf(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.CAPTURED, orderId, 1, "RUB")),
        () -> failureOf(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.CAPTURED, orderId, 2500, "USD")),
        () -> failureOf(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.CAPTURED, UUID.randomUUID().toString(), 2500, "RUB")),
        () -> failureOf(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.DECLINED, orderId, 2499, "RUB")),
        // another payment's bank id with this payment's reference: not this payment's result either
        () -> failureOf(PaymentAddresses.CALLBACK, callback("bank-someone-else", paymentId, BankApi.CAPTURED, orderId, 2500, "RUB")),
        () -> failureOf(PaymentAddresses.CALLBACK, new JsonObject().put("body", bare)
          .put("signature", BankApi.sign(SECRET, bare.getBytes(StandardCharsets.UTF_8))))))
      .compose(refusals -> Future.all(status(orderId), events(orderId, "PaymentCaptured"), events(orderId, "PaymentDeclined"))
        .map(after -> ctx.verify(() -> {
          assertThat(refusals).containsExactly(ErrorCode.CONFLICT, ErrorCode.CONFLICT, ErrorCode.CONFLICT, ErrorCode.CONFLICT,
            ErrorCode.CONFLICT, ErrorCode.VALIDATION_FAILED);
          assertThat(after.<String>resultAt(0)).isEqualTo("PENDING");
          assertThat(after.<Long>resultAt(1)).isZero();
          assertThat(after.<Long>resultAt(2)).isZero();
        })))
      // the matching one is applied, and its replays change nothing
      .compose(v -> InOrder.run(
        () -> callStatus(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.CAPTURED, orderId, 2500, "RUB")),
        () -> callStatus(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.CAPTURED, orderId, 2500, "RUB"))))
      .compose(statuses -> events(orderId, "PaymentCaptured").map(captured -> ctx.verify(() -> {
        assertThat(statuses).containsExactly("CAPTURED", "CAPTURED");
        assertThat(captured).isEqualTo(1);
      })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theComponentRefusesToStartWithoutABankSecret(VertxTestContext ctx) {
    JsonObject noSecret = config.copy();
    noSecret.getJsonObject("bank").put("shared_secret", "");
    // a Vert.x of its own (closed after the test: its own futures end with it), so nothing the failed deployment left behind meets the test's component
    other = Vertx.vertx();
    Outcomes.failure(other.deployVerticle(new PaymentVerticle(), new DeploymentOptions().setConfig(noSecret)))
      .map(failure -> ctx.verify(() -> assertThat(failure.getMessage()).contains("bank.shared_secret")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aCaptureThatArrivesAfterTheVoidIsRefunded(VertxTestContext ctx) {
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();
    String other = UUID.randomUUID().toString();
    String otherPayment = UUID.randomUUID().toString();
    call(PaymentAddresses.START, startBody(paymentId, orderId))
      .compose(started -> InOrder.run(
        () -> callStatus(PaymentAddresses.VOID, new JsonObject().put("order_id", orderId)),
        () -> callbackStatus("bank-" + paymentId, paymentId, BankApi.CAPTURED),
        () -> status(orderId)))
      .compose(statuses -> events(orderId, "PaymentRefunded").map(refunded -> ctx.verify(() -> {
        assertThat(statuses).containsExactly("VOIDED", "REFUNDED", "REFUNDED");
        assertThat(bank.status.get("bank-" + paymentId)).isEqualTo(BankApi.REFUNDED);
        assertThat(refunded).isEqualTo(1);
      })))
      // a void after a capture does not undo it; a refund of captured money returns it
      .compose(v -> InOrder.run(
        () -> callStatus(PaymentAddresses.START, startBody(otherPayment, other)),
        () -> callbackStatus("bank-" + otherPayment, otherPayment, BankApi.CAPTURED),
        () -> callStatus(PaymentAddresses.VOID, new JsonObject().put("order_id", other)),
        () -> callStatus(PaymentAddresses.REFUND, new JsonObject().put("order_id", other).put("reason", "BUYER_CANCELLED")),
        () -> callStatus(PaymentAddresses.REFUND, new JsonObject().put("order_id", other))))
      .map(statuses -> ctx.verify(() -> assertThat(statuses.subList(2, 5)).containsExactly("CAPTURED", "REFUNDED", "REFUNDED")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aVoidBeforeTheStartLeavesATombstoneSoTheLateStartIsRefused(VertxTestContext ctx) {
    String orderId = UUID.randomUUID().toString();

    callStatus(PaymentAddresses.VOID, new JsonObject().put("order_id", orderId))
      .compose(voided -> failureOf(PaymentAddresses.START, startBody(UUID.randomUUID().toString(), orderId))
        .map(lateStart -> ctx.verify(() -> {
          assertThat(voided).isEqualTo("VOIDED");
          assertThat(lateStart).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
          assertThat(bank.calls.get()).isZero();
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aFailingBankOpensTheCircuitAndThenStartsFailFastWithoutCallingIt(VertxTestContext ctx) {
    bank.failsWith = 503;
    List<String> failedOrders = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString());
    String orderId = UUID.randomUUID().toString();
    int[] callsWhenOpened = new int[1];
    InOrder.run(
        () -> failureOf(PaymentAddresses.START, startBody(UUID.randomUUID().toString(), failedOrders.get(0))),
        () -> failureOf(PaymentAddresses.START, startBody(UUID.randomUUID().toString(), failedOrders.get(1))))
      .compose(refusals -> Future.all(status(failedOrders.get(0)), status(failedOrders.get(1))).map(statuses -> ctx.verify(() -> {
        assertThat(refusals).containsExactly(ErrorCode.PAYMENT_UNAVAILABLE, ErrorCode.PAYMENT_UNAVAILABLE);
        assertThat(statuses.<String>list()).containsExactly("FAILED", "FAILED");
      })))
      .compose(v -> {
        callsWhenOpened[0] = bank.calls.get();
        return failureOf(PaymentAddresses.START, startBody(UUID.randomUUID().toString(), orderId));
      })
      .compose(fastFailure -> {
        ctx.verify(() -> {
          assertThat(fastFailure).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
          assertThat(bank.calls.get()).isEqualTo(callsWhenOpened[0]);
          // each failed start tried the bank again within its budget before it counted as one failure
          assertThat(callsWhenOpened[0]).isGreaterThan(2);
        });
        // a failed start may be voided like any other
        return callStatus(PaymentAddresses.VOID, new JsonObject().put("order_id", orderId));
      })
      .map(voided -> ctx.verify(() -> assertThat(voided).isEqualTo("VOIDED")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anOrderCancelledEventRefundsTheCapturedMoneyAndMovesTheOrderToRefunded(VertxTestContext ctx) {
    List<JsonObject> transitions = new CopyOnWriteArrayList<>();
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();
    String pendingOrder = UUID.randomUUID().toString();
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, KafkaSupport.producerConfig(config));
    Bus.serve(vertx, "orders.transition", msg -> {
        transitions.add(msg.body());
        return Future.succeededFuture(new JsonObject().put("status", msg.body().getString("to")));
      }).completion()
      .compose(v -> InOrder.run(
        () -> call(PaymentAddresses.START, startBody(paymentId, orderId)).map("started"),
        () -> callbackStatus("bank-" + paymentId, paymentId, BankApi.CAPTURED),
        () -> call(PaymentAddresses.START, startBody(UUID.randomUUID().toString(), pendingOrder)).map("started")))
      .compose(v -> {
        Future<Void> sent = Future.succeededFuture();
        for (String id : List.of(orderId, pendingOrder, orderId)) {
          EventEnvelope cancelled = EventEnvelope.create("OrderCancelled", id,
            new JsonObject().put("order_id", id).put("status", "CANCELLED").put("reason", "BUYER_CANCELLED"));
          sent = sent.compose(x -> producer.send(KafkaProducerRecord.create(Topics.ORDERS_EVENTS, id, cancelled.toJson().encode())).mapEmpty());
        }
        return sent;
      })
      .compose(v -> Eventually.until(vertx, "the paid order refunded, the pending one voided, orders told", 30_000,
        () -> Future.all(status(orderId), status(pendingOrder))
          .map(s -> s.<String>resultAt(0).equals("REFUNDED") && s.<String>resultAt(1).equals("VOIDED") && !transitions.isEmpty())))
      .compose(v -> events(orderId, "PaymentRefunded"))
      .map(refunded -> ctx.verify(() -> {
        assertThat(bank.status.get("bank-" + paymentId)).isEqualTo(BankApi.REFUNDED);
        // the event came twice: orders hears REFUNDED once or twice, which it takes as the same transition
        assertThat(transitions).extracting(t -> t.getString("order_id") + ":" + t.getString("to")).containsOnly(orderId + ":REFUNDED");
        assertThat(refunded).isEqualTo(1);
      }))
      .eventually(producer::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void badRequestsAreValidationFailures(VertxTestContext ctx) {
    Future.all(
        failureOf(PaymentAddresses.START, new JsonObject().put("payment_id", "x")),
        failureOf(PaymentAddresses.START, startBody(UUID.randomUUID().toString(), UUID.randomUUID().toString()).put("extra", 1)),
        failureOf(PaymentAddresses.VOID, new JsonObject()))
      .map(refusals -> ctx.verify(() -> assertThat(refusals.<ErrorCode>list()).containsOnly(ErrorCode.VALIDATION_FAILED)))
      .onComplete(ctx.succeedingThenComplete());
  }
}
