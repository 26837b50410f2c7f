package dev.marketplace.platform.jobs;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Deletes what a component no longer needs once it is old enough (finished sagas and their log,
 * tombstones, ids of consumed events, replayed dead letters), a batch at a time, as a
 * {@link SingleFlightJob}: every {@code retention.interval_ms} (1 h) and again at once while a
 * batch came back full. Each purge deletes at most {@code retention.batch} (1000) rows a pass, so
 * no pass holds long locks. Safe on every node at once (purges take rows with SKIP LOCKED or
 * delete by key; a row deleted twice is deleted once).
 *
 * <p>Ages come from the {@code retention} section as ISO-8601 durations ({@code "P30D"},
 * {@code "PT12H"}); {@link #age} reads one with its default.
 */
public final class RetentionJob {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionJob.class);

  /**
   * One kind of row to purge: {@code purge.apply(olderThanMs, limit)} deletes up to {@code limit}
   * rows older than that and returns how many it deleted.
   */
  public record Purge(String what, Duration age, BiFunction<Long, Integer, Future<Integer>> purge) {
  }

  private final String component;
  private final List<Purge> purges;
  private final int batch;
  private final SingleFlightJob job;
  private final Map<String, Long> purged = new LinkedHashMap<>();

  public RetentionJob(Vertx vertx, JsonObject config, String component, List<Purge> purges) {
    JsonObject section = config.getJsonObject("retention", new JsonObject());
    this.component = component;
    this.purges = List.copyOf(purges);
    this.batch = Math.max(1, section.getInteger("batch", 1000));
    this.job = new SingleFlightJob(vertx, component + " retention", Math.max(10, section.getLong("interval_ms", 3_600_000L)), batch,
      this::pass);
  }

  /** The age after which {@code kind} is purged ({@code retention.<kind>}), or {@code dflt}. */
  public static Duration age(JsonObject config, String kind, Duration dflt) {
    Object value = config.getJsonObject("retention", new JsonObject()).getValue(kind);
    if (value == null) {
      return dflt;
    }
    try {
      Duration age = Duration.parse(String.valueOf(value));
      if (age.isNegative() || age.isZero()) {
        throw new IllegalArgumentException("retention." + kind + " must be positive: " + value);
      }
      return age;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("retention." + kind + " is not an ISO-8601 duration (like P30D): " + value, e);
    }
  }

  public void start() {
    job.start();
  }

  public void stop() {
    job.stop();
  }

  /** Runs a pass now (or right after the current one). */
  public void kick() {
    job.kick();
  }

  /** Rows deleted since start, per purge; for tests and logs. */
  public synchronized Map<String, Long> purged() {
    return Map.copyOf(purged);
  }

  /** One pass of every purge; completes with {@code batch} when some purge filled its batch (more to do). */
  public Future<Integer> pass() {
    List<Future<Integer>> results = new ArrayList<>();
    for (Purge purge : purges) {
      Future<Integer> deleted;
      try {
        deleted = purge.purge().apply(purge.age().toMillis(), batch);
      } catch (RuntimeException e) {
        deleted = Future.failedFuture(e);
      }
      results.add(deleted.onSuccess(n -> {
        if (n > 0) {
          synchronized (this) {
            purged.merge(purge.what(), (long) n, Long::sum);
          }
          LOG.info("Retention: {} deleted {} {} older than {}", component, n, purge.what(), purge.age());
        }
      }));
    }
    return Future.join(results).transform(ar -> {
      boolean more = results.stream().anyMatch(r -> r.succeeded() && r.result() >= batch);
      if (ar.failed()) {
        return Future.failedFuture(ar.cause());
      }
      return Future.succeededFuture(more ? batch : 0);
    });
  }
}
