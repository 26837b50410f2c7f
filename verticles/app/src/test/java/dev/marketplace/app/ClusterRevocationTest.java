package dev.marketplace.app;

import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.OnEventLoop;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
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

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Logout on one node ends the session's access tokens on the other at once: two clustered Vert.x
 * in one JVM (Hazelcast on loopback, a cluster name of their own); node A runs auth and a gateway,
 * node B only a gateway.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class ClusterRevocationTest {
  private Vertx nodeA;
  private Vertx nodeB;
  private WebClient client;
  private int portA;
  private int portB;

  @BeforeEach
  void formCluster(VertxTestContext ctx) throws Exception {
    String clusterName = "revoke-" + UUID.randomUUID();
    List<String> members = List.of("127.0.0.1:5701-5720");
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("gateway").put("required_components", new JsonArray());
    config.getJsonObject("bridge").put("enabled", false);
    portA = TwoNodeClusterTest.freePort();
    portB = TwoNodeClusterTest.freePort();
    JsonObject configA = config.copy();
    configA.getJsonObject("http").put("port", portA).put("host", "127.0.0.1");
    JsonObject configB = config.copy();
    configB.getJsonObject("http").put("port", portB).put("host", "127.0.0.1");
    ClusterSupport.clusteredVertx(new VertxOptions(), ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1")
      .compose(a -> {
        nodeA = a;
        return ClusterSupport.clusteredVertx(new VertxOptions(), ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1");
      })
      .compose(b -> {
        nodeB = b;
        return Marketplace.deploy(nodeA, configA, "auth", "gateway");
      })
      .compose(onA -> Marketplace.deploy(nodeB, configB, "gateway"))
      .onComplete(ctx.succeeding(onB -> {
        client = WebClient.create(nodeA);
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
  void logoutOnNodeAEndsTheAccessTokenAndItsStreamOnNodeBAtOnce(VertxTestContext ctx) {
    String email = "revoke-" + UUID.randomUUID() + "@example.com";
    JsonObject account = new JsonObject().put("email", email).put("password", "Correct-Horse-9").put("name", "R");
    StringBuffer streamed = new StringBuffer();
    AtomicBoolean streamEnded = new AtomicBoolean();
    HttpClient http = nodeA.createHttpClient();
    AtomicReference<HttpResponse<Buffer>> onB = new AtomicReference<>();
    client.post(portA, "127.0.0.1", "/api/v1/auth/register").sendJsonObject(account)
      .compose(registered -> {
        ctx.verify(() -> assertThat(registered.statusCode()).isEqualTo(201));
        account.remove("name");
        return client.post(portA, "127.0.0.1", "/api/v1/auth/login").sendJsonObject(account);
      })
      .map(login -> login.bodyAsJsonObject().getString("access_token"))
      .compose(token -> me(portB, token)
        .compose(before -> {
          ctx.verify(() -> assertThat(before.statusCode()).isEqualTo(200));
          return OnEventLoop.run(nodeA, () -> http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(portB)
              .setURI("/api/v1/notifications/stream").putHeader("Authorization", "Bearer " + token))
            .compose(request -> request.send()).map(r -> {
              r.handler(b -> streamed.append(b.toString()));
              r.endHandler(v -> streamEnded.set(true));
              return r;
            }));
        })
        .compose(stream -> {
          ctx.verify(() -> assertThat(stream.statusCode()).isEqualTo(200));
          return client.post(portA, "127.0.0.1", "/api/v1/auth/logout").bearerTokenAuthentication(token).send();
        })
        .compose(logout -> {
          ctx.verify(() -> assertThat(logout.statusCode()).isEqualTo(204));
          // one bus publication away: allow it a moment to cross, far less than the token's 15 minutes
          return Eventually.until(nodeA, "node B refuses the token", 1_000, () -> me(portB, token).map(response -> {
            onB.set(response);
            return response.statusCode() != 200;
          }));
        })
        .compose(v -> {
          ctx.verify(() -> {
            assertThat(onB.get().statusCode()).as(onB.get().bodyAsString()).isEqualTo(401);
            assertThat(onB.get().bodyAsJsonObject().getString("code")).isEqualTo("TOKEN_INVALID");
          });
          return me(portA, token);
        })
        .compose(onA -> {
          ctx.verify(() -> assertThat(onA.statusCode()).isEqualTo(401));
          return Eventually.untilTrue(nodeA, "the stream on node B ended", 5_000, streamEnded::get);
        }))
      .map(v -> ctx.verify(() -> {
        assertThat(streamEnded).isTrue();
        assertThat(streamed.toString()).contains("session_revoked");
      }))
      .eventually(http::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<HttpResponse<Buffer>> me(int port, String token) {
    return client.get(port, "127.0.0.1", "/api/v1/me").bearerTokenAuthentication(token).send();
  }
}
