package dev.marketplace.orders;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** The order lifecycle over the event bus, on a real PostgreSQL. */
class OrdersTest {
  private static Vertx vertx;
  private static Pool sql;
  private static final String SELLER_A = UUID.randomUUID().toString();
  private static final String SELLER_B = UUID.randomUUID().toString();

  @BeforeAll
  static void up() {
    vertx = Vertx.vertx();
    JsonObject config = TestInfra.shared().config();
    await(vertx.deployVerticle(new OrdersVerticle(), new DeploymentOptions().setConfig(config)));
    sql = PgSupport.pool(vertx, config, 2);
  }

  @AfterAll
  static void down() {
    await(sql.close());
    await(vertx.close());
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Future<JsonObject> request(String address, JsonObject body, String userId, String roles) {
    DeliveryOptions options = Bus.options(10_000);
    if (userId != null) {
      options.addHeader(BusHeaders.USER_ID, userId).addHeader(BusHeaders.ROLES, roles);
    }
    return Bus.request(vertx, address, body, options);
  }

  private static JsonObject call(String address, JsonObject body) {
    return await(request(address, body, null, null));
  }

  private static JsonObject callAs(String user, String roles, String address, JsonObject body) {
    return await(request(address, body, user, roles));
  }

  private static ServiceFailure failure(Future<JsonObject> call) {
    try {
      call.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return ServiceFailure.from(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return fail("expected a failure");
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

  private static JsonObject move(String orderId, String to, String reason) {
    JsonObject body = new JsonObject().put("order_id", orderId).put("to", to);
    return call("orders.transition", reason == null ? body : body.put("reason", reason));
  }

  private static JsonObject paidOrder(String buyer) {
    String id = call("orders.create", newOrder(buyer)).getString("id");
    move(id, "RESERVED", null);
    move(id, "PENDING_PAYMENT", null);
    return move(id, "PAID", null);
  }

  private static String shipmentOf(JsonObject order, String seller) {
    return order.getJsonArray("shipments").stream().map(s -> (JsonObject) s)
      .filter(s -> s.getString("seller_id").equals(seller)).findFirst().orElseThrow().getString("id");
  }

  @Test
  void createKeepsLinesAndTotalsAndOneShipmentPerSellerAndIsIdempotent() {
    String buyer = UUID.randomUUID().toString();
    JsonObject body = newOrder(buyer);
    JsonObject order = call("orders.create", body);
    JsonObject again = call("orders.create", body);

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
    assertThat(count("SELECT count(*) FROM orders.orders WHERE id = $1", UUID.fromString(order.getString("id")))).isEqualTo(1);
  }

  @Test
  void illegalTransitionsAreRefusedAndTheSameStateIsANoOp() {
    String id = call("orders.create", newOrder(UUID.randomUUID().toString())).getString("id");

    for (String to : List.of("PAID", "PENDING_PAYMENT", "SHIPPED", "DELIVERED", "REFUNDED")) {
      assertThat(failure(request("orders.transition", new JsonObject().put("order_id", id).put("to", to), null, null)).code())
        .as("NEW -> %s", to).isEqualTo(ErrorCode.ILLEGAL_STATE);
    }
    move(id, "RESERVED", null);
    JsonObject same = move(id, "RESERVED", null);
    assertThat(same.getJsonArray("history")).hasSize(2);
    move(id, "CANCELLED", "OUT_OF_STOCK");
    assertThat(failure(request("orders.transition", new JsonObject().put("order_id", id).put("to", "PAID"), null, null)).code())
      .isEqualTo(ErrorCode.ILLEGAL_STATE);
    assertThat(move(id, "REFUNDED", null).getString("status")).isEqualTo("REFUNDED");
    assertThat(failure(request("orders.transition", new JsonObject().put("order_id", id).put("to", "CANCELLED").put("reason", "X"), null, null))
      .code()).isEqualTo(ErrorCode.ILLEGAL_STATE);
    assertThat(failure(request("orders.transition", new JsonObject().put("order_id", id).put("to", "CANCELLED"), null, null)).code())
      .isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(failure(request("orders.transition", new JsonObject().put("order_id", UUID.randomUUID().toString()).put("to", "RESERVED"), null, null))
      .code()).isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void theOrderFollowsItsShipmentsAndTheHistoryIsComplete() {
    String buyer = UUID.randomUUID().toString();
    JsonObject order = paidOrder(buyer);
    String id = order.getString("id");
    String ofA = shipmentOf(order, SELLER_A);
    String ofB = shipmentOf(order, SELLER_B);

    JsonObject shipped = callAs(SELLER_A, "seller", "orders.shipment.ship", new JsonObject().put("shipment_id", ofA));
    assertThat(shipped.getString("status")).isEqualTo("SHIPPED");
    assertThat(shipped.getString("order_status")).isEqualTo("PAID");
    // a shipment not shipped yet cannot be delivered
    assertThat(failure(request("orders.shipment.deliver", new JsonObject().put("shipment_id", ofB), SELLER_B, "seller")).code())
      .isEqualTo(ErrorCode.ILLEGAL_STATE);
    assertThat(callAs(SELLER_B, "seller", "orders.shipment.ship", new JsonObject().put("shipment_id", ofB)).getString("order_status"))
      .isEqualTo("SHIPPED");
    callAs(SELLER_A, "seller", "orders.shipment.deliver", new JsonObject().put("shipment_id", ofA));
    assertThat(callAs(SELLER_B, "seller", "orders.shipment.deliver", new JsonObject().put("shipment_id", ofB)).getString("order_status"))
      .isEqualTo("DELIVERED");

    JsonObject done = callAs(buyer, "buyer", "orders.view", new JsonObject().put("order_id", id));
    List<JsonObject> history = done.getJsonArray("history").stream().map(h -> (JsonObject) h).toList();
    assertThat(history).extracting(h -> h.getString("status"))
      .containsExactly("NEW", "RESERVED", "PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED");
    assertThat(history).extracting(h -> h.getString("reason"))
      .containsExactly("ORDER_CREATED", "STOCK_RESERVED", "PAYMENT_STARTED", "PAYMENT_CAPTURED", "ALL_SHIPMENTS_SHIPPED", "ALL_SHIPMENTS_DELIVERED");
    assertThat(history).allSatisfy(h -> assertThat(h.getString("at")).isNotBlank());

    List<String> events = await(sql.preparedQuery("SELECT payload::text FROM orders.outbox WHERE record_key = $1 ORDER BY id")
      .execute(Tuple.of(id))).stream().map(r -> EventEnvelope.fromJson(new JsonObject(r.getString(0))).type()).toList();
    assertThat(events).containsExactly("OrderCreated", "OrderReserved", "OrderAwaitingPayment", "OrderPaid",
      "ShipmentShipped", "ShipmentShipped", "OrderShipped", "ShipmentDelivered", "ShipmentDelivered", "OrderDelivered");
  }

  @Test
  void sellersSeeAndMoveOnlyTheirOwnShipmentsOfPaidOrders() {
    String buyer = UUID.randomUUID().toString();
    String unpaid = call("orders.create", newOrder(buyer)).getString("id");
    JsonObject order = paidOrder(buyer);
    String ofA = shipmentOf(order, SELLER_A);

    List<JsonObject> seen = callAs(SELLER_A, "seller", "orders.seller.shipments", new JsonObject())
      .getJsonArray("items").stream().map(s -> (JsonObject) s).toList();
    assertThat(seen).extracting(s -> s.getString("order_id")).contains(order.getString("id")).doesNotContain(unpaid);
    assertThat(seen).allSatisfy(s -> assertThat(s.getString("seller_id")).isEqualTo(SELLER_A));
    assertThat(seen.stream().filter(s -> s.getString("id").equals(ofA)).findFirst().orElseThrow().getJsonArray("lines")).hasSize(2);

    assertThat(failure(request("orders.shipment.ship", new JsonObject().put("shipment_id", ofA), SELLER_B, "seller")).code())
      .isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure(request("orders.shipment.ship", new JsonObject().put("shipment_id", ofA), buyer, "buyer")).code())
      .isEqualTo(ErrorCode.FORBIDDEN);
    String unpaidShipment = shipmentOf(call("orders.get", new JsonObject().put("order_id", unpaid)), SELLER_A);
    assertThat(failure(request("orders.shipment.ship", new JsonObject().put("shipment_id", unpaidShipment), SELLER_A, "seller")).code())
      .isEqualTo(ErrorCode.ILLEGAL_STATE);
  }

  @Test
  void anotherBuyersOrderIsNotFoundForViewingAndCancelling() {
    String owner = UUID.randomUUID().toString();
    String other = UUID.randomUUID().toString();
    String id = call("orders.create", newOrder(owner)).getString("id");
    JsonObject ask = new JsonObject().put("order_id", id);

    assertThat(failure(request("orders.view", ask, other, "buyer")).code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure(request("orders.cancel", ask, other, "buyer")).code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure(request("orders.view", ask, null, null)).code()).isEqualTo(ErrorCode.UNAUTHORIZED);
    assertThat(callAs(other, "buyer", "orders.list", new JsonObject()).getJsonArray("items")).isEmpty();
    assertThat(call("orders.get", ask).getString("status")).isEqualTo("NEW");
    // an admin may look
    assertThat(callAs(UUID.randomUUID().toString(), "admin", "orders.view", ask).getString("id")).isEqualTo(id);
  }

  @Test
  void theBuyerCancelsInAllowedStatesOnly() {
    String buyer = UUID.randomUUID().toString();
    String id = call("orders.create", newOrder(buyer)).getString("id");
    move(id, "RESERVED", null);
    move(id, "PENDING_PAYMENT", null);
    JsonObject ask = new JsonObject().put("order_id", id);

    JsonObject cancelled = callAs(buyer, "buyer", "orders.cancel", ask);
    assertThat(cancelled.getString("status")).isEqualTo("CANCELLED");
    JsonObject last = cancelled.getJsonArray("history").getJsonObject(cancelled.getJsonArray("history").size() - 1);
    assertThat(last.getString("reason")).isEqualTo("BUYER_CANCELLED");
    assertThat(cancelled.getJsonArray("shipments").getJsonObject(0).getString("status")).isEqualTo("CANCELLED");
    assertThat(callAs(buyer, "buyer", "orders.cancel", ask).getJsonArray("history")).hasSize(4);
    JsonObject event = new JsonObject(await(sql.preparedQuery(
        "SELECT payload::text FROM orders.outbox WHERE record_key = $1 ORDER BY id DESC LIMIT 1").execute(Tuple.of(id)))
      .iterator().next().getString(0));
    assertThat(event.getString("type")).isEqualTo("OrderCancelled");
    assertThat(event.getJsonObject("data").getString("reason")).isEqualTo("BUYER_CANCELLED");

    // a shipped order cannot be cancelled
    JsonObject paid = paidOrder(buyer);
    callAs(SELLER_A, "seller", "orders.shipment.ship", new JsonObject().put("shipment_id", shipmentOf(paid, SELLER_A)));
    assertThat(failure(request("orders.cancel", new JsonObject().put("order_id", paid.getString("id")), buyer, "buyer")).code())
      .isEqualTo(ErrorCode.ILLEGAL_STATE);
    // a paid one can
    JsonObject paid2 = paidOrder(buyer);
    assertThat(callAs(buyer, "buyer", "orders.cancel", new JsonObject().put("order_id", paid2.getString("id"))).getString("status"))
      .isEqualTo("CANCELLED");
  }

  @Test
  void theBuyersOrdersArePagedNewestFirst() {
    String buyer = UUID.randomUUID().toString();
    for (int i = 0; i < 3; i++) {
      call("orders.create", newOrder(buyer));
    }
    JsonObject first = callAs(buyer, "buyer", "orders.list", new JsonObject().put("limit", 2));
    assertThat(first.getJsonArray("items")).hasSize(2);
    JsonObject second = callAs(buyer, "buyer", "orders.list", new JsonObject().put("limit", 2).put("cursor", first.getString("next_cursor")));
    assertThat(second.getJsonArray("items")).hasSize(1);
    assertThat(second.getString("next_cursor")).isNull();
    assertThat(failure(request("orders.list", new JsonObject().put("cursor", "bogus"), buyer, "buyer")).code())
      .isEqualTo(ErrorCode.VALIDATION_FAILED);
  }

  @Test
  void aPageOfTheBuyersOrdersIsEachOrderAsItsOwnReadShowsItAndTheCursorIsTheLastOnesPosition() {
    String buyer = UUID.randomUUID().toString();
    List<String> ids = new java.util.ArrayList<>();
    ids.add(call("orders.create", newOrder(buyer)).getString("id"));
    JsonObject paid = paidOrder(buyer);
    ids.add(paid.getString("id"));
    // one shipment shipped, the other not yet: shipped_at set on one only
    callAs(SELLER_A, "seller", "orders.shipment.ship", new JsonObject().put("shipment_id", shipmentOf(paid, SELLER_A)));
    JsonObject single = new JsonObject().put("order_id", UUID.randomUUID().toString()).put("buyer_id", buyer).put("currency", "RUB")
      .put("lines", new JsonArray().add(line(SELLER_B, 3, 500)));
    ids.add(call("orders.create", single).getString("id"));
    JsonObject cancelled = paidOrder(buyer);
    callAs(buyer, "buyer", "orders.cancel", new JsonObject().put("order_id", cancelled.getString("id")));
    ids.add(cancelled.getString("id"));
    ids.add(call("orders.create", newOrder(buyer)).getString("id"));
    // another buyer's order is never on the page
    call("orders.create", newOrder(UUID.randomUUID().toString()));
    // each order as orders.get shows it (what every item of the list was before), newest first
    List<JsonObject> expected = new java.util.ArrayList<>();
    for (String id : ids) {
      expected.add(call("orders.get", new JsonObject().put("order_id", id)));
    }
    expected.sort(java.util.Comparator.comparing((JsonObject o) -> o.getString("created_at")).thenComparing(o -> o.getString("id"))
      .reversed());

    List<JsonObject> listed = new java.util.ArrayList<>();
    JsonObject page = callAs(buyer, "buyer", "orders.list", new JsonObject().put("limit", 2));
    int pages = 1;
    while (true) {
      JsonArray items = page.getJsonArray("items");
      items.forEach(i -> listed.add((JsonObject) i));
      String next = page.getString("next_cursor");
      if (next == null) {
        break;
      }
      JsonObject last = items.getJsonObject(items.size() - 1);
      assertThat(next).isEqualTo(last.getString("created_at") + "_" + last.getString("id"));
      page = callAs(buyer, "buyer", "orders.list", new JsonObject().put("limit", 2).put("cursor", next));
      pages++;
    }

    assertThat(pages).isEqualTo(3);
    assertThat(listed).containsExactlyElementsOf(expected);
    JsonObject shippedOne = listed.stream().filter(o -> o.getString("id").equals(paid.getString("id"))).findFirst().orElseThrow();
    assertThat(shippedOne.getJsonArray("shipments").stream().map(x -> ((JsonObject) x).getString("shipped_at")))
      .filteredOn(java.util.Objects::nonNull).hasSize(1);
    assertThat(shippedOne.getJsonArray("history")).hasSize(4);
    // all on one page too
    assertThat(callAs(buyer, "buyer", "orders.list", new JsonObject().put("limit", 100)).getJsonArray("items"))
      .containsExactlyElementsOf(expected);
  }

  @Test
  void badOrdersAreRefusedFieldByField() {
    JsonObject body = new JsonObject().put("order_id", UUID.randomUUID().toString()).put("buyer_id", "x").put("currency", "rub")
      .put("lines", new JsonArray().add(new JsonObject().put("product_id", UUID.randomUUID().toString())
        .put("seller_id", SELLER_A).put("title", "T").put("quantity", 1).put("unit_price", 10.5)));
    ServiceFailure failure = failure(request("orders.create", body, null, null));
    assertThat(failure.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(failure.extra().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
      .containsExactlyInAnyOrder("buyer_id", "currency", "lines[0].unit_price");
  }

  private static long count(String query, Object arg) {
    return await(sql.preparedQuery(query).execute(Tuple.of(arg))).iterator().next().getLong(0);
  }
}
