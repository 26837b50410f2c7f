package dev.marketplace.orders;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.InOrder;
import dev.marketplace.platform.testing.Outcomes;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
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

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The order lifecycle over the event bus, on a real PostgreSQL. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class OrdersTest {
  private static Vertx vertx;
  private static Pool sql;
  private static final String SELLER_A = UUID.randomUUID().toString();
  private static final String SELLER_B = UUID.randomUUID().toString();

  @BeforeAll
  static void up(Vertx shared, VertxTestContext ctx) {
    vertx = shared;
    JsonObject config = TestInfra.shared().config();
    vertx.deployVerticle(new OrdersVerticle(), new DeploymentOptions().setConfig(config))
      .onComplete(ctx.succeeding(id -> {
        sql = PgSupport.pool(vertx, config, 2);
        ctx.completeNow();
      }));
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    sql.close().onComplete(ctx.succeedingThenComplete());
  }

  private static Future<JsonObject> request(String address, JsonObject body, String userId, String roles) {
    DeliveryOptions options = Bus.options(10_000);
    if (userId != null) {
      options.addHeader(BusHeaders.USER_ID, userId).addHeader(BusHeaders.ROLES, roles);
    }
    return Bus.request(vertx, address, body, options);
  }

  private static Future<JsonObject> call(String address, JsonObject body) {
    return request(address, body, null, null);
  }

  private static Future<JsonObject> callAs(String user, String roles, String address, JsonObject body) {
    return request(address, body, user, roles);
  }

  /** The call must fail with {@code code} (a success fails the test too). */
  private static Future<Void> refused(VertxTestContext ctx, ErrorCode code, Future<JsonObject> call) {
    return Outcomes.refusal(call).map(failure -> {
      ctx.verify(() -> assertThat(failure.code()).isEqualTo(code));
      return null;
    });
  }

  private static JsonObject line(String seller, int quantity, long price) {
    return new JsonObject().put("product_id", UUID.randomUUID().toString()).put("seller_id", seller)
      .put("title", "Thing").put("quantity", quantity).put("unit_price", new JsonObject().put("amount", price).put("currency", "RUB"));
  }

  /** An order of {@code buyer}: 2 x 150.00 from seller A, 1 x 99.90 from seller B, 1 x 10.00 from seller A. */
  private static JsonObject newOrder(String buyer) {
    return new JsonObject().put("order_id", UUID.randomUUID().toString()).put("buyer_id", buyer).put("currency", "RUB")
      .put("lines", new JsonArray().add(line(SELLER_A, 2, 15000)).add(line(SELLER_B, 1, 9990)).add(line(SELLER_A, 1, 1000)));
  }

  private static Future<String> created(String buyer) {
    return call("orders.create", newOrder(buyer)).map(order -> order.getString("id"));
  }

  private static Future<JsonObject> move(String orderId, String to, String reason) {
    JsonObject body = new JsonObject().put("order_id", orderId).put("to", to);
    return call("orders.transition", reason == null ? body : body.put("reason", reason));
  }

  private static Future<JsonObject> transition(String orderId, String to) {
    return call("orders.transition", new JsonObject().put("order_id", orderId).put("to", to));
  }

  private static Future<JsonObject> paidOrder(String buyer) {
    return created(buyer).compose(id -> move(id, "RESERVED", null)
      .compose(v -> move(id, "PENDING_PAYMENT", null))
      .compose(v -> move(id, "PAID", null)));
  }

  private static String shipmentOf(JsonObject order, String seller) {
    return order.getJsonArray("shipments").stream().map(s -> (JsonObject) s)
      .filter(s -> s.getString("seller_id").equals(seller)).findFirst().orElseThrow().getString("id");
  }

  private static JsonObject shipment(String shipmentId) {
    return new JsonObject().put("shipment_id", shipmentId);
  }

  @Test
  void createKeepsLinesAndTotalsAndOneShipmentPerSellerAndIsIdempotent(VertxTestContext ctx) {
    String buyer = UUID.randomUUID().toString();
    JsonObject body = newOrder(buyer);
    call("orders.create", body).compose(order -> call("orders.create", body).compose(again ->
        count("SELECT count(*) FROM orders.orders WHERE id = $1", UUID.fromString(order.getString("id"))).map(rows -> ctx.verify(() -> {
          assertThat(again).isEqualTo(order);
          assertThat(order.getString("status")).isEqualTo("NEW");
          assertThat(order.getJsonObject("total")).isEqualTo(new JsonObject().put("amount", 2 * 15000 + 9990 + 1000).put("currency", "RUB"));
          assertThat(order.getJsonArray("lines")).hasSize(3);
          assertThat(order.getJsonArray("lines").getJsonObject(0).getJsonObject("line_total").getLong("amount")).isEqualTo(30000L);
          JsonArray shipments = order.getJsonArray("shipments");
          assertThat(shipments).hasSize(2);
          JsonObject ofA = shipments.stream().map(s -> (JsonObject) s).filter(s -> s.getString("seller_id").equals(SELLER_A)).findFirst().orElseThrow();
          assertThat(ofA.getJsonArray("lines")).hasSize(2);
          assertThat(ofA.getJsonObject("total").getLong("amount")).isEqualTo(31000L);
          assertThat(ofA.getString("status")).isEqualTo("PENDING");
          assertThat(rows).isEqualTo(1);
        }))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void illegalTransitionsAreRefusedAndTheSameStateIsANoOp(VertxTestContext ctx) {
    created(UUID.randomUUID().toString()).compose(id ->
        InOrder.each(List.of("PAID", "PENDING_PAYMENT", "SHIPPED", "DELIVERED", "REFUNDED"), to -> Outcomes.refusal(transition(id, to))
            .map(failure -> ctx.verify(() -> assertThat(failure.code()).as("NEW -> %s", to).isEqualTo(ErrorCode.ILLEGAL_STATE))))
          .compose(v -> move(id, "RESERVED", null))
          .compose(v -> move(id, "RESERVED", null))
          .map(same -> ctx.verify(() -> assertThat(same.getJsonArray("history")).hasSize(2)))
          .compose(v -> move(id, "CANCELLED", "OUT_OF_STOCK"))
          .compose(v -> refused(ctx, ErrorCode.ILLEGAL_STATE, transition(id, "PAID")))
          .compose(v -> move(id, "REFUNDED", null))
          .map(refunded -> ctx.verify(() -> assertThat(refunded.getString("status")).isEqualTo("REFUNDED")))
          .compose(v -> refused(ctx, ErrorCode.ILLEGAL_STATE,
            call("orders.transition", new JsonObject().put("order_id", id).put("to", "CANCELLED").put("reason", "X"))))
          .compose(v -> refused(ctx, ErrorCode.VALIDATION_FAILED, transition(id, "CANCELLED")))
          .compose(v -> refused(ctx, ErrorCode.NOT_FOUND, transition(UUID.randomUUID().toString(), "RESERVED"))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theOrderFollowsItsShipmentsAndTheHistoryIsComplete(VertxTestContext ctx) {
    String buyer = UUID.randomUUID().toString();
    paidOrder(buyer).compose(order -> {
      String id = order.getString("id");
      String ofA = shipmentOf(order, SELLER_A);
      String ofB = shipmentOf(order, SELLER_B);
      return callAs(SELLER_A, "seller", "orders.shipment.ship", shipment(ofA))
        .map(shipped -> ctx.verify(() -> {
          assertThat(shipped.getString("status")).isEqualTo("SHIPPED");
          assertThat(shipped.getString("order_status")).isEqualTo("PAID");
        }))
        // a shipment not shipped yet cannot be delivered
        .compose(v -> refused(ctx, ErrorCode.ILLEGAL_STATE, request("orders.shipment.deliver", shipment(ofB), SELLER_B, "seller")))
        .compose(v -> callAs(SELLER_B, "seller", "orders.shipment.ship", shipment(ofB)))
        .map(shipped -> ctx.verify(() -> assertThat(shipped.getString("order_status")).isEqualTo("SHIPPED")))
        .compose(v -> callAs(SELLER_A, "seller", "orders.shipment.deliver", shipment(ofA)))
        .compose(v -> callAs(SELLER_B, "seller", "orders.shipment.deliver", shipment(ofB)))
        .map(delivered -> ctx.verify(() -> assertThat(delivered.getString("order_status")).isEqualTo("DELIVERED")))
        .compose(v -> callAs(buyer, "buyer", "orders.view", new JsonObject().put("order_id", id)))
        .map(done -> ctx.verify(() -> {
          List<JsonObject> history = done.getJsonArray("history").stream().map(h -> (JsonObject) h).toList();
          assertThat(history).extracting(h -> h.getString("status"))
            .containsExactly("NEW", "RESERVED", "PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED");
          assertThat(history).extracting(h -> h.getString("reason"))
            .containsExactly("ORDER_CREATED", "STOCK_RESERVED", "PAYMENT_STARTED", "PAYMENT_CAPTURED", "ALL_SHIPMENTS_SHIPPED", "ALL_SHIPMENTS_DELIVERED");
          assertThat(history).allSatisfy(h -> assertThat(h.getString("at")).isNotBlank());
        }))
        .compose(v -> sql.preparedQuery("SELECT payload::text FROM orders.outbox WHERE record_key = $1 ORDER BY id").execute(Tuple.of(id)))
        .map(rows -> ctx.verify(() -> {
          List<String> events = new ArrayList<>();
          rows.forEach(r -> events.add(EventEnvelope.fromJson(new JsonObject(r.getString(0))).type()));
          assertThat(events).containsExactly("OrderCreated", "OrderReserved", "OrderAwaitingPayment", "OrderPaid",
            "ShipmentShipped", "ShipmentShipped", "OrderShipped", "ShipmentDelivered", "ShipmentDelivered", "OrderDelivered");
        }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void sellersSeeAndMoveOnlyTheirOwnShipmentsOfPaidOrders(VertxTestContext ctx) {
    String buyer = UUID.randomUUID().toString();
    created(buyer).compose(unpaid -> paidOrder(buyer).compose(order -> {
      String ofA = shipmentOf(order, SELLER_A);
      return callAs(SELLER_A, "seller", "orders.seller.shipments", new JsonObject())
        .map(page -> ctx.verify(() -> {
          List<JsonObject> seen = page.getJsonArray("items").stream().map(s -> (JsonObject) s).toList();
          assertThat(seen).extracting(s -> s.getString("order_id")).contains(order.getString("id")).doesNotContain(unpaid);
          assertThat(seen).allSatisfy(s -> assertThat(s.getString("seller_id")).isEqualTo(SELLER_A));
          assertThat(seen.stream().filter(s -> s.getString("id").equals(ofA)).findFirst().orElseThrow().getJsonArray("lines")).hasSize(2);
        }))
        .compose(v -> refused(ctx, ErrorCode.NOT_FOUND, request("orders.shipment.ship", shipment(ofA), SELLER_B, "seller")))
        .compose(v -> refused(ctx, ErrorCode.FORBIDDEN, request("orders.shipment.ship", shipment(ofA), buyer, "buyer")))
        .compose(v -> call("orders.get", new JsonObject().put("order_id", unpaid)))
        .compose(unpaidOrder -> refused(ctx, ErrorCode.ILLEGAL_STATE,
          request("orders.shipment.ship", shipment(shipmentOf(unpaidOrder, SELLER_A)), SELLER_A, "seller")));
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anotherBuyersOrderIsNotFoundForViewingAndCancelling(VertxTestContext ctx) {
    String owner = UUID.randomUUID().toString();
    String other = UUID.randomUUID().toString();
    created(owner).compose(id -> {
      JsonObject ask = new JsonObject().put("order_id", id);
      return refused(ctx, ErrorCode.NOT_FOUND, request("orders.view", ask, other, "buyer"))
        .compose(v -> refused(ctx, ErrorCode.NOT_FOUND, request("orders.cancel", ask, other, "buyer")))
        .compose(v -> refused(ctx, ErrorCode.UNAUTHORIZED, request("orders.view", ask, null, null)))
        .compose(v -> callAs(other, "buyer", "orders.list", new JsonObject()))
        .map(list -> ctx.verify(() -> assertThat(list.getJsonArray("items")).isEmpty()))
        .compose(v -> call("orders.get", ask))
        .map(order -> ctx.verify(() -> assertThat(order.getString("status")).isEqualTo("NEW")))
        // an admin may look
        .compose(v -> callAs(UUID.randomUUID().toString(), "admin", "orders.view", ask))
        .map(order -> ctx.verify(() -> assertThat(order.getString("id")).isEqualTo(id)));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theBuyerCancelsInAllowedStatesOnly(VertxTestContext ctx) {
    String buyer = UUID.randomUUID().toString();
    created(buyer).compose(id -> {
      JsonObject ask = new JsonObject().put("order_id", id);
      return move(id, "RESERVED", null)
        .compose(v -> move(id, "PENDING_PAYMENT", null))
        .compose(v -> callAs(buyer, "buyer", "orders.cancel", ask))
        .map(cancelled -> ctx.verify(() -> {
          assertThat(cancelled.getString("status")).isEqualTo("CANCELLED");
          JsonObject last = cancelled.getJsonArray("history").getJsonObject(cancelled.getJsonArray("history").size() - 1);
          assertThat(last.getString("reason")).isEqualTo("BUYER_CANCELLED");
          assertThat(cancelled.getJsonArray("shipments").getJsonObject(0).getString("status")).isEqualTo("CANCELLED");
        }))
        .compose(v -> callAs(buyer, "buyer", "orders.cancel", ask))
        .map(again -> ctx.verify(() -> assertThat(again.getJsonArray("history")).hasSize(4)))
        .compose(v -> sql.preparedQuery("SELECT payload::text FROM orders.outbox WHERE record_key = $1 ORDER BY id DESC LIMIT 1")
          .execute(Tuple.of(id)))
        .map(rows -> ctx.verify(() -> {
          JsonObject event = new JsonObject(rows.iterator().next().getString(0));
          assertThat(event.getString("type")).isEqualTo("OrderCancelled");
          assertThat(event.getJsonObject("data").getString("reason")).isEqualTo("BUYER_CANCELLED");
        }));
    })
      // a shipped order cannot be cancelled
      .compose(v -> paidOrder(buyer))
      .compose(paid -> callAs(SELLER_A, "seller", "orders.shipment.ship", shipment(shipmentOf(paid, SELLER_A)))
        .compose(shipped -> refused(ctx, ErrorCode.ILLEGAL_STATE,
          request("orders.cancel", new JsonObject().put("order_id", paid.getString("id")), buyer, "buyer"))))
      // a paid one can
      .compose(v -> paidOrder(buyer))
      .compose(paid2 -> callAs(buyer, "buyer", "orders.cancel", new JsonObject().put("order_id", paid2.getString("id"))))
      .map(cancelled -> ctx.verify(() -> assertThat(cancelled.getString("status")).isEqualTo("CANCELLED")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theBuyersOrdersArePagedNewestFirst(VertxTestContext ctx) {
    String buyer = UUID.randomUUID().toString();
    InOrder.run(() -> created(buyer), () -> created(buyer), () -> created(buyer))
      .compose(v -> callAs(buyer, "buyer", "orders.list", new JsonObject().put("limit", 2)))
      .compose(first -> {
        ctx.verify(() -> assertThat(first.getJsonArray("items")).hasSize(2));
        return callAs(buyer, "buyer", "orders.list", new JsonObject().put("limit", 2).put("cursor", first.getString("next_cursor")));
      })
      .map(second -> ctx.verify(() -> {
        assertThat(second.getJsonArray("items")).hasSize(1);
        assertThat(second.getString("next_cursor")).isNull();
      }))
      .compose(v -> refused(ctx, ErrorCode.VALIDATION_FAILED, request("orders.list", new JsonObject().put("cursor", "bogus"), buyer, "buyer")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aPageOfTheBuyersOrdersIsEachOrderAsItsOwnReadShowsItAndTheCursorIsTheLastOnesPosition(VertxTestContext ctx) {
    String buyer = UUID.randomUUID().toString();
    List<String> ids = new ArrayList<>();
    JsonObject single = new JsonObject().put("order_id", UUID.randomUUID().toString()).put("buyer_id", buyer).put("currency", "RUB")
      .put("lines", new JsonArray().add(line(SELLER_B, 3, 500)));
    created(buyer).map(ids::add)
      .compose(v -> paidOrder(buyer))
      .compose(paid -> {
        ids.add(paid.getString("id"));
        // one shipment shipped, the other not yet: shipped_at set on one only
        return callAs(SELLER_A, "seller", "orders.shipment.ship", shipment(shipmentOf(paid, SELLER_A)))
          .compose(v -> call("orders.create", single))
          .map(order -> ids.add(order.getString("id")))
          .compose(v -> paidOrder(buyer))
          .compose(cancelled -> callAs(buyer, "buyer", "orders.cancel", new JsonObject().put("order_id", cancelled.getString("id")))
            .map(v -> ids.add(cancelled.getString("id"))))
          .compose(v -> created(buyer))
          .map(ids::add)
          // another buyer's order is never on the page
          .compose(v -> created(UUID.randomUUID().toString()))
          // each order as orders.get shows it (what every item of the list was before), newest first
          .compose(v -> InOrder.run(ids.stream().<java.util.function.Supplier<Future<JsonObject>>>map(
            id -> () -> call("orders.get", new JsonObject().put("order_id", id))).toList()))
          .compose(reads -> {
            List<JsonObject> expected = new ArrayList<>(reads);
            expected.sort(Comparator.comparing((JsonObject o) -> o.getString("created_at")).thenComparing(o -> o.getString("id"))
              .reversed());
            List<JsonObject> listed = new ArrayList<>();
            return callAs(buyer, "buyer", "orders.list", new JsonObject().put("limit", 2))
              .compose(page -> readPages(ctx, buyer, page, listed, 1))
              .map(pages -> ctx.verify(() -> {
                assertThat(pages).isEqualTo(3);
                assertThat(listed).containsExactlyElementsOf(expected);
                JsonObject shippedOne = listed.stream().filter(o -> o.getString("id").equals(paid.getString("id"))).findFirst().orElseThrow();
                assertThat(shippedOne.getJsonArray("shipments").stream().map(x -> ((JsonObject) x).getString("shipped_at")))
                  .filteredOn(Objects::nonNull).hasSize(1);
                assertThat(shippedOne.getJsonArray("history")).hasSize(4);
              }))
              // all on one page too
              .compose(v -> callAs(buyer, "buyer", "orders.list", new JsonObject().put("limit", 100)))
              .map(all -> ctx.verify(() -> assertThat(all.getJsonArray("items")).containsExactlyElementsOf(expected)));
          });
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  /** Follows the cursors from {@code page} to the last page, collecting the items; how many pages there were. */
  private static Future<Integer> readPages(VertxTestContext ctx, String buyer, JsonObject page, List<JsonObject> listed, int pages) {
    JsonArray items = page.getJsonArray("items");
    items.forEach(i -> listed.add((JsonObject) i));
    String next = page.getString("next_cursor");
    if (next == null) {
      return Future.succeededFuture(pages);
    }
    JsonObject last = items.getJsonObject(items.size() - 1);
    ctx.verify(() -> assertThat(next).isEqualTo(last.getString("created_at") + "_" + last.getString("id")));
    return callAs(buyer, "buyer", "orders.list", new JsonObject().put("limit", 2).put("cursor", next))
      .compose(following -> readPages(ctx, buyer, following, listed, pages + 1));
  }

  @Test
  void badOrdersAreRefusedFieldByField(VertxTestContext ctx) {
    JsonObject body = new JsonObject().put("order_id", UUID.randomUUID().toString()).put("buyer_id", "x").put("currency", "rub")
      .put("lines", new JsonArray().add(new JsonObject().put("product_id", UUID.randomUUID().toString())
        .put("seller_id", SELLER_A).put("title", "T").put("quantity", 1).put("unit_price", 10.5)));
    Outcomes.refusal(call("orders.create", body))
      .map(failure -> ctx.verify(() -> {
        assertThat(failure.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(failure.extra().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
          .containsExactlyInAnyOrder("buyer_id", "currency", "lines[0].unit_price");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Long> count(String query, Object arg) {
    return sql.preparedQuery(query).execute(Tuple.of(arg)).map(rows -> rows.iterator().next().getLong(0));
  }
}
