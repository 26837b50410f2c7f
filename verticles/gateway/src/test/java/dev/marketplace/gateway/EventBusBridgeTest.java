package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.notification.NotificationAddresses;
import dev.marketplace.contracts.orders.OrdersAddresses;
import dev.marketplace.gateway.security.JwtAuthenticator;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TCP and SockJS event bus bridges of a real gateway (real token checks against a stand-in
 * for auth's keys, stand-ins for catalog and orders that answer with what they were asked and by
 * whom): the bridge API answers what HTTP answers, only to whom HTTP would, refuses every other
 * address both ways, and a bad or greedy client hurts only its own connection.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class EventBusBridgeTest {
  private static final String ME = "7d6c1c4e-1b7a-4c38-9d0e-5f6a7b8c9d01";
  private static final String OTHER = "1a2b3c4d-0000-4000-8000-00000000abcd";
  private static final String MY_ORDER = "0b9e1f7a-5c1d-4e3f-8a2b-6c7d8e9f0a1b";

  private final TestTokens tokens = new TestTokens("key-1");
  private final TestTokens forger = new TestTokens("key-1");
  private final AtomicInteger internalCalls = new AtomicInteger();
  /** The class's own Vert.x, not the extension's: a test may start the gateway again with other settings on a fresh one. */
  private Vertx vertx;
  private GatewayVerticle gateway;
  private WebClient http;
  private final List<AutoCloseable> clients = new ArrayList<>();

  @BeforeEach
  void up(VertxTestContext ctx) {
    up(bridge -> { }).onComplete(ctx.succeedingThenComplete());
  }

  private Future<Void> up(Consumer<JsonObject> bridgeConfig) {
    return up(bridgeConfig, gateway -> { });
  }

  /**
   * A gateway (and the stand-ins) on a fresh Vert.x, after the previous one is closed. The config is
   * made on the calling thread, JUnit's, where the first call may start the shared PostgreSQL and Kafka.
   */
  private Future<Void> up(Consumer<JsonObject> bridgeConfig, Consumer<JsonObject> gatewayConfig) {
    JsonObject config = GatewayFixture.config();
    JsonObject bridge = GatewayFixture.section(config, "bridge");
    bridgeConfig.accept(bridge);
    gatewayConfig.accept(GatewayFixture.section(config, "gateway"));
    Future<Void> previous = vertx != null ? down() : Future.succeededFuture();
    Vertx fresh = Vertx.vertx();
    return previous.compose(v -> {
      vertx = fresh;
      return Future.all(List.of(
        vertx.eventBus().<JsonObject>consumer(AuthContract.JWKS, msg ->
          msg.reply(new JsonObject().put("keys", new JsonArray().add(tokens.jwk())))).completion(),
        vertx.eventBus().<JsonObject>consumer(CatalogAddresses.SEARCH, msg -> msg.reply(new JsonObject()
          .put("items", new JsonArray().add(new JsonObject().put("title", "Чайник Tefal"))).put("query", msg.body())
          .put("caller", msg.headers().get(BusHeaders.USER_ID)))).completion(),
        vertx.eventBus().<JsonObject>consumer(CatalogAddresses.GET, msg -> {
          if (MY_ORDER.equals(msg.body().getString("id"))) {
            msg.reply(new JsonObject().put("id", MY_ORDER).put("title", "Чайник"));
          } else {
            msg.fail(ErrorCode.NOT_FOUND.code(), new JsonObject().put("detail", "No such product.").encode());
          }
        }).completion(),
        // HTTP reads cards as bytes with an ETag (the same JSON as GET)
        vertx.eventBus().<JsonObject>consumer(CatalogAddresses.CARD, msg -> {
          if (MY_ORDER.equals(msg.body().getString("id"))) {
            msg.reply(io.vertx.core.buffer.Buffer.buffer(new JsonObject().put("id", MY_ORDER).put("title", "Чайник").encode()),
              new io.vertx.core.eventbus.DeliveryOptions().addHeader(CatalogAddresses.ETAG_HEADER, "\"v1\""));
          } else {
            msg.fail(ErrorCode.NOT_FOUND.code(), new JsonObject().put("detail", "No such product.").encode());
          }
        }).completion(),
        vertx.eventBus().<JsonObject>consumer(OrdersAddresses.LIST, msg -> msg.reply(new JsonObject()
          .put("items", new JsonArray().add(new JsonObject().put("buyer_id", msg.headers().get(BusHeaders.USER_ID))))
          .put("page", msg.body()))).completion(),
        vertx.eventBus().<JsonObject>consumer(OrdersAddresses.VIEW, msg -> {
          if (MY_ORDER.equals(msg.body().getString("order_id")) && ME.equals(msg.headers().get(BusHeaders.USER_ID))) {
            msg.reply(new JsonObject().put("id", MY_ORDER).put("buyer_id", ME));
          } else {
            msg.fail(ErrorCode.NOT_FOUND.code(), new JsonObject().put("detail", "No such order.").encode());
          }
        }).completion(),
        vertx.eventBus().<JsonObject>consumer(OrdersAddresses.TRANSITION, msg -> {
          internalCalls.incrementAndGet();
          msg.reply(new JsonObject());
        }).completion()));
    }).compose(all -> {
      gateway = new GatewayVerticle(List.of(), new JwtAuthenticator());
      return vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(config));
    }).map(id -> {
      http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gateway.actualPort()));
      return null;
    });
  }

  @AfterEach
  void down(VertxTestContext ctx) {
    down().onComplete(ctx.succeedingThenComplete());
  }

  private Future<Void> down() {
    for (AutoCloseable client : clients) {
      try {
        client.close();
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    }
    clients.clear();
    Vertx closing = vertx;
    vertx = null;
    return closing.close();
  }

  private Future<TcpTestClient> tcp() {
    return TcpTestClient.connect(vertx, gateway.bridgePort()).onSuccess(clients::add);
  }

  private Future<SockJsTestClient> sockJs() {
    return SockJsTestClient.connect(vertx, gateway.actualPort()).onSuccess(clients::add);
  }

  private String token(String user) {
    return tokens.sign(TestTokens.claims(user, "buyer"));
  }

  private static JsonObject auth(String token) {
    return new JsonObject().put("authorization", "Bearer " + token);
  }

  private Future<JsonObject> httpJson(String path, String token) {
    var request = http.get(path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return request.send().map(response -> new JsonObject().put("status", response.statusCode()).put("body", response.bodyAsJsonObject()));
  }

  private static void assertFailure(JsonObject frame, int status, String code) {
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("err");
    assertThat(frame.getInteger("failureCode")).as(frame.encode()).isEqualTo(status);
    assertThat(frame.getString("message")).as(frame.encode()).isEqualTo(code);
  }

  /** {@code publish}, then 200 ms for a frame, again until one comes or {@code deadline} passes: the frame, or null. */
  private static Future<JsonObject> publishUntilHeard(Frames frames, Runnable publish, long deadline) {
    if (System.currentTimeMillis() >= deadline) {
      return Future.succeededFuture(null);
    }
    publish.run();
    return frames.poll(200).compose(heard -> heard != null ? Future.succeededFuture(heard) : publishUntilHeard(frames, publish, deadline));
  }

  @Test
  void searchAndProductOverTcpAndSockJsEqualTheHttpAnswers(VertxTestContext ctx) {
    JsonObject query = new JsonObject().put("q", "чайник").put("brand", "Tefal").put("in_stock", true).put("limit", 10);
    List<Supplier<Future<JsonObject>>> overHttp = List.of(
      () -> httpJson("/api/v1/catalog/products?q=%D1%87%D0%B0%D0%B9%D0%BD%D0%B8%D0%BA&brand=Tefal&in_stock=true&limit=10", null),
      () -> httpJson("/api/v1/catalog/products/" + MY_ORDER, null),
      () -> httpJson("/api/v1/catalog/products/" + OTHER, null));
    InOrder.run(overHttp).compose(answers -> {
      JsonObject viaHttp = answers.get(0);
      JsonObject product = answers.get(1);
      JsonObject missing = answers.get(2);
      ctx.verify(() -> {
        assertThat(viaHttp.getInteger("status")).isEqualTo(200);
        assertThat(missing.getInteger("status")).isEqualTo(404);
      });
      return tcp().compose(tcp -> tcp.request("bridge.catalog.search", query, null)
          .map(tcpSearch -> ctx.verify(() -> {
            assertThat(tcpSearch.getString("type")).isEqualTo("message");
            assertThat(tcpSearch.getJsonObject("body")).isEqualTo(viaHttp.getJsonObject("body"));
          }))
          .compose(v -> tcp.request("bridge.catalog.product", new JsonObject().put("id", MY_ORDER), null))
          .map(tcpProduct -> ctx.verify(() -> assertThat(tcpProduct.getJsonObject("body")).isEqualTo(product.getJsonObject("body"))))
          .compose(v -> tcp.request("bridge.catalog.product", new JsonObject().put("id", OTHER), null))
          .map(tcpMissing -> ctx.verify(() -> {
            assertFailure(tcpMissing, 404, "NOT_FOUND");
            assertThat(tcpMissing.getJsonObject("body").getString("detail")).isEqualTo(missing.getJsonObject("body").getString("detail"));
          }))
          .compose(v -> tcp.request("bridge.catalog.search", new JsonObject().put("brand", new JsonObject()), null))
          .map(badField -> ctx.verify(() -> {
            assertFailure(badField, 400, "VALIDATION_FAILED");
            assertThat(badField.getJsonObject("body").getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("brand");
          })))
        .compose(v -> sockJs())
        .compose(sockJs -> sockJs.request("bridge.catalog.search", query, null)
          .map(sockSearch -> ctx.verify(() -> {
            assertThat(sockSearch.getString("type")).isEqualTo("rec");
            assertThat(sockSearch.getJsonObject("body")).isEqualTo(viaHttp.getJsonObject("body"));
          }))
          .compose(v -> sockJs.request("bridge.catalog.product", new JsonObject().put("id", MY_ORDER), null))
          .map(sockProduct -> ctx.verify(() -> assertThat(sockProduct.getJsonObject("body")).isEqualTo(product.getJsonObject("body"))))
          .compose(v -> sockJs.request("bridge.catalog.product", new JsonObject().put("id", OTHER), null))
          .map(sockMissing -> ctx.verify(() -> assertFailure(sockMissing, 404, "NOT_FOUND"))));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void ordersAnswerOnlyTheirOwnerWithAGenuineToken(VertxTestContext ctx) {
    String forged = forger.sign(TestTokens.claims(ME, "buyer"));
    // the caller is the token's user, whatever identity headers the frame claims
    JsonObject smuggled = auth(token(OTHER)).put(BusHeaders.USER_ID, ME).put(BusHeaders.ROLES, "admin");
    tcp().compose(tcp -> tcp.request("bridge.orders.get", new JsonObject().put("id", MY_ORDER), auth(token(ME)))
        .compose(mine -> httpJson("/api/v1/orders/" + MY_ORDER, token(ME))
          .map(viaHttp -> ctx.verify(() -> assertThat(mine.getJsonObject("body")).isEqualTo(viaHttp.getJsonObject("body")))))
        .compose(v -> tcp.request("bridge.orders.get", new JsonObject().put("id", MY_ORDER), auth(token(OTHER))))
        .map(frame -> ctx.verify(() -> assertFailure(frame, 404, "NOT_FOUND")))
        .compose(v -> tcp.request("bridge.orders.get", new JsonObject().put("id", "not-a-uuid"), auth(token(ME))))
        .map(frame -> ctx.verify(() -> assertFailure(frame, 404, "NOT_FOUND")))
        .compose(v -> tcp.request("bridge.orders.list", new JsonObject(), null))
        .map(frame -> ctx.verify(() -> assertFailure(frame, 401, "UNAUTHORIZED")))
        .compose(v -> tcp.request("bridge.orders.list", new JsonObject(), auth(forged)))
        .map(frame -> ctx.verify(() -> assertFailure(frame, 401, "TOKEN_INVALID")))
        .compose(v -> tcp.request("bridge.orders.list", new JsonObject().put("limit", 5), smuggled))
        .compose(list -> httpJson("/api/v1/orders?limit=5", token(OTHER)).map(viaHttp -> ctx.verify(() -> {
          assertThat(list.getJsonObject("body").getJsonArray("items").getJsonObject(0).getString("buyer_id")).isEqualTo(OTHER);
          assertThat(list.getJsonObject("body").getJsonObject("page")).isEqualTo(new JsonObject().put("limit", 5));
          assertThat(list.getJsonObject("body")).isEqualTo(viaHttp.getJsonObject("body"));
        })))
        .compose(v -> tcp.request("bridge.orders.list", new JsonObject().put("buyer_id", ME), auth(token(OTHER))))
        .map(frame -> ctx.verify(() -> assertFailure(frame, 400, "VALIDATION_FAILED"))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void internalAddressesAreRefusedInBothDirections(VertxTestContext ctx) {
    tcp().compose(tcp -> {
      List<String> internal = List.of(OrdersAddresses.TRANSITION, "payment.refund", "inventory.reserve", AuthContract.JWKS, "bridge.catalog");
      Future<Void> chain = InOrder.each(internal, address ->
          tcp.request(address, new JsonObject().put("order_id", MY_ORDER).put("to", "PAID"), auth(token(ME)))
            .map(refused -> ctx.verify(() -> assertFailure(refused, 403, "access_denied"))))
        .compose(v -> {
          tcp.write(new JsonObject().put("type", "publish").put("address", "bridge.catalog.search").put("body", new JsonObject()));
          return tcp.next();
        })
        .map(refused -> ctx.verify(() -> assertFailure(refused, 403, "access_denied")))
        .compose(v -> {
          tcp.write(new JsonObject().put("type", "send").put("address", OrdersAddresses.TRANSITION).put("body", new JsonObject()));
          return tcp.next();
        })
        .map(refused -> ctx.verify(() -> assertFailure(refused, 403, "access_denied")))
        .compose(v -> InOrder.each(List.of(NotificationAddresses.push(ME), "orders.events", "bridge.user." + ME.toUpperCase(), "bridge.user.*"),
          address -> {
            tcp.write(new JsonObject().put("type", "register").put("address", address).put("headers", auth(token(ME))));
            return tcp.next().map(refused -> ctx.verify(() -> {
              assertFailure(refused, 403, "access_denied");
              assertThat(refused.getString("address")).isEqualTo(address);
            }));
          }));
      // nothing reached the component, and the connection still works
      return chain.compose(v -> {
        ctx.verify(() -> assertThat(internalCalls.get()).isZero());
        tcp.write(new JsonObject().put("type", "ping"));
        return tcp.next();
      }).map(pong -> ctx.verify(() -> assertThat(pong.getString("type")).isEqualTo("pong")));
    })
      .compose(v -> sockJs())
      .compose(sockJs -> sockJs.request(OrdersAddresses.TRANSITION, new JsonObject(), null)
        .map(refused -> ctx.verify(() -> assertFailure(refused, 403, "access_denied")))
        .compose(v -> sockJs.send(new JsonObject().put("type", "register").put("address", NotificationAddresses.push(ME))
          .put("headers", auth(token(ME))).encode()))
        .compose(v -> sockJs.next()))
      .map(refused -> ctx.verify(() -> {
        assertThat(refused.getString("body")).isEqualTo("access_denied");
        assertThat(internalCalls.get()).isZero();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aUserHearsTheirOwnNotificationsAndCannotListenToAnotherUsersFeed(VertxTestContext ctx) {
    JsonObject notification = new JsonObject().put("id", UUID.randomUUID().toString()).put("template", "order_paid")
      .put("order_id", MY_ORDER).put("subject", "Заказ оплачен");
    tcp().compose(tcp -> {
      tcp.write(new JsonObject().put("type", "register").put("address", "bridge.user." + OTHER).put("headers", auth(token(ME))));
      return tcp.next()
        .map(frame -> ctx.verify(() -> assertFailure(frame, 403, "access_denied")))
        .compose(v -> {
          tcp.write(new JsonObject().put("type", "register").put("address", "bridge.user." + ME)
            .put("headers", auth(forger.sign(TestTokens.claims(ME, "buyer")))));
          return tcp.next();
        })
        .map(frame -> ctx.verify(() -> assertFailure(frame, 401, "TOKEN_INVALID")))
        .compose(v -> {
          tcp.write(new JsonObject().put("type", "register").put("address", "bridge.user." + ME));
          return tcp.next();
        })
        .map(frame -> ctx.verify(() -> assertFailure(frame, 401, "UNAUTHORIZED")))
        .compose(v -> {
          tcp.write(new JsonObject().put("type", "register").put("address", "bridge.user." + ME).put("headers", auth(token(ME))));
          return sockJs();
        })
        .compose(sockJs -> sockJs.send(new JsonObject().put("type", "register").put("address", "bridge.user." + ME)
            .put("headers", auth(token(ME))).encode())
          .compose(v -> {
            // the registration is in place once the bridge answers a later frame on the same connection
            tcp.write(new JsonObject().put("type", "ping"));
            return tcp.next();
          })
          .compose(pong -> {
            ctx.verify(() -> assertThat(pong.getString("type")).isEqualTo("pong"));
            return publishUntilHeard(tcp.frames, () -> {
              vertx.eventBus().publish(NotificationAddresses.push(OTHER), new JsonObject().put("id", "not-for-me"));
              vertx.eventBus().publish(NotificationAddresses.push(ME), notification);
            }, System.currentTimeMillis() + 10_000);
          })
          .map(heard -> ctx.verify(() -> {
            assertThat(heard).as("a notification on the TCP bridge").isNotNull();
            assertThat(heard.getString("type")).isEqualTo("message");
            assertThat(heard.getString("address")).isEqualTo("bridge.user." + ME);
            assertThat(heard.getJsonObject("body")).isEqualTo(notification.copy().put("type", "Notification"));
          }))
          .compose(v -> sockJs.next()))
        .map(overSockJs -> ctx.verify(() -> {
          assertThat(overSockJs.getString("type")).isEqualTo("rec");
          assertThat(overSockJs.getString("address")).isEqualTo("bridge.user." + ME);
          assertThat(overSockJs.getJsonObject("body").getString("type")).isEqualTo("Notification");
        }))
        // nothing of the other user's feed, ever
        .compose(v -> vertx.timer(200))
        .map(t -> ctx.verify(() -> {
          for (JsonObject frame : tcp.frames.unread()) {
            assertThat(frame.getJsonObject("body").getString("id")).isEqualTo(notification.getString("id"));
          }
        }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** Registers on the user's feed and waits until a notification arrives there: the registration is in place. */
  private Future<Void> listening(VertxTestContext ctx, TcpTestClient tcp, String token) {
    tcp.write(new JsonObject().put("type", "register").put("address", "bridge.user." + ME).put("headers", auth(token)));
    return publishUntilHeard(tcp.frames, () -> vertx.eventBus().publish(NotificationAddresses.push(ME), new JsonObject().put("id", "probe")),
        System.currentTimeMillis() + 10_000)
      .compose(heard -> {
        ctx.verify(() -> {
          assertThat(heard).as("the registration delivers").isNotNull();
          assertThat(heard.getString("type")).as(heard.encode()).isEqualTo("message");
        });
        return vertx.timer(300);
      })
      .map(t -> {
        tcp.frames.clear();
        return null;
      });
  }

  /** After a registration ended: a notification published now reaches nobody, and the connection still answers. */
  private Future<Void> hearsNoMore(VertxTestContext ctx, TcpTestClient tcp) {
    vertx.eventBus().publish(NotificationAddresses.push(ME), new JsonObject().put("id", "after-the-end"));
    tcp.write(new JsonObject().put("type", "ping"));
    return tcp.next()
      .compose(next -> {
        ctx.verify(() -> assertThat(next.getString("type")).as(next.encode()).isEqualTo("pong"));
        return vertx.timer(300);
      })
      .map(t -> {
        ctx.verify(() -> assertThat(tcp.frames.unread()).as("nothing delivered after the registration ended").isEmpty());
        return null;
      });
  }

  @Test
  void aRegistrationEndsWhenItsSessionIsRevoked(VertxTestContext ctx) {
    String sid = UUID.randomUUID().toString();
    tcp().compose(tcp -> listening(ctx, tcp, tokens.sign(TestTokens.claims(ME, "buyer").put("sid", sid)))
        .compose(v -> {
          vertx.eventBus().publish(AuthContract.SESSION_REVOKED, new JsonObject().put("session_id", sid)
            .put("revoked_at", java.time.Instant.now().toString()).put("deny_for_seconds", 960));
          return tcp.next();
        })
        .map(ended -> ctx.verify(() -> {
          assertFailure(ended, 401, "session_revoked");
          assertThat(ended.getString("address")).isEqualTo("bridge.user." + ME);
        }))
        .compose(v -> hearsNoMore(ctx, tcp)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRegistrationEndsWhenItsTokenExpiresUnlessRenewedWithANewerToken(VertxTestContext ctx) {
    long now = java.time.Instant.now().getEpochSecond();
    // expired 2 s ago: inside the verifier's 5 s leeway for about 3 s more
    String expiring = tokens.sign(TestTokens.claims(ME, "buyer").put("iat", now - 900).put("exp", now - 2));
    tcp().compose(tcp -> listening(ctx, tcp, expiring)
        .compose(v -> tcp.next())
        .map(ended -> ctx.verify(() -> {
          assertFailure(ended, 401, "token_expired");
          assertThat(ended.getString("address")).isEqualTo("bridge.user." + ME);
        }))
        .compose(v -> hearsNoMore(ctx, tcp)))
      // the same, renewed in time with a fresh token: it outlives the first token
      .compose(v -> tcp())
      .compose(renewed -> listening(ctx, renewed,
          tokens.sign(TestTokens.claims(ME, "buyer").put("iat", now - 900).put("exp", java.time.Instant.now().getEpochSecond() - 2)))
        .compose(v -> {
          renewed.write(new JsonObject().put("type", "register").put("address", "bridge.user." + ME).put("headers", auth(token(ME))));
          return vertx.timer(4_000);
        })
        .compose(t -> publishUntilHeard(renewed.frames,
          () -> vertx.eventBus().publish(NotificationAddresses.push(ME), new JsonObject().put("id", "still-listening")),
          System.currentTimeMillis() + 10_000)))
      .map(heard -> ctx.verify(() -> {
        assertThat(heard).isNotNull();
        assertThat(heard.getString("type")).as(heard.encode()).isEqualTo("message");
        assertThat(heard.getJsonObject("body").getString("id")).isEqualTo("still-listening");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void malformedAndOversizedFramesCloseOnlyTheirConnection(VertxTestContext ctx) {
    byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);
    InOrder.run(this::tcp, this::tcp, this::tcp, this::tcp, this::tcp).compose(connections -> {
      TcpTestClient healthy = connections.get(0);
      TcpTestClient badJson = connections.get(1);
      TcpTestClient unknownType = connections.get(2);
      TcpTestClient tooLong = connections.get(3);
      TcpTestClient negative = connections.get(4);
      badJson.writeRaw(Buffer.buffer().appendInt(garbage.length).appendBytes(garbage));
      unknownType.write(new JsonObject().put("type", "subscribe-all").put("address", "#"));
      tooLong.writeRaw(Buffer.buffer().appendInt(64 * 1024 * 1024).appendString("{\"type\":"));
      negative.writeRaw(Buffer.buffer().appendInt(-5));
      return InOrder.each(List.of(badJson, unknownType, tooLong, negative),
          closed -> closed.closedWithin(5_000).map(yes -> ctx.verify(() -> assertThat(yes).isTrue())))
        .compose(v -> healthy.closedWithin(200))
        .map(yes -> ctx.verify(() -> assertThat(yes).isFalse()))
        .compose(v -> healthy.request("bridge.catalog.search", new JsonObject().put("q", "чайник"), null))
        .map(answer -> ctx.verify(() -> assertThat(answer.getString("type")).isEqualTo("message")))
        .compose(v -> sockJs())
        .compose(sockJs -> sockJs.send("[not json").compose(v -> sockJs.closed(5_000)))
        .compose(v -> sockJs())
        .compose(big -> big.send(new JsonObject().put("type", "send").put("address", "bridge.catalog.search").put("replyAddress", "r1")
            .put("body", new JsonObject().put("q", "x".repeat(70_000))).encode())
          .compose(v -> big.closed(5_000)))
        .compose(v -> sockJs())
        .compose(sockJs -> sockJs.request("bridge.catalog.search", new JsonObject(), null))
        .map(answer -> ctx.verify(() -> assertThat(answer.getString("type")).isEqualTo("rec")))
        .compose(v -> healthy.request("bridge.catalog.search", new JsonObject(), null))
        .map(answer -> ctx.verify(() -> assertThat(answer.getString("type")).isEqualTo("message")));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aFloodingClientIsRateLimitedWhileOthersAreAnswered(VertxTestContext ctx) {
    int sent = 300;
    int[] answered = new int[1];
    int[] limited = new int[1];
    up(bridge -> bridge.put("messages_per_second", 20).put("burst", 20),
      gateway -> gateway.put("rate_limits", new JsonObject().put("enabled", true)))
      .compose(v -> InOrder.run(this::tcp, this::tcp))
      .compose(connections -> {
        TcpTestClient flooder = connections.get(0);
        TcpTestClient calm = connections.get(1);
        for (int i = 0; i < sent; i++) {
          flooder.write(new JsonObject().put("type", "send").put("address", "bridge.catalog.search").put("replyAddress", "f" + i)
            .put("body", new JsonObject().put("q", "flood")));
        }
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < 5; i++) {
          chain = chain.compose(v -> calm.request("bridge.catalog.search", new JsonObject().put("q", "calm"), null)).map(answer -> {
            ctx.verify(() -> assertThat(answer.getString("type")).isEqualTo("message"));
            return null;
          });
        }
        for (int i = 0; i < sent; i++) {
          chain = chain.compose(v -> flooder.next()).map(frame -> {
            if ("message".equals(frame.getString("type"))) {
              answered[0]++;
            } else {
              ctx.verify(() -> {
                assertFailure(frame, 429, "RATE_LIMITED");
                assertThat(frame.getJsonObject("body").getInteger("retry_after_seconds")).isPositive();
              });
              limited[0]++;
            }
            return null;
          });
        }
        return chain;
      })
      .map(v -> ctx.verify(() -> {
        assertThat(answered[0]).isBetween(1, 60);
        assertThat(limited[0]).isEqualTo(sent - answered[0]);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void bridgeRequestsSpendTheSameRateLimitsAsTheHttpRoutes(VertxTestContext ctx) {
    up(bridge -> { }, gateway -> gateway.put("rate_limits", new JsonObject().put("enabled", true).put("groups", new JsonObject()
      .put("search", new JsonObject().put("per_address", new JsonObject().put("capacity", 3).put("per_minute", 1))))))
      .compose(v -> {
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < 3; i++) {
          chain = chain.compose(x -> httpJson("/api/v1/catalog/products?q=x", null)).map(answer -> {
            ctx.verify(() -> assertThat(answer.getInteger("status")).isEqualTo(200));
            return null;
          });
        }
        return chain;
      })
      .compose(v -> httpJson("/api/v1/catalog/products?q=x", null))
      .map(answer -> ctx.verify(() -> assertThat(answer.getInteger("status")).isEqualTo(429)))
      .compose(v -> tcp())
      .compose(tcp -> tcp.request("bridge.catalog.search", new JsonObject().put("q", "x"), null))
      .map(limited -> ctx.verify(() -> {
        assertFailure(limited, 429, "RATE_LIMITED");
        assertThat(limited.getJsonObject("body").getLong("retry_after_seconds")).isPositive();
      }))
      // orders are another group: still answered
      .compose(v -> tcp())
      .compose(tcp -> tcp.request("bridge.orders.list", new JsonObject(), auth(token(ME))))
      .map(answer -> ctx.verify(() -> assertThat(answer.getString("type")).isEqualTo("message")))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** A new connection, again until one is let in (no refusal within 300 ms): it is answered. */
  private Future<Void> freedSlot(VertxTestContext ctx, long deadline) {
    return tcp().compose(again -> again.frames.poll(300).compose(frame -> {
      if (frame == null) {
        return again.request("bridge.catalog.search", new JsonObject(), null)
          .map(answer -> {
            ctx.verify(() -> assertThat(answer.getString("type")).isEqualTo("message"));
            return null;
          });
      }
      // thrown, not verified: the loop must stop here
      assertThat(System.currentTimeMillis()).as("a freed slot is reused").isLessThan(deadline);
      return freedSlot(ctx, deadline);
    }));
  }

  @Test
  void connectionsFromOneHostAreCapped(VertxTestContext ctx) {
    up(bridge -> bridge.put("max_connections_per_host", 2))
      .compose(v -> InOrder.run(this::tcp, this::tcp, this::tcp))
      .compose(connections -> {
        TcpTestClient first = connections.get(0);
        TcpTestClient second = connections.get(1);
        TcpTestClient third = connections.get(2);
        return third.next()
          .map(frame -> ctx.verify(() -> assertFailure(frame, 429, "RATE_LIMITED")))
          .compose(v -> third.closedWithin(5_000))
          .map(closed -> ctx.verify(() -> assertThat(closed).isTrue()))
          .compose(v -> {
            first.close();
            return first.closedWithin(5_000);
          })
          .map(closed -> ctx.verify(() -> assertThat(closed).isTrue()))
          .compose(v -> second.request("bridge.catalog.search", new JsonObject(), null))
          .map(answer -> ctx.verify(() -> assertThat(answer.getString("type")).isEqualTo("message")))
          .compose(v -> freedSlot(ctx, System.currentTimeMillis() + 5_000));
      })
      .onComplete(ctx.succeedingThenComplete());
  }
}
