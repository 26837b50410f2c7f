package dev.marketplace.browser;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real {@code marketplace.jar}, all in one JVM with {@code --ephemeral} on free ports (rate
 * limits off: the journeys sign up several accounts from one address), and the API calls a test
 * makes around the browser: the other side of a journey (a seller stocking, a buyer paying).
 */
final class RunningShop implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  private final Process process;
  private final Path log;
  final int httpPort;
  final int bankPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private RunningShop(Process process, Path log, int httpPort, int bankPort) {
    this.process = process;
    this.log = log;
    this.httpPort = httpPort;
    this.bankPort = bankPort;
  }

  static RunningShop start(Path jar, Path workDir) throws Exception {
    assertThat(jar).as("the app module packages marketplace.jar before these tests run").exists();
    int httpPort = freePort();
    int bankPort = freePort();
    int bridgePort = freePort();
    Path config = workDir.resolve("browser-tests.json");
    Files.writeString(config, new JsonObject()
      .put("gateway", new JsonObject().put("rate_limits", new JsonObject().put("enabled", false))).encodePrettily());
    Path log = workDir.resolve("marketplace.log");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process process = new ProcessBuilder(java, "-Xmx640m", "-jar", jar.toString(), "--ephemeral",
      "--http-port", String.valueOf(httpPort), "--bank-port", String.valueOf(bankPort), "--bridge-port", String.valueOf(bridgePort),
      "--config", config.toString())
      .directory(workDir.toFile())
      .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    RunningShop shop = new RunningShop(process, log, httpPort, bankPort);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      String out = Files.readString(log);
      if (out.contains("Marketplace is up")) {
        return shop;
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new AssertionError("marketplace.jar did not start (alive: " + process.isAlive() + "); its output:\n" + out);
      }
      Thread.sleep(250);
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + httpPort + "/";
  }

  String output() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws Exception {
    process.destroy(); // SIGTERM: the jar stops PostgreSQL and Kafka and deletes its temp data
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  // ---- the API, for the parts of a journey that happen outside the browser

  JsonObject call(String method, String path, JsonObject body, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/v1" + path))
      .timeout(Duration.ofSeconds(40))
      .header("Accept", "application/json")
      .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (path.equals("/checkout")) {
      request.header("Idempotency-Key", UUID.randomUUID().toString());
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s %s answered %s", method, path, response.body()).isBetween(200, 299);
    return response.body().isEmpty() ? new JsonObject() : new JsonObject(response.body());
  }

  /** The status of a GET outside the API (e.g. {@code /eventbus/info}, which only a gateway with the bridge has). */
  int statusOf(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(20)).GET().build(),
      HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  void expectStatus(String method, String path, int status) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/v1" + path))
      .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s %s answered %s", method, path, response.body()).isEqualTo(status);
  }

  /** Registers an account and returns its access token. */
  String account(String email, String password, String role) throws Exception {
    call("POST", "/auth/register", new JsonObject().put("email", email).put("password", password).put("name", email.split("@")[0]).put("role", role), null);
    return call("POST", "/auth/login", new JsonObject().put("email", email).put("password", password), null).getString("access_token");
  }

  String listProduct(String sellerToken, String title, String brand, long priceMinor, int stock) throws Exception {
    String id = call("POST", "/seller/products", new JsonObject().put("title", title).put("description", "Для проверки в браузере")
      .put("brand", brand).put("category_id", 1).put("price", new JsonObject().put("amount", priceMinor).put("currency", "RUB"))
      .put("attributes", new JsonObject().put("volume_l", 5)), sellerToken).getString("id");
    call("PUT", "/seller/products/" + id + "/stock", new JsonObject().put("warehouse", "MSK-1").put("quantity", stock), sellerToken);
    return id;
  }

  /** Waits until the catalog shows the product in stock (it learns stock from inventory's events). */
  void awaitInStock(String productId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (call("GET", "/catalog/products/" + productId, null, null).getInteger("available", 0) <= 0) {
      assertThat(System.nanoTime()).as("product %s shows in stock in time", productId).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** A buyer buys one unit over the API and pays at the bank; returns the order id once it is PAID. */
  String buyAndPay(String buyerToken, String productId) throws Exception {
    call("POST", "/cart/items", new JsonObject().put("product_id", productId).put("quantity", 1), buyerToken);
    String cartId = call("GET", "/cart", null, buyerToken).getString("id");
    JsonObject checkout = call("POST", "/checkout", new JsonObject().put("cart_id", cartId).put("payment_method", "card"), buyerToken);
    HttpResponse<String> confirm = http.send(HttpRequest.newBuilder(URI.create(checkout.getString("payment_url") + "/confirm"))
      .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(200);
    String orderId = checkout.getString("order_id");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!"PAID".equals(call("GET", "/orders/" + orderId, null, buyerToken).getString("status"))) {
      assertThat(System.nanoTime()).as("order %s is PAID in time", orderId).isLessThan(deadline);
      Thread.sleep(200);
    }
    return orderId;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
