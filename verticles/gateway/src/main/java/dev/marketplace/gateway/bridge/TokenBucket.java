package dev.marketplace.gateway.bridge;

/**
 * A budget of messages that refills at a steady rate: each message takes one token, an empty
 * bucket refuses. Deliberately small and on its own, so the gateway's shared rate-limit facility
 * can replace it in one place. Used on one event loop only (not thread-safe).
 */
final class TokenBucket {
  private final double ratePerNano;
  private final double capacity;
  private double tokens;
  private long lastNanos;

  TokenBucket(double perSecond, int capacity) {
    this.ratePerNano = perSecond / 1_000_000_000d;
    this.capacity = capacity;
    this.tokens = capacity;
    this.lastNanos = System.nanoTime();
  }

  boolean tryTake() {
    long now = System.nanoTime();
    tokens = Math.min(capacity, tokens + (now - lastNanos) * ratePerNano);
    lastNanos = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Seconds until the next token, at least 1 (for a client's back-off). */
  long retryAfterSeconds() {
    double missing = 1 - tokens;
    return Math.max(1, (long) Math.ceil(missing / (ratePerNano * 1_000_000_000d)));
  }
}
