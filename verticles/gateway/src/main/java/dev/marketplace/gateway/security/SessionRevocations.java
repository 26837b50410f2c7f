package dev.marketplace.gateway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's deny-list of revoked sessions (the {@code sid} of access tokens): an entry lives as
 * long as a token of that session can (auth says how long), so logout and refresh-token reuse end
 * the session's access tokens at once instead of at their expiry. Filled from auth's
 * {@code auth.session.revoked} publications over the clustered bus and, as a backstop for a node
 * that started later or missed a publication, from auth's list ({@code auth.sessions.revoked},
 * read from PostgreSQL) at start and periodically ({@link JwtAuthenticator}).
 *
 * <p>One per Vert.x instance ({@link #shared}); thread-safe. Bounded ({@value #MAX_ENTRIES}
 * entries); watchers ({@link #watch}) are told on the context they watched from, so a live stream
 * (SSE, bridge) can close when its session is revoked.
 */
public final class SessionRevocations implements Shareable {
  private static final String SHARED_KEY = "marketplace.gateway.session-revocations";
  static final long MAX_ENTRIES = 1_000_000;

  private final Cache<String, Long> revokedUntil = Caffeine.newBuilder()
    .maximumSize(MAX_ENTRIES)
    .expireAfterWrite(Duration.ofDays(1))
    .build();
  private final Map<String, Set<Watcher>> watchers = new ConcurrentHashMap<>();

  /** Something to do when a session is revoked; {@link #cancel()} it when the stream ends. */
  public final class Watcher {
    private final String sessionId;
    private final Context context;
    private final Runnable onRevoked;

    private Watcher(String sessionId, Context context, Runnable onRevoked) {
      this.sessionId = sessionId;
      this.context = context;
      this.onRevoked = onRevoked;
    }

    public void cancel() {
      watchers.computeIfPresent(sessionId, (k, set) -> {
        set.remove(this);
        return set.isEmpty() ? null : set;
      });
    }
  }

  public static SessionRevocations shared(Vertx vertx) {
    var map = vertx.sharedData().<String, SessionRevocations>getLocalMap(SHARED_KEY);
    SessionRevocations fresh = new SessionRevocations();
    SessionRevocations existing = map.putIfAbsent(SHARED_KEY, fresh);
    return existing == null ? fresh : existing;
  }

  /** Whether tokens of this session must be refused now. */
  public boolean isRevoked(String sessionId) {
    if (sessionId == null) {
      return false;
    }
    Long until = revokedUntil.getIfPresent(sessionId);
    if (until == null) {
      return false;
    }
    if (until <= System.currentTimeMillis()) {
      revokedUntil.invalidate(sessionId);
      return false;
    }
    return true;
  }

  /** Refuses the session's tokens until {@code untilMs} (epoch ms), and tells its watchers. */
  public void revoke(String sessionId, long untilMs) {
    if (sessionId == null || untilMs <= System.currentTimeMillis()) {
      return;
    }
    revokedUntil.asMap().merge(sessionId, untilMs, Math::max);
    Set<Watcher> toTell = watchers.remove(sessionId);
    if (toTell != null) {
      for (Watcher w : toTell) {
        w.context.runOnContext(v -> w.onRevoked.run());
      }
    }
  }

  /**
   * Runs {@code onRevoked} on the caller's context once the session is revoked (at once if it
   * already is). The caller cancels the watcher when it stops caring.
   */
  public Watcher watch(Vertx vertx, String sessionId, Runnable onRevoked) {
    Watcher watcher = new Watcher(sessionId, vertx.getOrCreateContext(), onRevoked);
    watchers.computeIfAbsent(sessionId, k -> ConcurrentHashMap.newKeySet()).add(watcher);
    if (isRevoked(sessionId)) {
      watcher.cancel();
      watcher.context.runOnContext(v -> onRevoked.run());
    }
    return watcher;
  }

  /** How many sessions are denied now (diagnostics, tests). */
  public long size() {
    revokedUntil.cleanUp();
    return revokedUntil.estimatedSize();
  }
}
