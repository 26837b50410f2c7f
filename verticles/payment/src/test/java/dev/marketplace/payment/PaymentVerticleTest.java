package dev.marketplace.payment;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.marketplace.contracts.ServiceFailure;
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
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The payment component over the bus on real PostgreSQL and Kafka, talking HTTP to a scripted
 * bank (a few lines of HTTP server, since a component never depends on another component's module).
 */
class PaymentVerticleTest {
  private static final String SECRET = "payment-test-secret";
  private Vertx vertx;
  private Pool db;
  private JsonObject config;
  /** How the scripted bank answers: 0 = normally, otherwise this HTTP status to every API call. */
  private volatile int bankFailsWith;
  private final AtomicInteger bankCalls = new AtomicInteger();
  private final Map<String, String> bankStatus = new ConcurrentHashMap<>();

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    HttpServer bank = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      bankCalls.incrementAndGet();
      if (bankFailsWith != 0) {
        req.response().setStatusCode(bankFailsWith).end("{}");
        return;
      }
      String path = req.path();
      JsonObject reply;
      if (path.equals("/api/payments")) {
        String id = "bank-" + body.toJsonObject().getString("reference");
        bankStatus.putIfAbsent(id, BankApi.PENDING);
        reply = new JsonObject().put("id", id).put("status", bankStatus.get(id)).put("confirm_url", "http://bank/3ds/" + id);
      } else {
        String id = path.split("/")[3];
        if (path.endsWith("/refund")) {
          bankStatus.put(id, BankApi.REFUNDED);
        } else if (path.endsWith("/void")) {
          bankStatus.put(id, BankApi.VOIDED);
        }
        reply = new JsonObject().put("id", id).put("status", bankStatus.get(id));
      }
      req.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(reply.encode());
    })).listen(0, "127.0.0.1"));
    config = TestInfra.shared().config();
    config.getJsonObject("bank").put("shared_secret", SECRET);
    config.getJsonObject("payment").put("bank_url", "http://127.0.0.1:" + bank.actualPort())
      .put("bank_timeout_ms", 500).put("start_budget_ms", 800).put("breaker_max_failures", 2).put("breaker_reset_ms", 60_000);
    await(vertx.deployVerticle(new PaymentVerticle(), new DeploymentOptions().setConfig(config)));
    db = PgSupport.pool(vertx, config, 2);
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  private JsonObject call(String address, JsonObject body) throws Exception {
    return await(Bus.request(vertx, address, body, 10_000));
  }

  private ErrorCode failureOf(String address, JsonObject body) {
    try {
      call(address, body);
    } catch (Exception e) {
      return ServiceFailure.from(e.getCause()).code();
    }
    throw new AssertionError(address + " succeeded");
  }

  private static JsonObject start(String paymentId, String orderId) {
    return new JsonObject().put("payment_id", paymentId).put("order_id", orderId).put("buyer_id", "u1")
      .put("amount", new JsonObject().put("amount", 2500).put("currency", "RUB")).put("method", "card");
  }

  /** The bank's signed callback about the payment {@code reference}, naming its order and amount as the bank would. */
  private JsonObject callback(String bankId, String reference, String status) throws Exception {
    var rows = await(db.preparedQuery("SELECT order_id, amount, currency FROM payment.intents WHERE payment_id = $1")
      .execute(Tuple.of(UUID.fromString(reference))));
    if (!rows.iterator().hasNext()) {
      return callback(bankId, reference, status, UUID.randomUUID().toString(), 2500, "RUB");
    }
    var row = rows.iterator().next();
    return callback(bankId, reference, status, row.getUUID("order_id").toString(), row.getLong("amount"), row.getString("currency"));
  }

  private static JsonObject callback(String bankId, String reference, String status, String orderId, long amount, String currency) {
    String body = new JsonObject().put("event_id", UUID.randomUUID().toString()).put("id", bankId).put("reference", reference)
      .put("order_id", orderId).put("status", status)
      .put("amount", new JsonObject().put("amount", amount).put("currency", currency)).encode();
    return new JsonObject().put("body", body).put("signature", BankApi.sign(SECRET, body.getBytes(StandardCharsets.UTF_8)));
  }

  private String status(String orderId) throws Exception {
    return await(db.preparedQuery("SELECT status FROM payment.intents WHERE order_id = $1").execute(Tuple.of(UUID.fromString(orderId))))
      .iterator().next().getString("status");
  }

  private long events(String orderId, String type) throws Exception {
    return await(db.preparedQuery("SELECT count(*) FROM payment.outbox WHERE record_key = $1 AND payload->>'type' = $2")
      .execute(Tuple.of(orderId, type))).iterator().next().getLong(0);
  }

  @Test
  void startIsIdempotentAndAnsweredWithThe3dsUrl() throws Exception {
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();

    JsonObject first = call(PaymentAddresses.START, start(paymentId, orderId));
    JsonObject again = call(PaymentAddresses.START, start(paymentId, orderId));

    assertThat(first.getString("status")).isEqualTo("PENDING");
    assertThat(first.getString("payment_url")).isEqualTo("http://bank/3ds/bank-" + paymentId);
    assertThat(again).isEqualTo(first);
    assertThat(events(orderId, "PaymentStarted")).isEqualTo(1);
    assertThat(failureOf(PaymentAddresses.START, start(UUID.randomUUID().toString(), orderId))).isEqualTo(ErrorCode.CONFLICT);
  }

  @Test
  void aCallbackWithAMissingOrWrongSignatureIsRefusedAndChangesNothing() throws Exception {
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();
    call(PaymentAddresses.START, start(paymentId, orderId));
    JsonObject genuine = callback("bank-" + paymentId, paymentId, BankApi.CAPTURED);

    JsonObject unsigned = genuine.copy();
    unsigned.remove("signature");
    assertThat(failureOf(PaymentAddresses.CALLBACK, unsigned))
      .isEqualTo(ErrorCode.INVALID_SIGNATURE);
    assertThat(failureOf(PaymentAddresses.CALLBACK, genuine.copy().put("signature", BankApi.sign("guess", genuine.getString("body").getBytes()))))
      .isEqualTo(ErrorCode.INVALID_SIGNATURE);
    assertThat(failureOf(PaymentAddresses.CALLBACK, genuine.copy().put("signature", "sha256=zz"))).isEqualTo(ErrorCode.INVALID_SIGNATURE);
    assertThat(status(orderId)).isEqualTo("PENDING");

    assertThat(call(PaymentAddresses.CALLBACK, genuine).getString("status")).isEqualTo("CAPTURED");
    assertThat(call(PaymentAddresses.CALLBACK, callback("bank-" + paymentId, paymentId, BankApi.CAPTURED)).getString("status")).isEqualTo("CAPTURED");
    assertThat(call(PaymentAddresses.CALLBACK, callback("bank-" + paymentId, paymentId, BankApi.DECLINED)).getString("status")).isEqualTo("CAPTURED");
    assertThat(events(orderId, "PaymentCaptured")).isEqualTo(1);
    assertThat(events(orderId, "PaymentDeclined")).isZero();
    assertThat(failureOf(PaymentAddresses.CALLBACK, callback("bank-unknown", UUID.randomUUID().toString(), BankApi.CAPTURED)))
      .isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void aSignedCallbackWhoseOrderAmountOrCurrencyDiffersFromThePaymentIsAConflictAndChangesNothing() throws Exception {
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();
    call(PaymentAddresses.START, start(paymentId, orderId));
    String bankId = "bank-" + paymentId;

    assertThat(failureOf(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.CAPTURED, orderId, 1, "RUB")))
      .isEqualTo(ErrorCode.CONFLICT);
    assertThat(failureOf(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.CAPTURED, orderId, 2500, "USD")))
      .isEqualTo(ErrorCode.CONFLICT);
    assertThat(failureOf(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.CAPTURED, UUID.randomUUID().toString(), 2500, "RUB")))
      .isEqualTo(ErrorCode.CONFLICT);
    assertThat(failureOf(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.DECLINED, orderId, 2499, "RUB")))
      .isEqualTo(ErrorCode.CONFLICT);
    // another payment's bank id with this payment's reference: not this payment's result either
    assertThat(failureOf(PaymentAddresses.CALLBACK, callback("bank-someone-else", paymentId, BankApi.CAPTURED, orderId, 2500, "RUB")))
      .isEqualTo(ErrorCode.CONFLICT);
    // a result without order or amount is not one the bank sends
    String bare = new JsonObject().put("id", bankId).put("reference", paymentId).put("status", BankApi.CAPTURED).encode();
    assertThat(failureOf(PaymentAddresses.CALLBACK, new JsonObject().put("body", bare)
      .put("signature", BankApi.sign(SECRET, bare.getBytes(StandardCharsets.UTF_8))))).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(status(orderId)).isEqualTo("PENDING");
    assertThat(events(orderId, "PaymentCaptured")).isZero();
    assertThat(events(orderId, "PaymentDeclined")).isZero();

    // the matching one is applied, and its replays change nothing
    assertThat(call(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.CAPTURED, orderId, 2500, "RUB")).getString("status"))
      .isEqualTo("CAPTURED");
    assertThat(call(PaymentAddresses.CALLBACK, callback(bankId, paymentId, BankApi.CAPTURED, orderId, 2500, "RUB")).getString("status"))
      .isEqualTo("CAPTURED");
    assertThat(events(orderId, "PaymentCaptured")).isEqualTo(1);
  }

  @Test
  void theComponentRefusesToStartWithoutABankSecret() throws Exception {
    JsonObject noSecret = config.copy();
    noSecret.getJsonObject("bank").put("shared_secret", "");
    Vertx other = Vertx.vertx();
    try {
      Throwable failure = other.deployVerticle(new PaymentVerticle(), new DeploymentOptions().setConfig(noSecret))
        .toCompletionStage().toCompletableFuture().handle((id, err) -> err).get(30, TimeUnit.SECONDS);
      assertThat(failure).as("deployment must fail").isNotNull();
      assertThat(failure.getMessage()).contains("bank.shared_secret");
    } finally {
      await(other.close());
    }
  }

  @Test
  void aCaptureThatArrivesAfterTheVoidIsRefunded() throws Exception {
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();
    call(PaymentAddresses.START, start(paymentId, orderId));

    assertThat(call(PaymentAddresses.VOID, new JsonObject().put("order_id", orderId)).getString("status")).isEqualTo("VOIDED");
    assertThat(call(PaymentAddresses.CALLBACK, callback("bank-" + paymentId, paymentId, BankApi.CAPTURED)).getString("status")).isEqualTo("REFUNDED");

    assertThat(status(orderId)).isEqualTo("REFUNDED");
    assertThat(bankStatus.get("bank-" + paymentId)).isEqualTo(BankApi.REFUNDED);
    assertThat(events(orderId, "PaymentRefunded")).isEqualTo(1);
    // a void after a capture does not undo it; a refund of captured money returns it
    String other = UUID.randomUUID().toString();
    String otherPayment = UUID.randomUUID().toString();
    call(PaymentAddresses.START, start(otherPayment, other));
    call(PaymentAddresses.CALLBACK, callback("bank-" + otherPayment, otherPayment, BankApi.CAPTURED));
    assertThat(call(PaymentAddresses.VOID, new JsonObject().put("order_id", other)).getString("status")).isEqualTo("CAPTURED");
    assertThat(call(PaymentAddresses.REFUND, new JsonObject().put("order_id", other).put("reason", "BUYER_CANCELLED")).getString("status"))
      .isEqualTo("REFUNDED");
    assertThat(call(PaymentAddresses.REFUND, new JsonObject().put("order_id", other)).getString("status")).isEqualTo("REFUNDED");
  }

  @Test
  void aVoidBeforeTheStartLeavesATombstoneSoTheLateStartIsRefused() throws Exception {
    String orderId = UUID.randomUUID().toString();

    assertThat(call(PaymentAddresses.VOID, new JsonObject().put("order_id", orderId)).getString("status")).isEqualTo("VOIDED");

    assertThat(failureOf(PaymentAddresses.START, start(UUID.randomUUID().toString(), orderId))).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
    assertThat(bankCalls.get()).isZero();
  }

  @Test
  void aFailingBankOpensTheCircuitAndThenStartsFailFastWithoutCallingIt() throws Exception {
    bankFailsWith = 503;
    for (int i = 0; i < 2; i++) {
      String orderId = UUID.randomUUID().toString();
      assertThat(failureOf(PaymentAddresses.START, start(UUID.randomUUID().toString(), orderId))).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
      assertThat(status(orderId)).isEqualTo("FAILED");
    }
    int callsWhenOpened = bankCalls.get();

    String orderId = UUID.randomUUID().toString();
    assertThat(failureOf(PaymentAddresses.START, start(UUID.randomUUID().toString(), orderId))).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);

    assertThat(bankCalls.get()).isEqualTo(callsWhenOpened);
    // each failed start tried the bank again within its budget before it counted as one failure
    assertThat(callsWhenOpened).isGreaterThan(2);
    // a failed start may be voided like any other
    assertThat(call(PaymentAddresses.VOID, new JsonObject().put("order_id", orderId)).getString("status")).isEqualTo("VOIDED");
  }

  @Test
  void anOrderCancelledEventRefundsTheCapturedMoneyAndMovesTheOrderToRefunded() throws Exception {
    List<JsonObject> transitions = new CopyOnWriteArrayList<>();
    await(Bus.serve(vertx, "orders.transition", msg -> {
      transitions.add(msg.body());
      return Future.succeededFuture(new JsonObject().put("status", msg.body().getString("to")));
    }).completion());
    String paymentId = UUID.randomUUID().toString();
    String orderId = UUID.randomUUID().toString();
    call(PaymentAddresses.START, start(paymentId, orderId));
    call(PaymentAddresses.CALLBACK, callback("bank-" + paymentId, paymentId, BankApi.CAPTURED));
    String pendingOrder = UUID.randomUUID().toString();
    call(PaymentAddresses.START, start(UUID.randomUUID().toString(), pendingOrder));

    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, KafkaSupport.producerConfig(config));
    for (String id : List.of(orderId, pendingOrder, orderId)) {
      EventEnvelope cancelled = EventEnvelope.create("OrderCancelled", id,
        new JsonObject().put("order_id", id).put("status", "CANCELLED").put("reason", "BUYER_CANCELLED"));
      await(producer.send(KafkaProducerRecord.create(Topics.ORDERS_EVENTS, id, cancelled.toJson().encode())));
    }

    long deadline = System.currentTimeMillis() + 30_000;
    while ((!status(orderId).equals("REFUNDED") || !status(pendingOrder).equals("VOIDED") || transitions.isEmpty())
      && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(status(orderId)).isEqualTo("REFUNDED");
    assertThat(bankStatus.get("bank-" + paymentId)).isEqualTo(BankApi.REFUNDED);
    assertThat(status(pendingOrder)).isEqualTo("VOIDED");
    // the event came twice: orders hears REFUNDED once or twice, which it takes as the same transition
    assertThat(transitions).extracting(t -> t.getString("order_id") + ":" + t.getString("to")).containsOnly(orderId + ":REFUNDED");
    assertThat(events(orderId, "PaymentRefunded")).isEqualTo(1);
    producer.close();
  }

  @Test
  void badRequestsAreValidationFailures() {
    assertThat(failureOf(PaymentAddresses.START, new JsonObject().put("payment_id", "x"))).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(failureOf(PaymentAddresses.START, start(UUID.randomUUID().toString(), UUID.randomUUID().toString()).put("extra", 1)))
      .isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(failureOf(PaymentAddresses.VOID, new JsonObject())).isEqualTo(ErrorCode.VALIDATION_FAILED);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
