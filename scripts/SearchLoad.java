import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A closed-loop load generator for the catalog's public routes: N workers, each sending one
 * request after the other.
 * <ul>
 *   <li>{@code search} (default): GET /api/v1/catalog/products, a realistic mix of searches drawn
 *   from a large space of combinations (text, text + filters, filters, pages 1..10, typos).</li>
 *   <li>{@code suggest}: GET /api/v1/catalog/suggest with prefixes of 1..8 letters of the same
 *   terms, some with a typo, as someone typing sends them.</li>
 *   <li>{@code freshness}: one seller (registered through the API) lists a product, then changes
 *   its price {@code workers} times (default 100), each time measuring how long until a search
 *   shows the new price; prints p50/p99/max.</li>
 * </ul>
 *
 * <pre>java scripts/SearchLoad.java http://127.0.0.1:8080 [seconds=60] [workers=16] [warmupSeconds=10] [mode=search]</pre>
 * Every response must be 200; anything else is counted and printed as an error.
 */
public class SearchLoad {
  static final String[] TERMS = {
    "смартфон", "наушники", "ноутбук", "монитор", "клавиатура", "мышь", "колонка", "платье", "куртка", "пуховик",
    "рубашка", "кроссовки", "ботинки", "сковорода", "кастрюля", "блендер", "чайник", "кофемашина", "диван", "кресло",
    "плед", "подушка", "крем", "сыворотка", "парфюмерная вода", "гантели", "велосипед", "палатка", "рюкзак", "термос",
    "конструктор", "кукла", "роман", "детектив", "чехол", "зарядное устройство", "беспроводные наушники", "игровой ноутбук",
    "smartphone", "laptop", "headphones", "sneakers", "dress", "jacket", "monitor", "keyboard", "speaker", "tent",
    "samsung", "xiaomi", "apple", "nike", "adidas", "lego", "sony", "jbl", "tefal", "lenovo", "bosch", "philips",
    "смартфон samsung", "наушники sony", "ноутбук lenovo", "кроссовки nike", "куртка columbia", "черный", "белый"};
  static final String[] TYPOS = {"смартфн", "наушнеки", "ноутбк", "кросовки", "samsng", "labtop", "сковорда", "пуховек"};
  static final String[] SORTS = {"relevance", "relevance", "relevance", "popular", "price_asc", "price_desc", "new"};
  static final int[] CATEGORIES = {1, 11, 111, 112, 12, 121, 122, 123, 13, 131, 132, 2, 21, 211, 212, 22, 221, 222, 23, 231, 232,
    3, 31, 311, 312, 32, 33, 4, 41, 42, 5, 51, 52, 53, 6, 61, 62, 7, 71, 72};
  static final String[] BRANDS = {"Samsung", "Apple", "Xiaomi", "Sony", "JBL", "Nike", "Adidas", "Lenovo", "Asus", "Tefal", "Bosch", "Lego", "Columbia", "Ikea"};
  static final Pattern NEXT = Pattern.compile("\"next_cursor\":\"([^\"]+)\"");

  static final Map<String, List<Long>> LATENCIES = new ConcurrentHashMap<>();
  static final AtomicLong ERRORS = new AtomicLong();
  static final List<String> ERROR_SAMPLES = new CopyOnWriteArrayList<>();
  static volatile boolean measuring;
  static volatile boolean running = true;

  public static void main(String[] args) throws Exception {
    String base = args[0];
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : 16;
    int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    String mode = args.length > 4 ? args[4] : "search";
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    if (mode.equals("freshness")) {
      freshness(client, base, args.length > 2 ? workers : 100);
      return;
    }
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      int id = w;
      Thread t = new Thread(() -> {
        if (mode.equals("suggest")) {
          suggestWork(client, base, new Random(2000 + id));
        } else {
          work(client, base, new Random(1000 + id));
        }
      }, "load-" + w);
      t.start();
      threads.add(t);
    }
    System.out.printf("Warming up %d s with %d workers...%n", warmup, workers);
    Thread.sleep(warmup * 1000L);
    measuring = true;
    long started = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    measuring = false;
    double elapsed = (System.nanoTime() - started) / 1e9;
    running = false;
    for (Thread t : threads) {
      t.join(10_000);
    }
    report(elapsed, workers);
  }

  static void work(HttpClient client, String base, Random random) {
    while (running) {
      int pick = random.nextInt(100);
      try {
        if (pick < 25) {
          get(client, base, "text", "q=" + enc(pick(random, TERMS)) + sortParam(random, true));
        } else if (pick < 60) {
          get(client, base, "text+filter", "q=" + enc(pick(random, TERMS)) + filters(random, true) + sortParam(random, true));
        } else if (pick < 80) {
          get(client, base, "filter", "category=" + CATEGORIES[random.nextInt(CATEGORIES.length)] + filters(random, false) + sortParam(random, false));
        } else if (pick < 95) {
          // a shopper paging through a result: the pages after the first are "deep"
          String query = random.nextBoolean()
            ? "q=" + enc(pick(random, TERMS)) + sortParam(random, true)
            : "category=" + CATEGORIES[random.nextInt(CATEGORIES.length)] + sortParam(random, false);
          String body = get(client, base, "page1", query);
          for (int page = 2; page <= 10 && body != null && running; page++) {
            Matcher m = NEXT.matcher(body);
            if (!m.find()) {
              break;
            }
            body = get(client, base, "deep_page", query + "&cursor=" + enc(m.group(1)));
          }
        } else {
          get(client, base, "typo", "q=" + enc(pick(random, TYPOS)));
        }
      } catch (Exception e) {
        ERRORS.incrementAndGet();
        if (ERROR_SAMPLES.size() < 5) {
          ERROR_SAMPLES.add(e.toString());
        }
      }
    }
  }

  static void suggestWork(HttpClient client, String base, Random random) {
    String letters = "абвгдежзиклмнопрстуфхцчшщыэюя";
    while (running) {
      String term = pick(random, TERMS);
      int length = Math.min(term.length(), 1 + random.nextInt(8));
      String prefix = term.substring(0, length);
      if (length >= 5 && random.nextInt(5) == 0) {
        // a typo in the middle of the prefix
        int at = 1 + random.nextInt(length - 2);
        prefix = prefix.substring(0, at) + letters.charAt(random.nextInt(letters.length())) + prefix.substring(at + 1);
      }
      try {
        get(client, base, "/api/v1/catalog/suggest?", "suggest", "q=" + enc(prefix) + "&limit=10");
      } catch (Exception e) {
        ERRORS.incrementAndGet();
        if (ERROR_SAMPLES.size() < 5) {
          ERROR_SAMPLES.add(e.toString());
        }
      }
    }
  }

  /** Price change → new price in search results, {@code changes} times. */
  static void freshness(HttpClient client, String base, int changes) throws Exception {
    String email = "bench-seller-" + System.nanoTime() + "@example.com";
    send(client, base, "POST", "/api/v1/auth/register", null,
      "{\"email\":\"" + email + "\",\"password\":\"bench-password-1\",\"name\":\"Bench\",\"role\":\"seller\"}");
    String login = send(client, base, "POST", "/api/v1/auth/login", null,
      "{\"email\":\"" + email + "\",\"password\":\"bench-password-1\"}");
    Matcher token = Pattern.compile("\"access_token\":\"([^\"]+)\"").matcher(login);
    if (!token.find()) {
      throw new IllegalStateException("no token: " + login);
    }
    String bearer = token.group(1);
    String word = "freshness" + Long.toString(System.nanoTime(), 36);
    String listing = "{\"title\":\"Термос " + word + "\",\"description\":\"\",\"brand\":\"Stanley\",\"category_id\":53,"
      + "\"price\":{\"amount\":%d,\"currency\":\"RUB\"},\"attributes\":{}}";
    String created = send(client, base, "POST", "/api/v1/seller/products", bearer, String.format(Locale.ROOT, listing, 100_000));
    Matcher id = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(created);
    if (!id.find()) {
      throw new IllegalStateException("no product: " + created);
    }
    List<Long> micros = new ArrayList<>();
    for (int i = 1; i <= changes; i++) {
      long price = 100_000 + i * 100L;
      long t0 = System.nanoTime();
      send(client, base, "PUT", "/api/v1/seller/products/" + id.group(1), bearer, String.format(Locale.ROOT, listing, price));
      while (true) {
        String found = get(client, base, "/api/v1/catalog/products?", "freshness-probe", "q=" + word);
        if (found != null && found.contains("\"amount\":" + price + ",")) {
          break;
        }
        if (System.nanoTime() - t0 > 30_000_000_000L) {
          throw new IllegalStateException("price " + price + " not searchable after 30 s");
        }
      }
      micros.add((System.nanoTime() - t0) / 1000);
    }
    Collections.sort(micros);
    System.out.printf(Locale.ROOT, "freshness: %d price changes, change -> new price in search results: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
      micros.size(), pct(micros, 50), pct(micros, 99), micros.get(micros.size() - 1) / 1000.0);
  }

  static String send(HttpClient client, String base, String method, String path, String bearer, String json) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
      .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  static String filters(Random random, boolean maybeCategory) {
    StringBuilder sb = new StringBuilder();
    if (maybeCategory && random.nextInt(2) == 0) {
      sb.append("&category=").append(CATEGORIES[random.nextInt(CATEGORIES.length)]);
    }
    if (random.nextInt(3) == 0) {
      sb.append("&brand=").append(enc(pick(random, BRANDS)));
    }
    if (random.nextInt(2) == 0 || (maybeCategory && sb.length() == 0)) {
      long min = (random.nextInt(50) + 1) * 10_000L;
      sb.append("&price_min=").append(min).append("&price_max=").append(min * (2 + random.nextInt(20)));
    }
    if (random.nextInt(3) == 0) {
      sb.append("&in_stock=true");
    }
    return sb.toString();
  }

  static String sortParam(Random random, boolean text) {
    String sort = pick(random, SORTS);
    return !text && sort.equals("relevance") ? "" : "&sort=" + sort;
  }

  static String get(HttpClient client, String base, String type, String query) throws Exception {
    return get(client, base, "/api/v1/catalog/products?", type, query + "&limit=20");
  }

  static String get(HttpClient client, String base, String path, String type, String query) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path + query))
      .timeout(Duration.ofSeconds(30)).GET().build();
    long t0 = System.nanoTime();
    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
    long micros = (System.nanoTime() - t0) / 1000;
    if (response.statusCode() != 200) {
      ERRORS.incrementAndGet();
      if (ERROR_SAMPLES.size() < 5) {
        ERROR_SAMPLES.add(response.statusCode() + " " + query + " " + response.body());
      }
      return null;
    }
    if (measuring) {
      LATENCIES.computeIfAbsent(type, k -> Collections.synchronizedList(new ArrayList<>())).add(micros);
    }
    return response.body();
  }

  static void report(double seconds, int workers) {
    List<Long> all = new ArrayList<>();
    Map<String, List<Long>> sorted = new TreeMap<>(LATENCIES);
    System.out.printf(Locale.ROOT, "%n%-12s %8s %9s %9s %9s %9s %9s%n", "type", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms");
    for (Map.Entry<String, List<Long>> e : sorted.entrySet()) {
      List<Long> l = new ArrayList<>(e.getValue());
      all.addAll(l);
      line(e.getKey(), l, seconds);
    }
    line("ALL", all, seconds);
    System.out.printf(Locale.ROOT, "%nduration %.1f s, %d workers, errors %d%n", seconds, workers, ERRORS.get());
    ERROR_SAMPLES.forEach(s -> System.out.println("  error: " + s.substring(0, Math.min(300, s.length()))));
  }

  static void line(String type, List<Long> l, double seconds) {
    Collections.sort(l);
    if (l.isEmpty()) {
      return;
    }
    System.out.printf(Locale.ROOT, "%-12s %8d %9.1f %9.1f %9.1f %9.1f %9.1f%n", type, l.size(), l.size() / seconds,
      pct(l, 50), pct(l, 95), pct(l, 99), l.get(l.size() - 1) / 1000.0);
  }

  static double pct(List<Long> sorted, double p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))) / 1000.0;
  }

  static String pick(Random random, String[] values) {
    return values[random.nextInt(values.length)];
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
