package dev.marketplace.platform.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Histograms of the node's Micrometer registry (the one the gateway's {@code /metrics} scrapes),
 * for components that do not know Micrometer's set-up. Without metrics (most component tests) every
 * meter is a no-op. Names are Prometheus style: {@code marketplace_batch_size{batch="orders.create"}},
 * {@code checkout_saga_step_seconds{step="reserve", outcome="ok"}}.
 */
public final class Meters {
  private static final ConcurrentHashMap<String, DistributionSummary> SUMMARIES = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<String, Timer> TIMERS = new ConcurrentHashMap<>();

  private Meters() {
  }

  private static MeterRegistry registry() {
    try {
      return BackendRegistries.getDefaultNow();
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  /** Records how many requests one transaction of {@code batch} carried. */
  public static void batchSize(String batch, int size) {
    MeterRegistry registry = registry();
    if (registry == null) {
      return;
    }
    SUMMARIES.computeIfAbsent(batch, b -> DistributionSummary.builder("marketplace_batch_size")
      .description("Requests grouped into one transaction (group commit)")
      .tag("batch", b)
      .publishPercentileHistogram()
      .minimumExpectedValue(1.0).maximumExpectedValue(512.0)
      .register(registry)).record(size);
  }

  /** Records the latency of one step of a saga (or any named step) that ended with {@code outcome}. */
  public static void step(String name, String step, String outcome, long nanos) {
    MeterRegistry registry = registry();
    if (registry == null) {
      return;
    }
    TIMERS.computeIfAbsent(name + '\0' + step + '\0' + outcome, k -> Timer.builder(name)
      .description("Latency of one step")
      .tag("step", step).tag("outcome", outcome)
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
      .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }
}
