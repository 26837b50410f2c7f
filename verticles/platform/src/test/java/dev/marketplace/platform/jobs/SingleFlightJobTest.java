package dev.marketplace.platform.jobs;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class SingleFlightJobTest {
  private final Vertx vertx = Vertx.vertx();
  // one context, as the job's owning verticle would have
  private final Context context = vertx.getOrCreateContext();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void kicksDuringAPassRunOneMorePassAfterItNeverAConcurrentOne() throws Exception {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    List<Promise<Integer>> passes = new ArrayList<>();
    SingleFlightJob job = new SingleFlightJob(vertx, "test", 60_000, 10, () -> {
      maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
      Promise<Integer> pass = Promise.promise();
      passes.add(pass);
      return pass.future().onComplete(ar -> concurrent.decrementAndGet());
    });
    onContext(job::start);
    onContext(job::kick);
    onContext(job::kick);
    assertThat(passes).hasSize(1);

    onContext(() -> passes.get(0).complete(1));
    assertThat(passes).as("the kicks during the first pass make exactly one more").hasSize(2);
    onContext(() -> passes.get(1).complete(1));
    assertThat(passes).hasSize(2);
    assertThat(maxConcurrent.get()).isEqualTo(1);
  }

  @Test
  void aFullBatchRunsTheNextPassAtOnceAndAFailureDoesNotStopTheJob() throws Exception {
    List<Integer> results = new ArrayList<>(List.of(10, 10, 3));
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<Void> drained = new CompletableFuture<>();
    SingleFlightJob job = new SingleFlightJob(vertx, "test", 60_000, 10, () -> {
      int call = calls.incrementAndGet();
      if (call == 1) {
        return Future.failedFuture(new IllegalStateException("database hiccup"));
      }
      int handled = results.remove(0);
      if (results.isEmpty()) {
        drained.complete(null);
      }
      return Future.succeededFuture(handled);
    });
    onContext(job::start);
    onContext(job::kick);
    drained.get(5, TimeUnit.SECONDS);
    assertThat(calls.get()).as("failed pass, then 10, 10, 3 without waiting for the timer").isEqualTo(4);
  }

  private void onContext(Runnable action) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      action.run();
      done.complete(null);
    });
    done.get(5, TimeUnit.SECONDS);
  }
}
