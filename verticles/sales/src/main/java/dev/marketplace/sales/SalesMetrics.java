package dev.marketplace.sales;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's view as Prometheus series in the node's registry (the gateway's {@code /metrics}):
 * {@code marketplace_sale_tickets}, {@code marketplace_sale_admitted}, {@code marketplace_sale_queued},
 * {@code marketplace_sale_horizon} (label {@code sale}) and {@code marketplace_sale_refused}
 * (labels {@code sale}, {@code reason}). Cluster-wide values read from PostgreSQL, so every node
 * shows the same. Without a registry (component tests) nothing is registered.
 */
final class SalesMetrics {
  private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();

  private static MeterRegistry registry() {
    try {
      return BackendRegistries.getDefaultNow();
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  void update(String saleId, JsonObject stats, double horizon) {
    set("marketplace_sale_tickets", saleId, null, stats.getLong("tickets", 0L));
    set("marketplace_sale_admitted", saleId, null, stats.getLong("admitted", 0L));
    set("marketplace_sale_queued", saleId, null, stats.getLong("queued", 0L));
    set("marketplace_sale_horizon", saleId, null, (long) Math.floor(horizon));
    JsonObject refused = stats.getJsonObject("refused", new JsonObject());
    for (String reason : refused.fieldNames()) {
      set("marketplace_sale_refused", saleId, reason, refused.getLong(reason));
    }
  }

  private void set(String name, String sale, String reason, long value) {
    String key = name + '\0' + sale + '\0' + reason;
    AtomicLong holder = values.get(key);
    if (holder == null) {
      MeterRegistry registry = registry();
      if (registry == null) {
        return;
      }
      AtomicLong fresh = new AtomicLong();
      holder = values.computeIfAbsent(key, k -> fresh);
      if (holder == fresh) {
        Gauge.Builder<AtomicLong> builder = Gauge.builder(name, fresh, AtomicLong::doubleValue).tag("sale", sale);
        if (reason != null) {
          builder.tag("reason", reason);
        }
        builder.register(registry);
      }
    }
    holder.set(value);
  }
}
