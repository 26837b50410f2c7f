package dev.marketplace.platform.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.function.Supplier;

/**
 * Starts a chain of futures on a Vert.x event loop instead of the test thread.
 *
 * <p>A socket or an HTTP response drops the bytes that arrive before it has a handler. A chain built on
 * the test thread ({@code client.request(..).compose(send).map(r -> r.handler(..))}) attaches each step
 * as the thread gets to it; on a loaded machine the connection can complete first, the step then runs
 * as a later task, and the first frame or chunk (a refusal, an SSE {@code : connected}) is lost. Built
 * inside one event-loop task, every step is attached before that loop can complete any of them.
 */
public final class OnEventLoop {
  private OnEventLoop() {
  }

  public static <T> Future<T> run(Vertx vertx, Supplier<Future<T>> chain) {
    Promise<T> result = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      try {
        chain.get().onComplete(result);
      } catch (RuntimeException e) {
        result.fail(e);
      }
    });
    return result.future();
  }
}
