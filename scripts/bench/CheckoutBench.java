import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkout load generator for scripts/bench-checkout.sh, JDK only (a single-file source program),
 * driving only the public HTTP API (gateway) and the bank simulator's 3DS page.
 * <ol>
 *   <li>set-up: a seller with PRODUCTS products and plenty of stock; BUYERS buyers, each with one
 *   product in the cart;</li>
 *   <li>per in-flight level C (e.g. 64 and 256): CHECKOUTS {@code POST /checkout} calls with C in
 *   flight (each its own Idempotency-Key): checkouts/s to PENDING_PAYMENT, p50/p99; then every
 *   resulting payment confirmed on the bank's 3DS page with C orders in flight between the confirm
 *   and the moment {@code GET /orders/{id}} says PAID: orders/s and confirm-to-PAID p50/p99;</li>
 *   <li>flash sale: one new SKU with UNITS units, FLASH_BUYERS buyers, ATTEMPTS checkouts with 64 in
 *   flight: attempts/s, wins (must equal UNITS), refusals, 5xx (must be 0).</li>
 * </ol>
 * Each phase also prints the CPU it used: this load generator's own (so one can tell it is not the
 * bottleneck), the marketplace JVMs' (pids in --server-pids), PostgreSQL's (processes named
 * postgres) and the whole machine's (other work included, from /proc/stat).
 *
 * javac -d DIR scripts/bench/CheckoutBench.java scripts/bench/BenchSupport.java; java -cp DIR CheckoutBench --gateways=http://127.0.0.1:8080[,...] [--checkouts=3000]
 *   [--inflight=64,256] [--buyers=200] [--products=10] [--flash-attempts=2000] [--flash-units=500]
 *   [--flash-buyers=40] [--server-pids=123,456] [--phases=checkout,flash]
 * java -cp DIR CheckoutBench --gateways=... --phases=soak [--seconds=60] [--workers=16] [--buyers=32] [--stop-file=PATH]
 *   (the chaos suite's load: see {@code soak})
 */
public class CheckoutBench extends BenchSupport {
  private static final long TICKS_PER_SECOND = 100;

  record Buyer(Session session, String cartId, String productId) {
    /** The buyer's access token, refreshed when it is about to expire. */
    String token() {
      return session.token();
    }
  }

  record Pending(String orderId, String paymentUrl, Session session) {
    String token() {
      return session.token();
    }
  }

  /** Refreshes made and logins needed again (a refresh that failed), printed at the end of a soak. */
  static final AtomicInteger refreshes = new AtomicInteger();
  static final AtomicInteger relogins = new AtomicInteger();

  /**
   * A signed-in account whose access token (15 minutes by default: {@code expires_in}) is renewed
   * with {@code POST /auth/refresh} a minute before it expires, and by a new login when the refresh
   * fails (its family revoked, auth away): a run longer than a token's lifetime keeps working.
   * Thread-safe; a caller that finds the token due renews it while the others wait.
   */
  static final class Session {
    private static final long RENEW_BEFORE_NANOS = 60_000_000_000L;
    private final String base;
    private final String email;
    private String access;
    private String refresh;
    private long expiresAtNanos;

    Session(String base, String email, String loginBody) {
      this.base = base;
      this.email = email;
      accept(loginBody);
    }

    synchronized String token() {
      if (System.nanoTime() < expiresAtNanos - RENEW_BEFORE_NANOS) {
        return access;
      }
      try {
        HttpResponse<String> renewed = send("POST", base + "/api/v1/auth/refresh", null, "{\"refresh_token\":\"" + refresh + "\"}");
        if (renewed.statusCode() == 200) {
          refreshes.incrementAndGet();
          accept(renewed.body());
          return access;
        }
        HttpResponse<String> login = send("POST", base + "/api/v1/auth/login", null,
          "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}");
        if (login.statusCode() == 200) {
          relogins.incrementAndGet();
          accept(login.body());
        } else {
          System.out.println("  token renewal failed for " + email + ": refresh " + renewed.statusCode() + ", login " + login.statusCode());
        }
      } catch (Exception e) {
        System.out.println("  token renewal failed for " + email + ": " + e);
      }
      // the old token until it expires (its requests then count as the 401s they get); the next call tries again
      return access;
    }

    private void accept(String tokensBody) {
      access = field(tokensBody, "access_token");
      refresh = field(tokensBody, "refresh_token");
      Matcher m = Pattern.compile("\"expires_in\"\\s*:\\s*(\\d+)").matcher(tokensBody);
      long seconds = m.find() ? Long.parseLong(m.group(1)) : 900;
      expiresAtNanos = System.nanoTime() + seconds * 1_000_000_000L;
    }
  }

  static Map<String, String> opts = new HashMap<>();
  static List<Integer> serverPids = new ArrayList<>();

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      // the executors' threads would keep the JVM alive after a failed set-up: end it, and say why
      t.printStackTrace();
      System.exit(1);
    }
  }

  static void run(String[] args) throws Exception {
    for (String a : args) {
      int eq = a.indexOf('=');
      opts.put(a.substring(2, eq < 0 ? a.length() : eq), eq < 0 ? "true" : a.substring(eq + 1));
    }
    String[] gateways = opt("gateways", "http://127.0.0.1:8080").split(",");
    String base = gateways[0];
    int checkouts = Integer.parseInt(opt("checkouts", "3000"));
    int[] levels = Arrays.stream(opt("inflight", "64,256").split(",")).mapToInt(Integer::parseInt).toArray();
    int buyerCount = Integer.parseInt(opt("buyers", "200"));
    int productCount = Integer.parseInt(opt("products", "10"));
    for (String p : opt("server-pids", "").split(",")) {
      if (!p.isBlank()) {
        serverPids.add(Integer.parseInt(p.trim()));
      }
    }
    List<String> phases = Arrays.asList(opt("phases", "checkout,flash").split(","));
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
      .executor(Executors.newFixedThreadPool(4)).build();

    String seller = session(base, "seller").token();
    if (phases.contains("checkout")) {
      List<String> products = new ArrayList<>();
      for (int i = 0; i < productCount; i++) {
        products.add(product(base, seller, "Bench product " + i, 1000 + i, 1_000_000));
      }
      List<Buyer> buyers = buyers(base, buyerCount, products);
      System.out.printf("set-up: %d products, %d buyers%n", products.size(), buyers.size());
      // warm-up: both paths, so the JIT has compiled them before anything is measured
      List<Pending> warm = checkouts(gateways, buyers, Math.min(300, checkouts), 64, null);
      if (!phases.contains("nopay")) {
        pay(base, warm, 64, null);
      }
      for (int level : levels) {
        refill(base, buyers);
        Cpu before = Cpu.now();
        List<Long> latency = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        List<Pending> pending = checkouts(gateways, buyers, checkouts, level, latency);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("to PENDING_PAYMENT, %d in flight: %d checkouts in %.1f s = %.1f checkouts/s; p50 %.1f ms, p99 %.1f ms; %d not 201%n",
          level, pending.size(), s, pending.size() / s, pct(latency, 50), pct(latency, 99), checkouts - pending.size());
        System.out.println("  cpu: " + before.until(Cpu.now()));
        if (phases.contains("nopay")) {
          continue;
        }
        before = Cpu.now();
        List<Long> paid = Collections.synchronizedList(new ArrayList<>());
        t0 = System.nanoTime();
        int notPaid = pay(base, pending, level, paid);
        s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("confirm to PAID, %d in flight: %d orders in %.1f s = %.1f orders/s; p50 %.1f ms, p99 %.1f ms; %d not paid%n",
          level, paid.size(), s, paid.size() / s, pct(paid, 50), pct(paid, 99), notPaid);
        System.out.println("  cpu: " + before.until(Cpu.now()) + "; GET /orders polls: " + polls.getAndSet(0));
      }
    }
    if (phases.contains("soak")) {
      soak(gateways, seller, Integer.parseInt(opt("seconds", "60")), Integer.parseInt(opt("workers", "16")),
        Integer.parseInt(opt("buyers", "32")), Integer.parseInt(opt("products", "10")));
    }
    if (phases.contains("flash")) {
      flash(gateways, base, seller, Integer.parseInt(opt("flash-attempts", "2000")), Integer.parseInt(opt("flash-units", "500")),
        Integer.parseInt(opt("flash-buyers", "40")), Integer.parseInt(opt("flash-inflight", "64")));
    }
    System.exit(0);
  }

  static String opt(String name, String dflt) {
    return opts.getOrDefault(name, dflt);
  }

  // ------------------------------------------------------------------ phases

  static List<Pending> checkouts(String[] gateways, List<Buyer> buyers, int count, int inFlight, List<Long> latency) throws Exception {
    Semaphore slots = new Semaphore(inFlight);
    List<Pending> pending = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<?>> all = new ArrayList<>();
    AtomicInteger failures = new AtomicInteger();
    for (int i = 0; i < count; i++) {
      Buyer buyer = buyers.get(i % buyers.size());
      String base = gateways[i % gateways.length];
      slots.acquire();
      long t0 = System.nanoTime();
      all.add(http.sendAsync(checkoutRequest(base, buyer), HttpResponse.BodyHandlers.ofString()).handle((resp, err) -> {
        slots.release();
        if (err == null && resp.statusCode() == 201) {
          if (latency != null) {
            latency.add((System.nanoTime() - t0) / 1_000_000);
          }
          pending.add(new Pending(field(resp.body(), "order_id"), field(resp.body(), "payment_url"), buyer.session()));
        } else if (failures.getAndIncrement() < 3) {
          System.out.println("  checkout failed: " + (err != null ? err : resp.statusCode() + " " + resp.body()));
        }
        return null;
      }));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
    return pending;
  }

  static HttpRequest checkoutRequest(String base, Buyer buyer) {
    return HttpRequest.newBuilder(URI.create(base + "/api/v1/checkout"))
      .header("Authorization", "Bearer " + buyer.token()).header("Content-Type", "application/json")
      .header("Idempotency-Key", UUID.randomUUID().toString()).timeout(Duration.ofSeconds(60))
      .POST(HttpRequest.BodyPublishers.ofString("{\"cart_id\":\"" + buyer.cartId() + "\",\"payment_method\":\"card\"}")).build();
  }

  static final AtomicInteger polls = new AtomicInteger();
  static final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  /**
   * Confirms every payment on the bank's 3DS page; at most {@code inFlight} orders between the
   * confirm and PAID. PAID is learned by polling {@code GET /orders/{id}} (first 20 ms after the
   * confirm's answer, then 30, 40, ... up to 200 ms apart), so latencies have that granularity. Returns the number not paid.
   */
  static int pay(String base, List<Pending> pending, int inFlight, List<Long> paidMs) throws Exception {
    Semaphore slots = new Semaphore(inFlight);
    AtomicInteger notPaid = new AtomicInteger();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (Pending p : pending) {
      slots.acquire();
      CompletableFuture<Void> done = new CompletableFuture<>();
      all.add(done);
      long t0 = System.nanoTime();
      HttpRequest confirm = HttpRequest.newBuilder(URI.create(p.paymentUrl() + "/confirm")).timeout(Duration.ofSeconds(60))
        .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.noBody()).build();
      http.sendAsync(confirm, HttpResponse.BodyHandlers.ofString()).whenComplete((resp, err) -> {
        if (err != null || resp.statusCode() != 200) {
          notPaid.incrementAndGet();
          slots.release();
          done.complete(null);
          return;
        }
        poll(base, p, t0, 20, 0, paidMs, notPaid, slots, done);
      });
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
    return notPaid.get();
  }

  private static void poll(String base, Pending p, long t0, long delayMs, int attempt, List<Long> paidMs, AtomicInteger notPaid,
                           Semaphore slots, CompletableFuture<Void> done) {
    timer.schedule(() -> {
      polls.incrementAndGet();
      HttpRequest get = HttpRequest.newBuilder(URI.create(base + "/api/v1/orders/" + p.orderId())).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + p.token()).GET().build();
      http.sendAsync(get, HttpResponse.BodyHandlers.ofString()).whenComplete((resp, err) -> {
        if (err == null && "PAID".equals(field(resp.body(), "status"))) {
          if (paidMs != null) {
            paidMs.add((System.nanoTime() - t0) / 1_000_000);
          }
        } else if (attempt < 600) {
          // 20, 30, 40 ... up to 200 ms apart: polls must not become the load they measure
          poll(base, p, t0, Math.min(200, 20 + 10L * (attempt + 1)), attempt + 1, paidMs, notPaid, slots, done);
          return;
        } else {
          notPaid.incrementAndGet();
        }
        slots.release();
        done.complete(null);
      });
    }, delayMs, TimeUnit.MILLISECONDS);
  }

  static void flash(String[] gateways, String base, String seller, int attempts, int units, int buyerCount, int inFlight) throws Exception {
    String sku = product(base, seller, "Flash sale product", 4990, units);
    List<Buyer> buyers = buyers(base, buyerCount, List.of(sku));
    Semaphore slots = new Semaphore(inFlight);
    Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    List<CompletableFuture<?>> all = new ArrayList<>();
    Cpu before = Cpu.now();
    long t0 = System.nanoTime();
    for (int i = 0; i < attempts; i++) {
      Buyer buyer = buyers.get(i % buyers.size());
      slots.acquire();
      all.add(http.sendAsync(checkoutRequest(gateways[i % gateways.length], buyer), HttpResponse.BodyHandlers.ofString()).handle((resp, err) -> {
        slots.release();
        String key;
        if (err != null) {
          key = "error " + err.getClass().getSimpleName();
        } else if (resp.statusCode() == 201) {
          key = "won";
        } else if (resp.statusCode() / 100 == 5) {
          key = "5xx";
          if (outcomes.getOrDefault("5xx", new AtomicInteger()).get() < 3) {
            System.out.println("  flash 5xx: " + resp.statusCode() + " " + resp.body());
          }
        } else {
          key = resp.statusCode() + " " + field(resp.body(), "code");
        }
        outcomes.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        return null;
      }));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
    double s = (System.nanoTime() - t0) / 1e9;
    int won = outcomes.getOrDefault("won", new AtomicInteger()).get();
    int fivexx = outcomes.getOrDefault("5xx", new AtomicInteger()).get();
    Map<String, Integer> refused = new LinkedHashMap<>();
    outcomes.forEach((k, v) -> {
      if (!k.equals("won") && !k.equals("5xx")) {
        refused.put(k, v.get());
      }
    });
    System.out.printf("flash sale: %d attempts by %d buyers on 1 SKU with %d units, %d in flight: %.1f s = %.1f attempts/s; won %d (%s), refused %s, 5xx %d (%s)%n",
      attempts, buyerCount, units, inFlight, s, attempts / s, won, won == units ? "= units: correct" : "MUST EQUAL " + units,
      refused, fivexx, fivexx == 0 ? "ok" : "MUST BE 0");
    System.out.println("  cpu: " + before.until(Cpu.now()));
  }

  // ------------------------------------------------------------------ soak (scripts/chaos.sh)

  /**
   * For {@code seconds}, {@code workers} buyers in a loop: put the product in the cart, check out,
   * confirm on the bank's page, poll the order until PAID (at most 30 s). Every HTTP request counts:
   * the end prints requests, answers by status (an exception is "error &lt;class&gt;"), the slowest
   * request, and the checkouts and payments that did not finish. A request to a gateway that refuses
   * the connection goes to the next gateway (what a load balancer does) and is counted as "lb-retry".
   * A line {@code soak-tick} every 5 s shows the service over time (chaos scenarios kill things mid-run).
   */
  static void soak(String[] gateways, String seller, int seconds, int workers, int buyerCount, int productCount) throws Exception {
    List<String> products = new ArrayList<>();
    for (int i = 0; i < productCount; i++) {
      products.add(product(gateways[0], seller, "Soak product " + i, 1000 + i, 1_000_000));
    }
    List<Buyer> buyers = buyers(gateways[0], Math.max(buyerCount, workers), products);
    System.out.printf("soak set-up: %d products, %d buyers; %d workers for %d s over %s%n", products.size(), buyers.size(), workers, seconds,
      String.join(",", gateways));
    Map<String, AtomicInteger> byStatus = new ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicLong maxMs = new java.util.concurrent.atomic.AtomicLong();
    AtomicInteger requests = new AtomicInteger();
    AtomicInteger checkedOut = new AtomicInteger();
    AtomicInteger paid = new AtomicInteger();
    AtomicInteger notPaid = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    // --stop-file: the run ends early once that file exists (a chaos scenario whose length is not known up front)
    Path stopFile = opts.containsKey("stop-file") ? Path.of(opts.get("stop-file")) : null;
    long t0 = System.nanoTime();
    // the slowest requests with what they were and when (UTC): which request a fault made slow
    List<String[]> slowest = new ArrayList<>();
    java.util.function.BiFunction<String, HttpRequest.Builder, HttpResponse<String>> call = (path, builder) -> {
      for (int tries = 0; ; tries++) {
        String base = path.startsWith("http") ? "" : gateways[Math.floorMod(next.getAndIncrement(), gateways.length)];
        HttpRequest request = builder.uri(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build();
        long started = System.nanoTime();
        String key;
        HttpResponse<String> resp = null;
        try {
          resp = http.send(request, HttpResponse.BodyHandlers.ofString());
          key = String.valueOf(resp.statusCode());
        } catch (java.net.ConnectException e) {
          if (tries < gateways.length && base.length() > 0) {
            byStatus.computeIfAbsent("lb-retry", k -> new AtomicInteger()).incrementAndGet();
            continue;
          }
          key = "error ConnectException";
        } catch (Exception e) {
          key = "error " + e.getClass().getSimpleName();
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        maxMs.accumulateAndGet(ms, Math::max);
        noteSlow(slowest, ms, request.method() + " " + path.replaceAll("^https?://[^/]+", "") + " -> " + key);
        requests.incrementAndGet();
        byStatus.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        if (resp != null && resp.statusCode() >= 500 && byStatus.get(key).get() <= 3) {
          System.out.println("  " + resp.statusCode() + " on " + request.method() + " " + path + ": " + resp.body());
        }
        return resp;
      }
    };
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    ticker.scheduleAtFixedRate(() -> System.out.printf("soak-tick %.0f s: requests %d, by status %s, max %d ms, paid %d%n",
      (System.nanoTime() - t0) / 1e9, requests.get(), new java.util.TreeMap<>(byStatus), maxMs.get(), paid.get()), 5, 5, TimeUnit.SECONDS);
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      Buyer buyer = buyers.get(w);
      Thread t = new Thread(() -> {
        while (System.nanoTime() < end && (stopFile == null || !Files.exists(stopFile))) {
          String auth = "Bearer " + buyer.token();
          call.apply("/api/v1/cart/items", HttpRequest.newBuilder().header("Authorization", auth).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"product_id\":\"" + buyer.productId() + "\",\"quantity\":1}")));
          HttpResponse<String> co = call.apply("/api/v1/checkout", HttpRequest.newBuilder().header("Authorization", auth)
            .header("Content-Type", "application/json").header("Idempotency-Key", UUID.randomUUID().toString())
            .POST(HttpRequest.BodyPublishers.ofString("{\"cart_id\":\"" + buyer.cartId() + "\",\"payment_method\":\"card\"}")));
          if (co == null || co.statusCode() != 201) {
            sleepQuietly(200);
            continue;
          }
          checkedOut.incrementAndGet();
          String orderId = field(co.body(), "order_id");
          HttpResponse<String> confirm = call.apply(field(co.body(), "payment_url") + "/confirm",
            HttpRequest.newBuilder().header("Accept", "application/json").POST(HttpRequest.BodyPublishers.noBody()));
          if (confirm == null || confirm.statusCode() != 200) {
            notPaid.incrementAndGet();
            continue;
          }
          long deadline = System.nanoTime() + 30_000_000_000L;
          boolean isPaid = false;
          while (!isPaid && System.nanoTime() < deadline) {
            sleepQuietly(250);
            HttpResponse<String> order = call.apply("/api/v1/orders/" + orderId, HttpRequest.newBuilder().header("Authorization", auth).GET());
            isPaid = order != null && "PAID".equals(field(order.body(), "status"));
          }
          (isPaid ? paid : notPaid).incrementAndGet();
        }
      });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    ticker.shutdownNow();
    int errors = byStatus.entrySet().stream().filter(e -> e.getKey().startsWith("error") || e.getKey().startsWith("5"))
      .mapToInt(e -> e.getValue().get()).sum();
    System.out.printf("soak: %d requests in %.0f s, by status %s; errors (5xx + no answer) %d = %.2f %%; max latency %d ms; checkouts %d, paid %d, not paid within 30 s %d%n",
      requests.get(), (System.nanoTime() - t0) / 1e9, new java.util.TreeMap<>(byStatus), errors, 100.0 * errors / Math.max(1, requests.get()),
      maxMs.get(), checkedOut.get(), paid.get(), notPaid.get());
    System.out.printf("soak tokens: %d refreshed, %d signed in again%n", refreshes.get(), relogins.get());
    synchronized (slowest) {
      for (String[] slow : slowest) {
        System.out.printf("soak slowest: %s ms %s at %s%n", slow[0], slow[1], slow[2]);
      }
    }
  }

  /** Keeps the {@value #SLOWEST_KEPT} slowest requests: {ms, what, when it ended (UTC)}. */
  static void noteSlow(List<String[]> slowest, long ms, String what) {
    synchronized (slowest) {
      if (slowest.size() >= SLOWEST_KEPT && Long.parseLong(slowest.get(slowest.size() - 1)[0]) >= ms) {
        return;
      }
      slowest.add(new String[] {String.valueOf(ms), what, java.time.LocalTime.now(java.time.ZoneOffset.UTC).withNano(0).toString()});
      slowest.sort((a, b) -> Long.compare(Long.parseLong(b[0]), Long.parseLong(a[0])));
      if (slowest.size() > SLOWEST_KEPT) {
        slowest.remove(slowest.size() - 1);
      }
    }
  }

  static final int SLOWEST_KEPT = 8;

  static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ set-up

  static String product(String base, String seller, String title, long price, int stock) throws Exception {
    HttpResponse<String> created = send("POST", base + "/api/v1/seller/products", seller,
      "{\"title\":\"" + title + "\",\"description\":\"for the checkout benchmark\",\"brand\":\"Bench\","
        + "\"category_id\":" + categoryId(base) + ",\"price\":{\"amount\":" + price + ",\"currency\":\"RUB\"},\"attributes\":{}}");
    expect(created, 201, "create product");
    String id = field(created.body(), "id");
    expect(send("PUT", base + "/api/v1/seller/products/" + id + "/stock", seller,
      "{\"warehouse\":\"main\",\"quantity\":" + stock + "}"), 200, "set stock");
    return id;
  }

  /** Registers buyers (8 at a time: each registration and login is an Argon2 hash) with one product in the cart. */
  static List<Buyer> buyers(String base, int count, List<String> products) throws Exception {
    List<CompletableFuture<Buyer>> futures = new ArrayList<>();
    var pool = Executors.newFixedThreadPool(8);
    for (int i = 0; i < count; i++) {
      String product = products.get(i % products.size());
      futures.add(CompletableFuture.supplyAsync(() -> {
        try {
          Session session = session(base, "buyer");
          expect(send("POST", base + "/api/v1/cart/items", session.token(), "{\"product_id\":\"" + product + "\",\"quantity\":1}"), -1, "add to cart");
          HttpResponse<String> cart = send("GET", base + "/api/v1/cart", session.token(), null);
          expect(cart, 200, "get cart");
          return new Buyer(session, field(cart.body(), "id"), product);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, pool));
    }
    List<Buyer> buyers = new ArrayList<>();
    for (CompletableFuture<Buyer> f : futures) {
      try {
        buyers.add(f.join());
      } catch (java.util.concurrent.CompletionException e) {
        // thrown on a pool thread: rethrown here with this thread's trace, the cause named
        throw new IllegalStateException("buyer set-up failed: " + e.getCause(), e.getCause());
      }
    }
    pool.shutdown();
    return buyers;
  }

  /** Puts the product back in each cart (a PAID order clears its cart). */
  static void refill(String base, List<Buyer> buyers) throws Exception {
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    Semaphore slots = new Semaphore(16);
    for (Buyer b : buyers) {
      slots.acquire();
      HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/api/v1/cart/items")).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + b.token()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"product_id\":\"" + b.productId() + "\",\"quantity\":1}")).build();
      all.add(http.sendAsync(r, HttpResponse.BodyHandlers.ofString()).whenComplete((x, e) -> slots.release()));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
  }

  /** A new account of the role, signed in. */
  static Session session(String base, String role) throws Exception {
    String email = "bench-" + UUID.randomUUID() + "@example.com";
    // set-up, not measured: a registration or login that timed out (Argon2 on a busy machine) is
    // asked again; a registration that did go through the first time answers 409 the second
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> registered = send("POST", base + "/api/v1/auth/register", null,
        "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\",\"name\":\"Bench\",\"role\":\"" + role + "\"}");
      if (registered.statusCode() == 504 && attempt < 10) {
        continue;
      }
      if (!(attempt > 0 && registered.statusCode() == 409)) {
        expect(registered, 201, "register");
      }
      break;
    }
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> login = send("POST", base + "/api/v1/auth/login", null,
        "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}");
      if ((login.statusCode() == 503 || login.statusCode() == 504) && attempt < 20) {
        Thread.sleep(500);
        continue;
      }
      expect(login, 200, "login");
      return new Session(base, email, login.body());
    }
  }

  // ------------------------------------------------------------------ CPU accounting

  /** CPU ticks so far: this JVM, the marketplace JVMs, PostgreSQL's processes, the whole machine (busy and total). */
  record Cpu(long nanos, long self, long server, long postgres, long machineBusy, long machineTotal) {
    static Cpu now() {
      long self = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
      long server = 0;
      for (int pid : serverPids) {
        server += ticks(Path.of("/proc/" + pid + "/stat"));
      }
      long postgres = 0;
      try (var dirs = Files.list(Path.of("/proc"))) {
        for (Path dir : dirs.filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
          try {
            String stat = Files.readString(dir.resolve("stat"));
            if (stat.contains("(postgres)")) {
              postgres += ticks(stat);
            }
          } catch (Exception ignored) {
            // the process ended meanwhile
          }
        }
      } catch (Exception ignored) {
        // no /proc: no figures
      }
      long busy = 0;
      long total = 0;
      try {
        String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        for (int i = 1; i < cpu.length && i <= 8; i++) {
          long v = Long.parseLong(cpu[i]);
          total += v;
          if (i != 4 && i != 5) {
            busy += v;
          }
        }
      } catch (Exception ignored) {
        // no /proc
      }
      return new Cpu(System.nanoTime(), self, server, postgres, busy, total);
    }

    private static long ticks(Path stat) {
      try {
        return ticks(Files.readString(stat));
      } catch (Exception e) {
        return 0;
      }
    }

    private static long ticks(String stat) {
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    String until(Cpu later) {
      double wall = (later.nanos - nanos) / 1e9;
      double cores = Runtime.getRuntime().availableProcessors();
      double busyCores = later.machineTotal == machineTotal ? 0
        : cores * (later.machineBusy - machineBusy) / (double) (later.machineTotal - machineTotal);
      return String.format("load generator %.2f cores, marketplace JVM(s) %.2f, postgres %.2f, machine busy %.2f of %.0f cores",
        (later.self - self) / 1e9 / wall, (later.server - server) / (double) TICKS_PER_SECOND / wall,
        (later.postgres - postgres) / (double) TICKS_PER_SECOND / wall, busyCores, cores);
    }
  }
}
