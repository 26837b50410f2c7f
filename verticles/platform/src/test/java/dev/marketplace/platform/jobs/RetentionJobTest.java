package dev.marketplace.platform.jobs;

import dev.marketplace.platform.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The retention job's batching and its settings. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class RetentionJobTest {
  @Test
  void agesAreIsoDurationsWithDefaultsAndBadOnesAreRefusedByName() {
    JsonObject config = new JsonObject().put("retention", new JsonObject().put("sagas", "P2D").put("tombstones", "PT90M")
      .put("consumed_events", "soon").put("dead_letters", "PT0S"));
    assertThat(RetentionJob.age(config, "sagas", Duration.ofDays(30))).isEqualTo(Duration.ofDays(2));
    assertThat(RetentionJob.age(config, "tombstones", Duration.ofDays(7))).isEqualTo(Duration.ofMinutes(90));
    assertThat(RetentionJob.age(new JsonObject(), "sagas", Duration.ofDays(30))).isEqualTo(Duration.ofDays(30));
    assertThatThrownBy(() -> RetentionJob.age(config, "consumed_events", Duration.ofDays(1))).hasMessageContaining("retention.consumed_events");
    assertThatThrownBy(() -> RetentionJob.age(config, "dead_letters", Duration.ofDays(1))).hasMessageContaining("must be positive");
  }

  @Test
  void aBacklogIsDrainedBatchByBatchWithTheAgeInMilliseconds(Vertx vertx, VertxTestContext ctx) {
    AtomicInteger left = new AtomicInteger(2500);
    AtomicLong askedAge = new AtomicLong();
    AtomicInteger passes = new AtomicInteger();
    JsonObject config = new JsonObject().put("retention", new JsonObject().put("batch", 1000).put("interval_ms", 3_600_000).put("old", "PT5S"));
    RetentionJob job = new RetentionJob(vertx, config, "test", List.of(new RetentionJob.Purge("things",
      RetentionJob.age(config, "old", Duration.ofDays(1)), (olderThanMs, limit) -> {
        passes.incrementAndGet();
        askedAge.set(olderThanMs);
        int n = Math.min(limit, left.get());
        left.addAndGet(-n);
        return Future.succeededFuture(n);
      })));
    vertx.runOnContext(v -> job.start());
    Eventually.untilTrue(vertx, "the backlog is purged", 10_000, () -> left.get() == 0)
      // time for a fourth pass, which must not come
      .compose(v -> vertx.timer(200))
      .onComplete(ctx.succeeding(t -> ctx.verify(() -> {
        // 1000 + 1000 + 500: the third pass was not full, so the job waits for its interval
        assertThat(passes.get()).isEqualTo(3);
        assertThat(askedAge.get()).isEqualTo(5000);
        assertThat(job.purged()).containsEntry("things", 2500L);
        vertx.runOnContext(x -> job.stop());
        ctx.completeNow();
      })));
  }
}
