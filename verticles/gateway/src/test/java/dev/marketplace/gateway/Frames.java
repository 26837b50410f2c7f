package dev.marketplace.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * The frames a bridge test client received and has not read yet, read by a test's future chain
 * without blocking a thread: the transport's thread adds them, {@link #poll}/{@link #next}/
 * {@link #first} take them in arrival order, looking again every {@value #EVERY_MS} ms.
 */
final class Frames {
  /** How long {@link #next} and {@link #first} wait for a frame. */
  static final long WAIT_MS = 10_000;
  private static final long EVERY_MS = 10;

  private final Vertx vertx;
  private final Queue<JsonObject> unread = new ConcurrentLinkedQueue<>();

  Frames(Vertx vertx) {
    this.vertx = vertx;
  }

  void add(JsonObject frame) {
    unread.add(frame);
  }

  /** The oldest unread frame, or the first to arrive within {@code ms}; null when none came. */
  Future<JsonObject> poll(long ms) {
    return pollUntil(System.currentTimeMillis() + ms);
  }

  private Future<JsonObject> pollUntil(long deadline) {
    JsonObject frame = unread.poll();
    if (frame != null || System.currentTimeMillis() >= deadline) {
      return Future.succeededFuture(frame);
    }
    return vertx.timer(EVERY_MS).compose(t -> pollUntil(deadline));
  }

  /** The next frame within {@link #WAIT_MS}; an {@link AssertionError} when none came. */
  Future<JsonObject> next() {
    return poll(WAIT_MS).compose(frame -> frame != null
      ? Future.succeededFuture(frame)
      : Future.failedFuture(new AssertionError("no frame within " + WAIT_MS / 1000 + " s")));
  }

  /** The first frame {@code wanted} accepts, read within {@link #WAIT_MS} (the others read meanwhile are dropped). */
  Future<JsonObject> first(Predicate<JsonObject> wanted, String what) {
    return first(wanted, what, System.currentTimeMillis() + WAIT_MS);
  }

  private Future<JsonObject> first(Predicate<JsonObject> wanted, String what, long deadline) {
    return poll(Math.max(0, deadline - System.currentTimeMillis())).compose(frame -> {
      if (frame != null && wanted.test(frame)) {
        return Future.succeededFuture(frame);
      }
      if (System.currentTimeMillis() >= deadline) {
        return Future.failedFuture(new AssertionError("no " + what + " within " + WAIT_MS / 1000 + " s"));
      }
      return first(wanted, what, deadline);
    });
  }

  /** The unread frames, oldest first. */
  List<JsonObject> unread() {
    return List.copyOf(unread);
  }

  void clear() {
    unread.clear();
  }
}
