package dev.marketplace.sales;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.testing.Rates;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The sales component on real PostgreSQL, with a fake catalog and inventory. */
class SalesVerticleTest {
  private static Vertx vertx;
  private static io.vertx.sqlclient.Pool db;
  private static final Set<String> catalog = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void up() throws Exception {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    // tickets live 6 s: long enough for the rate test's queue on a loaded machine, short enough to see one expire
    config.put("sales", new JsonObject().put("ticket_ttl_seconds", 6).put("flush_ms", 200));
    vertx.eventBus().<JsonObject>consumer(CatalogAddresses.SNAPSHOT, msg -> {
      JsonArray products = new JsonArray();
      for (Object id : msg.body().getJsonArray("product_ids")) {
        if (catalog.contains((String) id)) {
          products.add(new JsonObject().put("id", id).put("seller_id", "s").put("deleted", false));
        }
      }
      msg.reply(new JsonObject().put("products", products));
    });
    vertx.eventBus().<JsonObject>consumer(InventoryAddresses.AVAILABILITY, msg -> {
      JsonArray items = new JsonArray();
      for (Object id : msg.body().getJsonArray("product_ids")) {
        items.add(new JsonObject().put("product_id", id).put("available", 4).put("sold", 6));
      }
      msg.reply(new JsonObject().put("items", items));
    });
    await(vertx.deployVerticle(new SalesVerticle(), new DeploymentOptions().setConfig(config)));
    db = dev.marketplace.platform.pg.PgSupport.pool(vertx, config, 1);
  }

  @AfterAll
  static void down() throws Exception {
    await(vertx.close());
  }

  static String product() {
    String id = UUID.randomUUID().toString();
    catalog.add(id);
    return id;
  }

  static Future<JsonObject> as(String user, String roles, String address, JsonObject body) {
    DeliveryOptions options = Bus.options(10_000).addHeader(BusHeaders.USER_ID, user).addHeader(BusHeaders.ROLES, roles);
    return Bus.request(vertx, address, body, options);
  }

  static JsonObject sale(String product, Instant starts, Instant ends, int rate) throws Exception {
    JsonObject body = new JsonObject().put("product_ids", new JsonArray().add(product)).put("starts_at", starts.toString())
      .put("admit_per_second", rate);
    if (ends != null) {
      body.put("ends_at", ends.toString());
    }
    return await(as("admin-1", "admin", SalesAddresses.CREATE, body));
  }

  static JsonObject admit(String buyer, String product, String ticket) throws Exception {
    JsonObject body = new JsonObject().put("buyer_id", buyer).put("product_ids", new JsonArray().add(product));
    if (ticket != null) {
      body.put("queue_ticket", ticket);
    }
    return await(Bus.request(vertx, SalesAddresses.ADMIT, body, 10_000));
  }

  static ServiceFailure failure(Future<JsonObject> call) throws Exception {
    try {
      await(call);
    } catch (ExecutionException e) {
      return ServiceFailure.from(e.getCause());
    }
    throw new AssertionError("it succeeded");
  }

  @Test
  void badSalesAreRefusedFieldByField() throws Exception {
    String known = product();
    JsonObject unknownProduct = new JsonObject().put("product_ids", new JsonArray().add(known).add(UUID.randomUUID().toString()))
      .put("starts_at", Instant.now().toString()).put("admit_per_second", 10);
    ServiceFailure f = failure(as("admin-1", "admin", SalesAddresses.CREATE, unknownProduct));
    assertThat(f.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(f.extra().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("product_ids[1]");

    JsonObject pastEnd = new JsonObject().put("product_ids", new JsonArray().add(known))
      .put("starts_at", Instant.now().minusSeconds(7200).toString()).put("ends_at", Instant.now().minusSeconds(60).toString())
      .put("admit_per_second", 10);
    f = failure(as("admin-1", "admin", SalesAddresses.CREATE, pastEnd));
    assertThat(f.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(f.extra().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("ends_at");

    JsonObject negative = new JsonObject().put("product_ids", new JsonArray().add(known)).put("starts_at", Instant.now().toString())
      .put("admit_per_second", -5);
    f = failure(as("admin-1", "admin", SalesAddresses.CREATE, negative));
    assertThat(f.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(f.extra().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("admit_per_second");

    JsonObject extra = negative.copy().put("admit_per_second", 5).put("discount", 90);
    assertThat(failure(as("admin-1", "admin", SalesAddresses.CREATE, extra)).code()).isEqualTo(ErrorCode.VALIDATION_FAILED);

    assertThat(failure(as("buyer-1", "buyer", SalesAddresses.CREATE, extra.copy().put("discount", null))).code())
      .isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(failure(as("buyer-1", "buyer", SalesAddresses.GET, new JsonObject().put("sale_id", UUID.randomUUID().toString()))).code())
      .isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(failure(as("admin-1", "admin", SalesAddresses.GET, new JsonObject().put("sale_id", UUID.randomUUID().toString()))).code())
      .isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void aProductOutsideASaleIsAdmittedWithoutATicket() throws Exception {
    JsonObject reply = admit("buyer-x", product(), null);
    assertThat(reply.getBoolean("admitted")).isTrue();
    assertThat(reply.containsKey("queue_ticket")).isFalse();
  }

  @Test
  void aTicketIsBoundToItsBuyerAndExpires() throws Exception {
    String p = product();
    // a sale that starts in a minute: everyone queues
    sale(p, Instant.now().plusSeconds(50), null, 5);
    JsonObject mine = admit("alice", p, null);
    assertThat(mine.getBoolean("admitted")).isFalse();
    String ticket = mine.getString("queue_ticket");
    assertThat(mine.getLong("position")).isEqualTo(1);
    assertThat(mine.getLong("retry_after_ms")).isEqualTo(1000);

    // asking again (with or without the ticket) keeps the place
    assertThat(admit("alice", p, null).getString("queue_ticket")).isEqualTo(ticket);
    assertThat(admit("alice", p, ticket).getLong("position")).isEqualTo(1);
    assertThat(admit("bob", p, null).getLong("position")).isEqualTo(2);

    ServiceFailure stolen = failure(Bus.request(vertx, SalesAddresses.ADMIT,
      new JsonObject().put("buyer_id", "bob").put("product_ids", new JsonArray().add(p)).put("queue_ticket", ticket), 10_000));
    assertThat(stolen.code()).isEqualTo(ErrorCode.QUEUE_TICKET_INVALID);
    ServiceFailure forged = failure(Bus.request(vertx, SalesAddresses.ADMIT,
      new JsonObject().put("buyer_id", "alice").put("product_ids", new JsonArray().add(p)).put("queue_ticket", ticket.replace(".1.", ".0.")), 10_000));
    assertThat(forged.code()).isEqualTo(ErrorCode.QUEUE_TICKET_INVALID);

    Thread.sleep(7_100);
    ServiceFailure expired = failure(Bus.request(vertx, SalesAddresses.ADMIT,
      new JsonObject().put("buyer_id", "alice").put("product_ids", new JsonArray().add(p)).put("queue_ticket", ticket), 10_000));
    assertThat(expired.code()).isEqualTo(ErrorCode.QUEUE_TICKET_EXPIRED);
    // asking anew queues her at the back
    JsonObject again = admit("alice", p, null);
    assertThat(again.getString("queue_ticket")).isNotEqualTo(ticket);
    assertThat(again.getLong("position")).isEqualTo(3);
  }

  @Test
  void buyersAreAdmittedAtTheRateInTicketOrder() throws Exception {
    String p = product();
    int rate = 20;
    int buyers = 30;
    JsonObject sale = sale(p, Instant.now().plusMillis(2_000), null, rate);
    // every buyer asks at once (one by one, issuing outlasted the sale's lead on a loaded machine: the
    // horizon, capped at the last ticket until the last is out, then left too few samples); before the
    // start a buyer's position is their ticket's number: the queue is the buyers by position
    List<Future<JsonObject>> asked = new ArrayList<>();
    for (int i = 0; i < buyers; i++) {
      asked.add(Bus.request(vertx, SalesAddresses.ADMIT, new JsonObject().put("buyer_id", "rate-" + i).put("product_ids", new JsonArray().add(p)), 10_000));
    }
    await(Future.all(asked));
    String[] names = new String[buyers];
    String[] byRank = new String[buyers];
    for (int i = 0; i < buyers; i++) {
      JsonObject reply = asked.get(i).result();
      assertThat(reply.getBoolean("admitted")).as("queued before the start").isFalse();
      int rank = (int) (reply.getLong("position") - 1);
      assertThat(names[rank]).as("one buyer per place").isNull();
      names[rank] = "rate-" + i;
      byRank[rank] = reply.getString("queue_ticket");
    }
    List<String> tickets = List.of(byRank);
    long[] admittedAt = new long[buyers];
    int left = buyers;
    long deadline = System.currentTimeMillis() + 20_000;
    List<double[]> samples = new ArrayList<>();
    while (left > 0 && System.currentTimeMillis() < deadline) {
      // the horizon as PostgreSQL keeps it, while tickets still wait (what the sale grants)
      var row = await(db.preparedQuery("SELECT horizon, extract(epoch FROM horizon_at)::float8 AS at FROM sales.sale WHERE id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(UUID.fromString(sale.getString("id"))))).iterator().next();
      if (row.getValue("at") != null && row.getDouble("horizon") > 2 && row.getDouble("horizon") < buyers - 2) {
        samples.add(new double[] {row.getDouble("at"), row.getDouble("horizon")});
      }
      for (int i = 0; i < buyers; i++) {
        if (admittedAt[i] == 0 && admit(names[i], p, tickets.get(i)).getBoolean("admitted")) {
          admittedAt[i] = System.currentTimeMillis();
          left--;
          // first come, first served: whoever holds an earlier ticket is admitted by now too
          for (int earlier = 0; earlier < i; earlier++) {
            assertThat(admit(names[earlier], p, tickets.get(earlier)).getBoolean("admitted"))
              .as("ticket %d admitted while %d was not", i, earlier).isTrue();
            if (admittedAt[earlier] == 0) {
              // seen admitted now (the horizon moved on between the two in this pass)
              admittedAt[earlier] = System.currentTimeMillis();
              left--;
            }
          }
        }
      }
      Thread.sleep(10);
    }
    assertThat(left).isZero();
    for (int i = 1; i < buyers; i++) {
      // seen admitted in ticket order, up to one pass of the polling loop
      assertThat(admittedAt[i]).as("buyer %d after buyer %d", i, i - 1).isGreaterThanOrEqualTo(admittedAt[i - 1] - 150);
    }
    assertThat(samples.size()).isGreaterThanOrEqualTo(2);
    double[] first = samples.get(0);
    double[] last = samples.get(samples.size() - 1);
    assertThat((last[1] - first[1]) / (last[0] - first[0])).as("admissions granted per second").isBetween(rate * 0.9, rate * 1.1);
    // as the buyers saw it (polling on a loaded machine: noisier)
    assertThat(Rates.perSecond(admittedAt)).as("admissions per second, as the buyers saw them").isBetween(rate * 0.5, rate * 1.5);

    JsonObject view = await(as("admin-1", "admin", SalesAddresses.GET, new JsonObject().put("sale_id", sale.getString("id"))));
    assertThat(view.getLong("admitted")).isEqualTo(buyers);
    assertThat(view.getLong("queued")).isZero();
    assertThat(view.getString("status")).isEqualTo("ACTIVE");
    assertThat(view.getLong("sold")).isEqualTo(6);
  }

  @Test
  void whenTheSaleIsSoldOutEveryoneQueuedIsToldAndTheViewCountsIt() throws Exception {
    String p = product();
    JsonObject sale = sale(p, Instant.now().plusSeconds(50), null, 5);
    String ticket = admit("carol", p, null).getString("queue_ticket");
    vertx.eventBus().publish(InventoryAddresses.SOLD_OUT, new JsonObject().put("full", true).put("sold_out", new JsonArray().add(p)));
    Thread.sleep(100);
    ServiceFailure f = failure(Bus.request(vertx, SalesAddresses.ADMIT,
      new JsonObject().put("buyer_id", "carol").put("product_ids", new JsonArray().add(p)).put("queue_ticket", ticket), 10_000));
    assertThat(f.code()).isEqualTo(ErrorCode.OUT_OF_STOCK);
    assertThat(f.extra().getString("sale_id")).isEqualTo(sale.getString("id"));
    vertx.eventBus().send(SalesAddresses.REPORT, new JsonObject().put("counts", new JsonArray()
      .add(new JsonObject().put("sale_id", sale.getString("id")).put("reason", "TOO_MANY_OPEN_CHECKOUTS").put("n", 2))));
    Thread.sleep(600);
    JsonObject view = await(as("admin-1", "admin", SalesAddresses.GET, new JsonObject().put("sale_id", sale.getString("id"))));
    assertThat(view.getString("status")).isEqualTo("SOLD_OUT");
    assertThat(view.getJsonObject("refused").getLong("SOLD_OUT")).isEqualTo(1);
    assertThat(view.getJsonObject("refused").getLong("TOO_MANY_OPEN_CHECKOUTS")).isEqualTo(2);
    vertx.eventBus().publish(InventoryAddresses.SOLD_OUT, new JsonObject().put("full", true).put("sold_out", new JsonArray()));
  }

  @Test
  void afterTheSaleEndsNobodyQueues() throws Exception {
    String p = product();
    JsonObject sale = sale(p, Instant.now().plusMillis(200), Instant.now().plusMillis(1_500), 1);
    admit("first", p, null);
    JsonObject queued = admit("dave", p, null);
    assertThat(queued.getBoolean("admitted")).isFalse();
    Thread.sleep(1_800);
    JsonObject after = admit("dave", p, queued.getString("queue_ticket"));
    assertThat(after.getBoolean("admitted")).isTrue();
    JsonObject view = await(as("admin-1", "admin", SalesAddresses.GET, new JsonObject().put("sale_id", sale.getString("id"))));
    assertThat(view.getString("status")).isEqualTo("ENDED");
  }

  @Test
  void twoSalesCannotOverlapOnAProduct() throws Exception {
    String p = product();
    sale(p, Instant.now().plusSeconds(3600), Instant.now().plusSeconds(7200), 10);
    ServiceFailure f = failure(as("admin-1", "admin", SalesAddresses.CREATE, new JsonObject().put("product_ids", new JsonArray().add(p))
      .put("starts_at", Instant.now().plusSeconds(5000).toString()).put("admit_per_second", 10)));
    assertThat(f.code()).isEqualTo(ErrorCode.CONFLICT);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
