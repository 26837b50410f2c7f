package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.gateway.routes.CartRoutes;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The cart's HTTP routes over a fake cart component: what travels to it and how its replies come back. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class CartRoutesTest {
  private static final String GUEST_ID = "gUeSt_cart-id_0123456789abcdefghijklmnopqrs";
  private static final String PRODUCT = "7f1f8a2e-1c7b-4d7e-9a55-0d6f1c2b3a4d";

  /** "Bearer <user>:<roles>" */
  private static final Authenticator FAKE_TOKENS = FakeTokens.AUTHENTICATOR;

  /** What the fake cart answers per address (default: a guest view), and what it received. */
  private final Map<String, Function<Message<JsonObject>, JsonObject>> answers = new ConcurrentHashMap<>();
  private final List<Message<JsonObject>> received = new ArrayList<>();
  private GatewayFixture gateway;

  private static JsonObject view(String kind, String id) {
    return new JsonObject().put("id", id).put("kind", kind).put("currency", "RUB").put("items", new JsonArray())
      .put("total", new JsonObject().put("amount", 0).put("currency", "RUB"));
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    List<Future<Void>> registered = new ArrayList<>();
    for (String address : List.of(CartAddresses.GET, CartAddresses.ADD_ITEM, CartAddresses.UPDATE_ITEM,
      CartAddresses.REMOVE_ITEM, CartAddresses.ACCEPT_PRICES, CartAddresses.MERGE)) {
      MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address, msg -> {
        synchronized (received) {
          received.add(msg);
        }
        try {
          JsonObject answer = answers.getOrDefault(address, m -> view("guest", GUEST_ID)).apply(msg);
          if (answer != null) {
            msg.reply(answer); // null: the attempt is lost (a node that died with it)
          }
        } catch (io.vertx.core.eventbus.ReplyException e) {
          msg.fail(e.failureCode(), e.getMessage());
        }
      });
      registered.add(consumer.completion());
    }
    // CartRoutes is one of the gateway's business modules: no extra module needed
    // on the JUnit thread: the first call starts the shared PostgreSQL and Kafka, which blocks
    JsonObject config = GatewayFixture.config();
    GatewayFixture.section(config, "bus").put("attempt_timeout_ms", 300);
    Future.all(registered)
      .compose(x -> GatewayFixture.deploy(vertx, config, List.of(), FAKE_TOKENS))
      .onComplete(ctx.succeeding(deployed -> {
        gateway = deployed;
        ctx.completeNow();
      }));
  }

  private Message<JsonObject> lastReceived() {
    synchronized (received) {
      return received.get(received.size() - 1);
    }
  }

  @Test
  void aCartWriteWhoseAttemptIsLostIsSentAgainWithTheSameRequestIdAndEachWriteHasItsOwn(VertxTestContext ctx) {
    java.util.concurrent.atomic.AtomicInteger adds = new java.util.concurrent.atomic.AtomicInteger();
    answers.put(CartAddresses.ADD_ITEM, m -> adds.incrementAndGet() == 1 ? null : view("user", "c1"));

    gateway.client.post("/api/v1/cart/items").putHeader("Authorization", "Bearer u1:buyer")
      .sendJsonObject(new JsonObject().put("product_id", PRODUCT).put("quantity", 1))
      .compose(resp -> gateway.client.delete("/api/v1/cart/items/" + PRODUCT).putHeader("Authorization", "Bearer u1:buyer").send()
        .map(removal -> ctx.verify(() -> {
          assertThat(resp.statusCode()).isEqualTo(200);
          assertThat(removal.statusCode()).isEqualTo(200);
          List<String> ids;
          synchronized (received) {
            assertThat(received).hasSize(3);
            ids = received.stream().map(m -> m.headers().get(BusHeaders.REQUEST_ID)).toList();
          }
          assertThat(ids.get(0)).matches("[A-Za-z0-9_-]{43}").isEqualTo(ids.get(1));
          assertThat(ids.get(2)).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(ids.get(0));
        })))
      // a read carries none
      .compose(v -> gateway.client.get("/api/v1/cart").putHeader("Authorization", "Bearer u1:buyer").send())
      .map(read -> ctx.verify(() -> assertThat(lastReceived().headers().get(BusHeaders.REQUEST_ID)).isNull()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aGuestsFirstAddAnswers201WithTheNewCartIdInHeaderAndBody(VertxTestContext ctx) {
    answers.put(CartAddresses.ADD_ITEM, m -> view("guest", GUEST_ID).put("created", true));

    gateway.client.post("/api/v1/cart/items")
      .sendJsonObject(new JsonObject().put("product_id", PRODUCT).put("quantity", 2))
      .map(resp -> ctx.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(201);
        assertThat(resp.getHeader(CartRoutes.CART_ID_HEADER)).isEqualTo(GUEST_ID);
        assertThat(resp.getHeader("Cache-Control")).isEqualTo("no-store");
        assertThat(resp.bodyAsJsonObject().getString("id")).isEqualTo(GUEST_ID);
        assertThat(resp.bodyAsJsonObject().containsKey("created")).isFalse();
        Message<JsonObject> sent = lastReceived();
        assertThat(sent.body()).isEqualTo(new JsonObject().put("product_id", PRODUCT).put("quantity", 2));
        assertThat(sent.headers().get(CartAddresses.GUEST_CART_HEADER)).isNull();
        assertThat(sent.headers().get(BusHeaders.USER_ID)).isNull();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theGuestIdTravelsAsABusHeaderAndLaterWritesAnswer200(VertxTestContext ctx) {
    gateway.client.get("/api/v1/cart").putHeader(CartRoutes.CART_ID_HEADER, GUEST_ID).send()
      .map(read -> ctx.verify(() -> {
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(lastReceived().headers().get(CartAddresses.GUEST_CART_HEADER)).isEqualTo(GUEST_ID);
        assertThat(lastReceived().body()).isEqualTo(new JsonObject());
      }))
      .compose(v -> gateway.client.post("/api/v1/cart/items").putHeader(CartRoutes.CART_ID_HEADER, GUEST_ID)
        .sendJsonObject(new JsonObject().put("product_id", PRODUCT).put("quantity", 1)))
      .map(add -> ctx.verify(() -> {
        assertThat(add.statusCode()).isEqualTo(200);
        assertThat(add.getHeader(CartRoutes.CART_ID_HEADER)).isEqualTo(GUEST_ID);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void browsersOnOtherOriginsMayReadTheCartIdHeader(VertxTestContext ctx) {
    gateway.client.get("/api/v1/cart").putHeader("Origin", "https://shop.example")
      .putHeader(CartRoutes.CART_ID_HEADER, GUEST_ID).send()
      .map(resp -> ctx.verify(() ->
        assertThat(resp.getHeader("Access-Control-Expose-Headers")).containsIgnoringCase(CartRoutes.CART_ID_HEADER)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aUsersRequestCarriesTheIdentityAndItsResponseNoGuestHeader(VertxTestContext ctx) {
    answers.put(CartAddresses.GET, m -> view("user", "0b8a4c4e-3a0f-4a55-8d6e-2b7c0d9f1e2a"));

    gateway.client.get("/api/v1/cart").putHeader("Authorization", "Bearer u1:buyer").send()
      .map(resp -> ctx.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.getHeader(CartRoutes.CART_ID_HEADER)).isNull();
        MultiMap headers = lastReceived().headers();
        assertThat(headers.get(BusHeaders.USER_ID)).isEqualTo("u1");
        assertThat(headers.get(BusHeaders.ROLES)).isEqualTo("buyer");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void patchAndDeleteTakeTheProductFromThePath(VertxTestContext ctx) {
    gateway.client.patch("/api/v1/cart/items/" + PRODUCT).putHeader(CartRoutes.CART_ID_HEADER, GUEST_ID)
      .sendJsonObject(new JsonObject().put("quantity", 4))
      .map(patched -> ctx.verify(() -> {
        assertThat(lastReceived().address()).isEqualTo(CartAddresses.UPDATE_ITEM);
        assertThat(lastReceived().body()).isEqualTo(new JsonObject().put("quantity", 4).put("product_id", PRODUCT));
      }))
      .compose(v -> gateway.client.delete("/api/v1/cart/items/" + PRODUCT).putHeader(CartRoutes.CART_ID_HEADER, GUEST_ID).send())
      .map(deleted -> ctx.verify(() -> {
        assertThat(lastReceived().address()).isEqualTo(CartAddresses.REMOVE_ITEM);
        assertThat(lastReceived().body()).isEqualTo(new JsonObject().put("product_id", PRODUCT));
      }))
      .compose(v -> gateway.client.patch("/api/v1/cart/items/" + PRODUCT)
        .sendJsonObject(new JsonObject().put("quantity", 4).put("product_id", PRODUCT)))
      .map(ambiguous -> ctx.verify(() -> {
        JsonObject problem = assertProblem(ambiguous, 400, "VALIDATION_FAILED");
        assertThat(problem.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("product_id");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void mergeNeedsASignedInUserAndTheGuestCartIdHeader(VertxTestContext ctx) {
    gateway.client.post("/api/v1/cart/merge").putHeader(CartRoutes.CART_ID_HEADER, GUEST_ID).send()
      .map(anonymous -> ctx.verify(() -> assertProblem(anonymous, 401, "UNAUTHORIZED")))
      .compose(v -> gateway.client.post("/api/v1/cart/merge").putHeader("Authorization", "Bearer u1:buyer").send())
      .map(noHeader -> ctx.verify(() -> {
        JsonObject missing = assertProblem(noHeader, 400, "VALIDATION_FAILED");
        assertThat(missing.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo(CartRoutes.CART_ID_HEADER);
      }))
      .compose(v -> gateway.client.post("/api/v1/cart/merge").putHeader("Authorization", "Bearer u1:buyer")
        .putHeader(CartRoutes.CART_ID_HEADER, GUEST_ID).sendJsonObject(new JsonObject().put("user_id", "u2")))
      .map(withBody -> ctx.verify(() -> assertProblem(withBody, 400, "VALIDATION_FAILED")))
      .compose(v -> {
        answers.put(CartAddresses.MERGE, m -> view("user", "0b8a4c4e-3a0f-4a55-8d6e-2b7c0d9f1e2a"));
        return gateway.client.post("/api/v1/cart/merge").putHeader("Authorization", "Bearer u1:buyer")
          .putHeader(CartRoutes.CART_ID_HEADER, GUEST_ID).send();
      })
      .map(merged -> ctx.verify(() -> {
        assertThat(merged.statusCode()).isEqualTo(200);
        assertThat(lastReceived().address()).isEqualTo(CartAddresses.MERGE);
        assertThat(lastReceived().body()).isEqualTo(new JsonObject().put("guest_cart_id", GUEST_ID));
        assertThat(lastReceived().headers().get(BusHeaders.USER_ID)).isEqualTo("u1");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theComponentsFailuresAndMalformedBodiesBecomeProblems(VertxTestContext ctx) {
    answers.put(CartAddresses.GET, m -> {
      throw ErrorCode.NOT_FOUND.failure("There is no such cart.");
    });
    answers.put(CartAddresses.ADD_ITEM, m -> {
      throw ErrorCode.VALIDATION_FAILED.failure("The request is not valid.", new JsonObject().put("errors",
        new JsonArray().add(new JsonObject().put("field", "quantity").put("message", "must be between 1 and 99"))));
    });

    gateway.client.get("/api/v1/cart").putHeader(CartRoutes.CART_ID_HEADER, "nope").send()
      .map(missing -> ctx.verify(() -> assertProblem(missing, 404, "NOT_FOUND")))
      .compose(v -> gateway.client.post("/api/v1/cart/items")
        .sendJsonObject(new JsonObject().put("product_id", PRODUCT).put("quantity", 0)))
      .map(refused -> ctx.verify(() -> {
        JsonObject invalid = assertProblem(refused, 400, "VALIDATION_FAILED");
        assertThat(invalid.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("quantity");
      }))
      .compose(v -> gateway.client.post("/api/v1/cart/items").putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{\"quantity\": ")))
      .map(truncated -> ctx.verify(() -> assertProblem(truncated, 400, "MALFORMED_REQUEST")))
      .compose(v -> gateway.client.post("/api/v1/cart/items").sendBuffer(Buffer.buffer("[1,2]")))
      .map(array -> ctx.verify(() -> assertProblem(array, 400, "MALFORMED_REQUEST")))
      .onComplete(ctx.succeedingThenComplete());
  }
}
