package dev.marketplace.platform.jobs;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * A periodic batch job whose passes never overlap. A pass runs every {@code pollIntervalMs}, on
 * {@link #kick()}, and again at once when it filled its batch or was kicked while running, so a
 * backlog drains without waiting for the timer. A failed pass is logged; the next one retries.
 * Call from the owning verticle's context.
 */
public final class SingleFlightJob {
  private static final Logger LOG = LoggerFactory.getLogger(SingleFlightJob.class);

  private final Vertx vertx;
  private final String name;
  private final long pollIntervalMs;
  private final int batchSize;
  private final Supplier<Future<Integer>> pass;
  private long timerId = -1;
  private boolean running;
  private boolean again;
  private boolean stopped;

  /**
   * @param pass one pass; its result is how many items it handled ({@code >= batchSize} means
   *             there may be more)
   */
  public SingleFlightJob(Vertx vertx, String name, long pollIntervalMs, int batchSize, Supplier<Future<Integer>> pass) {
    this.vertx = vertx;
    this.name = name;
    this.pollIntervalMs = pollIntervalMs;
    this.batchSize = batchSize;
    this.pass = pass;
  }

  public void start() {
    timerId = vertx.setPeriodic(pollIntervalMs, id -> kick());
    kick();
  }

  public void stop() {
    stopped = true;
    vertx.cancelTimer(timerId);
  }

  /** Runs a pass now, or right after the current one. */
  public void kick() {
    if (stopped) {
      return;
    }
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    pass.get().onComplete(ar -> {
      running = false;
      if (ar.failed()) {
        LOG.warn("A pass of {} failed; the next one retries", name, ar.cause());
      } else if (ar.result() >= batchSize) {
        again = true;
      }
      if (again) {
        kick();
      }
    });
  }
}
