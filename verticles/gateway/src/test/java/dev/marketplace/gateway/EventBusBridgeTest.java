package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.notification.NotificationAddresses;
import dev.marketplace.contracts.orders.OrdersAddresses;
import dev.marketplace.gateway.security.JwtAuthenticator;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TCP and SockJS event bus bridges of a real gateway (real token checks against a stand-in
 * for auth's keys, stand-ins for catalog and orders that answer with what they were asked and by
 * whom): the bridge API answers what HTTP answers, only to whom HTTP would, refuses every other
 * address both ways, and a bad or greedy client hurts only its own connection.
 */
class EventBusBridgeTest {
  private static final String ME = "7d6c1c4e-1b7a-4c38-9d0e-5f6a7b8c9d01";
  private static final String OTHER = "1a2b3c4d-0000-4000-8000-00000000abcd";
  private static final String MY_ORDER = "0b9e1f7a-5c1d-4e3f-8a2b-6c7d8e9f0a1b";

  private final TestTokens tokens = new TestTokens("key-1");
  private final TestTokens forger = new TestTokens("key-1");
  private final AtomicInteger internalCalls = new AtomicInteger();
  private Vertx vertx;
  private GatewayVerticle gateway;
  private WebClient http;
  private final List<AutoCloseable> clients = new ArrayList<>();

  @BeforeEach
  void up() throws Exception {
    up(bridge -> { });
  }

  private void up(Consumer<JsonObject> bridgeConfig) throws Exception {
    up(bridgeConfig, gateway -> { });
  }

  private void up(Consumer<JsonObject> bridgeConfig, Consumer<JsonObject> gatewayConfig) throws Exception {
    if (vertx != null) {
      down();
    }
    vertx = Vertx.vertx();
    await(vertx.eventBus().<JsonObject>consumer(AuthContract.JWKS, msg ->
      msg.reply(new JsonObject().put("keys", new JsonArray().add(tokens.jwk())))).completion());
    await(vertx.eventBus().<JsonObject>consumer(CatalogAddresses.SEARCH, msg -> msg.reply(new JsonObject()
      .put("items", new JsonArray().add(new JsonObject().put("title", "Чайник Tefal"))).put("query", msg.body())
      .put("caller", msg.headers().get(BusHeaders.USER_ID)))).completion());
    await(vertx.eventBus().<JsonObject>consumer(CatalogAddresses.GET, msg -> {
      if (MY_ORDER.equals(msg.body().getString("id"))) {
        msg.reply(new JsonObject().put("id", MY_ORDER).put("title", "Чайник"));
      } else {
        msg.fail(ErrorCode.NOT_FOUND.code(), new JsonObject().put("detail", "No such product.").encode());
      }
    }).completion());
    // HTTP reads cards as bytes with an ETag (the same JSON as GET)
    await(vertx.eventBus().<JsonObject>consumer(CatalogAddresses.CARD, msg -> {
      if (MY_ORDER.equals(msg.body().getString("id"))) {
        msg.reply(io.vertx.core.buffer.Buffer.buffer(new JsonObject().put("id", MY_ORDER).put("title", "Чайник").encode()),
          new io.vertx.core.eventbus.DeliveryOptions().addHeader(CatalogAddresses.ETAG_HEADER, "\"v1\""));
      } else {
        msg.fail(ErrorCode.NOT_FOUND.code(), new JsonObject().put("detail", "No such product.").encode());
      }
    }).completion());
    await(vertx.eventBus().<JsonObject>consumer(OrdersAddresses.LIST, msg -> msg.reply(new JsonObject()
      .put("items", new JsonArray().add(new JsonObject().put("buyer_id", msg.headers().get(BusHeaders.USER_ID))))
      .put("page", msg.body()))).completion());
    await(vertx.eventBus().<JsonObject>consumer(OrdersAddresses.VIEW, msg -> {
      if (MY_ORDER.equals(msg.body().getString("order_id")) && ME.equals(msg.headers().get(BusHeaders.USER_ID))) {
        msg.reply(new JsonObject().put("id", MY_ORDER).put("buyer_id", ME));
      } else {
        msg.fail(ErrorCode.NOT_FOUND.code(), new JsonObject().put("detail", "No such order.").encode());
      }
    }).completion());
    await(vertx.eventBus().<JsonObject>consumer(OrdersAddresses.TRANSITION, msg -> {
      internalCalls.incrementAndGet();
      msg.reply(new JsonObject());
    }).completion());
    JsonObject config = GatewayFixture.config();
    JsonObject bridge = GatewayFixture.section(config, "bridge");
    bridgeConfig.accept(bridge);
    gatewayConfig.accept(GatewayFixture.section(config, "gateway"));
    gateway = new GatewayVerticle(List.of(), new JwtAuthenticator());
    await(vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(config)));
    http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gateway.actualPort()));
  }

  @AfterEach
  void down() throws Exception {
    for (AutoCloseable client : clients) {
      client.close();
    }
    clients.clear();
    await(vertx.close());
    vertx = null;
  }

  private TcpTestClient tcp() throws Exception {
    TcpTestClient client = TcpTestClient.connect(vertx, gateway.bridgePort());
    clients.add(client);
    return client;
  }

  private SockJsTestClient sockJs() throws Exception {
    SockJsTestClient client = new SockJsTestClient(gateway.actualPort());
    clients.add(client);
    return client;
  }

  private String token(String user) {
    return tokens.sign(TestTokens.claims(user, "buyer"));
  }

  private static JsonObject auth(String token) {
    return new JsonObject().put("authorization", "Bearer " + token);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private JsonObject httpJson(String path, String token) throws Exception {
    var request = http.get(path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    HttpResponse<Buffer> response = await(request.send());
    return new JsonObject().put("status", response.statusCode()).put("body", response.bodyAsJsonObject());
  }

  private static void assertFailure(JsonObject frame, int status, String code) {
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("err");
    assertThat(frame.getInteger("failureCode")).as(frame.encode()).isEqualTo(status);
    assertThat(frame.getString("message")).as(frame.encode()).isEqualTo(code);
  }

  @Test
  void searchAndProductOverTcpAndSockJsEqualTheHttpAnswers() throws Exception {
    JsonObject query = new JsonObject().put("q", "чайник").put("brand", "Tefal").put("in_stock", true).put("limit", 10);
    JsonObject viaHttp = httpJson("/api/v1/catalog/products?q=%D1%87%D0%B0%D0%B9%D0%BD%D0%B8%D0%BA&brand=Tefal&in_stock=true&limit=10", null);
    assertThat(viaHttp.getInteger("status")).isEqualTo(200);
    JsonObject product = httpJson("/api/v1/catalog/products/" + MY_ORDER, null);
    JsonObject missing = httpJson("/api/v1/catalog/products/" + OTHER, null);
    assertThat(missing.getInteger("status")).isEqualTo(404);

    TcpTestClient tcp = tcp();
    JsonObject tcpSearch = tcp.request("bridge.catalog.search", query, null);
    assertThat(tcpSearch.getString("type")).isEqualTo("message");
    assertThat(tcpSearch.getJsonObject("body")).isEqualTo(viaHttp.getJsonObject("body"));
    assertThat(tcp.request("bridge.catalog.product", new JsonObject().put("id", MY_ORDER), null).getJsonObject("body"))
      .isEqualTo(product.getJsonObject("body"));
    JsonObject tcpMissing = tcp.request("bridge.catalog.product", new JsonObject().put("id", OTHER), null);
    assertFailure(tcpMissing, 404, "NOT_FOUND");
    assertThat(tcpMissing.getJsonObject("body").getString("detail")).isEqualTo(missing.getJsonObject("body").getString("detail"));
    JsonObject badField = tcp.request("bridge.catalog.search", new JsonObject().put("brand", new JsonObject()), null);
    assertFailure(badField, 400, "VALIDATION_FAILED");
    assertThat(badField.getJsonObject("body").getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("brand");

    SockJsTestClient sockJs = sockJs();
    JsonObject sockSearch = sockJs.request("bridge.catalog.search", query, null);
    assertThat(sockSearch.getString("type")).isEqualTo("rec");
    assertThat(sockSearch.getJsonObject("body")).isEqualTo(viaHttp.getJsonObject("body"));
    assertThat(sockJs.request("bridge.catalog.product", new JsonObject().put("id", MY_ORDER), null).getJsonObject("body"))
      .isEqualTo(product.getJsonObject("body"));
    assertFailure(sockJs.request("bridge.catalog.product", new JsonObject().put("id", OTHER), null), 404, "NOT_FOUND");
  }

  @Test
  void ordersAnswerOnlyTheirOwnerWithAGenuineToken() throws Exception {
    TcpTestClient tcp = tcp();
    JsonObject mine = tcp.request("bridge.orders.get", new JsonObject().put("id", MY_ORDER), auth(token(ME)));
    assertThat(mine.getJsonObject("body")).isEqualTo(httpJson("/api/v1/orders/" + MY_ORDER, token(ME)).getJsonObject("body"));
    assertFailure(tcp.request("bridge.orders.get", new JsonObject().put("id", MY_ORDER), auth(token(OTHER))), 404, "NOT_FOUND");
    assertFailure(tcp.request("bridge.orders.get", new JsonObject().put("id", "not-a-uuid"), auth(token(ME))), 404, "NOT_FOUND");
    assertFailure(tcp.request("bridge.orders.list", new JsonObject(), null), 401, "UNAUTHORIZED");
    String forged = forger.sign(TestTokens.claims(ME, "buyer"));
    assertFailure(tcp.request("bridge.orders.list", new JsonObject(), auth(forged)), 401, "TOKEN_INVALID");
    // the caller is the token's user, whatever identity headers the frame claims
    JsonObject smuggled = auth(token(OTHER)).put(BusHeaders.USER_ID, ME).put(BusHeaders.ROLES, "admin");
    JsonObject list = tcp.request("bridge.orders.list", new JsonObject().put("limit", 5), smuggled);
    assertThat(list.getJsonObject("body").getJsonArray("items").getJsonObject(0).getString("buyer_id")).isEqualTo(OTHER);
    assertThat(list.getJsonObject("body").getJsonObject("page")).isEqualTo(new JsonObject().put("limit", 5));
    assertThat(list.getJsonObject("body")).isEqualTo(httpJson("/api/v1/orders?limit=5", token(OTHER)).getJsonObject("body"));
    assertFailure(tcp.request("bridge.orders.list", new JsonObject().put("buyer_id", ME), auth(token(OTHER))), 400, "VALIDATION_FAILED");
  }

  @Test
  void internalAddressesAreRefusedInBothDirections() throws Exception {
    TcpTestClient tcp = tcp();
    for (String address : List.of(OrdersAddresses.TRANSITION, "payment.refund", "inventory.reserve", AuthContract.JWKS, "bridge.catalog")) {
      JsonObject refused = tcp.request(address, new JsonObject().put("order_id", MY_ORDER).put("to", "PAID"), auth(token(ME)));
      assertFailure(refused, 403, "access_denied");
    }
    tcp.write(new JsonObject().put("type", "publish").put("address", "bridge.catalog.search").put("body", new JsonObject()));
    assertFailure(tcp.next(), 403, "access_denied");
    tcp.write(new JsonObject().put("type", "send").put("address", OrdersAddresses.TRANSITION).put("body", new JsonObject()));
    assertFailure(tcp.next(), 403, "access_denied");
    for (String address : List.of(NotificationAddresses.push(ME), "orders.events", "bridge.user." + ME.toUpperCase(), "bridge.user.*")) {
      tcp.write(new JsonObject().put("type", "register").put("address", address).put("headers", auth(token(ME))));
      JsonObject refused = tcp.next();
      assertFailure(refused, 403, "access_denied");
      assertThat(refused.getString("address")).isEqualTo(address);
    }
    // nothing reached the component, and the connection still works
    assertThat(internalCalls.get()).isZero();
    tcp.write(new JsonObject().put("type", "ping"));
    assertThat(tcp.next().getString("type")).isEqualTo("pong");

    SockJsTestClient sockJs = sockJs();
    assertFailure(sockJs.request(OrdersAddresses.TRANSITION, new JsonObject(), null), 403, "access_denied");
    sockJs.send(new JsonObject().put("type", "register").put("address", NotificationAddresses.push(ME)).put("headers", auth(token(ME))).encode());
    JsonObject refused = sockJs.next();
    assertThat(refused.getString("body")).isEqualTo("access_denied");
    assertThat(internalCalls.get()).isZero();
  }

  @Test
  void aUserHearsTheirOwnNotificationsAndCannotListenToAnotherUsersFeed() throws Exception {
    TcpTestClient tcp = tcp();
    tcp.write(new JsonObject().put("type", "register").put("address", "bridge.user." + OTHER).put("headers", auth(token(ME))));
    assertFailure(tcp.next(), 403, "access_denied");
    tcp.write(new JsonObject().put("type", "register").put("address", "bridge.user." + ME).put("headers", auth(forger.sign(TestTokens.claims(ME, "buyer")))));
    assertFailure(tcp.next(), 401, "TOKEN_INVALID");
    tcp.write(new JsonObject().put("type", "register").put("address", "bridge.user." + ME));
    assertFailure(tcp.next(), 401, "UNAUTHORIZED");
    tcp.write(new JsonObject().put("type", "register").put("address", "bridge.user." + ME).put("headers", auth(token(ME))));
    SockJsTestClient sockJs = sockJs();
    sockJs.send(new JsonObject().put("type", "register").put("address", "bridge.user." + ME).put("headers", auth(token(ME))).encode());

    JsonObject notification = new JsonObject().put("id", UUID.randomUUID().toString()).put("template", "order_paid")
      .put("order_id", MY_ORDER).put("subject", "Заказ оплачен");
    // the registration is in place once the bridge answers a later frame on the same connection
    tcp.write(new JsonObject().put("type", "ping"));
    assertThat(tcp.next().getString("type")).isEqualTo("pong");
    long deadline = System.currentTimeMillis() + 10_000;
    JsonObject heard = null;
    while (heard == null && System.currentTimeMillis() < deadline) {
      vertx.eventBus().publish(NotificationAddresses.push(OTHER), new JsonObject().put("id", "not-for-me"));
      vertx.eventBus().publish(NotificationAddresses.push(ME), notification);
      heard = tcp.frames.poll(200, TimeUnit.MILLISECONDS);
    }
    assertThat(heard).as("a notification on the TCP bridge").isNotNull();
    assertThat(heard.getString("type")).isEqualTo("message");
    assertThat(heard.getString("address")).isEqualTo("bridge.user." + ME);
    assertThat(heard.getJsonObject("body")).isEqualTo(notification.copy().put("type", "Notification"));
    JsonObject overSockJs = sockJs.next();
    assertThat(overSockJs.getString("type")).isEqualTo("rec");
    assertThat(overSockJs.getString("address")).isEqualTo("bridge.user." + ME);
    assertThat(overSockJs.getJsonObject("body").getString("type")).isEqualTo("Notification");
    // nothing of the other user's feed, ever
    Thread.sleep(200);
    for (JsonObject frame : tcp.frames) {
      assertThat(frame.getJsonObject("body").getString("id")).isEqualTo(notification.getString("id"));
    }
  }

  /** Registers on the user's feed and waits until a notification arrives there: the registration is in place. */
  private void listening(TcpTestClient tcp, String token) throws Exception {
    tcp.write(new JsonObject().put("type", "register").put("address", "bridge.user." + ME).put("headers", auth(token)));
    JsonObject heard = null;
    long deadline = System.currentTimeMillis() + 10_000;
    while (heard == null && System.currentTimeMillis() < deadline) {
      vertx.eventBus().publish(NotificationAddresses.push(ME), new JsonObject().put("id", "probe"));
      heard = tcp.frames.poll(200, TimeUnit.MILLISECONDS);
    }
    assertThat(heard).as("the registration delivers").isNotNull();
    assertThat(heard.getString("type")).as(heard.encode()).isEqualTo("message");
    Thread.sleep(300);
    tcp.frames.clear();
  }

  /** After a registration ended: a notification published now reaches nobody, and the connection still answers. */
  private void hearsNoMore(TcpTestClient tcp) throws Exception {
    vertx.eventBus().publish(NotificationAddresses.push(ME), new JsonObject().put("id", "after-the-end"));
    tcp.write(new JsonObject().put("type", "ping"));
    JsonObject next = tcp.next();
    assertThat(next.getString("type")).as(next.encode()).isEqualTo("pong");
    Thread.sleep(300);
    assertThat(tcp.frames).as("nothing delivered after the registration ended").isEmpty();
  }

  @Test
  void aRegistrationEndsWhenItsSessionIsRevoked() throws Exception {
    String sid = UUID.randomUUID().toString();
    TcpTestClient tcp = tcp();
    listening(tcp, tokens.sign(TestTokens.claims(ME, "buyer").put("sid", sid)));

    vertx.eventBus().publish(AuthContract.SESSION_REVOKED, new JsonObject().put("session_id", sid)
      .put("revoked_at", java.time.Instant.now().toString()).put("deny_for_seconds", 960));

    JsonObject ended = tcp.next();
    assertFailure(ended, 401, "session_revoked");
    assertThat(ended.getString("address")).isEqualTo("bridge.user." + ME);
    hearsNoMore(tcp);
  }

  @Test
  void aRegistrationEndsWhenItsTokenExpiresUnlessRenewedWithANewerToken() throws Exception {
    long now = java.time.Instant.now().getEpochSecond();
    // expired 2 s ago: inside the verifier's 5 s leeway for about 3 s more
    String expiring = tokens.sign(TestTokens.claims(ME, "buyer").put("iat", now - 900).put("exp", now - 2));
    TcpTestClient tcp = tcp();
    listening(tcp, expiring);
    JsonObject ended = tcp.next();
    assertFailure(ended, 401, "token_expired");
    assertThat(ended.getString("address")).isEqualTo("bridge.user." + ME);
    hearsNoMore(tcp);

    // the same, renewed in time with a fresh token: it outlives the first token
    TcpTestClient renewed = tcp();
    listening(renewed, tokens.sign(TestTokens.claims(ME, "buyer").put("iat", now - 900).put("exp", java.time.Instant.now().getEpochSecond() - 2)));
    renewed.write(new JsonObject().put("type", "register").put("address", "bridge.user." + ME).put("headers", auth(token(ME))));
    Thread.sleep(4_000);
    JsonObject heard = null;
    long deadline = System.currentTimeMillis() + 10_000;
    while (heard == null && System.currentTimeMillis() < deadline) {
      vertx.eventBus().publish(NotificationAddresses.push(ME), new JsonObject().put("id", "still-listening"));
      heard = renewed.frames.poll(200, TimeUnit.MILLISECONDS);
    }
    assertThat(heard).isNotNull();
    assertThat(heard.getString("type")).as(heard.encode()).isEqualTo("message");
    assertThat(heard.getJsonObject("body").getString("id")).isEqualTo("still-listening");
  }

  @Test
  void malformedAndOversizedFramesCloseOnlyTheirConnection() throws Exception {
    TcpTestClient healthy = tcp();
    TcpTestClient badJson = tcp();
    TcpTestClient unknownType = tcp();
    TcpTestClient tooLong = tcp();
    TcpTestClient negative = tcp();
    byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);
    badJson.writeRaw(Buffer.buffer().appendInt(garbage.length).appendBytes(garbage));
    unknownType.write(new JsonObject().put("type", "subscribe-all").put("address", "#"));
    tooLong.writeRaw(Buffer.buffer().appendInt(64 * 1024 * 1024).appendString("{\"type\":"));
    negative.writeRaw(Buffer.buffer().appendInt(-5));
    for (TcpTestClient closed : List.of(badJson, unknownType, tooLong, negative)) {
      assertThat(closed.closedWithin(5_000)).isTrue();
    }
    assertThat(healthy.closedWithin(200)).isFalse();
    assertThat(healthy.request("bridge.catalog.search", new JsonObject().put("q", "чайник"), null).getString("type")).isEqualTo("message");

    SockJsTestClient sockJs = sockJs();
    sockJs.send("[not json");
    sockJs.closed.get(5, TimeUnit.SECONDS);
    SockJsTestClient big = sockJs();
    big.send(new JsonObject().put("type", "send").put("address", "bridge.catalog.search").put("replyAddress", "r1")
      .put("body", new JsonObject().put("q", "x".repeat(70_000))).encode());
    big.closed.get(5, TimeUnit.SECONDS);
    assertThat(sockJs().request("bridge.catalog.search", new JsonObject(), null).getString("type")).isEqualTo("rec");
    assertThat(healthy.request("bridge.catalog.search", new JsonObject(), null).getString("type")).isEqualTo("message");
  }

  @Test
  void aFloodingClientIsRateLimitedWhileOthersAreAnswered() throws Exception {
    up(bridge -> bridge.put("messages_per_second", 20).put("burst", 20),
      gateway -> gateway.put("rate_limits", new JsonObject().put("enabled", true)));
    TcpTestClient flooder = tcp();
    TcpTestClient calm = tcp();
    int sent = 300;
    for (int i = 0; i < sent; i++) {
      flooder.write(new JsonObject().put("type", "send").put("address", "bridge.catalog.search").put("replyAddress", "f" + i)
        .put("body", new JsonObject().put("q", "flood")));
    }
    for (int i = 0; i < 5; i++) {
      assertThat(calm.request("bridge.catalog.search", new JsonObject().put("q", "calm"), null).getString("type")).isEqualTo("message");
    }
    int answered = 0;
    int limited = 0;
    for (int i = 0; i < sent; i++) {
      JsonObject frame = flooder.next();
      if ("message".equals(frame.getString("type"))) {
        answered++;
      } else {
        assertFailure(frame, 429, "RATE_LIMITED");
        assertThat(frame.getJsonObject("body").getInteger("retry_after_seconds")).isPositive();
        limited++;
      }
    }
    assertThat(answered).isBetween(1, 60);
    assertThat(limited).isEqualTo(sent - answered);
  }

  @Test
  void bridgeRequestsSpendTheSameRateLimitsAsTheHttpRoutes() throws Exception {
    up(bridge -> { }, gateway -> gateway.put("rate_limits", new JsonObject().put("enabled", true).put("groups", new JsonObject()
      .put("search", new JsonObject().put("per_address", new JsonObject().put("capacity", 3).put("per_minute", 1))))));
    for (int i = 0; i < 3; i++) {
      assertThat(httpJson("/api/v1/catalog/products?q=x", null).getInteger("status")).isEqualTo(200);
    }
    assertThat(httpJson("/api/v1/catalog/products?q=x", null).getInteger("status")).isEqualTo(429);
    JsonObject limited = tcp().request("bridge.catalog.search", new JsonObject().put("q", "x"), null);
    assertFailure(limited, 429, "RATE_LIMITED");
    assertThat(limited.getJsonObject("body").getLong("retry_after_seconds")).isPositive();
    // orders are another group: still answered
    assertThat(tcp().request("bridge.orders.list", new JsonObject(), auth(token(ME))).getString("type")).isEqualTo("message");
  }

  @Test
  void connectionsFromOneHostAreCapped() throws Exception {
    up(bridge -> bridge.put("max_connections_per_host", 2));
    TcpTestClient first = tcp();
    TcpTestClient second = tcp();
    TcpTestClient third = tcp();
    assertFailure(third.next(), 429, "RATE_LIMITED");
    assertThat(third.closedWithin(5_000)).isTrue();
    first.close();
    assertThat(first.closedWithin(5_000)).isTrue();
    assertThat(second.request("bridge.catalog.search", new JsonObject(), null).getString("type")).isEqualTo("message");
    long deadline = System.currentTimeMillis() + 5_000;
    while (true) {
      TcpTestClient again = tcp();
      JsonObject frame = again.frames.poll(300, TimeUnit.MILLISECONDS);
      if (frame == null) {
        assertThat(again.request("bridge.catalog.search", new JsonObject(), null).getString("type")).isEqualTo("message");
        break;
      }
      assertThat(System.currentTimeMillis()).as("a freed slot is reused").isLessThan(deadline);
    }
  }
}
