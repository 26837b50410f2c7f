package dev.marketplace.cart;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.cart.CartAddresses;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A cart verticle on a fresh database with fake catalog and inventory, per test class, on the
 * Vert.x that {@link VertxExtension} gives the class (and closes after it). Tests talk to it over
 * the bus as the gateway would (identity and guest id as headers), each test one future chain
 * ({@link #asUser}, {@link #asGuest}, {@link #internal}, {@link #refusal}). Small limits: 10 per line,
 * 3 lines per cart.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
abstract class CartTestBase {
  static final int MAX_PER_LINE = 10;
  static final int MAX_LINES = 3;
  static final long AVAILABILITY_TIMEOUT_MS = 300;

  static Vertx vertx;
  static JsonObject config;
  static FakeNeighbours fakes;

  @BeforeAll
  static void deployCart(Vertx shared, VertxTestContext ctx) {
    vertx = shared;
    config = TestInfra.shared().config();
    config.getJsonObject("bus").put("timeout_ms", 2000);
    config.getJsonObject("cart")
      .put("max_quantity_per_line", MAX_PER_LINE)
      .put("max_lines", MAX_LINES)
      .put("availability_timeout_ms", AVAILABILITY_TIMEOUT_MS);
    FakeNeighbours.start(vertx).compose(started -> {
      fakes = started;
      return vertx.deployVerticle(new CartVerticle(), new DeploymentOptions().setConfig(config));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @BeforeEach
  void neighboursAnswer() {
    fakes.inventoryAnswers = true;
    fakes.catalogAnswers = true;
  }

  static String newUser() {
    return "user-" + UUID.randomUUID();
  }

  // ---- requests as a user, a guest, or another component

  static Future<JsonObject> request(String address, JsonObject body, String userId, String guestId) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(5000);
    if (userId != null) {
      options.addHeader(BusHeaders.USER_ID, userId).addHeader(BusHeaders.ROLES, "buyer");
    }
    if (guestId != null) {
      options.addHeader(CartAddresses.GUEST_CART_HEADER, guestId);
    }
    return vertx.eventBus().<JsonObject>request(address, body, options).map(m -> m.body());
  }

  static Future<JsonObject> asUser(String userId, String address, JsonObject body) {
    return request(address, body, userId, null);
  }

  static Future<JsonObject> asGuest(String guestId, String address, JsonObject body) {
    return request(address, body, null, guestId);
  }

  /** A request as another component makes it: no identity, no guest id. */
  static Future<JsonObject> internal(String address, JsonObject body) {
    return request(address, body, null, null);
  }

  /** The coded failure of a request that must fail, as a future (a success fails it). */
  static Future<ServiceFailure> refusal(Future<JsonObject> request) {
    return Outcomes.refusal(request);
  }

  /** Only the code of a request's refusal. */
  static Future<ErrorCode> refusalCode(Future<JsonObject> request) {
    return refusal(request).map(ServiceFailure::code);
  }

  static JsonObject item(UUID productId, Object quantity) {
    return new JsonObject().put("product_id", productId.toString()).put("quantity", quantity);
  }

  static JsonObject productId(UUID productId) {
    return new JsonObject().put("product_id", productId.toString());
  }

  static JsonObject line(JsonObject cart, UUID productId) {
    for (Object o : cart.getJsonArray("items")) {
      JsonObject line = (JsonObject) o;
      if (line.getString("product_id").equals(productId.toString())) {
        return line;
      }
    }
    return fail("No line for " + productId + " in " + cart.encode());
  }

  static JsonObject rub(long kopecks) {
    return FakeNeighbours.price(kopecks, "RUB");
  }

  static void assertFieldError(ServiceFailure failure, String field) {
    assertThat(failure.code().name()).isEqualTo("VALIDATION_FAILED");
    JsonArray errors = failure.extra().getJsonArray("errors");
    assertThat(errors).as(failure.toString()).isNotNull();
    assertThat(errors.stream().map(e -> ((JsonObject) e).getString("field"))).as(errors.encode()).contains(field);
  }
}
