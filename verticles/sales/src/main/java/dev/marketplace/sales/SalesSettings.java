package dev.marketplace.sales;

import io.vertx.core.json.JsonObject;

/**
 * The {@code sales} config section.
 *
 * @param tickMs           how often each node advances the horizons and re-reads the sales ({@code tick_ms}, 100)
 * @param broadcastMs      how often the running sales are published to checkout nodes ({@code broadcast_ms}, 500)
 * @param ticketTtlSeconds how long a ticket keeps its place, admitted or not ({@code ticket_ttl_seconds}, 600)
 * @param maxRetryAfterMs  the longest a queued buyer is told to wait before asking again, so that a
 *                         sell-out reaches everyone queued about that fast ({@code max_retry_after_ms}, 1000)
 * @param flushMs          how often refusal counts are added up in the database ({@code flush_ms}, 1000)
 * @param statsMs          how often the operator's series are refreshed ({@code stats_ms}, 2000)
 */
record SalesSettings(long tickMs, long broadcastMs, int ticketTtlSeconds, long maxRetryAfterMs, long flushMs, long statsMs) {

  static SalesSettings from(JsonObject section) {
    return new SalesSettings(
      section.getLong("tick_ms", 100L),
      section.getLong("broadcast_ms", 500L),
      section.getInteger("ticket_ttl_seconds", 600),
      section.getLong("max_retry_after_ms", 1000L),
      section.getLong("flush_ms", 1000L),
      section.getLong("stats_ms", 2000L));
  }
}
