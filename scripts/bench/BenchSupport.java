import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the load generators (CheckoutBench, FlashSaleBench) share, JDK only, public HTTP API only:
 * sending with the set-up's retries, registering and signing in, the seeded category, reading a
 * field of a JSON reply and percentiles. Each generator extends it and sets {@link #http} first;
 * scripts/lib/bench-common.sh (bench_compile) compiles it together with the generator.
 */
class BenchSupport {
  static final String PASSWORD = "Bench-Pass-2024";
  static final Pattern STRING_FIELD = Pattern.compile("\"%s\"\\s*:\\s*\"([^\"]*)\"");
  static final Pattern NUMBER_FIELD = Pattern.compile("\"%s\"\\s*:\\s*(\\d+)");
  /** The generator's client: set it before any call. */
  static HttpClient http;
  private static String categoryCache;

  /** Sends; set-up calls shed by an overloaded auth (503, "too many sign-ins at once") are retried. */
  static HttpResponse<String> send(String method, String url, String token, String json) throws Exception {
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> resp = sendOnce(method, url, token, json);
      // registration and login shed load with 503 + Retry-After while Argon2 is busy
      if (resp.statusCode() != 503 || attempt >= 50 || !url.contains("/auth/")) {
        return resp;
      }
      Thread.sleep(500);
    }
  }

  private static HttpResponse<String> sendOnce(String method, String url, String token, String json) throws Exception {
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

  /** Fails unless the status is {@code status} (any 2xx when it is negative). */
  static void expect(HttpResponse<String> resp, int status, String what) {
    boolean ok = status < 0 ? resp.statusCode() / 100 == 2 : resp.statusCode() == status;
    if (!ok) {
      throw new IllegalStateException(what + " failed: " + resp.statusCode() + " " + resp.body());
    }
  }

  /** A new user of {@code role}, registered and signed in: its access token. */
  static String token(String base, String role) throws Exception {
    String email = "bench-" + UUID.randomUUID() + "@example.com";
    expect(send("POST", base + "/api/v1/auth/register", null,
      "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\",\"name\":\"Bench\",\"role\":\"" + role + "\"}"), 201, "register");
    return login(base, email, PASSWORD);
  }

  static String login(String base, String email, String password) throws Exception {
    HttpResponse<String> login = send("POST", base + "/api/v1/auth/login", null, "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
    expect(login, 200, "login");
    return field(login.body(), "access_token");
  }

  /** A leaf category of the seeded tree (111, smartphones) when there is one, else the first id. */
  static synchronized String categoryId(String base) throws Exception {
    if (categoryCache == null) {
      String body = send("GET", base + "/api/v1/catalog/categories", null, null).body();
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

  /** The string field {@code name} of a JSON text (the first one, at any depth), or null. */
  static String field(String json, String name) {
    if (json == null) {
      return null;
    }
    Matcher m = Pattern.compile(String.format(STRING_FIELD.pattern(), name)).matcher(json);
    return m.find() ? m.group(1) : null;
  }

  /** The whole-number field {@code name} of a JSON text, or {@code fallback}. */
  static String numberField(String json, String name, String fallback) {
    Matcher m = Pattern.compile(String.format(NUMBER_FIELD.pattern(), name)).matcher(json);
    return m.find() ? m.group(1) : fallback;
  }

  /** The p-th percentile (nearest rank) of the values; NaN when there are none. */
  static double pct(List<Long> values, int p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }
}
