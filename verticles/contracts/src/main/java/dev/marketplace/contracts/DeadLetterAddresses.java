package dev.marketplace.contracts;

import java.util.List;

/**
 * Every Kafka-consuming component parks a record that keeps failing in its own
 * {@code <schema>.dead_letters} table and answers two admin-only operations about them (the
 * caller needs the {@code admin} role in the {@code x-roles} header, else FORBIDDEN):
 * <ul>
 *   <li>{@code <component>.dead_letters.list} {@code {status?: "PARKED"|"REPLAYED", limit?: 1..500}}
 *   → {@code {items: [{id, component, consumer, topic, partition, offset, key, event_id, event_type,
 *   attempts, last_error, status, parked_at, replayed_at, replay_error, payload}]}}, newest first;</li>
 *   <li>{@code <component>.dead_letters.replay} {@code {id}} → the item after replay (status
 *   REPLAYED); NOT_FOUND for an unknown id, ILLEGAL_STATE when it was replayed already, and the
 *   handler's own failure (the item stays PARKED, with {@code replay_error}) when it fails again.
 *   Handlers are idempotent by event id, so a replay of an event that did get applied is harmless.</li>
 * </ul>
 */
public final class DeadLetterAddresses {
  /** The components that consume Kafka and so keep a dead-letter table. */
  public static final List<String> COMPONENTS = List.of(
    Components.CATALOG, Components.INVENTORY, Components.PAYMENT, Components.NOTIFICATION, Components.CHECKOUT);

  public static String list(String component) {
    return component + ".dead_letters.list";
  }

  public static String replay(String component) {
    return component + ".dead_letters.replay";
  }

  private DeadLetterAddresses() {
  }
}
