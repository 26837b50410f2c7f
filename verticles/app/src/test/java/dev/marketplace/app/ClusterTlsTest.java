package dev.marketplace.app;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
class ClusterTlsTest {
  private final List<Vertx> nodes = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (Vertx node : nodes) {
      await(node.close());
    }
  }

  private static ClusterTls tls(SelfSignedCertificate certificate) {
    return ClusterTls.fromConfig(new JsonObject().put("cluster", new JsonObject()
      .put("tls_key_pem", certificate.privateKeyPath()).put("tls_cert_pem", certificate.certificatePath()))).orElseThrow();
  }

  private Vertx node(String clusterName, Optional<ClusterTls> tls) throws Exception {
    Vertx vertx = await(ClusterSupport.clusteredVertx(new VertxOptions(),
      ClusterSupport.hazelcastConfig("127.0.0.1", 0, List.of("127.0.0.1:5701-5720"), clusterName), "127.0.0.1", tls));
    nodes.add(vertx);
    return vertx;
  }

  @Test
  void membersWithTheClusterKeyTalkAndAStrangerWithoutItCanNeitherSendNorBeSentTo() throws Exception {
    SelfSignedCertificate shared = SelfSignedCertificate.create("marketplace-cluster");
    ClusterTls key = tls(shared);
    String name = "tls-" + UUID.randomUUID();
    Vertx a = node(name, Optional.of(key));
    Vertx b = node(name, Optional.of(key));
    // knows the Hazelcast cluster name (it is no secret), has no key
    Vertx stranger = node(key.clusterName(name), Optional.empty());
    AtomicInteger received = new AtomicInteger();
    await(a.eventBus().<JsonObject>consumer("tls.test.internal", msg -> {
      received.incrementAndGet();
      msg.reply(new JsonObject().put("ok", true));
    }).completion());
    AtomicInteger trapped = new AtomicInteger();
    await(stranger.eventBus().<JsonObject>consumer("tls.test.trap", msg -> {
      trapped.incrementAndGet();
      msg.reply(new JsonObject());
    }).completion());
    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(3_000);

    // the first message opens the TLS connection (a handshake each way): give it time on a busy machine
    JsonObject reply = await(b.eventBus().<JsonObject>request("tls.test.internal", new JsonObject(),
      new DeliveryOptions().setSendTimeout(20_000))).body();
    assertThat(reply.getBoolean("ok")).isTrue();

    Throwable fromStranger = failureOf(stranger.eventBus().request("tls.test.internal", new JsonObject(), quick));
    assertThat(fromStranger).as("the stranger's request must fail").isNotNull();
    Throwable toStranger = failureOf(a.eventBus().request("tls.test.trap", new JsonObject(), quick));
    assertThat(toStranger).as("a member's request to the stranger must fail").isNotNull();
    assertThat(received.get()).isEqualTo(1);
    assertThat(trapped.get()).isZero();
  }

  @Test
  void aNodeWithAnotherCertificateFormsAClusterOfItsOwn() throws Exception {
    ClusterTls ours = tls(SelfSignedCertificate.create("marketplace-cluster"));
    ClusterTls theirs = tls(SelfSignedCertificate.create("marketplace-cluster"));
    String name = "tls-" + UUID.randomUUID();
    assertThat(ours.clusterName(name)).isNotEqualTo(theirs.clusterName(name)).startsWith(name + "-");
    Vertx a = node(name, Optional.of(ours));
    Vertx other = node(name, Optional.of(theirs));
    await(a.eventBus().<JsonObject>consumer("tls.test.own", msg -> msg.reply(new JsonObject())).completion());

    assertThat(failureOf(other.eventBus().request("tls.test.own", new JsonObject(), new DeliveryOptions().setSendTimeout(3_000))))
      .isNotNull();
  }

  @Test
  void aClusterHostOffLoopbackNeedsTheKeyLoopbackDoesNot() {
    JsonObject none = new JsonObject();
    assertThatThrownBy(() -> ClusterTls.required(none, "10.0.0.5")).hasMessageContaining("TLS");
    assertThatThrownBy(() -> ClusterTls.required(none, "node-1.example")).hasMessageContaining("TLS");
    assertThat(ClusterTls.required(none, "127.0.0.1")).isEmpty();
    assertThat(ClusterTls.required(none, "::1")).isEmpty();
    assertThat(ClusterTls.required(none, "localhost")).isEmpty();
    assertThatThrownBy(() -> ClusterTls.fromConfig(new JsonObject().put("cluster", new JsonObject().put("tls_key_pem", "/nope"))))
      .hasMessageContaining("both");
  }

  private static Throwable failureOf(Future<?> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().handle((r, err) -> err).get(30, TimeUnit.SECONDS);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
