package dev.marketplace.app.e2e;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.gateway.Authenticator;
import dev.marketplace.gateway.GatewayVerticle;
import dev.marketplace.gateway.Identity;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Notifications in the assembled marketplace with its default settings (no SMTP: the local
 * outbox): an event on the real {@code orders.events} reaches the buyer's live stream and history
 * through HTTP, and nobody else's. Until auth's JWT is on main, a second gateway with stand-in
 * tokens ("Bearer <user>:<roles>") serves the logged-in calls, and a fake {@code auth.user.contact}
 * answers for the buyers.
 */
class NotificationE2ETest {
  private static MarketplaceHarness market;
  private static WebClient asUser;
  private static int userGatewayPort;

  /** Test-only credentials: "Bearer <user>:<role>,<role>". */
  private static final Authenticator STAND_IN_TOKENS = ctx -> {
    String header = ctx.request().getHeader("Authorization");
    if (header == null) {
      return Future.succeededFuture(Optional.empty());
    }
    String[] parts = header.substring("Bearer ".length()).split(":");
    return Future.succeededFuture(Optional.of(new Identity(parts[0], Set.of(parts[1].split(",")))));
  };

  @BeforeAll
  static void up() throws Exception {
    market = MarketplaceHarness.start(config -> config.getJsonObject("gateway").put("required_components", new JsonArray()),
      List.of(Components.NOTIFICATION, Components.GATEWAY));
    MessageConsumer<JsonObject> auth = market.vertx.eventBus().consumer("auth.user.contact", msg -> {
      String userId = msg.body().getString("user_id");
      msg.reply(new JsonObject().put("user_id", userId).put("email", userId.substring(0, 8) + "@e2e.test")
        .put("name", "Ольга").put("language", "ru"));
    });
    await(auth.completion());
    JsonObject gatewayConfig = market.config.copy();
    gatewayConfig.getJsonObject("http").put("port", 0);
    GatewayVerticle userGateway = new GatewayVerticle(List.of(), STAND_IN_TOKENS);
    await(market.vertx.deployVerticle(userGateway, new DeploymentOptions().setConfig(gatewayConfig)));
    userGatewayPort = userGateway.actualPort();
    asUser = WebClient.create(market.vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(userGatewayPort));
  }

  @AfterAll
  static void down() throws Exception {
    market.close();
  }

  @Test
  void notificationRoutesNeedALoggedInUser() throws Exception {
    for (String path : List.of("/api/v1/notifications", "/api/v1/notifications/stream", "/api/v1/me/notification-preferences")) {
      HttpResponse<Buffer> response = await(market.http.get(path).send());
      assertThat(response.statusCode()).as(path).isEqualTo(401);
      assertThat(response.getHeader("Content-Type")).startsWith("application/problem+json");
    }
  }

  @Test
  void aPaidOrderReachesOnlyItsBuyersStreamAndLandsInTheirLocalEmailOutbox() throws Exception {
    String olga = UUID.randomUUID().toString();
    String petr = UUID.randomUUID().toString();
    StringBuffer olgaStream = openStream(olga);
    StringBuffer petrStream = openStream(petr);
    waitUntil("both streams are subscribed", () -> olgaStream.indexOf(": connected") >= 0 && petrStream.indexOf(": connected") >= 0);

    String orderId = UUID.randomUUID().toString();
    EventEnvelope paid = EventEnvelope.create("OrderPaid", orderId, new JsonObject().put("order_id", orderId).put("buyer_id", olga)
      .put("status", "PAID").put("total", new JsonObject().put("amount", 250000).put("currency", "RUB")));
    Properties props = new Properties();
    props.putAll(KafkaSupport.producerConfig(market.config));
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      // delivered twice, as a producer retry could: still one notification per channel
      producer.send(new ProducerRecord<>(Topics.ORDERS_EVENTS, orderId, paid.toJson().encode())).get(10, TimeUnit.SECONDS);
      producer.send(new ProducerRecord<>(Topics.ORDERS_EVENTS, orderId, paid.toJson().encode())).get(10, TimeUnit.SECONDS);
    }

    waitUntil("Olga's push arrives", () -> olgaStream.indexOf("event: notification") >= 0);
    String subject = "Заказ №" + orderId.substring(0, 8).toUpperCase() + " оплачен";
    assertThat(olgaStream.toString()).contains(subject).contains(orderId);

    waitUntil("the email is in Olga's local outbox", () -> {
      JsonArray items = history(olga, "email");
      return items.size() == 1 && "SENT".equals(items.getJsonObject(0).getString("status"));
    });
    JsonObject email = history(olga, "email").getJsonObject(0);
    assertThat(email.getString("delivered_via")).isEqualTo("local_outbox");
    assertThat(email.getString("recipient")).isEqualTo(olga.substring(0, 8) + "@e2e.test");
    assertThat(email.getString("subject")).isEqualTo(subject);
    assertThat(email.getString("body")).contains("Здравствуйте, Ольга!").contains("2\u00a0500,00\u00a0₽");
    assertThat(history(olga, "push")).hasSize(1);

    // nothing of Olga's reached Petr, whose history is empty too
    assertThat(petrStream.toString()).doesNotContain("event: notification");
    assertThat(history(petr, "email")).isEmpty();
    assertThat(olgaStream.toString().split("event: notification", -1)).hasSize(2);
  }

  private static JsonArray history(String userId, String channel) {
    try {
      HttpResponse<Buffer> response = await(asUser.get("/api/v1/notifications?channel=" + channel)
        .putHeader("Authorization", "Bearer " + userId + ":buyer").send());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.bodyAsJsonObject().getJsonArray("items");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static StringBuffer openStream(String userId) throws Exception {
    StringBuffer received = new StringBuffer();
    HttpClient client = market.vertx.createHttpClient();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(userGatewayPort)
      .setURI("/api/v1/notifications/stream").putHeader("Authorization", "Bearer " + userId + ":buyer");
    int status = await(client.request(options).compose(request -> request.send()).map(response -> {
      response.handler(chunk -> received.append(chunk.toString()));
      return response.statusCode();
    }));
    assertThat(status).isEqualTo(200);
    return received;
  }

  private static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }
}
