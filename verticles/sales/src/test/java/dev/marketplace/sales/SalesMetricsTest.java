package dev.marketplace.sales;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.testing.TestInfra;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator's view as series in the node's metrics registry (what the gateway's /metrics scrapes). */
class SalesMetricsTest {

  @Test
  void aRunningSalesFiguresAppearAsGaugesLabelledByTheSale() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Vertx vertx = Vertx.builder()
      .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
      .withMetrics(new MicrometerMetricsFactory(registry)).build();
    try {
      JsonObject config = TestInfra.shared().config();
      config.put("sales", new JsonObject().put("stats_ms", 200));
      String product = UUID.randomUUID().toString();
      await(vertx.eventBus().<JsonObject>consumer(CatalogAddresses.SNAPSHOT, msg -> msg.reply(new JsonObject().put("products",
        new JsonArray().add(new JsonObject().put("id", product).put("seller_id", "s").put("deleted", false))))).completion());
      await(vertx.deployVerticle(new SalesVerticle(), new DeploymentOptions().setConfig(config)));
      JsonObject sale = await(Bus.request(vertx, SalesAddresses.CREATE, new JsonObject().put("product_ids", new JsonArray().add(product))
          .put("starts_at", Instant.now().minusSeconds(1).toString()).put("admit_per_second", 1),
        Bus.options(10_000).addHeader(BusHeaders.USER_ID, "admin").addHeader(BusHeaders.ROLES, "admin")));
      for (String buyer : new String[] {"a", "b", "c"}) {
        await(Bus.request(vertx, SalesAddresses.ADMIT, new JsonObject().put("buyer_id", buyer).put("product_ids", new JsonArray().add(product)), 10_000));
      }
      String id = sale.getString("id");
      long deadline = System.currentTimeMillis() + 10_000;
      Gauge tickets = null;
      while (System.currentTimeMillis() < deadline) {
        tickets = registry.find("marketplace_sale_tickets").tag("sale", id).gauge();
        if (tickets != null && tickets.value() == 3) {
          break;
        }
        Thread.sleep(100);
      }
      assertThat(tickets).isNotNull();
      assertThat(tickets.value()).isEqualTo(3);
      assertThat(registry.find("marketplace_sale_admitted").tag("sale", id).gauge()).isNotNull();
      assertThat(registry.find("marketplace_sale_queued").tag("sale", id).gauge().value()).isGreaterThanOrEqualTo(1);
    } finally {
      await(vertx.close());
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
