package dev.marketplace.checkout;

import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The lease that keeps two nodes from driving one saga: claims are disjoint, a lost lease writes nothing. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class SagaLeaseTest {
  private Pool pool;
  private SagaRepository repository;

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = TestInfra.shared().config();
    PgSupport.migrate(vertx, config, "checkout").onComplete(ctx.succeeding(v -> {
      pool = PgSupport.pool(vertx, config, 8);
      repository = new SagaRepository(pool, 1_000);
      ctx.completeNow();
    }));
  }

  /** A saga left by a dead node: its lease already ran out. */
  private Future<UUID> abandonedSaga() {
    UUID id = UUID.randomUUID();
    return repository.insert(id, "u-" + id, "k", "h", UUID.randomUUID(), "card", "dead-node")
      .compose(v -> pool.query("UPDATE checkout.sagas SET lease_until = now() - interval '1 second' WHERE id = '" + id + "'").execute())
      .map(id);
  }

  @Test
  void concurrentSweepsOfTwoNodesClaimEachAbandonedSagaOnce(VertxTestContext ctx) {
    List<Supplier<Future<UUID>>> sagas = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      sagas.add(this::abandonedSaga);
    }
    List<Future<List<Saga>>> sweeps = new ArrayList<>();
    InOrder.run(sagas).compose(abandoned -> {
        for (int i = 0; i < 6; i++) {
          sweeps.add(repository.claimDue(i % 2 == 0 ? "node-a" : "node-b", 10));
        }
        return Future.all(sweeps).map(all -> {
          List<UUID> claimed = new ArrayList<>();
          sweeps.forEach(sweep -> sweep.result().forEach(saga -> claimed.add(saga.id())));
          ctx.verify(() -> {
            assertThat(claimed).doesNotHaveDuplicates().hasSize(30);
            assertThat(new HashSet<>(claimed)).isEqualTo(Set.copyOf(abandoned));
          });
          return claimed;
        });
      })
      // leased now: nobody else gets them until the lease runs out
      .compose(claimed -> repository.claimDue("node-c", 100))
      .map(late -> ctx.verify(() -> assertThat(late).isEmpty()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aNodeWhoseLeaseWasTakenOverCanNoLongerWriteTheSaga(VertxTestContext ctx) {
    abandonedSaga().compose(id -> repository.byId(id).compose(stale -> repository.claim(id, "node-b")
        .compose(claimed -> repository.advance(stale.orElseThrow(), "dead-node", SagaRepository.Step.to(SagaState.CART_LOADED))
          .compose(byDeadNode -> repository.advance(claimed.orElseThrow(), "node-b", SagaRepository.Step.to(SagaState.CART_LOADED))
            .compose(byOwner -> repository.claim(id, "node-c")
              .compose(third -> repository.byId(id).map(now -> ctx.verify(() -> {
                assertThat(byDeadNode).isEmpty();
                assertThat(byOwner).isPresent();
                assertThat(third).isEmpty();
                assertThat(now.orElseThrow().leaseOwner()).isEqualTo("node-b");
              }))))))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theLeasesOfANodeThatLeftTheClusterEndAtOnceAndOthersKeepTheirs(VertxTestContext ctx) {
    UUID ofDeparted = UUID.randomUUID();
    UUID ofLive = UUID.randomUUID();
    UUID unclustered = UUID.randomUUID();
    SagaRepository longLeases = new SagaRepository(pool, 60_000);
    longLeases.insert(ofDeparted, "u-" + ofDeparted, "k", "h", UUID.randomUUID(), "card", "node-gone/checkout-1")
      .compose(v -> longLeases.insert(ofLive, "u-" + ofLive, "k", "h", UUID.randomUUID(), "card", "node-live/checkout-2"))
      .compose(v -> longLeases.insert(unclustered, "u-" + unclustered, "k", "h", UUID.randomUUID(), "card", "checkout-3"))
      .compose(v -> longLeases.releaseDeparted(List.of("node-live", "node-other")))
      .compose(released -> {
        ctx.verify(() -> assertThat(released).isGreaterThanOrEqualTo(1));
        return InOrder.run(
          () -> longLeases.claim(ofDeparted, "node-live/checkout-2"),
          () -> longLeases.claim(ofLive, "node-other/checkout-4"),
          () -> longLeases.claim(unclustered, "node-other/checkout-4"));
      })
      .map(claims -> ctx.verify(() -> {
        assertThat(claims.get(0)).as("the departed node's saga").isPresent();
        assertThat(claims.get(1)).as("a live node's saga").isEmpty();
        assertThat(claims.get(2)).as("an unclustered owner's saga").isEmpty();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }
}
