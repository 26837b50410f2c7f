package dev.marketplace.gateway;

import dev.marketplace.contracts.Addresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.metrics.VertxMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ServerSocket;

import static dev.marketplace.gateway.GatewayFixture.section;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code /health}, {@code /ready} and {@code /metrics} on real PostgreSQL and Kafka. */
@ExtendWith(VertxExtension.class)
class GatewayOpsTest {
  /** A Vert.x of the test's own, built the way the app builds it; closed after the test. */
  private Vertx metered;

  @AfterEach
  void closeMetered(VertxTestContext ctx) {
    if (metered == null) {
      ctx.completeNow();
      return;
    }
    metered.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rootServesTheStorefrontPageThatUsesThePublicApi(Vertx vertx, VertxTestContext tc) {
    GatewayFixture.deploy(vertx, GatewayFixture.config())
      .compose(gateway -> gateway.client.get("/").send())
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.getHeader("Content-Type")).startsWith("text/html");
        assertThat(resp.bodyAsString()).contains("<title>Marketplace</title>").contains("/api/v1");
        tc.completeNow();
      })));
  }

  @Test
  void storefrontModulesComeFromTheJarAsJavaScriptAndNothingOutsideTheirFolder(Vertx vertx, VertxTestContext tc) {
    GatewayFixture.deploy(vertx, GatewayFixture.config())
      .compose(gateway -> gateway.client.get("/").send()
        .compose(page -> {
          tc.verify(() -> assertThat(page.bodyAsString()).contains("<script type=\"module\" src=\"/storefront/js/app.js\">"));
          return gateway.client.get("/storefront/js/app.js").send();
        })
        .compose(module -> {
          tc.verify(() -> {
            assertThat(module.statusCode()).isEqualTo(200);
            assertThat(module.getHeader("Content-Type")).startsWith("text/javascript");
            assertThat(module.bodyAsString()).contains("import ");
          });
          return gateway.client.get("/storefront/css/app.css").send();
        })
        .compose(css -> {
          tc.verify(() -> assertThat(css.getHeader("Content-Type")).startsWith("text/css"));
          return gateway.client.get("/storefront/../logback.xml").send();
        })
        .compose(outside -> {
          tc.verify(() -> assertThat(outside.statusCode()).isEqualTo(404));
          return gateway.client.get("/storefront/js/").send();
        }))
      .onComplete(tc.succeeding(listing -> tc.verify(() -> {
        assertThat(listing.statusCode()).as("no directory listing").isIn(403, 404);
        tc.completeNow();
      })));
  }

  @Test
  void healthIsUpEvenWhenDependenciesAreDown(Vertx vertx, VertxTestContext tc) throws IOException {
    JsonObject config = GatewayFixture.config();
    section(config, "pg").put("url", "postgresql://postgres@127.0.0.1:" + closedPort() + "/postgres");
    GatewayFixture.deploy(vertx, config)
      .compose(gateway -> gateway.client.get("/health").send())
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.getHeader("Content-Type")).startsWith("application/json");
        assertThat(resp.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "UP"));
        tc.completeNow();
      })));
  }

  @Test
  void readyIsUpWhenPostgresKafkaAndEveryRequiredComponentAnswer(Vertx vertx, VertxTestContext tc) {
    JsonObject config = GatewayFixture.config();
    section(config, "gateway").put("required_components", new JsonArray().add("catalog").add("cart"));
    fakeComponent(vertx, "catalog", "node-a").completion()
      .compose(v -> fakeComponent(vertx, "cart", "node-b").completion())
      .compose(v -> GatewayFixture.deploy(vertx, config))
      .compose(gateway -> gateway.client.get("/ready").send())
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        JsonObject body = resp.bodyAsJsonObject();
        assertThat(resp.statusCode()).as(body.encodePrettily()).isEqualTo(200);
        assertThat(body.getString("status")).isEqualTo("UP");
        JsonObject checks = body.getJsonObject("checks");
        assertThat(checks.getJsonObject("postgres").getString("status")).isEqualTo("UP");
        assertThat(checks.getJsonObject("kafka").getString("status")).isEqualTo("UP");
        JsonObject components = checks.getJsonObject("components");
        assertThat(components.getJsonObject("catalog")).isEqualTo(new JsonObject().put("status", "UP").put("node", "node-a"));
        assertThat(components.getJsonObject("cart")).isEqualTo(new JsonObject().put("status", "UP").put("node", "node-b"));
        tc.completeNow();
      })));
  }

  @Test
  void readyIsDownNamingAComponentThatUnregistered(Vertx vertx, VertxTestContext tc) {
    JsonObject config = GatewayFixture.config();
    section(config, "gateway").put("required_components", new JsonArray().add("catalog"));
    MessageConsumer<JsonObject> catalog = fakeComponent(vertx, "catalog", "node-a");
    catalog.completion()
      .compose(v -> GatewayFixture.deploy(vertx, config))
      .compose(gateway -> gateway.client.get("/ready").send()
        .compose(first -> {
          tc.verify(() -> assertThat(first.statusCode()).isEqualTo(200));
          return catalog.unregister();
        })
        .compose(v -> gateway.client.get("/ready").send()))
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        JsonObject body = resp.bodyAsJsonObject();
        assertThat(resp.statusCode()).as(body.encodePrettily()).isEqualTo(503);
        assertThat(body.getString("status")).isEqualTo("DOWN");
        JsonObject checks = body.getJsonObject("checks");
        assertThat(checks.getJsonObject("postgres").getString("status")).isEqualTo("UP");
        assertThat(checks.getJsonObject("kafka").getString("status")).isEqualTo("UP");
        JsonObject missing = checks.getJsonObject("components").getJsonObject("catalog");
        assertThat(missing.getString("status")).isEqualTo("DOWN");
        assertThat(missing.getString("reason")).isEqualTo("not registered on the event bus");
        tc.completeNow();
      })));
  }

  @Test
  void readyIsDownNamingPostgresWhenItsPortIsClosed(Vertx vertx, VertxTestContext tc) throws IOException {
    JsonObject config = GatewayFixture.config();
    section(config, "pg").put("url", "postgresql://postgres@127.0.0.1:" + closedPort() + "/postgres");
    GatewayFixture.deploy(vertx, config)
      .compose(gateway -> gateway.client.get("/ready").send())
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        JsonObject body = resp.bodyAsJsonObject();
        assertThat(resp.statusCode()).as(body.encodePrettily()).isEqualTo(503);
        assertThat(body.getString("status")).isEqualTo("DOWN");
        JsonObject postgres = body.getJsonObject("checks").getJsonObject("postgres");
        assertThat(postgres.getString("status")).isEqualTo("DOWN");
        assertThat(postgres.getString("reason")).isNotBlank().doesNotContain("127.0.0.1");
        assertThat(body.getJsonObject("checks").getJsonObject("kafka").getString("status")).isEqualTo("UP");
        tc.completeNow();
      })));
  }

  @Test
  void readyIsDownNamingKafkaWhenTheBrokerIsUnreachable(Vertx vertx, VertxTestContext tc) throws IOException {
    JsonObject config = GatewayFixture.config();
    section(config, "kafka").put("bootstrap_servers", "127.0.0.1:" + closedPort());
    GatewayFixture.deploy(vertx, config)
      .compose(gateway -> gateway.client.get("/ready").send())
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        JsonObject body = resp.bodyAsJsonObject();
        assertThat(resp.statusCode()).as(body.encodePrettily()).isEqualTo(503);
        assertThat(body.getJsonObject("checks").getJsonObject("kafka").getString("status")).isEqualTo("DOWN");
        assertThat(body.getJsonObject("checks").getJsonObject("postgres").getString("status")).isEqualTo("UP");
        tc.completeNow();
      })));
  }

  @Test
  void readyAnswersWithinItsTimeoutWhenAComponentHangs(Vertx vertx, VertxTestContext tc) {
    JsonObject config = GatewayFixture.config();
    section(config, "gateway").put("required_components", new JsonArray().add("catalog"));
    // takes the ping and never answers, like a node that froze
    MessageConsumer<JsonObject> hung = vertx.eventBus().consumer(Addresses.ping("catalog"), msg -> { });
    hung.completion()
      .compose(v -> GatewayFixture.deploy(vertx, config))
      .compose(gateway -> {
        long started = System.nanoTime();
        return gateway.client.get("/ready").send().map(resp -> new Timed(resp, (System.nanoTime() - started) / 1_000_000));
      })
      .onComplete(tc.succeeding(timed -> tc.verify(() -> {
        JsonObject body = timed.response.bodyAsJsonObject();
        assertThat(timed.response.statusCode()).as(body.encodePrettily()).isEqualTo(503);
        assertThat(timed.millis).isLessThan(GatewayFixture.READY_TIMEOUT_MS + 1_500);
        JsonObject catalog = body.getJsonObject("checks").getJsonObject("components").getJsonObject("catalog");
        assertThat(catalog.getString("status")).isEqualTo("DOWN");
        assertThat(catalog.getString("reason")).isEqualTo("no answer within " + GatewayFixture.READY_TIMEOUT_MS + " ms");
        tc.completeNow();
      })));
  }

  @Test
  void metricsServePrometheusTextWhenVertxIsBuiltWithMetricsOptions(VertxTestContext tc) {
    metered = VertxMetrics.builder(new VertxOptions()).build();
    GatewayFixture.deploy(metered, GatewayFixture.config())
      .compose(gateway -> gateway.client.get("/health").send()
        .compose(health -> gateway.client.get("/metrics").send()))
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.getHeader("Content-Type")).startsWith("text/plain");
        String text = resp.bodyAsString();
        assertThat(text)
          .contains("vertx_http_server_requests_total")
          .contains("route=\"/health\"")
          .contains("vertx_pool_")
          .contains("jvm_memory_used_bytes");
        tc.completeNow();
      })));
  }

  @Test
  void metricsAreAProblemWhenVertxHasNoMetrics(Vertx vertx, VertxTestContext tc) {
    GatewayFixture.deploy(vertx, GatewayFixture.config())
      .compose(gateway -> gateway.client.get("/metrics").send())
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        ProblemAssert.assertProblem(resp, 503, "SERVICE_UNAVAILABLE");
        tc.completeNow();
      })));
  }

  /** A neighbour component's ping handler, as {@code ComponentVerticle} registers it. */
  private static MessageConsumer<JsonObject> fakeComponent(Vertx vertx, String component, String node) {
    return Bus.serve(vertx, Addresses.ping(component), msg -> Future.succeededFuture(
      new JsonObject().put("component", component).put("node", node)));
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private record Timed(HttpResponse<?> response, long millis) {
  }
}
