package dev.marketplace.app.e2e;

import dev.marketplace.app.Marketplace;
import dev.marketplace.contracts.Components;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.function.Consumer;

/**
 * The whole marketplace in the test JVM (not clustered) on the shared embedded PostgreSQL and
 * Kafka, with a database of its own, random ports and a WebClient aimed at the gateway. End-to-end
 * tests drive it only through public HTTP, as a client would. It runs on a Vert.x of its own (the
 * one a test waits with: {@code market.vertx}), started and stopped by the test class:
 *
 * <pre>{@code
 * static MarketplaceHarness market;
 * @BeforeAll static void up(VertxTestContext ctx) {
 *   MarketplaceHarness.start().onSuccess(m -> market = m).onComplete(ctx.succeedingThenComplete());
 * }
 * @AfterAll static void down(VertxTestContext ctx) { MarketplaceHarness.close(market).onComplete(ctx.succeedingThenComplete()); }
 * }</pre>
 */
public final class MarketplaceHarness {
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

  public static Future<MarketplaceHarness> start() {
    return start(config -> { });
  }

  /** @param tweak changes the config before deployment (short TTLs, bank failure rates, ...) */
  public static Future<MarketplaceHarness> start(Consumer<JsonObject> tweak) {
    return start(tweak, Components.ALL);
  }

  public static Future<MarketplaceHarness> start(Consumer<JsonObject> tweak, List<String> components) {
    int httpPort = freePort();
    int bankPort = freePort();
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("http").put("port", httpPort).put("host", "127.0.0.1");
    config.getJsonObject("bank").put("port", bankPort).put("host", "127.0.0.1");
    config.getJsonObject("bridge").put("port", freePort()).put("host", "127.0.0.1");
    tweak.accept(config);
    Vertx vertx = Vertx.vertx();
    return Marketplace.deploy(vertx, config, components)
      .map(deployment -> new MarketplaceHarness(vertx, config,
        WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(httpPort)), httpPort, bankPort, deployment))
      .recover(err -> vertx.close().transform(closed -> Future.failedFuture(err)));
  }

  /**
   * Undeploys everything and closes the Vert.x. The future belongs to no context of that Vert.x (it is
   * completed on the thread that closed it): a future of one of its event loops could not run its
   * callbacks any more once the loop is gone, and the test would wait for ever.
   */
  public Future<Void> close() {
    http.close();
    Promise<Void> closed = Promise.promise();
    deployment.undeploy().onComplete(undeployed -> vertx.close().onComplete(vertxClosed ->
      closed.handle(undeployed.failed() ? undeployed : vertxClosed)));
    return closed.future();
  }

  /** Closes the market if it started (a class whose start failed has nothing to close). */
  public static Future<Void> close(MarketplaceHarness market) {
    return market == null ? Future.succeededFuture() : market.close();
  }

  /**
   * Closes the market once {@code before} (the class's last checks, its own pools) has completed, whatever
   * its outcome, which the future reports first. Chain nothing on the market's futures after its close
   * (see {@link #close()}): this is the way to close after something.
   */
  public static Future<Void> closeAfter(Future<?> before, MarketplaceHarness market) {
    Promise<Void> done = Promise.promise();
    before.onComplete(first -> close(market).onComplete(closed -> {
      if (first.failed()) {
        done.fail(first.cause());
      } else {
        done.handle(closed);
      }
    }));
    return done.future();
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
