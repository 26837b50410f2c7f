package dev.marketplace.app;

import dev.marketplace.platform.bus.RetryingRequest;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two clustered nodes (Hazelcast on loopback, a cluster name of their own) that both serve one
 * address: when the node a request went to stops answering, {@link RetryingRequest} has the
 * other node answer it within the budget (the path the gateway and the checkout saga use).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class NodeFailoverTest {
  private static final long ATTEMPT_MS = 500;
  private static final long BUDGET_MS = 4_000;

  private Vertx nodeA;
  private Vertx nodeB;
  private String address;

  @BeforeEach
  void formCluster(VertxTestContext ctx) {
    String clusterName = "failover-" + UUID.randomUUID();
    List<String> members = List.of("127.0.0.1:5701-5720");
    address = "test.failover." + UUID.randomUUID();
    ClusterSupport.clusteredVertx(new VertxOptions(), ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1")
      .compose(a -> {
        nodeA = a;
        return ClusterSupport.clusteredVertx(new VertxOptions(), ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1");
      })
      .onComplete(ctx.succeeding(b -> {
        nodeB = b;
        ctx.completeNow();
      }));
  }

  @AfterEach
  void leaveCluster(VertxTestContext ctx) {
    Future.join(nodeA == null ? Future.succeededFuture() : nodeA.close(), nodeB == null ? Future.succeededFuture() : nodeB.close())
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<JsonObject> request(JsonObject body, long attemptMs, long budgetMs) {
    return RetryingRequest.request(nodeA, address, body, new DeliveryOptions(), attemptMs, budgetMs);
  }

  @Test
  void requestsToANodeThatNeverAnswersAreAnsweredByTheOtherWithinTheBudget(VertxTestContext ctx) {
    AtomicInteger swallowedByB = new AtomicInteger();
    MessageConsumer<JsonObject> onB = nodeB.eventBus().consumer(address, msg -> swallowedByB.incrementAndGet());
    MessageConsumer<JsonObject> onA = nodeA.eventBus().consumer(address, msg -> msg.reply(new JsonObject().put("node", "A")));
    // a request whose budget runs out fails with TIMEOUT: an answer is an answer within the budget
    Future<Void> chain = Future.join(onA.completion(), onB.completion()).mapEmpty();
    for (int i = 0; i < 10; i++) {
      int n = i;
      chain = chain.compose(v -> request(new JsonObject().put("i", n), ATTEMPT_MS, BUDGET_MS))
        .map(reply -> {
          ctx.verify(() -> assertThat(reply.getString("node")).isEqualTo("A"));
          return null;
        });
    }
    // the round robin sent some first attempts to B; each of those was answered by A after one attempt's timeout
    chain.map(v -> ctx.verify(() -> assertThat(swallowedByB.get()).isPositive()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aNodeClosedMidRequestLeavesTheRequestToTheOther(VertxTestContext ctx) {
    AtomicInteger receivedByB = new AtomicInteger();
    Vertx dying = nodeB;
    MessageConsumer<JsonObject> onB = nodeB.eventBus().consumer(address, msg -> {
      receivedByB.incrementAndGet();
      dying.close(); // the node goes away with the request in hand and never answers it
    });
    MessageConsumer<JsonObject> onA = nodeA.eventBus().consumer(address, msg -> msg.reply(new JsonObject().put("node", "A")));
    Future.join(onA.completion(), onB.completion())
      .compose(v -> {
        List<Future<JsonObject>> replies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          replies.add(request(new JsonObject().put("i", i), ATTEMPT_MS, BUDGET_MS));
        }
        return Future.all(replies);
      })
      .map(replies -> ctx.verify(() -> {
        for (int i = 0; i < replies.size(); i++) {
          assertThat(replies.<JsonObject>resultAt(i).getString("node")).isEqualTo("A");
        }
        assertThat(receivedByB.get()).isPositive();
        nodeB = null;
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRequestInFlightToANodeThatLeavesTheClusterIsSentAgainWithoutWaitingForItsAttemptTimeout(VertxTestContext ctx) {
    AtomicInteger swallowedByB = new AtomicInteger();
    MessageConsumer<JsonObject> onB = nodeB.eventBus().consumer(address, msg -> swallowedByB.incrementAndGet());
    MessageConsumer<JsonObject> onA = nodeA.eventBus().consumer(address, msg -> msg.reply(new JsonObject().put("node", "A")));
    // one attempt is the whole budget: a request that went to B can only be answered by the
    // extra attempt sent when B leaves the cluster, never by a retry after a timeout
    long attemptMs = 30_000;
    List<Future<JsonObject>> replies = new ArrayList<>();
    Future.join(onA.completion(), onB.completion())
      .compose(v -> {
        for (int i = 0; i < 6; i++) {
          replies.add(request(new JsonObject().put("i", i), attemptMs, attemptMs));
        }
        return Eventually.untilTrue(nodeA, "some requests went to B", 10_000, () -> swallowedByB.get() > 0);
      })
      .compose(v -> {
        ctx.verify(() -> assertThat(swallowedByB.get()).as("some requests went to B").isPositive());
        Vertx leaving = nodeB;
        nodeB = null;
        return leaving.close();
      })
      .compose(closed -> Future.all(replies))
      .map(answered -> ctx.verify(() -> {
        for (int i = 0; i < replies.size(); i++) {
          assertThat(answered.<JsonObject>resultAt(i).getString("node")).isEqualTo("A");
        }
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aComponentsCodedFailureIsTheAnswerAndIsNotRetried(VertxTestContext ctx) {
    AtomicInteger received = new AtomicInteger();
    MessageConsumer<JsonObject> onA = nodeA.eventBus().consumer(address, msg -> {
      received.incrementAndGet();
      msg.fail(409, "no");
    });
    MessageConsumer<JsonObject> onB = nodeB.eventBus().consumer(address, msg -> {
      received.incrementAndGet();
      msg.fail(409, "no");
    });
    Future.join(onA.completion(), onB.completion())
      .compose(v -> Outcomes.failure(request(new JsonObject(), ATTEMPT_MS, BUDGET_MS)))
      .map(failure -> ctx.verify(() -> {
        assertThat(failure).isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
          assertThat(e.failureCode()).isEqualTo(409);
        });
        assertThat(received.get()).isEqualTo(1);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void withNoNodeAnsweringTheRequestFailsWithTimeoutOnceTheBudgetIsSpent(VertxTestContext ctx) {
    AtomicInteger attempts = new AtomicInteger();
    MessageConsumer<JsonObject> onB = nodeB.eventBus().consumer(address, msg -> attempts.incrementAndGet());
    long[] t0 = new long[1];
    onB.completion()
      .compose(v -> {
        t0[0] = System.nanoTime();
        return Outcomes.failure(request(new JsonObject(), ATTEMPT_MS, 1_500));
      })
      .map(failure -> ctx.verify(() -> {
        long elapsedMs = (System.nanoTime() - t0[0]) / 1_000_000;
        assertThat(failure).isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureType()).isEqualTo(ReplyFailure.TIMEOUT));
        assertThat(attempts.get()).isPositive();
        // several attempts, never beyond the budget's deadline (timers never fire early: a lower bound only)
        assertThat(elapsedMs).isGreaterThanOrEqualTo(1_400L);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }
}
