package dev.marketplace.gateway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.marketplace.gateway.Identity;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * The node's bounded cache of access tokens whose signature and claims were already checked:
 * SHA-256 of the token → the identity it names, until the token's expiry. A request with a token
 * seen before skips the ES256 verification; the deny-list ({@link SessionRevocations}) is still
 * asked every time, so a revoked session is refused from the cache too. Size:
 * {@code gateway.token_cache_size} (default 100000, 0 turns the cache off), least recently used
 * dropped first. One per Vert.x instance ({@link #shared}); thread-safe.
 */
public final class VerifiedTokens implements Shareable {
  private static final String SHARED_KEY = "marketplace.gateway.verified-tokens";

  /** What a verified token established. */
  public record Entry(Identity identity, String sessionId, long expiresAtMs) {
  }

  private final Cache<String, Entry> cache;
  private final boolean enabled;

  VerifiedTokens(long maxSize) {
    this.enabled = maxSize > 0;
    this.cache = Caffeine.newBuilder()
      .maximumSize(Math.max(1, maxSize))
      .expireAfter(new Expiry<String, Entry>() {
        @Override
        public long expireAfterCreate(String key, Entry value, long currentTime) {
          return TimeUnit.MILLISECONDS.toNanos(Math.max(0, value.expiresAtMs() - System.currentTimeMillis()));
        }

        @Override
        public long expireAfterUpdate(String key, Entry value, long currentTime, long currentDuration) {
          return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(String key, Entry value, long currentTime, long currentDuration) {
          return currentDuration;
        }
      })
      .build();
  }

  public static VerifiedTokens shared(Vertx vertx, long maxSize) {
    var map = vertx.sharedData().<String, VerifiedTokens>getLocalMap(SHARED_KEY);
    VerifiedTokens fresh = new VerifiedTokens(maxSize);
    VerifiedTokens existing = map.putIfAbsent(SHARED_KEY + ":" + maxSize, fresh);
    return existing == null ? fresh : existing;
  }

  /** The cache key of a token: its SHA-256, so the cache never holds a usable token. */
  public static String keyOf(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A still valid entry for the key, or null. */
  public Entry get(String key) {
    if (!enabled) {
      return null;
    }
    Entry entry = cache.getIfPresent(key);
    if (entry != null && entry.expiresAtMs() <= System.currentTimeMillis()) {
      cache.invalidate(key);
      return null;
    }
    return entry;
  }

  public void put(String key, Entry entry) {
    if (enabled && entry.expiresAtMs() > System.currentTimeMillis()) {
      cache.put(key, entry);
    }
  }

  /** Forgets everything (the signing keys changed). */
  public void clear() {
    cache.invalidateAll();
  }

  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }
}
