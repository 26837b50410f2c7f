import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flash-sale load generator for scripts/bench-sale.sh (issue 12), JDK only, public HTTP API only.
 * <ol>
 *   <li>set-up: a seller's products A and B with UNITS units each; BUYERS buyers, each with one A in the cart;</li>
 *   <li>no waiting room: every buyer retries POST /checkout (new Idempotency-Key per try) until it
 *   wins (201) or is told OUT_OF_STOCK (409); INFLIGHT requests at once;</li>
 *   <li>after sell-out: for HAMMER_SECONDS every buyer keeps trying: the rate and p99 of refusals
 *   answered from the sold-out set;</li>
 *   <li>waiting room: the carts swap A for B, an admin declares a sale on B at ADMIT_PER_SECOND,
 *   every buyer checks out, waits retry_after_ms on 202 and retries with its ticket, until 201 or 409.</li>
 * </ol>
 * Prints attempts/s, time to sell out, wins (must equal the units), refusals by code, 5xx, p50/p99,
 * the fairness (Spearman rank correlation of ticket number and admission time) and the CPU the load
 * generator used (so that it is seen not to be the bottleneck).
 * javac -d DIR scripts/bench/FlashSaleBench.java scripts/bench/BenchSupport.java; java -cp DIR FlashSaleBench --gateway=URL --admin-email=E --admin-password=P [--buyers=2000]
 *   [--units=1000] [--inflight=128] [--hammer-seconds=5] [--admit-per-second=200]
 */
public class FlashSaleBench extends BenchSupport {

  record Buyer(String token, String cartId) {
  }

  /** What one phase saw. */
  static final class Tally {
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicInteger wins = new AtomicInteger();
    final AtomicInteger fiveXx = new AtomicInteger();
    final Map<String, AtomicInteger> byCode = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<Long> latencyMicros = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Long> refusalMicros = new ConcurrentLinkedQueue<>();
    final AtomicLong lastWinAt = new AtomicLong();

    void count(String code) {
      byCode.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new TreeMap<>();
    for (String a : args) {
      String[] kv = a.replaceFirst("^--", "").split("=", 2);
      opt.put(kv[0], kv.length > 1 ? kv[1] : "true");
    }
    String base = opt.getOrDefault("gateway", "http://127.0.0.1:8080");
    int buyerCount = Integer.parseInt(opt.getOrDefault("buyers", "2000"));
    int units = Integer.parseInt(opt.getOrDefault("units", "1000"));
    int inflight = Integer.parseInt(opt.getOrDefault("inflight", "128"));
    int hammerSeconds = Integer.parseInt(opt.getOrDefault("hammer-seconds", "5"));
    int admitPerSecond = Integer.parseInt(opt.getOrDefault("admit-per-second", "200"));
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    String seller = token(base, "seller");
    String a = product(base, seller, "Flash A", units);
    String b = product(base, seller, "Flash B", units);
    long setupStart = System.nanoTime();
    List<Buyer> buyers = Collections.synchronizedList(new ArrayList<>());
    parallel(buyerCount, 16, i -> {
      String token = token(base, "buyer");
      HttpResponse<String> added = send("POST", base + "/api/v1/cart/items", token, "{\"product_id\":\"" + a + "\",\"quantity\":1}");
      expect(added, -1, "add to cart");
      buyers.add(new Buyer(token, field(added.body(), "id")));
    });
    System.out.printf("set-up: %d buyers registered with a cart in %.1f s%n", buyers.size(), (System.nanoTime() - setupStart) / 1e9);

    // ---- no waiting room
    double cpu0 = cpuSeconds();
    Tally race = new Tally();
    long start = System.nanoTime();
    runBuyers(base, buyers, inflight, race, false);
    double raceSeconds = (System.nanoTime() - start) / 1e9;
    double sellOut = (race.lastWinAt.get() - start) / 1e9;
    report("no waiting room", race, raceSeconds, units, cpuSeconds() - cpu0);
    System.out.printf("  time to sell out: %.2f s%n", sellOut);

    // ---- refusals after sell-out
    cpu0 = cpuSeconds();
    Tally hammer = new Tally();
    start = System.nanoTime();
    long until = System.nanoTime() + hammerSeconds * 1_000_000_000L;
    Semaphore slots = new Semaphore(inflight);
    AtomicInteger next = new AtomicInteger();
    while (System.nanoTime() < until) {
      slots.acquire();
      Buyer buyer = buyers.get(next.getAndIncrement() % buyers.size());
      long t0 = System.nanoTime();
      checkout(base, buyer, UUID.randomUUID().toString(), null).whenComplete((resp, err) -> {
        slots.release();
        long micros = (System.nanoTime() - t0) / 1000;
        hammer.attempts.incrementAndGet();
        if (err != null) {
          hammer.count("IO_ERROR");
          return;
        }
        hammer.latencyMicros.add(micros);
        classify(hammer, resp);
        if (resp.statusCode() == 409) {
          hammer.refusalMicros.add(micros);
        }
      });
    }
    slots.acquire(inflight);
    double hammerTook = (System.nanoTime() - start) / 1e9;
    report("after sell-out (every buyer keeps trying)", hammer, hammerTook, 0, cpuSeconds() - cpu0);
    System.out.printf("  refusals answered: %.0f/s, p99 %.1f ms%n", hammer.refusalMicros.size() / hammerTook,
      pct(new ArrayList<>(hammer.refusalMicros), 99) / 1000.0);

    // ---- waiting room
    parallel(buyers.size(), 32, i -> {
      Buyer buyer = buyers.get(i);
      send("DELETE", base + "/api/v1/cart/items/" + a, buyer.token(), null);
      expect(send("POST", base + "/api/v1/cart/items", buyer.token(), "{\"product_id\":\"" + b + "\",\"quantity\":1}"), -1, "swap to B");
    });
    String admin = login(base, opt.get("admin-email"), opt.get("admin-password"));
    HttpResponse<String> sale = send("POST", base + "/api/v1/admin/sales", admin, "{\"product_ids\":[\"" + b + "\"],\"starts_at\":\""
      + Instant.now().plusSeconds(2) + "\",\"admit_per_second\":" + admitPerSecond + "}");
    expect(sale, 201, "declare the sale");
    String saleId = field(sale.body(), "id");
    Thread.sleep(1000);
    cpu0 = cpuSeconds();
    Tally room = new Tally();
    start = System.nanoTime();
    runBuyers(base, buyers, inflight, room, true);
    double roomSeconds = (System.nanoTime() - start) / 1e9;
    report("waiting room at " + admitPerSecond + "/s", room, roomSeconds, units, cpuSeconds() - cpu0);
    System.out.printf("  time to sell out: %.2f s (from the first attempt, 2 s before the sale starts)%n", (room.lastWinAt.get() - start) / 1e9);
    System.out.printf("  fairness: Spearman rank correlation of ticket number and admission time = %.3f over %d admitted buyers%n",
      spearman(), ADMISSIONS.size());
    HttpResponse<String> view = send("GET", base + "/api/v1/admin/sales/" + saleId, admin, null);
    System.out.println("  operator's view: " + view.body());
  }

  /** ticket number → nanoTime of the first non-202 answer (admitted). */
  private static final Map<Long, Long> ADMISSIONS = new ConcurrentHashMap<>();

  private static void runBuyers(String base, List<Buyer> buyers, int inflight, Tally tally, boolean queue) throws Exception {
    Semaphore slots = new Semaphore(inflight);
    CompletableFuture<?>[] all = new CompletableFuture<?>[buyers.size()];
    for (int i = 0; i < buyers.size(); i++) {
      all[i] = buyerLoop(base, buyers.get(i), slots, tally, queue, null, -1);
    }
    CompletableFuture.allOf(all).join();
  }

  /** One buyer: tries until 201 or 409 OUT_OF_STOCK; on 202 waits retry_after_ms and comes back with its ticket. */
  private static CompletableFuture<Void> buyerLoop(String base, Buyer buyer, Semaphore slots, Tally tally, boolean queue,
                                                   String ticket, long number) {
    try {
      slots.acquire();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    long t0 = System.nanoTime();
    String key = queue ? "sale-" + buyer.cartId() : UUID.randomUUID().toString();
    return checkout(base, buyer, key, ticket).handle((resp, err) -> {
      slots.release();
      tally.attempts.incrementAndGet();
      if (err != null) {
        tally.count("IO_ERROR");
        return buyerLoop(base, buyer, slots, tally, queue, ticket, number);
      }
      tally.latencyMicros.add((System.nanoTime() - t0) / 1000);
      String code = classify(tally, resp);
      if (resp.statusCode() == 202) {
        String t = field(resp.body(), "queue_ticket");
        long n = t == null ? -1 : Long.parseLong(t.split("\\.")[1]);
        long retry = Long.parseLong(numberField(resp.body(), "retry_after_ms", "500"));
        return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(retry, java.util.concurrent.TimeUnit.MILLISECONDS))
          .thenCompose(x -> buyerLoop(base, buyer, slots, tally, queue, t, n));
      }
      if (queue && number >= 0) {
        ADMISSIONS.putIfAbsent(number, System.nanoTime());
      }
      if (resp.statusCode() == 201 || (resp.statusCode() == 409 && "OUT_OF_STOCK".equals(code))) {
        return CompletableFuture.<Void>completedFuture(null);
      }
      // 429, 503, another 409: try again shortly
      return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(50, java.util.concurrent.TimeUnit.MILLISECONDS))
        .thenCompose(x -> buyerLoop(base, buyer, slots, tally, queue, ticket, number));
    }).thenCompose(f -> f);
  }

  private static String classify(Tally tally, HttpResponse<String> resp) {
    int status = resp.statusCode();
    if (status == 201) {
      tally.wins.incrementAndGet();
      tally.lastWinAt.accumulateAndGet(System.nanoTime(), Math::max);
      return "WON";
    }
    if (status >= 500) {
      tally.fiveXx.incrementAndGet();
    }
    String code = status == 202 ? "QUEUED" : field(resp.body(), "code");
    tally.count(status + " " + code);
    return code;
  }

  private static void report(String phase, Tally t, double seconds, int units, double cpu) {
    List<Long> lat = new ArrayList<>(t.latencyMicros);
    System.out.printf("%s: %d attempts in %.2f s = %.0f attempts/s; wins %d%s; 5xx %d; p50 %.1f ms, p99 %.1f ms; refusals %s; "
        + "load generator CPU %.1f s (%.0f%% of one core)%n",
      phase, t.attempts.get(), seconds, t.attempts.get() / seconds, t.wins.get(),
      units > 0 ? (t.wins.get() == units ? " (= units)" : " (UNITS " + units + ": WRONG)") : "", t.fiveXx.get(),
      pct(lat, 50) / 1000.0, pct(lat, 99) / 1000.0, new TreeMap<>(t.byCode), cpu, 100 * cpu / seconds);
  }

  private static double spearman() {
    List<Map.Entry<Long, Long>> byTicket = new ArrayList<>(ADMISSIONS.entrySet());
    int n = byTicket.size();
    if (n < 2) {
      return Double.NaN;
    }
    byTicket.sort(Map.Entry.comparingByKey());
    List<Map.Entry<Long, Long>> byTime = new ArrayList<>(byTicket);
    byTime.sort(Map.Entry.comparingByValue());
    Map<Long, Integer> timeRank = new java.util.HashMap<>();
    for (int i = 0; i < n; i++) {
      timeRank.put(byTime.get(i).getKey(), i);
    }
    double d2 = 0;
    for (int i = 0; i < n; i++) {
      double d = i - timeRank.get(byTicket.get(i).getKey());
      d2 += d * d;
    }
    return 1 - 6 * d2 / ((double) n * ((double) n * n - 1));
  }

  private static double cpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
  }

  interface Task {
    void run(int i) throws Exception;
  }

  private static void parallel(int n, int threads, Task task) throws Exception {
    AtomicInteger next = new AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    ConcurrentLinkedQueue<Exception> errors = new ConcurrentLinkedQueue<>();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
          try {
            task.run(i);
          } catch (Exception e) {
            errors.add(e);
          }
        }
      });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
    if (!errors.isEmpty()) {
      throw errors.peek();
    }
  }

  private static CompletableFuture<HttpResponse<String>> checkout(String base, Buyer buyer, String key, String ticket) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/v1/checkout")).timeout(Duration.ofSeconds(60))
      .header("Authorization", "Bearer " + buyer.token()).header("Idempotency-Key", key).header("Content-Type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString("{\"cart_id\":\"" + buyer.cartId() + "\",\"payment_method\":\"card\"}"));
    if (ticket != null) {
      b.header("X-Queue-Ticket", ticket);
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String product(String base, String seller, String title, int units) throws Exception {
    String category = categoryId(base);
    HttpResponse<String> created = send("POST", base + "/api/v1/seller/products", seller,
      "{\"title\":\"" + title + "\",\"description\":\"flash sale benchmark\",\"brand\":\"Bench\",\"category_id\":" + category
        + ",\"price\":{\"amount\":1000,\"currency\":\"RUB\"},\"attributes\":{}}");
    expect(created, 201, "create product");
    String id = field(created.body(), "id");
    expect(send("PUT", base + "/api/v1/seller/products/" + id + "/stock", seller, "{\"warehouse\":\"main\",\"quantity\":" + units + "}"), 200, "stock");
    return id;
  }
}
