package dev.marketplace.auth;

import dev.marketplace.contracts.auth.AuthContract;
import io.vertx.core.json.JsonObject;

/** The {@code auth} config section, with defaults. */
record AuthSettings(String issuer, String audience, int accessTtlSeconds, int refreshTtlSeconds,
                    int accountMaxFailures, int addressMaxFailures, int windowSeconds, int lockoutSeconds, int maxLockoutSeconds,
                    int argonMemoryKib, int argonIterations, int hashWorkers, int maxPendingHashes, long maxHashWaitMs) {

  static AuthSettings from(JsonObject section) {
    JsonObject throttle = section.getJsonObject("throttle", new JsonObject());
    JsonObject argon = section.getJsonObject("argon2", new JsonObject());
    return new AuthSettings(
      section.getString("issuer", AuthContract.DEFAULT_ISSUER),
      section.getString("audience", AuthContract.DEFAULT_AUDIENCE),
      section.getInteger("access_ttl_seconds", 900),
      section.getInteger("refresh_ttl_seconds", 30 * 24 * 3600),
      throttle.getInteger("account_max_failures", 5),
      throttle.getInteger("address_max_failures", 30),
      throttle.getInteger("window_seconds", 900),
      throttle.getInteger("lockout_seconds", 60),
      throttle.getInteger("max_lockout_seconds", 3600),
      argon.getInteger("memory_kib", 19456),
      argon.getInteger("iterations", 2),
      // half the cores: hashing at full tilt on every core starves the event loops (see BENCHMARKS.md, Auth)
      section.getInteger("hash_workers", Math.max(1, Runtime.getRuntime().availableProcessors() / 2)),
      section.getInteger("max_pending_hashes", 64),
      // well inside the gateway's default bus timeout of 5 s, which also covers the queries around the hash
      section.getLong("max_hash_wait_ms", 3000L));
  }
}
