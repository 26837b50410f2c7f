package dev.marketplace.app;

import dev.marketplace.platform.testing.OnEventLoop;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Logout on one node ends the session's access tokens on the other at once: two clustered Vert.x
 * in one JVM (Hazelcast on loopback, a cluster name of their own); node A runs auth and a gateway,
 * node B only a gateway.
 */
class ClusterRevocationTest {
  private Vertx nodeA;
  private Vertx nodeB;
  private WebClient client;
  private int portA;
  private int portB;

  @BeforeEach
  void formCluster() throws Exception {
    String clusterName = "revoke-" + UUID.randomUUID();
    List<String> members = List.of("127.0.0.1:5701-5720");
    nodeA = await(ClusterSupport.clusteredVertx(new VertxOptions(),
      ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1"));
    nodeB = await(ClusterSupport.clusteredVertx(new VertxOptions(),
      ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1"));
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("gateway").put("required_components", new JsonArray());
    config.getJsonObject("bridge").put("enabled", false);
    portA = TwoNodeClusterTest.freePort();
    portB = TwoNodeClusterTest.freePort();
    JsonObject configA = config.copy();
    configA.getJsonObject("http").put("port", portA).put("host", "127.0.0.1");
    JsonObject configB = config.copy();
    configB.getJsonObject("http").put("port", portB).put("host", "127.0.0.1");
    await(Marketplace.deploy(nodeA, configA, "auth", "gateway"));
    await(Marketplace.deploy(nodeB, configB, "gateway"));
    client = WebClient.create(nodeA);
  }

  @AfterEach
  void leaveCluster() throws Exception {
    client.close();
    await(Future.join(nodeA.close(), nodeB.close()));
  }

  @Test
  void logoutOnNodeAEndsTheAccessTokenAndItsStreamOnNodeBAtOnce() throws Exception {
    String email = "revoke-" + UUID.randomUUID() + "@example.com";
    JsonObject account = new JsonObject().put("email", email).put("password", "Correct-Horse-9").put("name", "R");
    assertThat(await(client.post(portA, "127.0.0.1", "/api/v1/auth/register").sendJsonObject(account)).statusCode()).isEqualTo(201);
    account.remove("name");
    String token = await(client.post(portA, "127.0.0.1", "/api/v1/auth/login").sendJsonObject(account))
      .bodyAsJsonObject().getString("access_token");
    assertThat(me(portB, token).statusCode()).isEqualTo(200);
    StringBuffer streamed = new StringBuffer();
    AtomicBoolean streamEnded = new AtomicBoolean();
    HttpClient http = nodeA.createHttpClient();
    HttpClientResponse stream = await(OnEventLoop.run(nodeA, () -> http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(portB)
      .setURI("/api/v1/notifications/stream").putHeader("Authorization", "Bearer " + token))
      .compose(request -> request.send()).map(r -> {
        r.handler(b -> streamed.append(b.toString()));
        r.endHandler(v -> streamEnded.set(true));
        return r;
      })));
    assertThat(stream.statusCode()).isEqualTo(200);

    HttpResponse<Buffer> logout = await(client.post(portA, "127.0.0.1", "/api/v1/auth/logout").bearerTokenAuthentication(token).send());
    assertThat(logout.statusCode()).isEqualTo(204);

    // one bus publication away: allow it a moment to cross, far less than the token's 15 minutes
    long deadline = System.currentTimeMillis() + 1_000;
    HttpResponse<Buffer> onB = me(portB, token);
    while (onB.statusCode() == 200 && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
      onB = me(portB, token);
    }
    assertThat(onB.statusCode()).as(onB.bodyAsString()).isEqualTo(401);
    assertThat(onB.bodyAsJsonObject().getString("code")).isEqualTo("TOKEN_INVALID");
    assertThat(me(portA, token).statusCode()).isEqualTo(401);
    long streamDeadline = System.currentTimeMillis() + 5_000;
    while (!streamEnded.get() && System.currentTimeMillis() < streamDeadline) {
      Thread.sleep(20);
    }
    assertThat(streamEnded).isTrue();
    assertThat(streamed.toString()).contains("session_revoked");
  }

  private HttpResponse<Buffer> me(int port, String token) throws Exception {
    return await(client.get(port, "127.0.0.1", "/api/v1/me").bearerTokenAuthentication(token).send());
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
