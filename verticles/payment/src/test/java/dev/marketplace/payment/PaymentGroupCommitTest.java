package dev.marketplace.payment;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.LockedTable;
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

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.payment.PaymentFixture.startBody;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * payment.start's group commits (the CREATED inserts and the PENDING marks with their events) on
 * real PostgreSQL, against a scripted bank that answers at once: requests that share a transaction
 * are each answered as they would be alone, and transactions that die leave nothing half-done.
 * Bank time-outs are generous here, so a loaded machine never turns a start into PAYMENT_UNAVAILABLE.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class PaymentGroupCommitTest {
  private Vertx vertx;
  private Pool db;
  private JsonObject config;

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    // on the JUnit thread: the first call starts the shared PostgreSQL and Kafka, which blocks
    config = TestInfra.shared().config();
    ScriptedBank.start(vertx, ScriptedBank.Rules.LENIENT).compose(bank -> {
      config.getJsonObject("bank").put("shared_secret", "payment-group-commit-secret");
      config.getJsonObject("payment").put("bank_url", bank.url())
        .put("bank_timeout_ms", 10_000).put("start_budget_ms", 20_000).put("breaker_max_failures", 1_000);
      db = PgSupport.pool(vertx, config, 2);
      return vertx.deployVerticle(new PaymentVerticle(), new DeploymentOptions().setConfig(config));
    }).onComplete(ctx.succeedingThenComplete());
  }

  private Future<JsonObject> call(String address, JsonObject body) {
    return Bus.request(vertx, address, body, 30_000);
  }

  /** Every start at once; the replies once all of them ended, failed or not. */
  private Future<List<Future<JsonObject>>> startAll(List<JsonObject> bodies) {
    List<Future<JsonObject>> calls = new ArrayList<>();
    bodies.forEach(b -> calls.add(call(PaymentAddresses.START, b)));
    return Future.join(calls).transform(ar -> Future.succeededFuture(calls));
  }

  private Future<Long> count(String sql, Object... args) {
    return db.preparedQuery(sql).execute(Tuple.wrap(args)).map(rows -> rows.iterator().next().getLong(0));
  }

  @Test
  void concurrentStartsShareTransactionsAndEachIsAnsweredAsItWouldBeAlone(VertxTestContext ctx) {
    // an order paid already (repeats answer its payment, other payment ids are a conflict) and a voided one
    String paidOrder = UUID.randomUUID().toString();
    String paidPayment = UUID.randomUUID().toString();
    String voidedOrder = UUID.randomUUID().toString();
    List<JsonObject> bodies = new ArrayList<>();
    List<String> fresh = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      String orderId = UUID.randomUUID().toString();
      fresh.add(orderId);
      bodies.add(startBody(UUID.randomUUID().toString(), orderId));
    }
    // a fresh order started three times at once with one payment id: one intent
    String twice = fresh.get(5);
    bodies.add(8, bodies.get(5).copy());
    bodies.add(13, bodies.get(5).copy());
    bodies.add(3, startBody(paidPayment, paidOrder));
    bodies.add(10, startBody(UUID.randomUUID().toString(), paidOrder));
    bodies.add(17, startBody(UUID.randomUUID().toString(), voidedOrder));
    UUID[] orders = fresh.stream().map(UUID::fromString).toArray(UUID[]::new);

    call(PaymentAddresses.START, startBody(paidPayment, paidOrder)).compose(first -> call(PaymentAddresses.VOID, new JsonObject().put("order_id", voidedOrder))
      .compose(voided -> startAll(bodies))
      .compose(replies -> {
        ctx.verify(() -> {
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
        });
        return Future.all(List.of(
          count("SELECT count(*) FROM payment.intents WHERE order_id = ANY($1) AND status = 'PENDING'", (Object) orders),
          count("SELECT count(*) FROM payment.outbox WHERE record_key = ANY($1) AND payload->>'type' = 'PaymentStarted'",
            (Object) fresh.toArray(String[]::new)),
          PaymentFixture.events(db, twice, "PaymentStarted"),
          PaymentFixture.events(db, paidOrder, "PaymentStarted"),
          count("SELECT count(*) FROM payment.intents WHERE order_id = $1", UUID.fromString(voidedOrder)),
          // they shared transactions: the PENDING rows were written by fewer transactions than there are rows
          count("SELECT count(DISTINCT xmin::text) FROM payment.intents WHERE order_id = ANY($1)", (Object) orders)));
      })
      .compose(counts -> PaymentFixture.status(db, voidedOrder).map(voidedStatus -> ctx.verify(() -> {
        assertThat(counts.<Long>resultAt(0)).isEqualTo(24);
        assertThat(counts.<Long>resultAt(1)).isEqualTo(24);
        assertThat(counts.<Long>resultAt(2)).isEqualTo(1);
        assertThat(counts.<Long>resultAt(3)).isEqualTo(1);
        assertThat(counts.<Long>resultAt(4)).isEqualTo(1);
        assertThat(voidedStatus).isEqualTo("VOIDED");
        assertThat(counts.<Long>resultAt(5)).as("transactions that wrote the PENDING rows").isLessThan(12);
      }))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void startsWhoseTransactionsDieLeaveNoPendingIntentWithoutItsEventAndARetryStartsEachOnce(VertxTestContext ctx) {
    List<JsonObject> bodies = new ArrayList<>();
    List<String> orderIds = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String orderId = UUID.randomUUID().toString();
      orderIds.add(orderId);
      bodies.add(startBody(UUID.randomUUID().toString(), orderId));
    }
    UUID[] orders = orderIds.stream().map(UUID::fromString).toArray(UUID[]::new);
    String[] keys = orderIds.toArray(String[]::new);
    Pool watcher = PgSupport.pool(vertx, config, 2);
    List<Future<JsonObject>> calls = new ArrayList<>();
    LockedTable.lock(watcher, "payment.outbox").compose(outbox -> {
        bodies.forEach(b -> calls.add(call(PaymentAddresses.START, b)));
        // every transaction that has marked payments PENDING and waits to write their events dies (the node
        // dies), the lone ones and the batches alike, until all ten starts have failed
        return outbox.killWaitersUntil("%INSERT INTO payment.outbox%", () -> calls.stream().allMatch(Future::isComplete), 20_000)
          .eventually(outbox::release);
      })
      .compose(killed -> {
        ctx.verify(() -> {
          assertThat(calls).allSatisfy(c -> assertThat(c.failed()).as("start answered %s", c.result()).isTrue());
          // (the requests queued behind the killed ones fail too: the pool may hand a killed connection out once more)
          assertThat(killed).isNotEmpty();
        });
        return Future.all(count("SELECT count(*) FROM payment.intents WHERE order_id = ANY($1) AND status = 'PENDING'", (Object) orders),
          count("SELECT count(*) FROM payment.outbox WHERE record_key = ANY($1)", (Object) keys));
      })
      .compose(left -> {
        ctx.verify(() -> assertThat(left.<Long>list()).as("PENDING intents, outbox rows").containsExactly(0L, 0L));
        // the callers retry: each payment started once, with its one event
        return startAll(bodies);
      })
      .compose(retried -> count("SELECT count(*) FROM payment.outbox WHERE record_key = ANY($1) AND payload->>'type' = 'PaymentStarted'",
          (Object) keys).map(started -> ctx.verify(() -> {
        assertThat(retried).allSatisfy(r -> assertThat(r.result().getString("status")).isEqualTo("PENDING"));
        assertThat(started).isEqualTo(10);
      })))
      .eventually(watcher::close)
      .onComplete(ctx.succeedingThenComplete());
  }
}
