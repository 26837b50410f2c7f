package dev.marketplace.notification;

import io.vertx.core.json.JsonObject;

/**
 * Exponential backoff from {@code notification.retry}: {@code max_attempts} (default 6),
 * {@code base_delay_ms} (default 2000), {@code max_delay_ms} (default 300000). After the last
 * attempt a delivery is parked.
 */
record RetryPolicy(int maxAttempts, long baseDelayMs, long maxDelayMs) {

  static RetryPolicy from(JsonObject section) {
    JsonObject retry = section.getJsonObject("retry", new JsonObject());
    return new RetryPolicy(
      Math.max(1, retry.getInteger("max_attempts", 6)),
      Math.max(1, retry.getLong("base_delay_ms", 2000L)),
      Math.max(1, retry.getLong("max_delay_ms", 300_000L)));
  }

  /** The wait after the {@code attemptsSoFar}-th failed attempt (1 → base, 2 → 2 × base, ...). */
  long delayAfter(int attemptsSoFar) {
    int doublings = Math.min(Math.max(attemptsSoFar - 1, 0), 30);
    long delay = baseDelayMs << doublings;
    return delay <= 0 || delay > maxDelayMs ? maxDelayMs : delay;
  }
}
