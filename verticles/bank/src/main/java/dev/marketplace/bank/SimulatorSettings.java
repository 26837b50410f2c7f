package dev.marketplace.bank;

import io.vertx.core.json.JsonObject;

/**
 * How badly the simulated bank behaves: added latency, the share of declines, errors and hangs,
 * and whether it "loses" its callbacks (so the platform must ask for the status itself).
 */
record SimulatorSettings(long latencyMs, double declineRate, double errorRate, double timeoutRate, boolean dropCallbacks) {

  SimulatorSettings {
    if (latencyMs < 0 || latencyMs > 600_000) {
      throw new IllegalArgumentException("latency_ms must be between 0 and 600000");
    }
    checkRate("decline_rate", declineRate);
    checkRate("error_rate", errorRate);
    checkRate("timeout_rate", timeoutRate);
  }

  static SimulatorSettings from(JsonObject json) {
    return new SimulatorSettings(0, 0, 0, 0, false).with(json);
  }

  /** These settings with whatever of the four fields {@code json} names. */
  SimulatorSettings with(JsonObject json) {
    return new SimulatorSettings(
      number(json, "latency_ms", latencyMs).longValue(),
      number(json, "decline_rate", declineRate).doubleValue(),
      number(json, "error_rate", errorRate).doubleValue(),
      number(json, "timeout_rate", timeoutRate).doubleValue(),
      flag(json, "drop_callbacks", dropCallbacks));
  }

  JsonObject toJson() {
    return new JsonObject().put("latency_ms", latencyMs).put("decline_rate", declineRate)
      .put("error_rate", errorRate).put("timeout_rate", timeoutRate).put("drop_callbacks", dropCallbacks);
  }

  private static Number number(JsonObject json, String field, Number fallback) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n)) {
      throw new IllegalArgumentException(field + " must be a number");
    }
    return n;
  }

  private static boolean flag(JsonObject json, String field, boolean fallback) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean b)) {
      throw new IllegalArgumentException(field + " must be true or false");
    }
    return b;
  }

  private static void checkRate(String name, double rate) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException(name + " must be between 0 and 1");
    }
  }
}
