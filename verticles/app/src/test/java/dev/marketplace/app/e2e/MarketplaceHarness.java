package dev.marketplace.app.e2e;

import dev.marketplace.app.Marketplace;
import dev.marketplace.contracts.Components;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The whole marketplace in the test JVM (not clustered) on the shared embedded PostgreSQL and
 * Kafka, with a database of its own, random ports and a WebClient aimed at the gateway. End-to-end
 * tests drive it only through public HTTP, as a client would.
 *
 * <pre>{@code
 * static MarketplaceHarness market;
 * @BeforeAll static void up() throws Exception { market = MarketplaceHarness.start(); }
 * @AfterAll static void down() throws Exception { market.close(); }
 * }</pre>
 */
public final class MarketplaceHarness implements AutoCloseable {
  public final Vertx vertx;
  public final JsonObject config;
  public final WebClient http;
  public final int httpPort;
  public final int bankPort;
  /** The gateway's TCP event bus bridge. */
  public final int bridgePort;
  private final Marketplace.Deployment deployment;

  private MarketplaceHarness(Vertx vertx, JsonObject config, WebClient http, int httpPort, int bankPort, Marketplace.Deployment deployment) {
    this.bridgePort = config.getJsonObject("bridge").getInteger("port");
    this.vertx = vertx;
    this.config = config;
    this.http = http;
    this.httpPort = httpPort;
    this.bankPort = bankPort;
    this.deployment = deployment;
  }

  public static MarketplaceHarness start() throws Exception {
    return start(config -> { });
  }

  /** @param tweak changes the config before deployment (short TTLs, bank failure rates, ...) */
  public static MarketplaceHarness start(Consumer<JsonObject> tweak) throws Exception {
    return start(tweak, Components.ALL);
  }

  public static MarketplaceHarness start(Consumer<JsonObject> tweak, List<String> components) throws Exception {
    int httpPort = freePort();
    int bankPort = freePort();
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("http").put("port", httpPort).put("host", "127.0.0.1");
    config.getJsonObject("bank").put("port", bankPort).put("host", "127.0.0.1");
    config.getJsonObject("bridge").put("port", freePort()).put("host", "127.0.0.1");
    tweak.accept(config);
    Vertx vertx = Vertx.vertx();
    try {
      Marketplace.Deployment deployment = await(Marketplace.deploy(vertx, config, components));
      WebClient http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(httpPort));
      return new MarketplaceHarness(vertx, config, http, httpPort, bankPort, deployment);
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
  }

  @Override
  public void close() throws Exception {
    http.close();
    await(deployment.undeploy().eventually(vertx::close));
  }

  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
