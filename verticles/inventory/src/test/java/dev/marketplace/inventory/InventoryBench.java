package dev.marketplace.inventory;

import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Await;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load run (not a test; {@code scripts/bench-inventory.sh} starts it): reservations per second
 * through {@code inventory.reserve} on one hot SKU and on 10,000 distinct SKUs, then pgbench's
 * single-row conditional UPDATE on the same embedded PostgreSQL.
 *
 * <p>System properties: {@code bench.seconds} (15), {@code bench.concurrency} (64 requests in
 * flight), {@code bench.pool} (inventory's pool size, 8), {@code bench.buckets} (16),
 * {@code bench.batch} (inventory's {@code reserve_batch_max}, 128), {@code bench.pgbench} (path of pgbench; skipped when absent).
 */
public final class InventoryBench {
  private static final int SKUS = 10_000;

  /** A set-up step or a query of the run: the 120 s the bench always allowed them. */
  private static final Duration STEP = Duration.ofSeconds(120);

  private InventoryBench() {
  }

  public static void main(String[] args) {
    int status = 1;
    try {
      bench();
      status = 0;
    } catch (Exception | AssertionError e) {
      // printed here: System.exit below would swallow it (an AssertionError is Await running out of time)
      e.printStackTrace();
    } finally {
      // the broker's and Vert.x's threads would keep the JVM alive
      System.exit(status);
    }
  }

  private static void bench() throws Exception {
    int seconds = Integer.getInteger("bench.seconds", 15);
    int concurrency = Integer.getInteger("bench.concurrency", 64);
    int poolSize = Integer.getInteger("bench.pool", 8);
    int buckets = Integer.getInteger("bench.buckets", 16);
    int batch = Integer.getInteger("bench.batch", 128);
    String pgbench = System.getProperty("bench.pgbench", "");

    TestInfra infra = TestInfra.shared();
    JsonObject config = infra.config();
    config.getJsonObject("pg").put("pool_size", poolSize);
    config.getJsonObject("inventory").put("buckets", buckets).put("reserve_batch_max", batch);
    Vertx vertx = Vertx.vertx();
    try {
      Await.result(vertx.deployVerticle(new InventoryVerticle(), new DeploymentOptions().setConfig(config)), STEP);
      Pool sql = PgSupport.pool(vertx, config, 2);
      UUID hot = UUID.randomUUID();
      stock(sql, new UUID[] {hot}, buckets, 100_000_000);
      UUID[] many = new UUID[SKUS];
      for (int i = 0; i < SKUS; i++) {
        many[i] = UUID.randomUUID();
      }
      stock(sql, many, buckets, 100_000);

      System.out.printf("machine: %d cores, %s %s; inventory pool %d, buckets %d, reserve batches up to %d, %d requests in flight, %d s per run%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
        poolSize, buckets, batch, concurrency, seconds);
      run(vertx, "warm-up (hot SKU)", 3, concurrency, () -> hot);
      run(vertx, "one hot SKU", seconds, concurrency, () -> hot);
      run(vertx, SKUS + " distinct SKUs", seconds, concurrency, () -> many[ThreadLocalRandom.current().nextInt(SKUS)]);
      long held = Await.result(sql.query("SELECT coalesce(sum(held), 0) FROM inventory.stock_bucket").execute(), STEP).iterator().next().getLong(0);
      long lines = Await.result(sql.query("SELECT coalesce(sum(quantity), 0) FROM inventory.reservation_allocation").execute(), STEP).iterator().next().getLong(0);
      long oversold = Await.result(sql.query("SELECT count(*) FROM inventory.stock_bucket WHERE held + sold > on_hand").execute(), STEP).iterator().next().getLong(0);
      System.out.printf("invariant: held units %d = allocated units %d, buckets oversold: %d%n", held, lines, oversold);
      Await.result(sql.close(), STEP);
    } finally {
      Await.result(vertx.close(), STEP);
    }
    if (!pgbench.isEmpty() && Files.isExecutable(Path.of(pgbench))) {
      pgbench(pgbench, infra, seconds, poolSize);
      if (concurrency != poolSize) {
        pgbench(pgbench, infra, seconds, concurrency);
      }
    }
  }

  private static void stock(Pool sql, UUID[] products, int buckets, int perBucket) {
    Await.result(sql.preparedQuery("INSERT INTO inventory.stock_bucket (product_id, bucket, on_hand) "
        + "SELECT p, b, $3 FROM unnest($1::uuid[]) AS p, generate_series(0, $2 - 1) AS b")
      .execute(Tuple.of(products, buckets, perBucket)), STEP);
  }

  private interface Sku {
    UUID next();
  }

  /** Keeps {@code concurrency} reserves in flight for {@code seconds}; prints the rate of granted ones. */
  private static void run(Vertx vertx, String label, int seconds, int concurrency, Sku sku) {
    AtomicLong granted = new AtomicLong();
    Map<String, Long> refused = new TreeMap<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Promise<Void> done = Promise.promise();
    AtomicLong running = new AtomicLong(concurrency);
    long start = System.nanoTime();
    vertx.runOnContext(v -> {
      for (int i = 0; i < concurrency; i++) {
        loop(vertx, sku, end, granted, refused, running, done);
      }
    });
    Await.result(done.future(), Duration.ofSeconds(seconds).plus(STEP));
    double elapsed = (System.nanoTime() - start) / 1e9;
    System.out.printf("%-24s %8.0f reservations/s (%d granted in %.1f s, refused: %s)%n",
      label, granted.get() / elapsed, granted.get(), elapsed, refused);
  }

  private static void loop(Vertx vertx, Sku sku, long end, AtomicLong granted, Map<String, Long> refused,
                           AtomicLong running, Promise<Void> done) {
    if (System.nanoTime() >= end) {
      if (running.decrementAndGet() == 0) {
        done.complete();
      }
      return;
    }
    JsonObject body = new JsonObject().put("reservation_id", UUID.randomUUID().toString())
      .put("order_id", UUID.randomUUID().toString()).put("buyer_id", UUID.randomUUID().toString())
      .put("lines", new JsonArray().add(new JsonObject().put("product_id", sku.next().toString()).put("quantity", 1)));
    Bus.request(vertx, "inventory.reserve", body, 30_000).onComplete(ar -> {
      if (ar.succeeded()) {
        granted.incrementAndGet();
      } else {
        refused.merge(ServiceFailure.from(ar.cause()).code().name(), 1L, Long::sum);
      }
      loop(vertx, sku, end, granted, refused, running, done);
    });
  }

  /** pgbench: the plain single-row conditional UPDATE, the hot-row limit. */
  private static void pgbench(String pgbench, TestInfra infra, int seconds, int clients) throws IOException, InterruptedException {
    String url = infra.freshDatabase();
    Matcher m = Pattern.compile("postgresql://postgres@127\\.0\\.0\\.1:(\\d+)/(\\w+)").matcher(url);
    if (!m.matches()) {
      throw new IllegalStateException("unexpected url " + url);
    }
    String port = m.group(1);
    String db = m.group(2);
    Path setup = Files.createTempFile("pgbench-setup", ".sql");
    Files.writeString(setup, "CREATE TABLE hot (id int PRIMARY KEY, available int NOT NULL); INSERT INTO hot VALUES (1, 2000000000);");
    exec(new ProcessBuilder(psql(pgbench), "-q", "-h", "127.0.0.1", "-p", port,
      "-U", "postgres", "-d", db, "-f", setup.toString()));
    Path script = Files.createTempFile("pgbench-hot", ".sql");
    Files.writeString(script, "UPDATE hot SET available = available - 1 WHERE id = 1 AND available >= 1;\n");
    String out = exec(new ProcessBuilder(pgbench, "-n", "-c", String.valueOf(clients), "-j", "2", "-T", String.valueOf(seconds),
      "-f", script.toString(), "-h", "127.0.0.1", "-p", port, "-U", "postgres", db));
    Matcher tps = Pattern.compile("tps = ([0-9.]+)").matcher(out);
    System.out.printf("%-24s %8s updates/s (pgbench -c %d -j 2 -T %d, single-row conditional UPDATE)%n",
      "pgbench hot row", tps.find() ? String.format("%.0f", Double.parseDouble(tps.group(1))) : "?", clients, seconds);
  }

  private static String psql(String pgbench) {
    return Path.of(pgbench).resolveSibling("psql").toString();
  }

  private static String exec(ProcessBuilder builder) throws IOException, InterruptedException {
    Process process = builder.redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", builder.command()) + " failed: " + out);
    }
    return out;
  }
}
