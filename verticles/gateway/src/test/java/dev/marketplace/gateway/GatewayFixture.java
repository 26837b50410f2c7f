package dev.marketplace.gateway;

import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.List;

/** A gateway on a random port over the shared embedded PostgreSQL and Kafka, plus a client aimed at it. */
final class GatewayFixture {
  static final int MAX_BODY_BYTES = 1024;
  static final long READY_TIMEOUT_MS = 500;
  static final long BUS_TIMEOUT_MS = 500;

  final GatewayVerticle verticle;
  final WebClient client;

  private GatewayFixture(GatewayVerticle verticle, WebClient client) {
    this.verticle = verticle;
    this.client = client;
  }

  /** The shared infrastructure's config with a random port, short timeouts and no required components. */
  static JsonObject config() {
    JsonObject config = TestInfra.shared().config();
    section(config, "http").put("port", 0).put("host", "127.0.0.1").put("max_body_bytes", MAX_BODY_BYTES);
    section(config, "gateway").put("ready_timeout_ms", READY_TIMEOUT_MS).put("required_components", new JsonArray());
    section(config, "bus").put("timeout_ms", BUS_TIMEOUT_MS);
    return config;
  }

  static JsonObject section(JsonObject config, String name) {
    if (!config.containsKey(name)) {
      config.put(name, new JsonObject());
    }
    return config.getJsonObject(name);
  }

  static Future<GatewayFixture> deploy(Vertx vertx, JsonObject config) {
    return deploy(vertx, config, List.of(new TestRoutes()), Authenticator.ANONYMOUS_ONLY);
  }

  /** A gateway with the given route modules (besides the business ones) and authenticator. */
  static Future<GatewayFixture> deploy(Vertx vertx, JsonObject config, List<RouteModule> modules, Authenticator authenticator) {
    GatewayVerticle verticle = new GatewayVerticle(modules, authenticator);
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config))
      .map(id -> new GatewayFixture(verticle, WebClient.create(vertx,
        new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(verticle.actualPort()))));
  }
}
