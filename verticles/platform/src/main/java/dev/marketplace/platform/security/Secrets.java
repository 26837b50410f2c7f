package dev.marketplace.platform.security;

import io.vertx.core.json.JsonObject;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Shared secrets from config ({@code bank.shared_secret}, {@code catalog.cursor_secret}): never a
 * built-in default. A secret is usable when it is set, at least {@value #MIN_LENGTH} characters
 * long and not one of the development values that were ever published ({@link #KNOWN_DEVELOPMENT_VALUES}).
 * The all-in-one run generates its secrets per data dir ({@link #random()}); a cluster node is
 * given them and refuses to start without usable ones unless it runs with {@code --dev}.
 */
public final class Secrets {
  /** Shorter than this is guessable or a placeholder. */
  public static final int MIN_LENGTH = 16;
  /** What {@code --dev} fills in for a missing secret: a known value, so it is refused everywhere else. */
  public static final String DEVELOPMENT_VALUE = "insecure-development-secret";
  /** Values that shipped in configs, docs, scripts or tests: anyone knows them. */
  public static final Set<String> KNOWN_DEVELOPMENT_VALUES = Set.of(
    DEVELOPMENT_VALUE, "dev-bank-secret-change-me", "dev-bank-secret", "change-me", "changeme", "secret",
    "test-secret", "e2e-secret", "payment-test-secret", "bank-test-secret");
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {
  }

  /** 32 random bytes, base64url: a fresh secret. */
  public static String random() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "s-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Why {@code value} must not be used as a secret, or empty when it may. */
  public static Optional<String> weakness(String value) {
    if (value == null || value.isBlank()) {
      return Optional.of("is not set");
    }
    String normalized = value.trim().toLowerCase(Locale.ROOT);
    if (KNOWN_DEVELOPMENT_VALUES.contains(normalized) || normalized.startsWith("dev-") || normalized.contains("change-me")) {
      return Optional.of("is a known development value");
    }
    if (value.length() < MIN_LENGTH) {
      return Optional.of("is shorter than " + MIN_LENGTH + " characters");
    }
    return Optional.empty();
  }

  /** Whether {@code value} is usable ({@link #weakness} is empty). */
  public static boolean usable(String value) {
    return weakness(value).isEmpty();
  }

  /** The value at {@code section.key}, or null. */
  public static String get(JsonObject config, String section, String key) {
    JsonObject s = config.getJsonObject(section);
    return s == null || !(s.getValue(key) instanceof String v) ? null : v;
  }

  /**
   * The secret at {@code section.key}; a component calls this on start. Fails when it is not set
   * (there is no default); a weak value is the launcher's business ({@code node} refuses it).
   */
  public static String require(JsonObject config, String section, String key) {
    String value = get(config, section, key);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(section + "." + key + " is not set: there is no default secret. "
        + "Set it in the config file or as MARKETPLACE_" + section.toUpperCase(Locale.ROOT) + "_" + key.toUpperCase(Locale.ROOT)
        + " (the all-in-one run generates one per data dir).");
    }
    return value;
  }
}
