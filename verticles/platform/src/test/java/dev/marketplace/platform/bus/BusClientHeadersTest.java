package dev.marketplace.platform.bus;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Operation;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link BusClient}'s per-request headers ({@code withHeaders}) and its retry limited to some addresses. */
@ExtendWith(VertxExtension.class)
class BusClientHeadersTest {
  static final Operation<JsonObject, JsonObject> ECHO = Operation.of("test.headers.echo", Codec.DOCUMENT, Codec.DOCUMENT);
  static final Operation<JsonObject, JsonObject> LATE = Operation.of("test.headers.late", Codec.DOCUMENT, Codec.DOCUMENT);
  static final Operation<JsonObject, JsonObject> OTHER = Operation.of("test.headers.other", Codec.DOCUMENT, Codec.DOCUMENT);

  /** Answers the headers it got, each name with its values. */
  private static MessageConsumer<JsonObject> echoHeaders(Vertx vertx, String address) {
    return vertx.eventBus().consumer(address, msg -> {
      JsonObject headers = new JsonObject();
      msg.headers().names().forEach(name -> headers.put(name, String.join("|", msg.headers().getAll(name))));
      msg.reply(headers);
    });
  }

  @Test
  void withHeadersSendsEveryHeaderOfTheOptionsOnce(Vertx vertx, VertxTestContext ctx) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(1)
      .addHeader(BusHeaders.CORRELATION_ID, "cid-1").addHeader(BusHeaders.USER_ID, "u-1").addHeader(BusHeaders.ROLES, "admin,seller");
    echoHeaders(vertx, ECHO.address()).completion()
      .compose(v -> BusClient.of(vertx, 2_000).withHeader("x-cart-id", "g-1").withHeaders(options).call(ECHO, new JsonObject()))
      .onComplete(ctx.succeeding(headers -> ctx.verify(() -> {
        assertThat(headers).isEqualTo(new JsonObject().put("x-cart-id", "g-1").put(BusHeaders.CORRELATION_ID, "cid-1")
          .put(BusHeaders.USER_ID, "u-1").put(BusHeaders.ROLES, "admin,seller"));
        ctx.completeNow();
      })));
  }

  @Test
  void withHeadersOfOptionsWithoutHeadersChangesNothing(Vertx vertx, VertxTestContext ctx) {
    echoHeaders(vertx, ECHO.address()).completion()
      .compose(v -> BusClient.of(vertx, 2_000).withHeaders(new DeliveryOptions()).call(ECHO, new JsonObject()))
      .onComplete(ctx.succeeding(headers -> ctx.verify(() -> {
        assertThat(headers).isEqualTo(new JsonObject());
        ctx.completeNow();
      })));
  }

  @Test
  void aClientRetryingSomeAddressesRepeatsOnlyThose(Vertx vertx, VertxTestContext ctx) {
    // the handler of LATE registers after the first attempt found none: only a repeat reaches it
    vertx.setTimer(300, t -> echoHeaders(vertx, LATE.address()));
    BusClient client = BusClient.of(vertx, 3_000).retrying(500, Set.of(LATE.address()))
      .timeout(3_000).withHeader(BusHeaders.CORRELATION_ID, "cid-2");
    client.call(OTHER, new JsonObject())
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        // one attempt: no handler is the answer, at once
        assertThat(err).isInstanceOf(ReplyException.class);
        assertThat(((ReplyException) err).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
        client.call(LATE, new JsonObject()).onComplete(ctx.succeeding(headers -> ctx.verify(() -> {
          assertThat(headers.getString(BusHeaders.CORRELATION_ID)).isEqualTo("cid-2");
          ctx.completeNow();
        })));
      })));
  }

  @Test
  void aMessageRequestGetsTheWholeReplyWithItsHeadersAndIsRetriedAsTheClientSays(Vertx vertx, VertxTestContext ctx) {
    // a reply that is no JSON object: bytes with a header, from a handler that registers after the first attempt
    vertx.setTimer(300, t -> vertx.eventBus().<JsonObject>consumer("test.headers.card", msg -> msg.reply(
      Buffer.buffer("{\"id\":\"" + msg.body().getString("id") + "\"}"),
      new DeliveryOptions().addHeader("etag", "\"v1\"").addHeader("asked-by", String.valueOf(msg.headers().get(BusHeaders.USER_ID))))));
    BusClient.of(vertx, 3_000).retrying(500).withHeader(BusHeaders.USER_ID, "u-3")
      .<Buffer>message("test.headers.card", new JsonObject().put("id", "p-1"))
      .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertThat(reply.body().toString()).isEqualTo("{\"id\":\"p-1\"}");
        assertThat(reply.headers().get("etag")).isEqualTo("\"v1\"");
        assertThat(reply.headers().get("asked-by")).isEqualTo("u-3");
        ctx.completeNow();
      })));
  }
}
