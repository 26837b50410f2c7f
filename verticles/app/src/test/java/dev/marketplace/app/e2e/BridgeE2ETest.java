package dev.marketplace.app.e2e;

import dev.marketplace.platform.testing.OnEventLoop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TCP event bus bridge over the whole marketplace, spoken over plain TCP connections in the standard
 * framing: a buyer who listens on {@code bridge.user.<id>} hears the order go PAID when the bank
 * confirms, sees that order over the bridge exactly as HTTP shows it, and another buyer does not.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class BridgeE2ETest {
  private static MarketplaceHarness market;
  private static ShopClient shop;

  @BeforeAll
  static void up(VertxTestContext ctx) {
    MarketplaceHarness.start()
      .onSuccess(started -> {
        market = started;
        shop = new ShopClient(market);
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    MarketplaceHarness.close(market).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aBuyerHearsTheirOrderPaidLiveAndOnlyTheyCanReadIt(VertxTestContext ctx) {
    shop.token("seller")
      .compose(seller -> shop.product(seller, "Чайник", 249_000, 5))
      .compose(product -> shop.buyerWith(product, 1).compose(buyer -> me(buyer[0]).compose(buyerId -> shop.buyerWith(product, 1)
        .compose(stranger -> Frames.connect(market.vertx, market.bridgePort).compose(mine -> Frames.connect(market.vertx, market.bridgePort)
          .compose(theirs -> heardAndRead(ctx, buyer, buyerId, stranger, mine, theirs)
            .eventually(() -> Future.join(mine.close(), theirs.close()))))))))
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> heardAndRead(VertxTestContext ctx, String[] buyer, String buyerId, String[] stranger, Frames mine, Frames theirs) {
    JsonObject auth = new JsonObject().put("authorization", "Bearer " + buyer[0]);
    List<JsonObject> heard = Collections.synchronizedList(new ArrayList<>());
    return mine.write(new JsonObject().put("type", "register").put("address", "bridge.user." + buyerId).put("headers", auth))
      .compose(v -> theirs.write(new JsonObject().put("type", "register").put("address", "bridge.user." + buyerId)
        .put("headers", new JsonObject().put("authorization", "Bearer " + stranger[0]))))
      .compose(v -> theirs.read())
      .map(refused -> ctx.verify(() -> {
        assertThat(refused.getString("type")).isEqualTo("err");
        assertThat(refused.getInteger("failureCode")).isEqualTo(403);
        assertThat(refused.getString("message")).isEqualTo("access_denied");
      }))
      .compose(v -> mine.write(new JsonObject().put("type", "ping")))
      .compose(v -> mine.read())
      .map(pong -> ctx.verify(() -> assertThat(pong.getString("type")).isEqualTo("pong")))
      .compose(v -> shop.checkout(buyer, UUID.randomUUID().toString()))
      .compose(checkout -> {
        ctx.verify(() -> assertThat(checkout.statusCode()).as(checkout.bodyAsString()).isEqualTo(201));
        String orderId = checkout.bodyAsJsonObject().getString("order_id");
        return shop.threeDs(checkout.bodyAsJsonObject().getString("payment_url"), "confirm")
          .map(confirmed -> ctx.verify(() -> assertThat(confirmed.statusCode()).isLessThan(400)))
          .compose(v -> listenUntilPaid(mine, buyerId, heard, System.currentTimeMillis() + 30_000))
          .map(v -> {
            JsonObject paid = heard.stream().filter(BridgeE2ETest::paid).findFirst().orElseThrow(() ->
              new AssertionError("no OrderStatusChanged PAID on bridge.user.<id>; heard " + heard));
            return ctx.verify(() -> {
              assertThat(paid.getString("order_id")).isEqualTo(orderId);
              assertThat(paid.getString("at")).isNotBlank();
            });
          })
          .compose(v -> shop.waitForStatus(buyer, orderId, "PAID"))
          .compose(v -> mine.request("bridge.orders.get", new JsonObject().put("id", orderId), auth))
          .compose(viaBridge -> shop.order(buyer, orderId).map(viaHttp -> ctx.verify(() -> {
            assertThat(viaBridge.getString("type")).as(viaBridge.encode()).isEqualTo("message");
            assertThat(viaBridge.getJsonObject("body")).isEqualTo(viaHttp);
          })))
          .compose(v -> mine.request("bridge.orders.list", new JsonObject(), auth))
          .map(list -> ctx.verify(() ->
            assertThat(list.getJsonObject("body").getJsonArray("items").getJsonObject(0).getString("id")).isEqualTo(orderId)))
          .compose(v -> theirs.request("bridge.orders.get", new JsonObject().put("id", orderId),
            new JsonObject().put("authorization", "Bearer " + stranger[0])))
          .map(foreign -> ctx.verify(() -> {
            assertThat(foreign.getString("type")).isEqualTo("err");
            assertThat(foreign.getInteger("failureCode")).isEqualTo(404);
            assertThat(foreign.getString("message")).isEqualTo("NOT_FOUND");
          }))
          // nothing of the buyer's feed reached the stranger's connection
          .compose(v -> theirs.poll(300))
          .map(nothing -> ctx.verify(() -> assertThat(nothing).isNull()))
          .mapEmpty();
      });
  }

  /** Reads the live feed (every frame a message to the buyer's address) until it told PAID or the deadline passed. */
  private static Future<Void> listenUntilPaid(Frames mine, String buyerId, List<JsonObject> heard, long deadline) {
    if (heard.stream().anyMatch(BridgeE2ETest::paid) || System.currentTimeMillis() >= deadline) {
      return Future.succeededFuture();
    }
    return mine.poll(500).compose(frame -> {
      if (frame != null) {
        assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("message");
        assertThat(frame.getString("address")).isEqualTo("bridge.user." + buyerId);
        heard.add(frame.getJsonObject("body"));
      }
      return listenUntilPaid(mine, buyerId, heard, deadline);
    });
  }

  private static boolean paid(JsonObject body) {
    return "OrderStatusChanged".equals(body.getString("type")) && "PAID".equals(body.getString("status"));
  }

  private static Future<String> me(String token) {
    return market.http.get("/api/v1/me").bearerTokenAuthentication(token).send().map(me -> {
      assertThat(me.statusCode()).as(me.bodyAsString()).isEqualTo(200);
      return me.bodyAsJsonObject().getString("user_id", me.bodyAsJsonObject().getString("id"));
    });
  }

  /**
   * The TCP bridge's framing on a plain connection: a 4-byte big-endian length, then UTF-8 JSON. Frames
   * that arrive are queued until read, as a socket's buffer would keep them.
   */
  private static final class Frames {
    private final NetClient client;
    private final NetSocket socket;
    private final Vertx vertx;
    private final Deque<JsonObject> received = new ArrayDeque<>();
    private Promise<JsonObject> waiting;

    private Frames(Vertx vertx, NetClient client, NetSocket socket) {
      this.vertx = vertx;
      this.client = client;
      this.socket = socket;
      RecordParser parser = RecordParser.newFixed(4);
      parser.handler(new io.vertx.core.Handler<>() {
        private boolean body;

        @Override
        public void handle(Buffer chunk) {
          if (body) {
            arrived(new JsonObject(chunk));
            parser.fixedSizeMode(4);
          } else {
            parser.fixedSizeMode(chunk.getInt(0));
          }
          body = !body;
        }
      });
      socket.handler(parser);
    }

    /** Connected, with the frame handler set in the same event-loop task (no frame can come before it). */
    static Future<Frames> connect(Vertx vertx, int port) {
      NetClient client = vertx.createNetClient();
      return OnEventLoop.run(vertx, () -> client.connect(port, "127.0.0.1").map(socket -> new Frames(vertx, client, socket)));
    }

    // a reader is completed under the lock, so that a frame and the reader's timeout never both claim it
    private synchronized void arrived(JsonObject frame) {
      if (waiting != null) {
        Promise<JsonObject> reader = waiting;
        waiting = null;
        reader.complete(frame);
      } else {
        received.add(frame);
      }
    }

    Future<Void> write(JsonObject frame) {
      byte[] bytes = frame.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      return socket.write(Buffer.buffer().appendInt(bytes.length).appendBytes(bytes));
    }

    /** The next frame; fails when none comes within 10 s. */
    Future<JsonObject> read() {
      return next(10_000).map(frame -> {
        if (frame == null) {
          throw new AssertionError("no frame from the bridge within 10 s");
        }
        return frame;
      });
    }

    /** The next frame, or null when none comes within {@code ms}. */
    Future<JsonObject> poll(long ms) {
      return next(ms);
    }

    private synchronized Future<JsonObject> next(long ms) {
      JsonObject queued = received.poll();
      if (queued != null) {
        return Future.succeededFuture(queued);
      }
      Promise<JsonObject> reader = Promise.promise();
      waiting = reader;
      vertx.setTimer(ms, id -> {
        synchronized (this) {
          if (waiting == reader) {
            waiting = null;
            reader.complete(null);
          }
        }
      });
      return reader.future();
    }

    /** A send with a reply address; frames of the live feed that arrive first are skipped. */
    Future<JsonObject> request(String address, JsonObject body, JsonObject headers) {
      String replyAddress = UUID.randomUUID().toString();
      return write(new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress)
          .put("headers", headers).put("body", body))
        .compose(v -> replyTo(replyAddress));
    }

    private Future<JsonObject> replyTo(String replyAddress) {
      return read().compose(frame -> replyAddress.equals(frame.getString("address")) ? Future.succeededFuture(frame) : replyTo(replyAddress));
    }

    Future<Void> close() {
      return socket.close().eventually(client::close);
    }
  }
}
