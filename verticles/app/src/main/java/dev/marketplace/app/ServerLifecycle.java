package dev.marketplace.app;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Stops what a command started, in reverse order, exactly once: on SIGTERM/Ctrl-C (a JVM shutdown
 * hook, since vertx-hazelcast turns Hazelcast's own hook off) or when start-up fails.
 */
final class ServerLifecycle {
  /** A command's exit code meaning "the servers run on; do not call System.exit". */
  static final int KEEP_RUNNING = -1;
  private static final Logger LOG = LoggerFactory.getLogger(ServerLifecycle.class);

  private final Deque<Runnable> stops = new ArrayDeque<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private boolean done;

  ServerLifecycle() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopNow, "marketplace-shutdown"));
  }

  synchronized void onStop(Runnable stop) {
    stops.push(stop);
  }

  void stopNow() {
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
    }
    while (true) {
      Runnable stop;
      synchronized (this) {
        stop = stops.poll();
      }
      if (stop == null) {
        break;
      }
      try {
        stop.run();
      } catch (RuntimeException e) {
        LOG.error("A shutdown step failed", e);
      }
    }
    stopped.countDown();
  }

  void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /** Blocks on a Vert.x future from the main thread (never from an event loop). */
  static <T> T await(Future<T> future, String what) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while " + what, e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Timed out " + what, e);
    }
  }
}
