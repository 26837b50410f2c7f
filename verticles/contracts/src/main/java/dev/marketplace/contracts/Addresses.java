package dev.marketplace.contracts;

/**
 * Event bus addresses, dotted lowercase, {@code <component>.<operation>}. Every request states a
 * send timeout; payloads are JSON objects; failures are {@link ServiceFailure}s.
 */
public final class Addresses {

  /**
   * Liveness of a component: replies {@code {"component": name, "node": nodeId}}. The gateway's
   * {@code /ready} pings every component it needs.
   */
  public static String ping(String component) {
    return component + ".ping";
  }

  private Addresses() {
  }
}
