package dev.marketplace.app;

import dev.marketplace.platform.bus.RetryingRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.marketplace.app.TwoNodeClusterTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two clustered nodes (Hazelcast on loopback, a cluster name of their own) that both serve one
 * address: when the node a request went to stops answering, {@link RetryingRequest} has the
 * other node answer it within the budget (the path the gateway and the checkout saga use).
 */
class NodeFailoverTest {
  private static final long ATTEMPT_MS = 500;
  private static final long BUDGET_MS = 4_000;

  private Vertx nodeA;
  private Vertx nodeB;
  private String address;

  @BeforeEach
  void formCluster() throws Exception {
    String clusterName = "failover-" + UUID.randomUUID();
    List<String> members = List.of("127.0.0.1:5701-5720");
    nodeA = await(ClusterSupport.clusteredVertx(new VertxOptions(),
      ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1"));
    nodeB = await(ClusterSupport.clusteredVertx(new VertxOptions(),
      ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1"));
    address = "test.failover." + UUID.randomUUID();
  }

  @AfterEach
  void leaveCluster() throws Exception {
    await(Future.join(nodeA.close(), nodeB == null ? Future.succeededFuture() : nodeB.close()));
  }

  @Test
  void requestsToANodeThatNeverAnswersAreAnsweredByTheOtherWithinTheBudget() throws Exception {
    AtomicInteger swallowedByB = new AtomicInteger();
    MessageConsumer<JsonObject> onB = nodeB.eventBus().consumer(address, msg -> swallowedByB.incrementAndGet());
    MessageConsumer<JsonObject> onA = nodeA.eventBus().consumer(address, msg -> msg.reply(new JsonObject().put("node", "A")));
    await(Future.join(onA.completion(), onB.completion()));

    // a request whose budget runs out fails with TIMEOUT: an answer is an answer within the budget
    for (int i = 0; i < 10; i++) {
      JsonObject reply = await(RetryingRequest.request(nodeA, address, new JsonObject().put("i", i), new DeliveryOptions(), ATTEMPT_MS, BUDGET_MS));
      assertThat(reply.getString("node")).isEqualTo("A");
    }
    // the round robin sent some first attempts to B; each of those was answered by A after one attempt's timeout
    assertThat(swallowedByB.get()).isPositive();
  }

  @Test
  void aNodeClosedMidRequestLeavesTheRequestToTheOther() throws Exception {
    AtomicInteger receivedByB = new AtomicInteger();
    Vertx dying = nodeB;
    MessageConsumer<JsonObject> onB = nodeB.eventBus().consumer(address, msg -> {
      receivedByB.incrementAndGet();
      dying.close(); // the node goes away with the request in hand and never answers it
    });
    MessageConsumer<JsonObject> onA = nodeA.eventBus().consumer(address, msg -> msg.reply(new JsonObject().put("node", "A")));
    await(Future.join(onA.completion(), onB.completion()));

    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      replies.add(RetryingRequest.request(nodeA, address, new JsonObject().put("i", i), new DeliveryOptions(), ATTEMPT_MS, BUDGET_MS));
    }
    for (Future<JsonObject> reply : replies) {
      assertThat(await(reply).getString("node")).isEqualTo("A");
    }
    assertThat(receivedByB.get()).isPositive();
    nodeB = null;
  }

  @Test
  void aRequestInFlightToANodeThatLeavesTheClusterIsSentAgainWithoutWaitingForItsAttemptTimeout() throws Exception {
    AtomicInteger swallowedByB = new AtomicInteger();
    MessageConsumer<JsonObject> onB = nodeB.eventBus().consumer(address, msg -> swallowedByB.incrementAndGet());
    MessageConsumer<JsonObject> onA = nodeA.eventBus().consumer(address, msg -> msg.reply(new JsonObject().put("node", "A")));
    await(Future.join(onA.completion(), onB.completion()));

    // one attempt is the whole budget: a request that went to B can only be answered by the
    // extra attempt sent when B leaves the cluster, never by a retry after a timeout
    long attemptMs = 30_000;
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      replies.add(RetryingRequest.request(nodeA, address, new JsonObject().put("i", i), new DeliveryOptions(), attemptMs, attemptMs));
    }
    long deadline = System.currentTimeMillis() + 10_000;
    while (swallowedByB.get() == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(swallowedByB.get()).as("some requests went to B").isPositive();
    await(nodeB.close());
    nodeB = null;
    for (Future<JsonObject> reply : replies) {
      assertThat(await(reply).getString("node")).isEqualTo("A");
    }
  }

  @Test
  void aComponentsCodedFailureIsTheAnswerAndIsNotRetried() throws Exception {
    AtomicInteger received = new AtomicInteger();
    MessageConsumer<JsonObject> onA = nodeA.eventBus().consumer(address, msg -> {
      received.incrementAndGet();
      msg.fail(409, "no");
    });
    MessageConsumer<JsonObject> onB = nodeB.eventBus().consumer(address, msg -> {
      received.incrementAndGet();
      msg.fail(409, "no");
    });
    await(Future.join(onA.completion(), onB.completion()));

    assertThatThrownBy(() -> await(RetryingRequest.request(nodeA, address, new JsonObject(), new DeliveryOptions(), ATTEMPT_MS, BUDGET_MS)))
      .isInstanceOf(ExecutionException.class)
      .cause().isInstanceOfSatisfying(ReplyException.class, e -> {
        assertThat(e.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
        assertThat(e.failureCode()).isEqualTo(409);
      });
    assertThat(received.get()).isEqualTo(1);
  }

  @Test
  void withNoNodeAnsweringTheRequestFailsWithTimeoutOnceTheBudgetIsSpent() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    MessageConsumer<JsonObject> onB = nodeB.eventBus().consumer(address, msg -> attempts.incrementAndGet());
    await(onB.completion());
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> await(RetryingRequest.request(nodeA, address, new JsonObject(), new DeliveryOptions(), ATTEMPT_MS, 1_500)))
      .cause().isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureType()).isEqualTo(ReplyFailure.TIMEOUT));
    assertThat(attempts.get()).isPositive();
    // several attempts, never beyond the budget's deadline (timers never fire early: a lower bound only)
    assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(1_400L);
  }
}
