package dev.marketplace.platform.jobs;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class SingleFlightJobTest {
  // one context, as the job's owning verticle would have
  private Context context;

  @BeforeEach
  void context(Vertx vertx) {
    context = vertx.getOrCreateContext();
  }

  @Test
  void kicksDuringAPassRunOneMorePassAfterItNeverAConcurrentOne(Vertx vertx, VertxTestContext ctx) {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    List<Promise<Integer>> passes = new ArrayList<>();
    SingleFlightJob job = new SingleFlightJob(vertx, "test", 60_000, 10, () -> {
      maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
      Promise<Integer> pass = Promise.promise();
      passes.add(pass);
      return pass.future().onComplete(ar -> concurrent.decrementAndGet());
    });
    onContext(job::start)
      .compose(v -> onContext(job::kick))
      .compose(v -> onContext(job::kick))
      .compose(v -> {
        ctx.verify(() -> assertThat(passes).hasSize(1));
        return onContext(() -> passes.get(0).complete(1));
      })
      .compose(v -> {
        ctx.verify(() -> assertThat(passes).as("the kicks during the first pass make exactly one more").hasSize(2));
        return onContext(() -> passes.get(1).complete(1));
      })
      .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        assertThat(passes).hasSize(2);
        assertThat(maxConcurrent.get()).isEqualTo(1);
        ctx.completeNow();
      })));
  }

  @Test
  void aFullBatchRunsTheNextPassAtOnceAndAFailureDoesNotStopTheJob(Vertx vertx, VertxTestContext ctx) {
    List<Integer> results = new ArrayList<>(List.of(10, 10, 3));
    AtomicInteger calls = new AtomicInteger();
    Promise<Void> drained = Promise.promise();
    SingleFlightJob job = new SingleFlightJob(vertx, "test", 60_000, 10, () -> {
      int call = calls.incrementAndGet();
      if (call == 1) {
        return Future.failedFuture(new IllegalStateException("database hiccup"));
      }
      int handled = results.remove(0);
      if (results.isEmpty()) {
        drained.complete();
      }
      return Future.succeededFuture(handled);
    });
    onContext(job::start)
      .compose(v -> onContext(job::kick))
      // the timer is a minute away: the test's 10 s timeout fails it unless the passes run at once
      .compose(v -> drained.future())
      .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        assertThat(calls.get()).as("failed pass, then 10, 10, 3 without waiting for the timer").isEqualTo(4);
        ctx.completeNow();
      })));
  }

  /** Runs the action on the job's context; completes once it ran. */
  private Future<Void> onContext(Runnable action) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      action.run();
      done.complete();
    });
    return done.future();
  }
}
