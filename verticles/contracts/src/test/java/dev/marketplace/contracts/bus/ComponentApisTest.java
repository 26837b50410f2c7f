package dev.marketplace.contracts.bus;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.Money;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.auth.AuthApi;
import dev.marketplace.contracts.cart.CartApi;
import dev.marketplace.contracts.catalog.CatalogApi;
import dev.marketplace.contracts.checkout.CheckoutApi;
import dev.marketplace.contracts.inventory.InventoryApi;
import dev.marketplace.contracts.orders.OrderStatus;
import dev.marketplace.contracts.orders.OrdersApi;
import dev.marketplace.contracts.payment.PaymentApi;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The typed component interfaces: well-formed, and their codecs speak the documented JSON. */
class ComponentApisTest {
  static final List<Class<?>> APIS = List.of(AuthApi.class, CatalogApi.class, CartApi.class, CheckoutApi.class, InventoryApi.class,
    dev.marketplace.contracts.notification.NotificationApi.class, dev.marketplace.contracts.sales.SalesApi.class,
    OrdersApi.class, PaymentApi.class);

  @Test
  void everyApiHasOperationsAtItsComponentsAddressesEachCalledByOneOfItsMethods() {
    Set<String> addresses = new HashSet<>();
    for (Class<?> api : APIS) {
      List<Operation<?, ?>> operations = Operations.of(api);
      assertThat(operations).as(api.getSimpleName()).isNotEmpty();
      for (Operation<?, ?> op : operations) {
        String component = op.address().substring(0, op.address().indexOf('.'));
        assertThat(Components.BACKEND).as(op.address()).contains(component);
        assertThat(api.getSimpleName().toLowerCase()).as(op.address()).startsWith(component);
        assertThat(addresses.add(op.address())).as("one operation per address: " + op.address()).isTrue();
        assertThat(op.request()).isNotNull();
        assertThat(op.reply()).isNotNull();
      }
      // each operation is sent by a typed method: record every call the default methods make
      List<String> called = new ArrayList<>();
      Invoker recorder = new Invoker() {
        @Override
        public <Req, Rep> Future<Rep> call(Operation<Req, Rep> operation, Req request) {
          called.add(operation.address());
          return Future.succeededFuture();
        }
      };
      Object client = java.lang.reflect.Proxy.newProxyInstance(api.getClassLoader(), new Class<?>[] {api}, (proxy, method, args) -> {
        if (method.getName().equals("call")) {
          return recorder.call((Operation<Object, Object>) args[0], args[1]);
        }
        return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
      });
      for (Method method : api.getDeclaredMethods()) {
        if (method.isDefault()) {
          assertThat(method.getReturnType()).as(method.getName()).isEqualTo(Future.class);
          Object[] args = new Object[method.getParameterCount()];
          try {
            method.invoke(client, args);
          } catch (ReflectiveOperationException e) {
            // a method that builds its request from the arguments refuses nulls: give it real ones
            args = sampleArgs(method);
            try {
              method.invoke(client, args);
            } catch (ReflectiveOperationException again) {
              throw new AssertionError(method.toString(), again);
            }
          }
        }
      }
      Set<String> declared = new HashSet<>();
      operations.forEach(op -> declared.add(op.address()));
      assertThat(new HashSet<>(called)).as(api.getSimpleName() + ": operations sent by its methods").isEqualTo(declared);
      assertThat(java.util.Arrays.stream(api.getDeclaredMethods()).filter(m -> Modifier.isStatic(m.getModifiers()) && m.getName().equals("over")))
        .as(api.getSimpleName() + ".over(Invoker)").hasSize(1);
    }
  }

  private static Object[] sampleArgs(Method method) {
    Object[] args = new Object[method.getParameterCount()];
    Class<?>[] types = method.getParameterTypes();
    for (int i = 0; i < types.length; i++) {
      args[i] = types[i] == UUID.class ? UUID.randomUUID() : types[i] == String.class ? "X" : types[i] == List.class ? List.of() : null;
    }
    return args;
  }

  @Test
  void aReserveRequestTravelsAsTheDocumentedJsonAndComesBackEqual() {
    UUID r = UUID.randomUUID();
    UUID o = UUID.randomUUID();
    UUID b = UUID.randomUUID();
    UUID p = UUID.randomUUID();
    InventoryApi.ReserveRequest request = new InventoryApi.ReserveRequest(r, o, b.toString(), List.of(new InventoryApi.Line(p.toString(), 2)), 900);
    JsonObject json = InventoryApi.RESERVE.request().encode(request);
    assertThat(json).isEqualTo(new JsonObject().put("reservation_id", r.toString()).put("order_id", o.toString()).put("buyer_id", b.toString())
      .put("lines", new JsonArray().add(new JsonObject().put("product_id", p.toString()).put("quantity", 2))).put("ttl_seconds", 900));
    assertThat(InventoryApi.RESERVE.request().decode(json)).isEqualTo(request);
  }

  @Test
  void aMalformedRequestIsRefusedWithEveryOffendingField() {
    JsonObject body = new JsonObject().put("reservation_id", "nope").put("lines", new JsonArray().add(new JsonObject().put("quantity", 0)))
      .put("extra", 1);
    ReplyException e = catchThrowableOfType(ReplyException.class, () -> InventoryApi.RESERVE.request().decode(body));
    ServiceFailure f = ServiceFailure.from(e);
    assertThat(f.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(f.extra().getJsonArray("errors").stream().map(x -> ((JsonObject) x).getString("field")))
      .containsExactlyInAnyOrder("extra", "reservation_id", "order_id", "buyer_id", "lines[0].product_id", "lines[0].quantity");
  }

  @Test
  void anOrdersUnitPriceIsMoneyOnly() {
    UUID id = UUID.randomUUID();
    JsonObject line = new JsonObject().put("product_id", id.toString()).put("seller_id", id.toString()).put("title", "T").put("quantity", 1);
    JsonObject body = new JsonObject().put("order_id", id.toString()).put("buyer_id", id.toString()).put("currency", "RUB");
    OrdersApi.NewOrder order = OrdersApi.CREATE.request().decode(body.copy()
      .put("lines", new JsonArray().add(line.copy().put("unit_price", Money.rub(500).toJson()))));
    assertThat(order.lines()).singleElement().satisfies(l -> assertThat(l.unitPrice()).isEqualTo(Money.rub(500)));
    assertThat(order.brief()).isFalse();
    ReplyException bare = catchThrowableOfType(ReplyException.class, () -> OrdersApi.CREATE.request().decode(body.copy()
      .put("lines", new JsonArray().add(line.copy().put("unit_price", 500)))));
    assertThat(ServiceFailure.from(bare).extra().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("lines[0].unit_price");
  }

  @Test
  void aBriefTransitionAsksForTheHeadAndAnOrdersHeadReadsTyped() {
    UUID id = UUID.randomUUID();
    JsonObject json = OrdersApi.TRANSITION.request().encode(new OrdersApi.Transition(id, OrderStatus.CANCELLED, "OUT_OF_STOCK", true));
    assertThat(json).isEqualTo(new JsonObject().put("order_id", id.toString()).put("to", "CANCELLED").put("reason", "OUT_OF_STOCK").put("reply", "brief"));
    ReplyException noReason = catchThrowableOfType(ReplyException.class, () -> OrdersApi.TRANSITION.request()
      .decode(new JsonObject().put("order_id", id.toString()).put("to", "CANCELLED")));
    assertThat(ServiceFailure.from(noReason).code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    OrdersApi.Order head = OrdersApi.CREATE.reply().decode(new JsonObject().put("id", id.toString()).put("status", "NEW")
      .put("total", Money.rub(700).toJson()).put("brief", true));
    assertThat(head.id()).isEqualTo(id);
    assertThat(head.status()).isEqualTo(OrderStatus.NEW);
    assertThat(head.total()).isEqualTo(Money.rub(700));
  }

  @Test
  void aReplyMissingFieldsReadsAsNulls() {
    InventoryApi.Reservation r = InventoryApi.RESERVE.reply().decode(new JsonObject().put("status", "HELD"));
    assertThat(r.status()).isEqualTo("HELD");
    assertThat(r.reservedUntil()).isNull();
    Instant at = Instant.parse("2026-01-01T10:00:00Z");
    assertThat(InventoryApi.RESERVE.reply().decode(new JsonObject().put("reserved_until", "2026-01-01T13:00:00+03:00")).reservedUntil()).isEqualTo(at);
    assertThat(PaymentApi.AVAILABILITY.reply().decode(new JsonObject()).available()).isTrue();
    assertThat(OrdersApi.GET.reply().decode(new JsonObject()).total()).isNull();
  }

  @Test
  void operationsAreDeclaredWithTheirRecordTypes() throws Exception {
    ParameterizedType reserve = (ParameterizedType) InventoryApi.class.getField("RESERVE").getGenericType();
    assertThat(reserve.getActualTypeArguments()).containsExactly(InventoryApi.ReserveRequest.class, InventoryApi.Reservation.class);
  }
}
