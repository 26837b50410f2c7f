import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Login load generator for scripts/bench-auth.sh, JDK only (run as a single-file source program):
 * registers a few accounts, then runs LOGINS logins with CONCURRENCY in flight while a second
 * client probes GET /health every 10 ms, and prints logins/s and latency percentiles of both.
 *
 * java scripts/bench/AuthBench.java http://127.0.0.1:8080 [logins=500] [concurrency=16]
 */
public class AuthBench {
  private static final String PASSWORD = "Bench-Pass-2024";

  public static void main(String[] args) throws Exception {
    String base = args.length > 0 ? args[0] : "http://127.0.0.1:8080";
    int logins = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    HttpClient loginClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    HttpClient probeClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    List<String> emails = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String email = "bench-" + UUID.randomUUID() + "@example.com";
      HttpResponse<String> r = post(loginClient, base + "/api/v1/auth/register",
        "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\",\"name\":\"Bench\"}");
      if (r.statusCode() != 201) {
        throw new IllegalStateException("register failed: " + r.statusCode() + " " + r.body());
      }
      emails.add(email);
    }

    List<Long> idleHealth = probe(probeClient, base, 200);
    System.out.printf("/health with no load:   p50 %.2f ms, p99 %.2f ms (%d probes)%n",
      pct(idleHealth, 50), pct(idleHealth, 99), idleHealth.size());

    runLogins(loginClient, base, emails, Math.min(100, logins), concurrency, null); // warm-up: JIT, pools

    AtomicBoolean burst = new AtomicBoolean(true);
    List<Long> burstHealth = Collections.synchronizedList(new ArrayList<>());
    Thread prober = new Thread(() -> {
      while (burst.get()) {
        burstHealth.addAll(probe(probeClient, base, 1));
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    prober.start();
    Result result = runLogins(loginClient, base, emails, logins, concurrency, burstHealth);
    burst.set(false);
    prober.join();

    System.out.printf("logins:                 %d in %.2f s = %.1f logins/s (concurrency %d), statuses %s%n",
      logins, result.seconds, logins / result.seconds, concurrency, result.statuses);
    System.out.printf("login latency:          p50 %.1f ms, p99 %.1f ms%n", pct(result.latencies, 50), pct(result.latencies, 99));
    System.out.printf("/health during burst:   p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d probes)%n",
      pct(burstHealth, 50), pct(burstHealth, 99), pct(burstHealth, 100), burstHealth.size());
  }

  private record Result(double seconds, List<Long> latencies, Map<Integer, Integer> statuses) {
  }

  private static Result runLogins(HttpClient client, String base, List<String> emails, int n, int concurrency, List<Long> unused) throws Exception {
    Semaphore inFlight = new Semaphore(concurrency);
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    List<CompletableFuture<?>> all = new ArrayList<>();
    AtomicInteger next = new AtomicInteger();
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      inFlight.acquire();
      String email = emails.get(next.getAndIncrement() % emails.size());
      long sent = System.nanoTime();
      HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/auth/login"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}"))
        .build();
      all.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, err) -> {
        latencies.add(System.nanoTime() - sent);
        statuses.merge(err == null ? r.statusCode() : -1, 1, Integer::sum);
        inFlight.release();
      }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
    return new Result((System.nanoTime() - start) / 1e9, latencies, statuses);
  }

  private static List<Long> probe(HttpClient client, String base, int times) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      long t = System.nanoTime();
      try {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          throw new IllegalStateException("/health answered " + r.statusCode());
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      out.add(System.nanoTime() - t);
    }
    return out;
  }

  private static HttpResponse<String> post(HttpClient client, String url, String json) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
      .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
      HttpResponse.BodyHandlers.ofString());
  }

  /** Percentile in milliseconds of nanosecond samples. */
  private static double pct(List<Long> samples, int p) {
    List<Long> sorted;
    synchronized (samples) {
      sorted = new ArrayList<>(samples);
    }
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    Collections.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))) / 1e6;
  }
}
