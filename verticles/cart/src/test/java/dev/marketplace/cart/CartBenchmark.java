package dev.marketplace.cart;

import dev.marketplace.contracts.cart.CartAddresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Throughput and latency of cart operations over the (local) event bus, with a fake catalog and
 * inventory answering at once: what the cart itself costs (PostgreSQL included). Not part of
 * {@code mvn verify}: run {@code scripts/bench-cart.sh}. Prints one line per scenario.
 */
@EnabledIfSystemProperty(named = "cart.bench", matches = "true")
class CartBenchmark extends CartTestBase {
  private static final int USERS = 200;
  private static final int CONCURRENCY = 32;
  private static final int REQUESTS = 8_000;

  @Test
  @Timeout(value = 150, timeUnit = TimeUnit.SECONDS)
  void measureCartOperations(VertxTestContext ctx) {
    List<UUID> products = new ArrayList<>();
    for (int i = 0; i < MAX_LINES; i++) {
      products.add(fakes.product("bench-" + i, 10_000 + i));
    }
    List<String> users = new ArrayList<>();
    for (int i = 0; i < USERS; i++) {
      users.add(newUser());
    }
    // warm-up: every user gets a full cart (also JIT and pool warm-up)
    run("warm-up add", USERS * MAX_LINES, CONCURRENCY, i -> request(CartAddresses.ADD_ITEM,
      item(products.get(i / USERS), 1), users.get(i % USERS), null))
      .compose(v -> run("cart.get (3 lines)", REQUESTS, CONCURRENCY, i -> request(CartAddresses.GET, new JsonObject(), users.get(i % USERS), null)))
      .compose(v -> run("cart.get (3 lines), sequential", 2_000, 1, i -> request(CartAddresses.GET, new JsonObject(), users.get(i % USERS), null)))
      .compose(v -> run("cart.update-item", REQUESTS, CONCURRENCY, i -> request(CartAddresses.UPDATE_ITEM,
        item(products.get(i % MAX_LINES), 1 + i % MAX_PER_LINE), users.get(i % USERS), null)))
      .compose(v -> run("cart.add-item (new guest cart each)", REQUESTS / 2, CONCURRENCY, i -> request(CartAddresses.ADD_ITEM,
        item(products.get(0), 1), null, null)))
      .compose(v -> run("cart.get + cart.checkout-view", REQUESTS, CONCURRENCY, i -> Future.succeededFuture()
        .compose(x -> request(CartAddresses.GET, new JsonObject(), users.get(i % USERS), null))
        .compose(cart -> request(CartAddresses.CHECKOUT_VIEW,
          new JsonObject().put("cart_id", cart.getString("id")).put("user_id", users.get(i % USERS)), null, null))))
      .onComplete(ctx.succeedingThenComplete());
  }

  /**
   * {@code total} requests, {@code concurrency} in flight; prints throughput and latency percentiles.
   * A scenario has 20 s, as it had when the test thread waited for it.
   */
  private static Future<Void> run(String name, int total, int concurrency, IntFunction<Future<JsonObject>> call) {
    long[] latencies = new long[total];
    int[] next = {0};
    long start = System.nanoTime();
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      workers.add(vertx.<Void>executeBlocking(() -> null).compose(x -> worker(next, total, latencies, call)));
    }
    return Future.all(workers).timeout(20, TimeUnit.SECONDS).map(all -> {
      double seconds = (System.nanoTime() - start) / 1e9;
      long[] sorted = latencies.clone();
      Arrays.sort(sorted);
      System.out.printf("BENCH %-40s %6d req, %2d in flight: %7.0f req/s, p50 %6.2f ms, p99 %6.2f ms, max %6.2f ms%n",
        name, total, concurrency, total / seconds, sorted[total / 2] / 1e6, sorted[(int) (total * 0.99)] / 1e6, sorted[total - 1] / 1e6);
      return null;
    });
  }

  private static Future<Void> worker(int[] next, int total, long[] latencies, IntFunction<Future<JsonObject>> call) {
    int i;
    synchronized (next) {
      i = next[0]++;
    }
    if (i >= total) {
      return Future.succeededFuture();
    }
    long began = System.nanoTime();
    return call.apply(i).compose(reply -> {
      latencies[i] = System.nanoTime() - began;
      return worker(next, total, latencies, call);
    });
  }
}
