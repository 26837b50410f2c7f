package dev.marketplace.gateway;

import dev.marketplace.platform.testing.OnEventLoop;
import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.notification.NotificationAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The notification routes: relays with the caller's identity, role checks, and the per-user SSE stream. */
class NotificationRoutesTest {

  /** Test-only credentials: "Bearer <user>:<role>,<role>". */
  private static final Authenticator FAKE_TOKENS = FakeTokens.AUTHENTICATOR;

  private Vertx vertx;
  private GatewayFixture gateway;
  private HttpClient http;

  @BeforeEach
  void deploy() {
    vertx = Vertx.vertx();
    // stand-ins for the notification component: echo who asked and with what
    for (String address : List.of(NotificationAddresses.LIST, NotificationAddresses.PREFERENCES_GET, NotificationAddresses.PREFERENCES_PUT,
      NotificationAddresses.PARKED_LIST, NotificationAddresses.REPLAY)) {
      MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address, msg -> msg.reply(new JsonObject()
        .put("address", address).put("user", msg.headers().get(BusHeaders.USER_ID)).put("body", msg.body())));
      await(consumer.completion());
    }
    JsonObject config = GatewayFixture.config();
    config.getJsonObject("gateway").put("sse_heartbeat_ms", 60_000);
    gateway = await(GatewayFixture.deploy(vertx, config, List.of(), FAKE_TOKENS));
    http = vertx.createHttpClient();
  }

  @AfterEach
  void close() {
    await(vertx.close());
  }

  @Test
  void eachStreamReceivesOnlyItsOwnUsersPushes() {
    SseClient alice = openStream("alice:buyer");
    SseClient bob = openStream("bob:buyer");
    waitUntil("both streams are subscribed", () -> alice.connected() && bob.connected());

    vertx.eventBus().publish(NotificationAddresses.push("alice"), new JsonObject().put("id", "n1").put("subject", "for alice"));
    vertx.eventBus().publish(NotificationAddresses.push("bob"), new JsonObject().put("id", "n2").put("subject", "for bob"));
    vertx.eventBus().publish(NotificationAddresses.push("alice"), new JsonObject().put("id", "n3").put("subject", "for alice"));
    waitUntil("alice has her two", () -> alice.events().size() == 2);
    waitUntil("bob has his one", () -> bob.events().size() == 1);

    assertThat(alice.events()).extracting(e -> e.getString("id")).containsExactly("n1", "n3");
    assertThat(bob.events()).extracting(e -> e.getString("id")).containsExactly("n2");
    assertThat(alice.response.getHeader("Content-Type")).startsWith("text/event-stream");
    assertThat(alice.raw.toString()).contains("event: notification\n").contains("id: n1\n");
  }

  @Test
  void closingTheStreamEndsItsSubscription() {
    SseClient alice = openStream("alice:buyer");
    waitUntil("the stream is subscribed", alice::connected);
    alice.response.request().connection().close();
    waitUntil("nobody listens for alice any more", () -> {
      Throwable failure = await(vertx.eventBus().request(NotificationAddresses.push("alice"), new JsonObject(),
        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(200)).<Throwable>map(m -> null).otherwise(err -> err));
      return failure instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS;
    });
  }

  @Test
  void anonymousCallersGetNoStreamAndNoHistory() {
    WebClient client = gateway.client;
    assertProblem(await(client.get("/api/v1/notifications/stream").send()), 401, "UNAUTHORIZED");
    assertProblem(await(client.get("/api/v1/notifications").send()), 401, "UNAUTHORIZED");
    assertProblem(await(client.get("/api/v1/me/notification-preferences").send()), 401, "UNAUTHORIZED");
  }

  @Test
  void historyAndPreferencesAreAskedForTheCallerWithTheQueryAsBody() {
    WebClient client = gateway.client;
    HttpResponse<?> list = await(client.get("/api/v1/notifications?limit=5&channel=email&cursor=12")
      .putHeader("Authorization", "Bearer alice:buyer").send());
    assertThat(list.statusCode()).isEqualTo(200);
    JsonObject echoed = list.bodyAsJsonObject();
    assertThat(echoed.getString("user")).isEqualTo("alice");
    assertThat(echoed.getJsonObject("body")).isEqualTo(new JsonObject().put("limit", 5).put("channel", "email").put("cursor", "12"));

    JsonObject preferences = new JsonObject().put("language", "en")
      .put("channels", new JsonObject().put("email", true).put("sms", false).put("push", true));
    HttpResponse<?> put = await(client.put("/api/v1/me/notification-preferences")
      .putHeader("Authorization", "Bearer alice:buyer").sendJsonObject(preferences));
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(put.bodyAsJsonObject().getString("address")).isEqualTo(NotificationAddresses.PREFERENCES_PUT);
    assertThat(put.bodyAsJsonObject().getJsonObject("body")).isEqualTo(preferences);

    HttpResponse<?> get = await(client.get("/api/v1/me/notification-preferences").putHeader("Authorization", "Bearer alice:buyer").send());
    assertThat(get.bodyAsJsonObject().getString("address")).isEqualTo(NotificationAddresses.PREFERENCES_GET);
  }

  @Test
  void parkedNotificationsAndReplayAreForAdminsOnly() {
    WebClient client = gateway.client;
    assertProblem(await(client.get("/api/v1/admin/notifications/parked").putHeader("Authorization", "Bearer alice:buyer").send()), 403, "FORBIDDEN");
    assertProblem(await(client.post("/api/v1/admin/notifications/abc/replay").putHeader("Authorization", "Bearer alice:buyer").send()), 403, "FORBIDDEN");

    HttpResponse<?> parked = await(client.get("/api/v1/admin/notifications/parked?limit=10").putHeader("Authorization", "Bearer root:admin").send());
    assertThat(parked.statusCode()).isEqualTo(200);
    assertThat(parked.bodyAsJsonObject().getJsonObject("body")).isEqualTo(new JsonObject().put("limit", 10));
    HttpResponse<?> replay = await(client.post("/api/v1/admin/notifications/0a1b/replay").putHeader("Authorization", "Bearer root:admin").send());
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.bodyAsJsonObject().getJsonObject("body")).isEqualTo(new JsonObject().put("notification_id", "0a1b"));
  }

  /** A minimal Server-Sent Events reader. */
  private final class SseClient {
    final StringBuffer raw = new StringBuffer();
    final List<JsonObject> parsed = new CopyOnWriteArrayList<>();
    HttpClientResponse response;

    boolean connected() {
      return raw.indexOf(": connected\n\n") >= 0;
    }

    List<JsonObject> events() {
      List<JsonObject> events = new ArrayList<>();
      for (String block : raw.toString().split("\n\n")) {
        for (String line : block.split("\n")) {
          if (line.startsWith("data: ")) {
            events.add(new JsonObject(line.substring("data: ".length())));
          }
        }
      }
      return events;
    }
  }

  private SseClient openStream(String token) {
    SseClient client = new SseClient();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
      .setPort(gateway.verticle.actualPort()).setURI("/api/v1/notifications/stream")
      .putHeader("Authorization", "Bearer " + token).putHeader("Accept", "text/event-stream");
    // built on an event loop, so the handler is attached before the first chunk can arrive (see OnEventLoop)
    client.response = await(OnEventLoop.run(vertx, () -> http.request(options).compose(request -> request.send()).map(response -> {
      response.handler(buffer -> client.raw.append(buffer.toString()));
      return response;
    })));
    assertThat(client.response.statusCode()).isEqualTo(200);
    return client;
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void waitUntil(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting until " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
