package dev.marketplace.platform.bus;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Tells who cares when a member leaves the cluster (died or left): the cluster manager's member
 * list is read every {@value #CHECK_MS} ms, so a departure is known here about as soon as
 * Hazelcast has noticed it (on loopback a SIGKILLed member in about 1.5 s, a hung one after
 * {@code hazelcast.max.no.heartbeat.seconds}). {@link RetryingRequest} uses it to send a request
 * in flight again at once instead of waiting out the attempt's timeout: an attempt that went to
 * the departed node would only ever end by that timeout.
 *
 * <p>One per clustered Vert.x instance, started on first use on a context of its own; none for a
 * plain Vert.x ({@link #of} answers null).
 */
final class NodeDepartures {
  static final long CHECK_MS = 200;
  /** How long after a departure a request may still be routed to the departed node's registrations. */
  static final long SUSPECT_WINDOW_MS = 5_000;
  private static final Map<Vertx, NodeDepartures> BY_VERTX = Collections.synchronizedMap(new WeakHashMap<>());

  private final ClusterManager manager;
  /** Told which members were seen gone. */
  private final Set<Consumer<Set<String>>> listeners = ConcurrentHashMap.newKeySet();
  private volatile Set<String> members;
  private volatile boolean closing;
  /** {@link System#nanoTime()} of the last departure seen; far in the past before any. */
  private volatile long lastDepartureNanos = System.nanoTime() - 3_600_000_000_000L;

  private NodeDepartures(ClusterManager manager) {
    this.manager = manager;
    this.members = Set.copyOf(manager.getNodes());
  }

  /** The instance of a clustered {@code vertx}, started when first asked for; null when not clustered. */
  static NodeDepartures of(Vertx vertx) {
    if (!vertx.isClustered() || !(vertx instanceof VertxInternal internal) || internal.clusterManager() == null) {
      return null;
    }
    synchronized (BY_VERTX) {
      NodeDepartures existing = BY_VERTX.get(vertx);
      if (existing != null) {
        return existing;
      }
      NodeDepartures created = new NodeDepartures(internal.clusterManager());
      BY_VERTX.put(vertx, created);
      // a node that is closing sees the others "leave" as it leaves itself: that is no reason to
      // send its requests again (it would go on working during its own shutdown)
      internal.addCloseHook(completion -> {
        created.closing = true;
        completion.complete(null, null);
      });
      // a context of its own: the checks outlive any verticle that happened to make the first request
      Context context = internal.createEventLoopContext();
      context.runOnContext(v -> vertx.setPeriodic(CHECK_MS, id -> created.check()));
      return created;
    }
  }

  /** {@code listener} is told of every departure from now on, until {@link #remove}. */
  void add(Consumer<Set<String>> listener) {
    listeners.add(listener);
  }

  void remove(Consumer<Set<String>> listener) {
    listeners.remove(listener);
  }

  /**
   * The members as the cluster manager has them now (not as last checked): a request sent now can
   * only have gone to one of these, so only their departure can strand it.
   */
  Set<String> membersNow() {
    try {
      return Set.copyOf(manager.getNodes());
    } catch (RuntimeException e) {
      return members;
    }
  }

  /** Whether a member left within {@link #SUSPECT_WINDOW_MS} before {@code nowNanos}. */
  boolean recentlyDeparted(long nowNanos) {
    return nowNanos - lastDepartureNanos < SUSPECT_WINDOW_MS * 1_000_000L;
  }

  private void check() {
    Set<String> now;
    try {
      now = Set.copyOf(manager.getNodes());
    } catch (RuntimeException e) {
      // the cluster manager is shutting down with this node: nobody left to tell
      return;
    }
    Set<String> before = members;
    members = now;
    if (closing || !now.contains(manager.getNodeId())) {
      return;
    }
    if (!now.containsAll(before)) {
      lastDepartureNanos = System.nanoTime();
      Set<String> gone = new java.util.HashSet<>(before);
      gone.removeAll(now);
      Set<String> departed = Set.copyOf(gone);
      for (Consumer<Set<String>> listener : listeners) {
        listener.accept(departed);
      }
    }
  }
}
