package dev.marketplace.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real fat jar as a newcomer runs it: starts, answers /health /ready /metrics, stops cleanly
 * on SIGTERM leaving no PostgreSQL behind, and keeps its data across a restart.
 */
class MarketplaceJarIT {
  private static final Pattern PG_URL = Pattern.compile("PostgreSQL:\\s+postgresql://postgres@127\\.0\\.0\\.1:(\\d+)/postgres");
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void allInOneStartsServesAndStopsCleanlyKeepingItsData(@TempDir Path dataDir) throws Exception {
    int httpPort = freePort();
    int bankPort = freePort();
    int bridgePort = freePort();

    RunningJar first = RunningJar.start(dataDir, httpPort, bankPort, bridgePort);
    System.out.printf("cold start (first run, empty data dir): %d ms%n", first.startupMs);
    assertThat(get(httpPort, "/health").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get(httpPort, "/ready");
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    HttpResponse<String> metrics = get(httpPort, "/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("vertx_");
    HttpResponse<String> inStock = get(httpPort, "/api/v1/catalog/products?in_stock=true&limit=5");
    assertThat(inStock.statusCode()).isEqualTo(200);
    assertThat(new io.vertx.core.json.JsonObject(inStock.body()).getJsonArray("items"))
      .as("a first start seeds a sample catalog that is in stock").isNotEmpty();
    HttpResponse<String> storefront = get(httpPort, "/");
    assertThat(storefront.statusCode()).isEqualTo(200);
    assertThat(storefront.body()).contains("<title>Marketplace</title>");
    assertThat(bridgePing(bridgePort)).as("the TCP event bus bridge answers on --bridge-port").isEqualTo("{\"type\":\"pong\"}");
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + first.pgPort + "/postgres", "postgres", "")) {
      c.createStatement().execute("CREATE TABLE it_marker (note text)");
      c.createStatement().execute("INSERT INTO it_marker VALUES ('kept')");
      ResultSet fsync = c.createStatement().executeQuery("SHOW fsync");
      fsync.next();
      assertThat(fsync.getString(1)).as("the all-in-one PostgreSQL is durable").isEqualTo("on");
    }
    first.stopAndAssertClean(dataDir);

    RunningJar second = RunningJar.start(dataDir, httpPort, bankPort, bridgePort);
    System.out.printf("warm start (second run, same data dir): %d ms%n", second.startupMs);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + second.pgPort + "/postgres", "postgres", "")) {
      ResultSet rows = c.createStatement().executeQuery("SELECT note FROM it_marker");
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("kept");
    }
    assertThat(get(httpPort, "/ready").statusCode()).isEqualTo(200);
    second.stopAndAssertClean(dataDir);
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
      HttpResponse.BodyHandlers.ofString());
  }

  /** One ping frame of the TCP bridge's framing (4-byte length, then JSON) and the frame that answers it. */
  private static String bridgePing(int port) throws IOException {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      byte[] ping = "{\"type\":\"ping\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      java.io.DataOutputStream out = new java.io.DataOutputStream(socket.getOutputStream());
      out.writeInt(ping.length);
      out.write(ping);
      out.flush();
      java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
      byte[] frame = new byte[in.readInt()];
      in.readFully(frame);
      return new String(frame, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static final class RunningJar {
    final Process process;
    final Path log;
    final long startupMs;
    final int pgPort;

    private RunningJar(Process process, Path log, long startupMs, int pgPort) {
      this.process = process;
      this.log = log;
      this.startupMs = startupMs;
      this.pgPort = pgPort;
    }

    static RunningJar start(Path dataDir, int httpPort, int bankPort, int bridgePort) throws Exception {
      Path jar = Path.of("target", "marketplace.jar").toAbsolutePath();
      assertThat(jar).exists();
      String java = ProcessHandle.current().info().command().orElse("java");
      Path log = Files.createTempFile("marketplace-it", ".log");
      long begin = System.nanoTime();
      Process process = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString(),
        "--data-dir", dataDir.toString(), "--http-port", String.valueOf(httpPort), "--bank-port", String.valueOf(bankPort),
        "--bridge-port", String.valueOf(bridgePort))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      long deadline = System.currentTimeMillis() + 180_000;
      while (true) {
        String out = Files.readString(log);
        if (out.contains("Marketplace is up")) {
          Matcher m = PG_URL.matcher(out);
          assertThat(m.find()).as("the jar prints its PostgreSQL url:%n%s", out).isTrue();
          return new RunningJar(process, log, (System.nanoTime() - begin) / 1_000_000, Integer.parseInt(m.group(1)));
        }
        assertThat(process.isAlive()).as("the jar is running; output:%n%s", out).isTrue();
        assertThat(System.currentTimeMillis()).as("the jar started in time; output:%n%s", out).isLessThan(deadline);
        Thread.sleep(200);
      }
    }

    void stopAndAssertClean(Path dataDir) throws Exception {
      List<ProcessHandle> children = process.descendants().toList();
      long begin = System.nanoTime();
      process.destroy(); // SIGTERM, as Ctrl-C or a service manager would
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s:%n%s", Files.readString(log)).isTrue();
      System.out.printf("stop took %d ms, exit code %d%n", (System.nanoTime() - begin) / 1_000_000, process.exitValue());
      for (ProcessHandle child : children) {
        child.onExit().get(10, TimeUnit.SECONDS);
      }
      assertThat(children).allMatch(child -> !child.isAlive());
      Optional<ProcessHandle> orphan = ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(cmd -> cmd.contains(dataDir.toString())).orElse(false))
        .findAny();
      assertThat(orphan).as("no process left on the data dir").isEmpty();
      try (var files = Files.walk(dataDir)) {
        assertThat(files.map(Path::getFileName).map(Path::toString)).doesNotContain("postmaster.pid");
      }
    }
  }
}
