import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkout load generator for scripts/bench-checkout.sh, JDK only (a single-file source program),
 * driving only the public HTTP API (gateway) and the bank simulator's 3DS page:
 * <ol>
 *   <li>set-up: a seller with PRODUCTS products and plenty of stock; BUYERS buyers, each with the
 *   products in the cart;</li>
 *   <li>phase 1: CHECKOUTS POST /checkout calls, CONCURRENCY in flight (each with its own
 *   Idempotency-Key; a buyer's cart is checked out several times): checkouts/s to PENDING_PAYMENT
 *   and latency p50/p99;</li>
 *   <li>phase 2: every resulting payment is confirmed on the bank's 3DS page and its order polled
 *   (GET /orders/{id}) until PAID: payments/s through the bank to PAID and confirm-to-PAID p50/p99.</li>
 * </ol>
 * java scripts/bench/CheckoutBench.java http://127.0.0.1:8080[,http://127.0.0.1:8081] [checkouts=300] [concurrency=16] [buyers=20] [products=10]
 * (several gateways: set-up and polling use the first, checkouts go round-robin to all)
 */
public class CheckoutBench {
  private static final String PASSWORD = "Bench-Pass-2024";
  private static final Pattern STRING_FIELD = Pattern.compile("\"%s\"\\s*:\\s*\"([^\"]*)\"");

  record Buyer(String token, String cartId) {
  }

  public static void main(String[] args) throws Exception {
    String[] gateways = (args.length > 0 ? args[0] : "http://127.0.0.1:8080").split(",");
    String base = gateways[0];
    int checkouts = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    int buyerCount = args.length > 3 ? Integer.parseInt(args[3]) : 20;
    int productCount = args.length > 4 ? Integer.parseInt(args[4]) : 10;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    String seller = token(http, base, "seller");
    List<String> products = new ArrayList<>();
    for (int i = 0; i < productCount; i++) {
      HttpResponse<String> created = send(http, "POST", base + "/api/v1/seller/products", seller,
        "{\"title\":\"Bench product " + i + "\",\"description\":\"for the checkout benchmark\",\"brand\":\"Bench\","
          + "\"category_id\":" + categoryId(http, base) + ",\"price\":{\"amount\":" + (1000 + i) + ",\"currency\":\"RUB\"},\"attributes\":{}}");
      expect(created, 201, "create product");
      String id = field(created.body(), "id");
      expect(send(http, "PUT", base + "/api/v1/seller/products/" + id + "/stock", seller,
        "{\"warehouse\":\"main\",\"quantity\":1000000}"), 200, "set stock");
      products.add(id);
    }
    List<Buyer> buyers = new ArrayList<>();
    for (int i = 0; i < buyerCount; i++) {
      String token = token(http, base, "buyer");
      expect(send(http, "POST", base + "/api/v1/cart/items", token,
        "{\"product_id\":\"" + products.get(i % products.size()) + "\",\"quantity\":1}"), -1, "add to cart");
      HttpResponse<String> cart = send(http, "GET", base + "/api/v1/cart", token, null);
      expect(cart, 200, "get cart");
      buyers.add(new Buyer(token, field(cart.body(), "id")));
    }
    System.out.printf("set-up: %d products, %d buyers%n", products.size(), buyers.size());

    run(http, gateways, buyers, Math.min(50, checkouts), concurrency, new ArrayList<>(), new ArrayList<>()); // warm-up

    List<Long> checkoutMs = Collections.synchronizedList(new ArrayList<>());
    List<String[]> pending = Collections.synchronizedList(new ArrayList<>());
    long started = System.nanoTime();
    AtomicInteger failed = run(http, gateways, buyers, checkouts, concurrency, checkoutMs, pending);
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("phase 1, to PENDING_PAYMENT: %d checkouts in %.1f s = %.1f checkouts/s; latency p50 %.1f ms, p99 %.1f ms; %d not 201%n",
      pending.size(), seconds, pending.size() / seconds, pct(checkoutMs, 50), pct(checkoutMs, 99), failed.get());

    List<Long> paidMs = Collections.synchronizedList(new ArrayList<>());
    Semaphore inFlight = new Semaphore(concurrency);
    List<CompletableFuture<Void>> all = new ArrayList<>();
    AtomicInteger notPaid = new AtomicInteger();
    started = System.nanoTime();
    for (String[] p : pending) {
      inFlight.acquire();
      all.add(CompletableFuture.runAsync(() -> {
        try {
          long t0 = System.nanoTime();
          HttpResponse<String> confirmed = http.send(HttpRequest.newBuilder(URI.create(p[1] + "/confirm"))
            .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
          if (confirmed.statusCode() != 200) {
            notPaid.incrementAndGet();
            return;
          }
          for (int i = 0; i < 600; i++) {
            HttpResponse<String> order = send(http, "GET", base + "/api/v1/orders/" + p[0], p[2], null);
            if ("PAID".equals(field(order.body(), "status"))) {
              paidMs.add((System.nanoTime() - t0) / 1_000_000);
              return;
            }
            Thread.sleep(20);
          }
          notPaid.incrementAndGet();
        } catch (Exception e) {
          notPaid.incrementAndGet();
        } finally {
          inFlight.release();
        }
      }));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
    seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("phase 2, through the bank to PAID: %d orders in %.1f s = %.1f orders/s; confirm-to-PAID p50 %.1f ms, p99 %.1f ms (polled every 20 ms); %d not paid%n",
      paidMs.size(), seconds, paidMs.size() / seconds, pct(paidMs, 50), pct(paidMs, 99), notPaid.get());
  }

  private static AtomicInteger run(HttpClient http, String[] gateways, List<Buyer> buyers, int count, int concurrency,
                                   List<Long> latencies, List<String[]> pending) throws Exception {
    Semaphore inFlight = new Semaphore(concurrency);
    AtomicInteger failed = new AtomicInteger();
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Buyer buyer = buyers.get(i % buyers.size());
      String base = gateways[i % gateways.length];
      inFlight.acquire();
      long t0 = System.nanoTime();
      HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/checkout"))
        .header("Authorization", "Bearer " + buyer.token()).header("Content-Type", "application/json")
        .header("Idempotency-Key", UUID.randomUUID().toString()).timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString("{\"cart_id\":\"" + buyer.cartId() + "\",\"payment_method\":\"card\"}")).build();
      all.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((resp, err) -> {
        inFlight.release();
        if (err == null && resp.statusCode() == 201) {
          latencies.add((System.nanoTime() - t0) / 1_000_000);
          pending.add(new String[] {field(resp.body(), "order_id"), field(resp.body(), "payment_url"), buyer.token()});
        } else {
          if (failed.getAndIncrement() < 3) {
            System.out.println("checkout failed: " + (err != null ? err : resp.statusCode() + " " + resp.body()));
          }
        }
        return null;
      }));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
    return failed;
  }

  private static String token(HttpClient http, String base, String role) throws Exception {
    String email = "bench-" + UUID.randomUUID() + "@example.com";
    expect(send(http, "POST", base + "/api/v1/auth/register", null,
      "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\",\"name\":\"Bench\",\"role\":\"" + role + "\"}"), 201, "register");
    HttpResponse<String> login = send(http, "POST", base + "/api/v1/auth/login", null,
      "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}");
    expect(login, 200, "login");
    return field(login.body(), "access_token");
  }

  private static String categoryCache;

  /** A leaf category of the seeded tree (111, smartphones) when there is one, else the first id. */
  private static String categoryId(HttpClient http, String base) throws Exception {
    if (categoryCache == null) {
      String body = send(http, "GET", base + "/api/v1/catalog/categories", null, null).body();
      if (body.matches("(?s).*\"id\"\\s*:\\s*111\\b.*")) {
        categoryCache = "111";
        return categoryCache;
      }
      Matcher m = Pattern.compile("\"id\"\\s*:\\s*(\"[^\"]*\"|\\d+)").matcher(body);
      if (!m.find()) {
        throw new IllegalStateException("no category in " + body);
      }
      categoryCache = m.group(1);
    }
    return categoryCache;
  }

  private static HttpResponse<String> send(HttpClient http, String method, String url, String token, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (json != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void expect(HttpResponse<String> resp, int status, String what) {
    boolean ok = status < 0 ? resp.statusCode() / 100 == 2 : resp.statusCode() == status;
    if (!ok) {
      throw new IllegalStateException(what + " failed: " + resp.statusCode() + " " + resp.body());
    }
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile(String.format(STRING_FIELD.pattern(), name)).matcher(json);
    return m.find() ? m.group(1) : null;
  }

  private static double pct(List<Long> values, int p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }
}
