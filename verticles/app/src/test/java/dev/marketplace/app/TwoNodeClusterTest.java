package dev.marketplace.app;

import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two clustered Vert.x nodes in one JVM (Hazelcast on loopback, a cluster name of their own):
 * node A runs only the gateway, node B only the catalog. Written as the Vert.x how-tos write tests:
 * {@link VertxExtension}, one future chain per test, assertions in {@link VertxTestContext#verify}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class TwoNodeClusterTest {
  private Vertx nodeA;
  private Vertx nodeB;
  private WebClient client;
  private int httpPort;
  private JsonObject config;

  @BeforeEach
  void formCluster(VertxTestContext ctx) throws Exception {
    String clusterName = "test-" + UUID.randomUUID();
    List<String> members = List.of("127.0.0.1:5701-5720");
    config = TestInfra.shared().config();
    config.getJsonObject("gateway").put("required_components", new JsonArray().add("catalog")).put("ready_timeout_ms", 1000);
    ClusterSupport.clusteredVertx(new VertxOptions(), ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1")
      .compose(a -> {
        nodeA = a;
        client = WebClient.create(nodeA);
        return ClusterSupport.clusteredVertx(new VertxOptions(), ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1");
      })
      .onComplete(ctx.succeeding(b -> {
        nodeB = b;
        ctx.completeNow();
      }));
  }

  @AfterEach
  void leaveCluster(VertxTestContext ctx) {
    if (client != null) {
      client.close();
    }
    Future.join(nodeA == null ? Future.succeededFuture() : nodeA.close(), nodeB == null ? Future.succeededFuture() : nodeB.close())
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void gatewayOnNodeAReachesComponentOnlyOnNodeBAndReportsWhenItLeaves(VertxTestContext ctx) {
    Marketplace.deploy(nodeB, config, "catalog")
      .compose(catalogOnB -> deployGateway()
        .compose(gateway -> client.get(httpPort, "127.0.0.1", "/ready").send())
        .compose(ready -> {
          ctx.verify(() -> {
            assertThat(ready.statusCode()).as(ready.bodyAsString()).isEqualTo(200);
            JsonObject catalog = ready.bodyAsJsonObject().getJsonObject("checks").getJsonObject("components").getJsonObject("catalog");
            assertThat(catalog.getString("status")).isEqualTo("UP");
            assertThat(catalog.getString("node")).isEqualTo(ClusterSupport.nodeId(nodeB)).isNotEqualTo(ClusterSupport.nodeId(nodeA));
          });
          return catalogOnB.undeploy();
        }))
      .compose(undeployed -> readyStatus(503, 5_000))
      .onComplete(ctx.succeeding(body -> ctx.verify(() -> {
        assertThat(body.getJsonObject("checks").getJsonObject("components").getJsonObject("catalog").getString("status")).isEqualTo("DOWN");
        ctx.completeNow();
      })));
  }

  @Test
  void readyTurnsUnavailableWhenTheOtherNodeDies(VertxTestContext ctx) {
    Marketplace.deploy(nodeB, config, "catalog")
      .compose(catalog -> deployGateway())
      .compose(gateway -> readyStatus(200, 5_000))
      .compose(up -> {
        Vertx dying = nodeB;
        nodeB = null;
        return dying.close();
      })
      .compose(closed -> readyStatus(503, 10_000))
      .onComplete(ctx.succeedingThenComplete());
  }

  /**
   * The gateway on node A, on a port picked just before it binds: picked before the two nodes
   * formed their cluster, the port could be taken meanwhile by one of Hazelcast's many outgoing
   * join connections, and the bind failed with "Address already in use" (a clean-clone CI run).
   */
  private Future<Marketplace.Deployment> deployGateway() {
    try {
      httpPort = freePort();
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
    config.getJsonObject("http").put("port", httpPort).put("host", "127.0.0.1");
    return Marketplace.deploy(nodeA, config, "gateway");
  }

  /** Node A's {@code /ready} body once it answers {@code status}, asked until {@code timeoutMs} have passed. */
  private Future<JsonObject> readyStatus(int status, long timeoutMs) {
    AtomicReference<HttpResponse<Buffer>> last = new AtomicReference<>();
    return Eventually.until(nodeA, "/ready answers " + status, timeoutMs, () -> client.get(httpPort, "127.0.0.1", "/ready").send()
        .map(response -> {
          last.set(response);
          return response.statusCode() == status;
        }))
      // the last answer says why it is not ready yet
      .transform(ar -> ar.succeeded() ? Future.succeededFuture(last.get().bodyAsJsonObject())
        : Future.failedFuture(new AssertionError(ar.cause().getMessage() + "; last: " + (last.get() == null ? "none" : last.get().bodyAsString()))));
  }

  static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
