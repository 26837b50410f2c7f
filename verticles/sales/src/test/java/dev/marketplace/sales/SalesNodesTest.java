package dev.marketplace.sales;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two sales nodes on one PostgreSQL (two deployments on one event bus, which takes turns between
 * them), ticking so seldom that only the node that declares a sale knows it at first: the other
 * one must not let a buyer through without a ticket. It did, and on a busy machine that broke the
 * waiting room's cluster-wide rate: the buyers let through held no ticket, so the ticket sequence
 * ended short of the queue, the horizon's cap (last ticket + a burst) bound below the queue's end
 * and the admission time it cut off was lost (17/s measured at 20/s); and those buyers, given a
 * ticket only when they asked again, stood at the back.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class SalesNodesTest {
  private Vertx vertx;

  @BeforeEach
  void up(VertxTestContext ctx) {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    // the start tick only (and the declaring node's tick): a node reads a new sale when it is asked about it
    config.put("sales", new JsonObject().put("tick_ms", 600_000).put("broadcast_ms", 600_000));
    vertx.eventBus().<JsonObject>consumer(CatalogAddresses.SNAPSHOT, msg -> {
      JsonArray products = new JsonArray();
      for (Object id : msg.body().getJsonArray("product_ids")) {
        products.add(new JsonObject().put("id", id).put("seller_id", "s").put("deleted", false));
      }
      msg.reply(new JsonObject().put("products", products));
    }).completion()
      .compose(v -> vertx.deployVerticle(new SalesVerticle(), new DeploymentOptions().setConfig(config)))
      .compose(first -> vertx.deployVerticle(new SalesVerticle(), new DeploymentOptions().setConfig(config)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void down(VertxTestContext ctx) {
    // from the JUnit thread: a chain on this Vert.x's own context would not go on once it closed
    vertx.close().onComplete(ctx.succeedingThenComplete());
  }

  private Future<JsonObject> admit(String buyer, String product, String ticket) {
    JsonObject body = new JsonObject().put("buyer_id", buyer).put("product_ids", new JsonArray().add(product));
    if (ticket != null) {
      body.put("queue_ticket", ticket);
    }
    return Bus.request(vertx, SalesAddresses.ADMIT, body, 10_000);
  }

  @Test
  void aNodeThatHasNotReadANewSaleYetQueuesItsBuyersAllTheSame(VertxTestContext ctx) {
    String product = UUID.randomUUID().toString();
    List<String> tickets = new ArrayList<>();
    Bus.request(vertx, SalesAddresses.CREATE, new JsonObject().put("product_ids", new JsonArray().add(product))
          .put("starts_at", Instant.now().plusSeconds(30).toString()).put("admit_per_second", 10),
        Bus.options(10_000).addHeader(BusHeaders.USER_ID, "admin-1").addHeader(BusHeaders.ROLES, "admin"))
      // one node declared the sale; the bus takes turns, so half of these reach the node that had not read it
      .compose(sale -> InOrder.run(buyers(i -> admit("buyer-" + i, product, null))).map(replies -> ctx.verify(() -> {
        for (int i = 0; i < replies.size(); i++) {
          JsonObject reply = replies.get(i);
          assertThat(reply.getBoolean("admitted")).as("buyer %d before the sale starts", i).isFalse();
          assertThat(reply.getString("sale_id")).isEqualTo(sale.getString("id"));
          assertThat(reply.getString("queue_ticket")).as("buyer %d's ticket", i).isNotNull();
          assertThat(reply.getLong("position")).as("buyer %d's place: first come, first served", i).isEqualTo(i + 1);
          tickets.add(reply.getString("queue_ticket"));
        }
      })))
      // and asking again with the ticket, through either node, keeps the place
      .compose(v -> InOrder.run(buyers(i -> admit("buyer-" + i, product, tickets.get(i)))))
      .map(again -> ctx.verify(() -> {
        for (int i = 0; i < again.size(); i++) {
          assertThat(again.get(i).getBoolean("admitted")).isFalse();
          assertThat(again.get(i).getLong("position")).isEqualTo(i + 1);
        }
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** The requests of buyers 0 to 5, to run one after the other. */
  private static List<Supplier<Future<JsonObject>>> buyers(IntFunction<Future<JsonObject>> request) {
    List<Supplier<Future<JsonObject>>> steps = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      int buyer = i;
      steps.add(() -> request.apply(buyer));
    }
    return steps;
  }

  @Test
  void productsOnNoSaleAreAdmittedByEitherNode(VertxTestContext ctx) {
    List<Supplier<Future<JsonObject>>> asks = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String buyer = "buyer-" + i;
      asks.add(() -> admit(buyer, UUID.randomUUID().toString(), null));
    }
    InOrder.run(asks)
      .map(replies -> ctx.verify(() -> assertThat(replies).hasSize(4).allSatisfy(reply -> {
        assertThat(reply.getBoolean("admitted")).isTrue();
        assertThat(reply.containsKey("queue_ticket")).isFalse();
      })))
      .onComplete(ctx.succeedingThenComplete());
  }
}
