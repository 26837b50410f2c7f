package dev.marketplace.app;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The waiting room on two clustered nodes (Hazelcast on loopback, a cluster name of its own), each
 * running the sales component on the same PostgreSQL: buyers asking through either node are
 * admitted at the sale's rate cluster-wide (not per node), first come first served by ticket.
 */
class SalesClusterTest {
  private Vertx nodeA;
  private Vertx nodeB;

  @BeforeEach
  void formCluster() throws Exception {
    String clusterName = "sales-test-" + UUID.randomUUID();
    List<String> members = List.of("127.0.0.1:5701-5720");
    nodeA = await(ClusterSupport.clusteredVertx(new VertxOptions(),
      ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1"));
    nodeB = await(ClusterSupport.clusteredVertx(new VertxOptions(),
      ClusterSupport.hazelcastConfig("127.0.0.1", 0, members, clusterName), "127.0.0.1"));
  }

  @AfterEach
  void leaveCluster() throws Exception {
    await(Future.join(nodeA.close(), nodeB.close()));
  }

  private static JsonObject admit(Vertx via, String buyer, String product, String ticket) throws Exception {
    JsonObject body = new JsonObject().put("buyer_id", buyer).put("product_ids", new JsonArray().add(product));
    if (ticket != null) {
      body.put("queue_ticket", ticket);
    }
    return await(Bus.request(via, SalesAddresses.ADMIT, body, 10_000));
  }

  @Test
  void twoNodesAdmitAtTheSalesRateTogetherAndInTicketOrder() throws Exception {
    JsonObject config = TestInfra.shared().config();
    String product = UUID.randomUUID().toString();
    await(nodeA.eventBus().<JsonObject>consumer(CatalogAddresses.SNAPSHOT, msg -> msg.reply(new JsonObject().put("products",
      new JsonArray().add(new JsonObject().put("id", product).put("seller_id", "s").put("deleted", false))))).completion());
    await(Marketplace.deploy(nodeA, config, "sales"));
    await(Marketplace.deploy(nodeB, config, "sales"));

    int rate = 20;
    int buyers = 60;
    JsonObject sale = await(Bus.request(nodeB, SalesAddresses.CREATE, new JsonObject().put("product_ids", new JsonArray().add(product))
      .put("starts_at", Instant.now().plusMillis(800).toString()).put("admit_per_second", rate),
      Bus.options(10_000).addHeader(BusHeaders.USER_ID, "admin-1").addHeader(BusHeaders.ROLES, "admin")));
    List<String> tickets = new ArrayList<>();
    for (int i = 0; i < buyers; i++) {
      tickets.add(admit(i % 2 == 0 ? nodeA : nodeB, "b" + i, product, null).getString("queue_ticket"));
    }
    long[] admittedAt = new long[buyers];
    int left = buyers;
    long deadline = System.currentTimeMillis() + 15_000;
    while (left > 0 && System.currentTimeMillis() < deadline) {
      for (int i = 0; i < buyers; i++) {
        // each buyer alternates the node it asks through
        Vertx via = (i + left) % 2 == 0 ? nodeA : nodeB;
        if (admittedAt[i] == 0 && admit(via, "b" + i, product, tickets.get(i)).getBoolean("admitted")) {
          admittedAt[i] = System.currentTimeMillis();
          left--;
          for (int earlier = 0; earlier < i; earlier++) {
            assertThat(admit(via == nodeA ? nodeB : nodeA, "b" + earlier, product, tickets.get(earlier)).getBoolean("admitted"))
              .as("ticket %d admitted while %d was not", i, earlier).isTrue();
          }
        }
      }
      Thread.sleep(10);
    }
    assertThat(left).isZero();
    double measured = admissionRate(admittedAt);
    // per-node admission would double the rate
    assertThat(measured).isBetween(rate * 0.9, rate * 1.1);

    JsonObject view = await(Bus.request(nodeA, SalesAddresses.GET, new JsonObject().put("sale_id", sale.getString("id")),
      Bus.options(10_000).addHeader(BusHeaders.USER_ID, "admin-1").addHeader(BusHeaders.ROLES, "admin")));
    assertThat(view.getLong("admitted")).isEqualTo(buyers);
    assertThat(view.getLong("tickets")).isEqualTo(buyers);
  }

  /** Admissions per second: the inverse of the least-squares slope of admission time over ticket order (endpoint noise averages out). */
  static double admissionRate(long[] admittedAtMs) {
    int n = admittedAtMs.length;
    double meanI = (n - 1) / 2.0;
    double meanT = 0;
    for (long t : admittedAtMs) {
      meanT += t / 1000.0 / n;
    }
    double cov = 0;
    double var = 0;
    for (int i = 0; i < n; i++) {
      cov += (i - meanI) * (admittedAtMs[i] / 1000.0 - meanT);
      var += (i - meanI) * (i - meanI);
    }
    return var / cov;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
