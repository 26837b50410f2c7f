package dev.marketplace.sales;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.TestInfra;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator's view as series in the node's metrics registry (what the gateway's /metrics scrapes). */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class SalesMetricsTest {
  private SimpleMeterRegistry registry;
  /** A Vert.x of its own: metrics into {@link #registry}. */
  private Vertx vertx;

  @BeforeEach
  void up() {
    registry = new SimpleMeterRegistry();
    vertx = Vertx.builder()
      .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
      .withMetrics(new MicrometerMetricsFactory(registry)).build();
  }

  @AfterEach
  void down(VertxTestContext ctx) {
    // from the JUnit thread: a chain on this Vert.x's own context would not go on once it closed
    vertx.close().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRunningSalesFiguresAppearAsGaugesLabelledByTheSale(VertxTestContext ctx) {
    JsonObject config = TestInfra.shared().config();
    config.put("sales", new JsonObject().put("stats_ms", 200));
    String product = UUID.randomUUID().toString();
    vertx.eventBus().<JsonObject>consumer(CatalogAddresses.SNAPSHOT, msg -> msg.reply(new JsonObject().put("products",
        new JsonArray().add(new JsonObject().put("id", product).put("seller_id", "s").put("deleted", false))))).completion()
      .compose(v -> vertx.deployVerticle(new SalesVerticle(), new DeploymentOptions().setConfig(config)))
      .compose(deployed -> Bus.request(vertx, SalesAddresses.CREATE, new JsonObject().put("product_ids", new JsonArray().add(product))
          .put("starts_at", Instant.now().minusSeconds(1).toString()).put("admit_per_second", 1),
        Bus.options(10_000).addHeader(BusHeaders.USER_ID, "admin").addHeader(BusHeaders.ROLES, "admin")))
      .compose(sale -> InOrder.run(
          () -> Bus.request(vertx, SalesAddresses.ADMIT, new JsonObject().put("buyer_id", "a").put("product_ids", new JsonArray().add(product)), 10_000),
          () -> Bus.request(vertx, SalesAddresses.ADMIT, new JsonObject().put("buyer_id", "b").put("product_ids", new JsonArray().add(product)), 10_000),
          () -> Bus.request(vertx, SalesAddresses.ADMIT, new JsonObject().put("buyer_id", "c").put("product_ids", new JsonArray().add(product)), 10_000))
        .map(admits -> sale.getString("id")))
      .compose(id -> Eventually.untilTrue(vertx, "the sale's tickets gauge at 3", 10_000, () -> {
          Gauge tickets = registry.find("marketplace_sale_tickets").tag("sale", id).gauge();
          return tickets != null && tickets.value() == 3;
        })
        .map(v -> ctx.verify(() -> {
          Gauge tickets = registry.find("marketplace_sale_tickets").tag("sale", id).gauge();
          assertThat(tickets).isNotNull();
          assertThat(tickets.value()).isEqualTo(3);
          assertThat(registry.find("marketplace_sale_admitted").tag("sale", id).gauge()).isNotNull();
          assertThat(registry.find("marketplace_sale_queued").tag("sale", id).gauge().value()).isGreaterThanOrEqualTo(1);
        })))
      .onComplete(ctx.succeedingThenComplete());
  }
}
