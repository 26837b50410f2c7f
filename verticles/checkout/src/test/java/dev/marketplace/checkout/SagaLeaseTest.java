package dev.marketplace.checkout;

import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease that keeps two nodes from driving one saga: claims are disjoint, a lost lease writes nothing. */
class SagaLeaseTest {
  private Vertx vertx;
  private Pool pool;
  private SagaRepository repository;

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    await(PgSupport.migrate(vertx, config, "checkout"));
    pool = PgSupport.pool(vertx, config, 8);
    repository = new SagaRepository(pool, 1_000);
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  /** A saga left by a dead node: its lease already ran out. */
  private UUID abandonedSaga() throws Exception {
    UUID id = UUID.randomUUID();
    await(repository.insert(id, "u-" + id, "k", "h", UUID.randomUUID(), "card", "dead-node"));
    await(pool.query("UPDATE checkout.sagas SET lease_until = now() - interval '1 second' WHERE id = '" + id + "'").execute());
    return id;
  }

  @Test
  void concurrentSweepsOfTwoNodesClaimEachAbandonedSagaOnce() throws Exception {
    Set<UUID> abandoned = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      abandoned.add(abandonedSaga());
    }
    List<Future<List<Saga>>> sweeps = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      sweeps.add(repository.claimDue(i % 2 == 0 ? "node-a" : "node-b", 10));
    }
    await(Future.all(sweeps));

    List<UUID> claimed = new ArrayList<>();
    sweeps.forEach(sweep -> sweep.result().forEach(saga -> claimed.add(saga.id())));
    assertThat(claimed).doesNotHaveDuplicates().hasSize(30);
    assertThat(new HashSet<>(claimed)).isEqualTo(abandoned);
    // leased now: nobody else gets them until the lease runs out
    assertThat(await(repository.claimDue("node-c", 100))).isEmpty();
  }

  @Test
  void aNodeWhoseLeaseWasTakenOverCanNoLongerWriteTheSaga() throws Exception {
    UUID id = abandonedSaga();
    Saga stale = await(repository.byId(id)).orElseThrow();
    Saga claimed = await(repository.claim(id, "node-b")).orElseThrow();

    var byDeadNode = await(repository.advance(stale, "dead-node", SagaRepository.Step.to(SagaState.CART_LOADED)));
    var byOwner = await(repository.advance(claimed, "node-b", SagaRepository.Step.to(SagaState.CART_LOADED)));

    assertThat(byDeadNode).isEmpty();
    assertThat(byOwner).isPresent();
    assertThat(await(repository.claim(id, "node-c"))).isEmpty();
    assertThat(await(repository.byId(id)).orElseThrow().leaseOwner()).isEqualTo("node-b");
  }

  @Test
  void theLeasesOfANodeThatLeftTheClusterEndAtOnceAndOthersKeepTheirs() throws Exception {
    UUID ofDeparted = UUID.randomUUID();
    UUID ofLive = UUID.randomUUID();
    UUID unclustered = UUID.randomUUID();
    SagaRepository longLeases = new SagaRepository(pool, 60_000);
    await(longLeases.insert(ofDeparted, "u-" + ofDeparted, "k", "h", UUID.randomUUID(), "card", "node-gone/checkout-1"));
    await(longLeases.insert(ofLive, "u-" + ofLive, "k", "h", UUID.randomUUID(), "card", "node-live/checkout-2"));
    await(longLeases.insert(unclustered, "u-" + unclustered, "k", "h", UUID.randomUUID(), "card", "checkout-3"));

    assertThat(await(longLeases.releaseDeparted(List.of("node-live", "node-other")))).isGreaterThanOrEqualTo(1);

    assertThat(await(longLeases.claim(ofDeparted, "node-live/checkout-2"))).isPresent();
    assertThat(await(longLeases.claim(ofLive, "node-other/checkout-4"))).isEmpty();
    assertThat(await(longLeases.claim(unclustered, "node-other/checkout-4"))).isEmpty();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
