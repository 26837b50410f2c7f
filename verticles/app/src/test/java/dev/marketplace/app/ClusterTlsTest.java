package dev.marketplace.app;

import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The clustered event bus over TLS with a shared cluster key: members talk; a process without the
 * key, even one that joined Hazelcast under the right name, can neither send to a member nor be
 * sent to; one with another certificate forms a cluster of its own.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class ClusterTlsTest {
  private final List<Vertx> nodes = new ArrayList<>();

  @AfterEach
  void close(VertxTestContext ctx) {
    // one after the other, as the nodes were made
    Future<Void> closed = Future.succeededFuture();
    for (Vertx node : nodes) {
      closed = closed.compose(v -> node.close());
    }
    closed.onComplete(ctx.succeedingThenComplete());
  }

  private static ClusterTls tls(SelfSignedCertificate certificate) {
    return ClusterTls.fromConfig(new JsonObject().put("cluster", new JsonObject()
      .put("tls_key_pem", certificate.privateKeyPath()).put("tls_cert_pem", certificate.certificatePath()))).orElseThrow();
  }

  private Future<Vertx> node(String clusterName, Optional<ClusterTls> tls) {
    return ClusterSupport.clusteredVertx(new VertxOptions(),
        ClusterSupport.hazelcastConfig("127.0.0.1", 0, List.of("127.0.0.1:5701-5720"), clusterName), "127.0.0.1", tls)
      .map(vertx -> {
        nodes.add(vertx);
        return vertx;
      });
  }

  @Test
  void membersWithTheClusterKeyTalkAndAStrangerWithoutItCanNeitherSendNorBeSentTo(VertxTestContext ctx) {
    SelfSignedCertificate shared = SelfSignedCertificate.create("marketplace-cluster");
    ClusterTls key = tls(shared);
    String name = "tls-" + UUID.randomUUID();
    AtomicInteger received = new AtomicInteger();
    AtomicInteger trapped = new AtomicInteger();
    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(3_000);
    node(name, Optional.of(key)).compose(a -> node(name, Optional.of(key))
      // knows the Hazelcast cluster name (it is no secret), has no key
      .compose(b -> node(key.clusterName(name), Optional.empty())
        .compose(stranger -> a.eventBus().<JsonObject>consumer("tls.test.internal", msg -> {
            received.incrementAndGet();
            msg.reply(new JsonObject().put("ok", true));
          }).completion()
          .compose(v -> stranger.eventBus().<JsonObject>consumer("tls.test.trap", msg -> {
            trapped.incrementAndGet();
            msg.reply(new JsonObject());
          }).completion())
          // the first message opens the TLS connection (a handshake each way): give it time on a busy machine
          .compose(v -> b.eventBus().<JsonObject>request("tls.test.internal", new JsonObject(), new DeliveryOptions().setSendTimeout(20_000)))
          .compose(reply -> {
            ctx.verify(() -> assertThat(reply.body().getBoolean("ok")).isTrue());
            // the stranger's request must fail (a reply fails the test)
            return Outcomes.failure(stranger.eventBus().request("tls.test.internal", new JsonObject(), quick));
          })
          // a member's request to the stranger must fail
          .compose(fromStranger -> Outcomes.failure(a.eventBus().request("tls.test.trap", new JsonObject(), quick)))
          .map(toStranger -> ctx.verify(() -> {
            assertThat(received.get()).isEqualTo(1);
            assertThat(trapped.get()).isZero();
          })))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aNodeWithAnotherCertificateFormsAClusterOfItsOwn(VertxTestContext ctx) {
    ClusterTls ours = tls(SelfSignedCertificate.create("marketplace-cluster"));
    ClusterTls theirs = tls(SelfSignedCertificate.create("marketplace-cluster"));
    String name = "tls-" + UUID.randomUUID();
    ctx.verify(() -> assertThat(ours.clusterName(name)).isNotEqualTo(theirs.clusterName(name)).startsWith(name + "-"));
    node(name, Optional.of(ours)).compose(a -> node(name, Optional.of(theirs))
        .compose(other -> a.eventBus().<JsonObject>consumer("tls.test.own", msg -> msg.reply(new JsonObject())).completion()
          // a reply fails the test: the other certificate's node must not reach ours
          .compose(v -> Outcomes.failure(other.eventBus().request("tls.test.own", new JsonObject(), new DeliveryOptions().setSendTimeout(3_000))))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aClusterHostOffLoopbackNeedsTheKeyLoopbackDoesNot(VertxTestContext ctx) {
    JsonObject none = new JsonObject();
    ctx.verify(() -> {
      assertThatThrownBy(() -> ClusterTls.required(none, "10.0.0.5")).hasMessageContaining("TLS");
      assertThatThrownBy(() -> ClusterTls.required(none, "node-1.example")).hasMessageContaining("TLS");
      assertThat(ClusterTls.required(none, "127.0.0.1")).isEmpty();
      assertThat(ClusterTls.required(none, "::1")).isEmpty();
      assertThat(ClusterTls.required(none, "localhost")).isEmpty();
      assertThatThrownBy(() -> ClusterTls.fromConfig(new JsonObject().put("cluster", new JsonObject().put("tls_key_pem", "/nope"))))
        .hasMessageContaining("both");
    });
    ctx.completeNow();
  }
}
