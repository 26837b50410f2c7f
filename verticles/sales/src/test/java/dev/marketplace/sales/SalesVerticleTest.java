package dev.marketplace.sales;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.OnEventLoop;
import dev.marketplace.platform.testing.Outcomes;
import dev.marketplace.platform.testing.Rates;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The sales component on real PostgreSQL, with a fake catalog and inventory. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class SalesVerticleTest {
  private static Vertx vertx;
  private static Pool db;
  private static final Set<String> catalog = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void up(VertxTestContext ctx) {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    // tickets live 6 s: long enough for the rate test's queue on a loaded machine, short enough to see one expire
    config.put("sales", new JsonObject().put("ticket_ttl_seconds", 6).put("flush_ms", 200));
    Future<Void> catalogUp = vertx.eventBus().<JsonObject>consumer(CatalogAddresses.SNAPSHOT, msg -> {
      JsonArray products = new JsonArray();
      for (Object id : msg.body().getJsonArray("product_ids")) {
        if (catalog.contains((String) id)) {
          products.add(new JsonObject().put("id", id).put("seller_id", "s").put("deleted", false));
        }
      }
      msg.reply(new JsonObject().put("products", products));
    }).completion();
    Future<Void> inventoryUp = vertx.eventBus().<JsonObject>consumer(InventoryAddresses.AVAILABILITY, msg -> {
      JsonArray items = new JsonArray();
      for (Object id : msg.body().getJsonArray("product_ids")) {
        items.add(new JsonObject().put("product_id", id).put("available", 4).put("sold", 6));
      }
      msg.reply(new JsonObject().put("items", items));
    }).completion();
    Future.all(catalogUp, inventoryUp)
      .compose(v -> vertx.deployVerticle(new SalesVerticle(), new DeploymentOptions().setConfig(config)))
      .onComplete(ctx.succeeding(id -> {
        db = dev.marketplace.platform.pg.PgSupport.pool(vertx, config, 1);
        ctx.completeNow();
      }));
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    // from the JUnit thread: a chain on this Vert.x's own context would not go on once it closed
    vertx.close().onComplete(ctx.succeedingThenComplete());
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

  static Future<JsonObject> sale(String product, Instant starts, Instant ends, int rate) {
    JsonObject body = new JsonObject().put("product_ids", new JsonArray().add(product)).put("starts_at", starts.toString())
      .put("admit_per_second", rate);
    if (ends != null) {
      body.put("ends_at", ends.toString());
    }
    return as("admin-1", "admin", SalesAddresses.CREATE, body);
  }

  static Future<JsonObject> admit(String buyer, String product, String ticket) {
    JsonObject body = new JsonObject().put("buyer_id", buyer).put("product_ids", new JsonArray().add(product));
    if (ticket != null) {
      body.put("queue_ticket", ticket);
    }
    return Bus.request(vertx, SalesAddresses.ADMIT, body, 10_000);
  }

  /** The coded refusal of a call that must fail. */
  static Future<ServiceFailure> failure(Future<JsonObject> call) {
    return Outcomes.refusal(call);
  }

  static Future<JsonObject> view(JsonObject sale) {
    return as("admin-1", "admin", SalesAddresses.GET, new JsonObject().put("sale_id", sale.getString("id")));
  }

  @Test
  void badSalesAreRefusedFieldByField(VertxTestContext ctx) {
    String known = product();
    JsonObject unknownProduct = new JsonObject().put("product_ids", new JsonArray().add(known).add(UUID.randomUUID().toString()))
      .put("starts_at", Instant.now().toString()).put("admit_per_second", 10);
    JsonObject pastEnd = new JsonObject().put("product_ids", new JsonArray().add(known))
      .put("starts_at", Instant.now().minusSeconds(7200).toString()).put("ends_at", Instant.now().minusSeconds(60).toString())
      .put("admit_per_second", 10);
    JsonObject negative = new JsonObject().put("product_ids", new JsonArray().add(known)).put("starts_at", Instant.now().toString())
      .put("admit_per_second", -5);
    JsonObject extra = negative.copy().put("admit_per_second", 5).put("discount", 90);
    InOrder.run(
        () -> failure(as("admin-1", "admin", SalesAddresses.CREATE, unknownProduct)),
        () -> failure(as("admin-1", "admin", SalesAddresses.CREATE, pastEnd)),
        () -> failure(as("admin-1", "admin", SalesAddresses.CREATE, negative)),
        () -> failure(as("admin-1", "admin", SalesAddresses.CREATE, extra)),
        () -> failure(as("buyer-1", "buyer", SalesAddresses.CREATE, extra.copy().put("discount", null))),
        () -> failure(as("buyer-1", "buyer", SalesAddresses.GET, new JsonObject().put("sale_id", UUID.randomUUID().toString()))),
        () -> failure(as("admin-1", "admin", SalesAddresses.GET, new JsonObject().put("sale_id", UUID.randomUUID().toString()))))
      .map(f -> ctx.verify(() -> {
        assertThat(f.get(0).code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(f.get(0).extra().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("product_ids[1]");
        assertThat(f.get(1).code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(f.get(1).extra().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("ends_at");
        assertThat(f.get(2).code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(f.get(2).extra().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("admit_per_second");
        assertThat(f.get(3).code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(f.get(4).code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(f.get(5).code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(f.get(6).code()).isEqualTo(ErrorCode.NOT_FOUND);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aProductOutsideASaleIsAdmittedWithoutATicket(VertxTestContext ctx) {
    admit("buyer-x", product(), null)
      .map(reply -> ctx.verify(() -> {
        assertThat(reply.getBoolean("admitted")).isTrue();
        assertThat(reply.containsKey("queue_ticket")).isFalse();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aTicketIsBoundToItsBuyerAndExpires(VertxTestContext ctx) {
    String p = product();
    // a sale that starts in a minute: everyone queues
    sale(p, Instant.now().plusSeconds(50), null, 5)
      .compose(sale -> admit("alice", p, null))
      .compose(mine -> {
        String ticket = mine.getString("queue_ticket");
        ctx.verify(() -> {
          assertThat(mine.getBoolean("admitted")).isFalse();
          assertThat(mine.getLong("position")).isEqualTo(1);
          assertThat(mine.getLong("retry_after_ms")).isEqualTo(1000);
        });
        // asking again (with or without the ticket) keeps the place
        return InOrder.run(() -> admit("alice", p, null), () -> admit("alice", p, ticket), () -> admit("bob", p, null))
          .map(again -> ctx.verify(() -> {
            assertThat(again.get(0).getString("queue_ticket")).isEqualTo(ticket);
            assertThat(again.get(1).getLong("position")).isEqualTo(1);
            assertThat(again.get(2).getLong("position")).isEqualTo(2);
          }))
          .compose(v -> InOrder.run(
            () -> failure(Bus.request(vertx, SalesAddresses.ADMIT,
              new JsonObject().put("buyer_id", "bob").put("product_ids", new JsonArray().add(p)).put("queue_ticket", ticket), 10_000)),
            () -> failure(Bus.request(vertx, SalesAddresses.ADMIT,
              new JsonObject().put("buyer_id", "alice").put("product_ids", new JsonArray().add(p)).put("queue_ticket", ticket.replace(".1.", ".0.")),
              10_000))))
          .map(refused -> ctx.verify(() -> {
            assertThat(refused.get(0).code()).as("stolen").isEqualTo(ErrorCode.QUEUE_TICKET_INVALID);
            assertThat(refused.get(1).code()).as("forged").isEqualTo(ErrorCode.QUEUE_TICKET_INVALID);
          }))
          .compose(v -> vertx.timer(7_100))
          .compose(t -> failure(Bus.request(vertx, SalesAddresses.ADMIT,
            new JsonObject().put("buyer_id", "alice").put("product_ids", new JsonArray().add(p)).put("queue_ticket", ticket), 10_000)))
          .map(expired -> ctx.verify(() -> assertThat(expired.code()).isEqualTo(ErrorCode.QUEUE_TICKET_EXPIRED)))
          // asking anew queues her at the back
          .compose(v -> admit("alice", p, null))
          .map(again -> ctx.verify(() -> {
            assertThat(again.getString("queue_ticket")).isNotEqualTo(ticket);
            assertThat(again.getLong("position")).isEqualTo(3);
          }));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void buyersAreAdmittedAtTheRateInTicketOrder(VertxTestContext ctx) {
    String p = product();
    int rate = 20;
    int buyers = 30;
    sale(p, Instant.now().plusMillis(2_000), null, rate).compose(sale -> {
        // every buyer asks at once (one by one, issuing outlasted the sale's lead on a loaded machine: the
        // horizon, capped at the last ticket until the last is out, then left too few samples); before the
        // start a buyer's position is their ticket's number: the queue is the buyers by position
        List<Future<JsonObject>> asked = new ArrayList<>();
        for (int i = 0; i < buyers; i++) {
          asked.add(Bus.request(vertx, SalesAddresses.ADMIT, new JsonObject().put("buyer_id", "rate-" + i).put("product_ids", new JsonArray().add(p)),
            10_000));
        }
        return Future.all(asked).compose(all -> {
          String[] names = new String[buyers];
          String[] byRank = new String[buyers];
          ctx.verify(() -> {
            for (int i = 0; i < buyers; i++) {
              JsonObject reply = asked.get(i).result();
              assertThat(reply.getBoolean("admitted")).as("queued before the start").isFalse();
              int rank = (int) (reply.getLong("position") - 1);
              assertThat(names[rank]).as("one buyer per place").isNull();
              names[rank] = "rate-" + i;
              byRank[rank] = reply.getString("queue_ticket");
            }
          });
          if (ctx.failed()) {
            return Future.succeededFuture();
          }
          Polling polling = new Polling(ctx, p, UUID.fromString(sale.getString("id")), names, List.of(byRank), System.currentTimeMillis() + 20_000);
          return polling.run().map(v -> ctx.verify(() -> {
            long[] admittedAt = polling.admittedAt;
            List<double[]> samples = polling.samples;
            assertThat(polling.left).isZero();
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
          }));
        })
        .compose(v -> view(sale))
        .map(view -> ctx.verify(() -> {
          assertThat(view.getLong("admitted")).isEqualTo(buyers);
          assertThat(view.getLong("queued")).isZero();
          assertThat(view.getString("status")).isEqualTo("ACTIVE");
          assertThat(view.getLong("sold")).isEqualTo(6);
        }));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  /**
   * The rate test's buyers polling the waiting room, pass after pass (a pass asks for every buyer not
   * seen admitted yet, then pauses 10 ms), until every one was seen admitted or the deadline passed.
   * A pass asks them all at once, as buyers who poll each on their own would, and so does the check
   * that everyone before a newly admitted buyer is admitted too: asked one after the other on a
   * loaded machine (as the blocking version of this test did, 30 requests a pass plus i checks for
   * the i-th buyer), a pass outlasted the horizon's rise (one sample in 1.3 s) or grew longer as the
   * queue went, and the buyers saw 9.7 admissions a second at 20. Nothing here blocks a thread, so a
   * time recorded is when the reply came.
   */
  private static final class Polling {
    private final VertxTestContext ctx;
    private final String product;
    private final UUID saleId;
    private final String[] names;
    private final List<String> tickets;
    private final long deadline;
    final long[] admittedAt;
    final List<double[]> samples = new ArrayList<>();
    int left;

    Polling(VertxTestContext ctx, String product, UUID saleId, String[] names, List<String> tickets, long deadline) {
      this.ctx = ctx;
      this.product = product;
      this.saleId = saleId;
      this.names = names;
      this.tickets = tickets;
      this.deadline = deadline;
      this.admittedAt = new long[names.length];
      this.left = names.length;
    }

    /** Polls on one event loop (its replies come back there, one at a time: no two touch the counts at once). */
    Future<Void> run() {
      return OnEventLoop.run(vertx, () -> {
        Promise<Void> done = Promise.promise();
        nextPass(done);
        return done.future();
      });
    }

    /** One pass, then the next after a pause; completes {@code done} (not a chain of all passes) when polling ends. */
    private void nextPass(Promise<Void> done) {
      if (left == 0 || System.currentTimeMillis() >= deadline || ctx.failed()) {
        done.complete();
        return;
      }
      sampleHorizon()
        .compose(v -> pass())
        .compose(v -> vertx.timer(10))
        .onComplete(ar -> {
          if (ar.failed()) {
            done.fail(ar.cause());
          } else {
            nextPass(done);
          }
        });
    }

    /** The horizon as PostgreSQL keeps it, while tickets still wait (what the sale grants). */
    private Future<Void> sampleHorizon() {
      return db.preparedQuery("SELECT horizon, extract(epoch FROM horizon_at)::float8 AS at FROM sales.sale WHERE id = $1")
        .execute(Tuple.of(saleId))
        .map(rows -> {
          var row = rows.iterator().next();
          if (row.getValue("at") != null && row.getDouble("horizon") > 2 && row.getDouble("horizon") < names.length - 2) {
            samples.add(new double[] {row.getDouble("at"), row.getDouble("horizon")});
          }
          return null;
        });
    }

    private Future<Void> pass() {
      List<Future<Void>> asks = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        if (admittedAt[i] != 0) {
          continue;
        }
        int buyer = i;
        asks.add(admit(names[buyer], product, tickets.get(buyer)).compose(reply -> {
          // (an earlier reply's check may have seen this buyer admitted first)
          if (!reply.getBoolean("admitted") || admittedAt[buyer] != 0) {
            return Future.succeededFuture();
          }
          admittedAt[buyer] = System.currentTimeMillis();
          left--;
          return earlierAdmitted(buyer);
        }));
      }
      return Future.all(asks).mapEmpty();
    }

    /** First come, first served: whoever holds an earlier ticket than {@code i} is admitted by now too. */
    private Future<Void> earlierAdmitted(int i) {
      List<Future<Void>> checks = new ArrayList<>();
      for (int e = 0; e < i; e++) {
        int earlier = e;
        checks.add(admit(names[earlier], product, tickets.get(earlier)).map(reply -> {
          ctx.verify(() -> assertThat(reply.getBoolean("admitted")).as("ticket %d admitted while %d was not", i, earlier).isTrue());
          if (admittedAt[earlier] == 0) {
            // seen admitted now (the horizon moved on between the two in this pass)
            admittedAt[earlier] = System.currentTimeMillis();
            left--;
          }
          return null;
        }));
      }
      return Future.all(checks).mapEmpty();
    }
  }

  @Test
  void whenTheSaleIsSoldOutEveryoneQueuedIsToldAndTheViewCountsIt(VertxTestContext ctx) {
    String p = product();
    sale(p, Instant.now().plusSeconds(50), null, 5).compose(sale -> admit("carol", p, null)
        .compose(queued -> {
          String ticket = queued.getString("queue_ticket");
          vertx.eventBus().publish(InventoryAddresses.SOLD_OUT, new JsonObject().put("full", true).put("sold_out", new JsonArray().add(p)));
          return vertx.timer(100).compose(t -> failure(Bus.request(vertx, SalesAddresses.ADMIT,
            new JsonObject().put("buyer_id", "carol").put("product_ids", new JsonArray().add(p)).put("queue_ticket", ticket), 10_000)));
        })
        .compose(f -> {
          ctx.verify(() -> {
            assertThat(f.code()).isEqualTo(ErrorCode.OUT_OF_STOCK);
            assertThat(f.extra().getString("sale_id")).isEqualTo(sale.getString("id"));
          });
          vertx.eventBus().send(SalesAddresses.REPORT, new JsonObject().put("counts", new JsonArray()
            .add(new JsonObject().put("sale_id", sale.getString("id")).put("reason", "TOO_MANY_OPEN_CHECKOUTS").put("n", 2))));
          return vertx.timer(600);
        })
        .compose(t -> view(sale))
        .map(view -> ctx.verify(() -> {
          assertThat(view.getString("status")).isEqualTo("SOLD_OUT");
          assertThat(view.getJsonObject("refused").getLong("SOLD_OUT")).isEqualTo(1);
          assertThat(view.getJsonObject("refused").getLong("TOO_MANY_OPEN_CHECKOUTS")).isEqualTo(2);
        })))
      // the other tests' products are not sold out (also when this one failed)
      .eventually(() -> {
        vertx.eventBus().publish(InventoryAddresses.SOLD_OUT, new JsonObject().put("full", true).put("sold_out", new JsonArray()));
        return Future.succeededFuture();
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void afterTheSaleEndsNobodyQueues(VertxTestContext ctx) {
    String p = product();
    sale(p, Instant.now().plusMillis(200), Instant.now().plusMillis(1_500), 1).compose(sale -> admit("first", p, null)
        .compose(first -> admit("dave", p, null))
        .compose(queued -> {
          ctx.verify(() -> assertThat(queued.getBoolean("admitted")).isFalse());
          return vertx.timer(1_800).compose(t -> admit("dave", p, queued.getString("queue_ticket")));
        })
        .map(after -> ctx.verify(() -> assertThat(after.getBoolean("admitted")).isTrue()))
        .compose(v -> view(sale))
        .map(view -> ctx.verify(() -> assertThat(view.getString("status")).isEqualTo("ENDED"))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void twoSalesCannotOverlapOnAProduct(VertxTestContext ctx) {
    String p = product();
    sale(p, Instant.now().plusSeconds(3600), Instant.now().plusSeconds(7200), 10)
      .compose(first -> failure(as("admin-1", "admin", SalesAddresses.CREATE, new JsonObject().put("product_ids", new JsonArray().add(p))
        .put("starts_at", Instant.now().plusSeconds(5000).toString()).put("admit_per_second", 10))))
      .map(f -> ctx.verify(() -> assertThat(f.code()).isEqualTo(ErrorCode.CONFLICT)))
      .onComplete(ctx.succeedingThenComplete());
  }
}
