package dev.marketplace.app.e2e.checkout;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load figures for the checkout path of this components alone (gateway, checkout, payment,
 * bank over HTTP, Kafka back), cart/orders/inventory being the in-memory {@link FakeWorld}. Not a
 * test: skipped unless {@code -Dbench=true}:
 * <pre>mvn -o -q -pl verticles/app -am verify -DskipITs -Dtest=CheckoutLoadBench -Dsurefire.failIfNoSpecifiedTests=false -Dbench=true</pre>
 * Prints to stdout (target/surefire-reports/...CheckoutLoadBench-output.txt).
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
class CheckoutLoadBench {

  @Test
  void checkoutsPerSecondToPendingPaymentAndToPaid() throws Exception {
    int checkouts = Integer.getInteger("bench.checkouts", 500);
    int concurrency = Integer.getInteger("bench.concurrency", 16);
    FakeWorld world = new FakeWorld();
    JsonObject config = CheckoutNode.testConfig();
    config.getJsonObject("payment").put("bank_timeout_ms", 3000).put("breaker_max_failures", 50)
      .put("poll_first_ms", 2_000).put("poll_max_interval_ms", 10_000);
    config.getJsonObject("checkout").put("sweep_interval_ms", 1000);
    try (CheckoutNode node = CheckoutNode.start(config, world, true)) {
      List<String> products = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String p = UUID.randomUUID().toString();
        world.putStock(p, 1_000_000);
        products.add(p);
      }
      phase(node, world, products, 50, concurrency, new ConcurrentLinkedQueue<>(), new ArrayList<>()); // warm-up

      ConcurrentLinkedQueue<JsonObject> pending = new ConcurrentLinkedQueue<>();
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      long t0 = System.nanoTime();
      int failed = phase(node, world, products, checkouts, concurrency, pending, latencies);
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("BENCH to PENDING_PAYMENT: %d checkouts in %.2f s = %.1f/s, p50 %d ms, p99 %d ms, %d failed (concurrency %d)%n",
        pending.size(), s, pending.size() / s, pct(latencies, 50), pct(latencies, 99), failed, concurrency);

      List<Long> paidMs = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger notPaid = new AtomicInteger();
      List<JsonObject> toPay = new ArrayList<>(pending);
      t0 = System.nanoTime();
      AtomicInteger next = new AtomicInteger();
      List<Future<Void>> workers = new ArrayList<>();
      for (int w = 0; w < concurrency; w++) {
        workers.add(payLoop(node, world, toPay, next, paidMs, notPaid));
      }
      CheckoutNode.await(Future.all(workers));
      s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("BENCH through the bank to PAID: %d orders in %.2f s = %.1f/s, confirm-to-PAID p50 %d ms, p99 %d ms, %d not paid%n",
        paidMs.size(), s, paidMs.size() / s, pct(paidMs, 50), pct(paidMs, 99), notPaid.get());
      System.out.println("BENCH audit: " + (node.audit().contains("AUDIT OK") ? "AUDIT OK" : node.audit()));
      // where a saga's time goes: mean time from the previous log line to each step
      var steps = CheckoutNode.await(node.db.query("""
        SELECT state, round(avg(ms)::numeric, 1) AS mean_ms, round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS p99_ms
        FROM (SELECT state, extract(epoch FROM at - lag(at) OVER (PARTITION BY saga_id ORDER BY id)) * 1000 AS ms FROM checkout.saga_log) t
        WHERE ms IS NOT NULL GROUP BY state ORDER BY mean_ms DESC""").execute());
      steps.forEach(row -> System.out.printf("BENCH step %-17s mean %6s ms, p99 %6s ms%n", row.getString("state"),
        row.getValue("mean_ms"), row.getValue("p99_ms")));
    }
  }

  private static int phase(CheckoutNode node, FakeWorld world, List<String> products, int count, int concurrency,
                           ConcurrentLinkedQueue<JsonObject> pending, List<Long> latencies) throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      workers.add(checkoutLoop(node, world, products, count, next, failed, pending, latencies));
    }
    CheckoutNode.await(Future.all(workers));
    return failed.get();
  }

  private static Future<Void> checkoutLoop(CheckoutNode node, FakeWorld world, List<String> products, int count, AtomicInteger next,
                                           AtomicInteger failed, ConcurrentLinkedQueue<JsonObject> pending, List<Long> latencies) {
    int i = next.getAndIncrement();
    if (i >= count) {
      return Future.succeededFuture();
    }
    String buyer = "buyer-" + UUID.randomUUID();
    String cart = world.cartWith(buyer, products.get(i % products.size()), 1, 1000);
    long t0 = System.nanoTime();
    return node.checkoutAsync(buyer, cart, UUID.randomUUID().toString()).transform(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == 201) {
        latencies.add((System.nanoTime() - t0) / 1_000_000);
        pending.add(ar.result().bodyAsJsonObject());
      } else {
        failed.incrementAndGet();
      }
      return checkoutLoop(node, world, products, count, next, failed, pending, latencies);
    });
  }

  private static Future<Void> payLoop(CheckoutNode node, FakeWorld world, List<JsonObject> toPay, AtomicInteger next,
                                      List<Long> paidMs, AtomicInteger notPaid) {
    int i = next.getAndIncrement();
    if (i >= toPay.size()) {
      return Future.succeededFuture();
    }
    JsonObject checkout = toPay.get(i);
    long t0 = System.nanoTime();
    Future<HttpResponse<Buffer>> confirm = node.bankHttp.postAbs(checkout.getString("payment_url") + "/confirm")
      .putHeader("Accept", "application/json").send();
    return confirm.compose(r -> waitPaid(node, world, checkout.getString("order_id"), System.nanoTime() + 30_000_000_000L))
      .transform(ar -> {
        if (ar.succeeded() && ar.result()) {
          paidMs.add((System.nanoTime() - t0) / 1_000_000);
        } else {
          notPaid.incrementAndGet();
        }
        return payLoop(node, world, toPay, next, paidMs, notPaid);
      });
  }

  private static Future<Boolean> waitPaid(CheckoutNode node, FakeWorld world, String orderId, long deadline) {
    if ("PAID".equals(world.order(orderId).getString("status"))) {
      return Future.succeededFuture(true);
    }
    if (System.nanoTime() > deadline) {
      return Future.succeededFuture(false);
    }
    Promise<Boolean> p = Promise.promise();
    node.vertx.setTimer(5, id -> waitPaid(node, world, orderId, deadline).onComplete(p));
    return p.future();
  }

  private static long pct(List<Long> values, int p) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }
}
