package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.notification.NotificationAddresses;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.OnEventLoop;
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
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The notification routes: relays with the caller's identity, role checks, and the per-user SSE stream. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class NotificationRoutesTest {

  /** Test-only credentials: "Bearer <user>:<role>,<role>". */
  private static final Authenticator FAKE_TOKENS = FakeTokens.AUTHENTICATOR;
  /** How long a subscription, a push or an unsubscription may take to show. */
  private static final long WAIT_MS = 10_000;

  private Vertx vertx;
  private GatewayFixture gateway;
  private HttpClient http;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    // stand-ins for the notification component: echo who asked and with what
    List<Future<Void>> registered = new ArrayList<>();
    for (String address : List.of(NotificationAddresses.LIST, NotificationAddresses.PREFERENCES_GET, NotificationAddresses.PREFERENCES_PUT,
      NotificationAddresses.PARKED_LIST, NotificationAddresses.REPLAY)) {
      MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address, msg -> msg.reply(new JsonObject()
        .put("address", address).put("user", msg.headers().get(BusHeaders.USER_ID)).put("body", msg.body())));
      registered.add(consumer.completion());
    }
    // on the JUnit thread: the first call starts the shared PostgreSQL and Kafka, which blocks
    JsonObject config = GatewayFixture.config();
    config.getJsonObject("gateway").put("sse_heartbeat_ms", 60_000);
    Future.all(registered)
      .compose(all -> GatewayFixture.deploy(vertx, config, List.of(), FAKE_TOKENS))
      .onComplete(ctx.succeeding(deployed -> {
        gateway = deployed;
        http = vertx.createHttpClient();
        ctx.completeNow();
      }));
  }

  @Test
  void eachStreamReceivesOnlyItsOwnUsersPushes(VertxTestContext ctx) {
    openStream("alice:buyer").compose(alice -> openStream("bob:buyer").compose(bob ->
      Eventually.untilTrue(vertx, "both streams are subscribed", WAIT_MS, () -> alice.connected() && bob.connected())
        .compose(v -> {
          vertx.eventBus().publish(NotificationAddresses.push("alice"), new JsonObject().put("id", "n1").put("subject", "for alice"));
          vertx.eventBus().publish(NotificationAddresses.push("bob"), new JsonObject().put("id", "n2").put("subject", "for bob"));
          vertx.eventBus().publish(NotificationAddresses.push("alice"), new JsonObject().put("id", "n3").put("subject", "for alice"));
          return Eventually.untilTrue(vertx, "alice has her two", WAIT_MS, () -> alice.events().size() == 2);
        })
        .compose(v -> Eventually.untilTrue(vertx, "bob has his one", WAIT_MS, () -> bob.events().size() == 1))
        .map(v -> ctx.verify(() -> {
          assertThat(alice.events()).extracting(e -> e.getString("id")).containsExactly("n1", "n3");
          assertThat(bob.events()).extracting(e -> e.getString("id")).containsExactly("n2");
          assertThat(alice.response.getHeader("Content-Type")).startsWith("text/event-stream");
          assertThat(alice.raw.toString()).contains("event: notification\n").contains("id: n1\n");
        }))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void closingTheStreamEndsItsSubscription(VertxTestContext ctx) {
    openStream("alice:buyer")
      .compose(alice -> Eventually.untilTrue(vertx, "the stream is subscribed", WAIT_MS, alice::connected)
        .compose(v -> alice.response.request().connection().close()))
      .compose(v -> Eventually.until(vertx, "nobody listens for alice any more", WAIT_MS, () ->
        vertx.eventBus().request(NotificationAddresses.push("alice"), new JsonObject(),
            new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(200))
          .transform(ar -> Future.succeededFuture(ar.failed()
            && ar.cause() instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anonymousCallersGetNoStreamAndNoHistory(VertxTestContext ctx) {
    WebClient client = gateway.client;
    client.get("/api/v1/notifications/stream").send()
      .map(resp -> ctx.verify(() -> assertProblem(resp, 401, "UNAUTHORIZED")))
      .compose(v -> client.get("/api/v1/notifications").send())
      .map(resp -> ctx.verify(() -> assertProblem(resp, 401, "UNAUTHORIZED")))
      .compose(v -> client.get("/api/v1/me/notification-preferences").send())
      .map(resp -> ctx.verify(() -> assertProblem(resp, 401, "UNAUTHORIZED")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void historyAndPreferencesAreAskedForTheCallerWithTheQueryAsBody(VertxTestContext ctx) {
    WebClient client = gateway.client;
    JsonObject preferences = new JsonObject().put("language", "en")
      .put("channels", new JsonObject().put("email", true).put("sms", false).put("push", true));
    client.get("/api/v1/notifications?limit=5&channel=email&cursor=12")
      .putHeader("Authorization", "Bearer alice:buyer").send()
      .map(list -> ctx.verify(() -> {
        assertThat(list.statusCode()).isEqualTo(200);
        JsonObject echoed = list.bodyAsJsonObject();
        assertThat(echoed.getString("user")).isEqualTo("alice");
        assertThat(echoed.getJsonObject("body")).isEqualTo(new JsonObject().put("limit", 5).put("channel", "email").put("cursor", "12"));
      }))
      .compose(v -> client.put("/api/v1/me/notification-preferences")
        .putHeader("Authorization", "Bearer alice:buyer").sendJsonObject(preferences))
      .map(put -> ctx.verify(() -> {
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.bodyAsJsonObject().getString("address")).isEqualTo(NotificationAddresses.PREFERENCES_PUT);
        assertThat(put.bodyAsJsonObject().getJsonObject("body")).isEqualTo(preferences);
      }))
      .compose(v -> client.get("/api/v1/me/notification-preferences").putHeader("Authorization", "Bearer alice:buyer").send())
      .map(get -> ctx.verify(() -> assertThat(get.bodyAsJsonObject().getString("address")).isEqualTo(NotificationAddresses.PREFERENCES_GET)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void parkedNotificationsAndReplayAreForAdminsOnly(VertxTestContext ctx) {
    WebClient client = gateway.client;
    client.get("/api/v1/admin/notifications/parked").putHeader("Authorization", "Bearer alice:buyer").send()
      .map(resp -> ctx.verify(() -> assertProblem(resp, 403, "FORBIDDEN")))
      .compose(v -> client.post("/api/v1/admin/notifications/abc/replay").putHeader("Authorization", "Bearer alice:buyer").send())
      .map(resp -> ctx.verify(() -> assertProblem(resp, 403, "FORBIDDEN")))
      .compose(v -> client.get("/api/v1/admin/notifications/parked?limit=10").putHeader("Authorization", "Bearer root:admin").send())
      .map(parked -> ctx.verify(() -> {
        assertThat(parked.statusCode()).isEqualTo(200);
        assertThat(parked.bodyAsJsonObject().getJsonObject("body")).isEqualTo(new JsonObject().put("limit", 10));
      }))
      .compose(v -> client.post("/api/v1/admin/notifications/0a1b/replay").putHeader("Authorization", "Bearer root:admin").send())
      .map(replay -> ctx.verify(() -> {
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(replay.bodyAsJsonObject().getJsonObject("body")).isEqualTo(new JsonObject().put("notification_id", "0a1b"));
      }))
      .onComplete(ctx.succeedingThenComplete());
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

  /** The stream, once its response is 200. */
  private Future<SseClient> openStream(String token) {
    SseClient client = new SseClient();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
      .setPort(gateway.verticle.actualPort()).setURI("/api/v1/notifications/stream")
      .putHeader("Authorization", "Bearer " + token).putHeader("Accept", "text/event-stream");
    // built on an event loop, so the handler is attached before the first chunk can arrive (see OnEventLoop)
    return OnEventLoop.run(vertx, () -> http.request(options).compose(request -> request.send()).map(response -> {
      response.handler(buffer -> client.raw.append(buffer.toString()));
      return response;
    })).map(response -> {
      client.response = response;
      assertThat(client.response.statusCode()).isEqualTo(200);
      return client;
    });
  }
}
