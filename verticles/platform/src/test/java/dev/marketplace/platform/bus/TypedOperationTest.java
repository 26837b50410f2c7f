package dev.marketplace.platform.bus;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** A typed operation end to end: {@link BusClient} encodes and decodes, {@link Bus#serve(Vertx, Operation, Access, OperationHandler)} decodes once. */
@ExtendWith(VertxExtension.class)
class TypedOperationTest {
  record Greet(String name) {
    static final Codec<Greet> CODEC = Codec.of(g -> new JsonObject().put("name", g.name()), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("name");
      String name = v.requiredString("name", 1, 20);
      v.throwIfInvalid();
      return new Greet(name);
    });
  }

  record Greeting(String text, String caller) {
    static final Codec<Greeting> CODEC = Codec.of(g -> new JsonObject().put("text", g.text()).put("caller", g.caller()),
      json -> new Greeting(json.getString("text"), json.getString("caller")));
  }

  static final Operation<Greet, Greeting> GREET = Operation.of("test.greet", Greet.CODEC, Greeting.CODEC);

  private static MessageConsumer<JsonObject> serve(Vertx vertx, Access access) {
    return Bus.serve(vertx, GREET, access, (request, msg) ->
      Future.succeededFuture(new Greeting("hello " + request.name(), Caller.of(msg).userId())));
  }

  @Test
  void theClientSendsTheRecordAndGetsTheDecodedReplyWithTheCallersHeaders(Vertx vertx, VertxTestContext ctx) {
    MessageConsumer<JsonObject> consumer = serve(vertx, Access.USER);
    consumer.completion()
      .compose(v -> BusClient.of(vertx, 2_000).asUser("u-1", "buyer").call(GREET, new Greet("Ann")))
      .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertThat(reply).isEqualTo(new Greeting("hello Ann", "u-1"));
        ctx.completeNow();
      })));
  }

  @Test
  void aMalformedBodyIsRefusedWithTheCodecsValidationFailure(Vertx vertx, VertxTestContext ctx) {
    MessageConsumer<JsonObject> consumer = serve(vertx, Access.ANYONE);
    consumer.completion()
      .compose(v -> vertx.eventBus().<JsonObject>request(GREET.address(), new JsonObject().put("name", 5).put("age", 3), new DeliveryOptions().setSendTimeout(2_000)))
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        ServiceFailure f = ServiceFailure.from(err);
        assertThat(f.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(f.extra().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field"))).containsExactlyInAnyOrder("name", "age");
        ctx.completeNow();
      })));
  }

  @Test
  void theCallerIsCheckedBeforeTheBodyIsRead(Vertx vertx, VertxTestContext ctx) {
    MessageConsumer<JsonObject> consumer = serve(vertx, Access.role("seller"));
    consumer.completion()
      .compose(v -> vertx.eventBus().<JsonObject>request(GREET.address(), new JsonObject().put("bad", true),
        new DeliveryOptions().setSendTimeout(2_000).addHeader(BusHeaders.USER_ID, "u-2").addHeader(BusHeaders.ROLES, "buyer")))
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(ServiceFailure.from(err).code()).isEqualTo(ErrorCode.FORBIDDEN);
        ctx.completeNow();
      })));
  }

  @Test
  void aRetryingClientReachesAHandlerThatRegistersLate(Vertx vertx, VertxTestContext ctx) {
    vertx.setTimer(300, t -> serve(vertx, Access.ANYONE));
    BusClient.of(vertx, 3_000).retrying(500).call(GREET, new Greet("Bo"))
      .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertThat(reply.text()).isEqualTo("hello Bo");
        ctx.completeNow();
      })));
  }
}
