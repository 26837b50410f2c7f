package dev.marketplace.app;

import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two clustered Vert.x nodes in one JVM (Hazelcast on loopback, a cluster name of their own):
 * node A runs only the gateway, node B only the catalog.
 */
class TwoNodeClusterTest {
  private Vertx nodeA;
  private Vertx nodeB;
  private WebClient client;
  private int httpPort;
  private JsonObject config;

  @BeforeEach
  void formCluster() throws Exception {
    String clusterName = "test-" + UUID.randomUUID();
    List<String> members = List.of("127.0.0.1:5701-5720");
    nodeA = await(ClusterSupport.clusteredVertx(new VertxOptions(),
      ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1"));
    nodeB = await(ClusterSupport.clusteredVertx(new VertxOptions(),
      ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1"));
    httpPort = freePort();
    config = TestInfra.shared().config();
    config.getJsonObject("http").put("port", httpPort).put("host", "127.0.0.1");
    config.getJsonObject("gateway").put("required_components", new JsonArray().add("catalog")).put("ready_timeout_ms", 1000);
    client = WebClient.create(nodeA);
  }

  @AfterEach
  void leaveCluster() throws Exception {
    client.close();
    await(Future.join(nodeA.close(), nodeB == null ? Future.succeededFuture() : nodeB.close()));
  }

  @Test
  void gatewayOnNodeAReachesComponentOnlyOnNodeBAndReportsWhenItLeaves() throws Exception {
    Marketplace.Deployment catalogOnB = await(Marketplace.deploy(nodeB, config, "catalog"));
    await(Marketplace.deploy(nodeA, config, "gateway"));

    HttpResponse<Buffer> ready = await(client.get(httpPort, "127.0.0.1", "/ready").send());
    assertThat(ready.statusCode()).as(ready.bodyAsString()).isEqualTo(200);
    JsonObject catalog = ready.bodyAsJsonObject().getJsonObject("checks").getJsonObject("components").getJsonObject("catalog");
    assertThat(catalog.getString("status")).isEqualTo("UP");
    assertThat(catalog.getString("node")).isEqualTo(ClusterSupport.nodeId(nodeB)).isNotEqualTo(ClusterSupport.nodeId(nodeA));

    await(catalogOnB.undeploy());

    JsonObject body = awaitReadyStatus(503, 5_000);
    assertThat(body.getJsonObject("checks").getJsonObject("components").getJsonObject("catalog").getString("status")).isEqualTo("DOWN");
  }

  @Test
  void readyTurnsUnavailableWhenTheOtherNodeDies() throws Exception {
    await(Marketplace.deploy(nodeB, config, "catalog"));
    await(Marketplace.deploy(nodeA, config, "gateway"));
    awaitReadyStatus(200, 5_000);

    await(nodeB.close());
    nodeB = null;

    awaitReadyStatus(503, 10_000);
  }

  private JsonObject awaitReadyStatus(int status, long withinMs) throws Exception {
    long deadline = System.currentTimeMillis() + withinMs;
    while (true) {
      HttpResponse<Buffer> response = await(client.get(httpPort, "127.0.0.1", "/ready").send());
      if (response.statusCode() == status) {
        return response.bodyAsJsonObject();
      }
      assertThat(System.currentTimeMillis()).as("/ready answered %d in time; last: %s", status, response.bodyAsString())
        .isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
