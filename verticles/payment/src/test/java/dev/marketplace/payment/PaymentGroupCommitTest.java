package dev.marketplace.payment;

import dev.marketplace.contracts.ErrorCode;
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

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * payment.start's group commits (the CREATED inserts and the PENDING marks with their events) on
 * real PostgreSQL, against a scripted bank that answers at once: requests that share a transaction
 * are each answered as they would be alone, and transactions that die leave nothing half-done.
 * Bank time-outs are generous here, so a loaded machine never turns a start into PAYMENT_UNAVAILABLE.
 */
class PaymentGroupCommitTest {
  private Vertx vertx;
  private Pool db;
  private JsonObject config;
  private final Map<String, String> bankStatus = new ConcurrentHashMap<>();

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    HttpServer bank = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String path = req.path();
      JsonObject reply;
      if (path.equals("/api/payments")) {
        String id = "bank-" + body.toJsonObject().getString("reference");
        bankStatus.putIfAbsent(id, BankApi.PENDING);
        reply = new JsonObject().put("id", id).put("status", bankStatus.get(id)).put("confirm_url", "http://bank/3ds/" + id);
      } else {
        String id = path.split("/")[3];
        if (path.endsWith("/void")) {
          bankStatus.put(id, BankApi.VOIDED);
        }
        reply = new JsonObject().put("id", id).put("status", bankStatus.get(id));
      }
      req.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(reply.encode());
    })).listen(0, "127.0.0.1"));
    config = TestInfra.shared().config();
    config.getJsonObject("bank").put("shared_secret", "payment-group-commit-secret");
    config.getJsonObject("payment").put("bank_url", "http://127.0.0.1:" + bank.actualPort())
      .put("bank_timeout_ms", 10_000).put("start_budget_ms", 20_000).put("breaker_max_failures", 1_000);
    await(vertx.deployVerticle(new PaymentVerticle(), new DeploymentOptions().setConfig(config)));
    db = PgSupport.pool(vertx, config, 2);
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  private JsonObject call(String address, JsonObject body) throws Exception {
    return await(Bus.request(vertx, address, body, 30_000));
  }

  private static JsonObject start(String paymentId, String orderId) {
    return new JsonObject().put("payment_id", paymentId).put("order_id", orderId).put("buyer_id", "u1")
      .put("amount", new JsonObject().put("amount", 2500).put("currency", "RUB")).put("method", "card");
  }

  private String status(String orderId) throws Exception {
    return await(db.preparedQuery("SELECT status FROM payment.intents WHERE order_id = $1").execute(Tuple.of(UUID.fromString(orderId))))
      .iterator().next().getString("status");
  }

  private long events(String orderId, String type) throws Exception {
    return await(db.preparedQuery("SELECT count(*) FROM payment.outbox WHERE record_key = $1 AND payload->>'type' = $2")
      .execute(Tuple.of(orderId, type))).iterator().next().getLong(0);
  }

  private List<Future<JsonObject>> startAll(List<JsonObject> bodies) throws Exception {
    List<Future<JsonObject>> calls = new java.util.ArrayList<>();
    bodies.forEach(b -> calls.add(Bus.request(vertx, PaymentAddresses.START, b, 30_000)));
    await(Future.join(calls).transform(ar -> Future.succeededFuture()));
    return calls;
  }

  private long count(String sql, Object... args) throws Exception {
    return await(db.preparedQuery(sql).execute(Tuple.wrap(args))).iterator().next().getLong(0);
  }

  @Test
  void concurrentStartsShareTransactionsAndEachIsAnsweredAsItWouldBeAlone() throws Exception {
    // an order paid already (repeats answer its payment, other payment ids are a conflict) and a voided one
    String paidOrder = UUID.randomUUID().toString();
    String paidPayment = UUID.randomUUID().toString();
    JsonObject first = call(PaymentAddresses.START, start(paidPayment, paidOrder));
    String voidedOrder = UUID.randomUUID().toString();
    call(PaymentAddresses.VOID, new JsonObject().put("order_id", voidedOrder));
    List<JsonObject> bodies = new java.util.ArrayList<>();
    List<String> fresh = new java.util.ArrayList<>();
    for (int i = 0; i < 24; i++) {
      String orderId = UUID.randomUUID().toString();
      fresh.add(orderId);
      bodies.add(start(UUID.randomUUID().toString(), orderId));
    }
    // a fresh order started three times at once with one payment id: one intent
    String twice = fresh.get(5);
    bodies.add(8, bodies.get(5).copy());
    bodies.add(13, bodies.get(5).copy());
    bodies.add(3, start(paidPayment, paidOrder));
    bodies.add(10, start(UUID.randomUUID().toString(), paidOrder));
    bodies.add(17, start(UUID.randomUUID().toString(), voidedOrder));

    List<Future<JsonObject>> replies = startAll(bodies);

    for (int i = 0; i < bodies.size(); i++) {
      JsonObject body = bodies.get(i);
      Future<JsonObject> reply = replies.get(i);
      String orderId = body.getString("order_id");
      if (orderId.equals(voidedOrder)) {
        assertThat(ServiceFailure.from(reply.cause()).code()).isEqualTo(ErrorCode.PAYMENT_UNAVAILABLE);
      } else if (orderId.equals(paidOrder) && !body.getString("payment_id").equals(paidPayment)) {
        assertThat(ServiceFailure.from(reply.cause()).code()).isEqualTo(ErrorCode.CONFLICT);
      } else if (orderId.equals(paidOrder)) {
        assertThat(reply.result()).isEqualTo(first);
      } else {
        assertThat(reply.succeeded()).as("start %d: %s", i, reply.cause()).isTrue();
        assertThat(reply.result().getString("status")).isEqualTo("PENDING");
        assertThat(reply.result().getString("payment_url")).isEqualTo("http://bank/3ds/bank-" + body.getString("payment_id"));
      }
    }
    UUID[] orders = fresh.stream().map(UUID::fromString).toArray(UUID[]::new);
    assertThat(count("SELECT count(*) FROM payment.intents WHERE order_id = ANY($1) AND status = 'PENDING'", (Object) orders)).isEqualTo(24);
    assertThat(count("SELECT count(*) FROM payment.outbox WHERE record_key = ANY($1) AND payload->>'type' = 'PaymentStarted'",
      (Object) fresh.toArray(String[]::new))).isEqualTo(24);
    assertThat(events(twice, "PaymentStarted")).isEqualTo(1);
    assertThat(events(paidOrder, "PaymentStarted")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM payment.intents WHERE order_id = $1", UUID.fromString(voidedOrder))).isEqualTo(1);
    assertThat(status(voidedOrder)).isEqualTo("VOIDED");
    // they shared transactions: the PENDING rows were written by fewer transactions than there are rows
    assertThat(count("SELECT count(DISTINCT xmin::text) FROM payment.intents WHERE order_id = ANY($1)", (Object) orders)).isLessThan(12);
  }

  @Test
  void startsWhoseTransactionsDieLeaveNoPendingIntentWithoutItsEventAndARetryStartsEachOnce() throws Exception {
    List<JsonObject> bodies = new java.util.ArrayList<>();
    List<String> orderIds = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String orderId = UUID.randomUUID().toString();
      orderIds.add(orderId);
      bodies.add(start(UUID.randomUUID().toString(), orderId));
    }
    Pool watcher = PgSupport.pool(vertx, config, 2);
    io.vertx.sqlclient.SqlConnection blocker = await(watcher.getConnection());
    await(blocker.query("BEGIN").execute());
    await(blocker.query("LOCK TABLE payment.outbox IN EXCLUSIVE MODE").execute());
    List<Future<JsonObject>> calls = new java.util.ArrayList<>();
    java.util.Set<Integer> killed = new java.util.HashSet<>();
    try {
      bodies.forEach(b -> calls.add(Bus.request(vertx, PaymentAddresses.START, b, 30_000)));
      // every transaction that has marked payments PENDING and waits to write their events dies (the node
      // dies), the lone ones and the batches alike, until all ten starts have failed
      long deadline = System.currentTimeMillis() + 20_000;
      while (!calls.stream().allMatch(Future::isComplete) && System.currentTimeMillis() < deadline) {
        var waiting = await(watcher.query("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
          + "AND query LIKE '%INSERT INTO payment.outbox%'").execute());
        for (var row : waiting) {
          killed.add(row.getInteger("pid"));
          await(watcher.preparedQuery("SELECT pg_terminate_backend($1)").execute(Tuple.of(row.getInteger("pid"))));
        }
      }
    } finally {
      await(blocker.query("ROLLBACK").execute());
      await(blocker.close());
    }
    assertThat(calls).allSatisfy(c -> assertThat(c.failed()).as("start answered %s", c.result()).isTrue());
    // (the requests queued behind the killed ones fail too: the pool may hand a killed connection out once more)
    assertThat(killed).isNotEmpty();
    UUID[] orders = orderIds.stream().map(UUID::fromString).toArray(UUID[]::new);
    assertThat(count("SELECT count(*) FROM payment.intents WHERE order_id = ANY($1) AND status = 'PENDING'", (Object) orders)).isZero();
    assertThat(count("SELECT count(*) FROM payment.outbox WHERE record_key = ANY($1)", (Object) orderIds.toArray(String[]::new))).isZero();

    // the callers retry: each payment started once, with its one event
    List<Future<JsonObject>> retried = startAll(bodies);
    assertThat(retried).allSatisfy(r -> assertThat(r.result().getString("status")).isEqualTo("PENDING"));
    assertThat(count("SELECT count(*) FROM payment.outbox WHERE record_key = ANY($1) AND payload->>'type' = 'PaymentStarted'",
      (Object) orderIds.toArray(String[]::new))).isEqualTo(10);
    await(watcher.close());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
