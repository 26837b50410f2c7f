package dev.marketplace.app.e2e;

import dev.marketplace.platform.testing.OnEventLoop;
import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Notifications in the assembled marketplace with its default settings (no SMTP: the local
 * outbox) but for an SMS provider (the notification component's stand-in on a port of its own),
 * real accounts and tokens: an event on the real {@code orders.events} reaches its buyer's live
 * stream and history through HTTP, in the buyer's chosen language, and nobody else's; a buyer who
 * set a phone with {@code PATCH /me} and turned SMS on gets the SMS at that number. The event is
 * published here as the orders component publishes it.
 */
class NotificationE2ETest {
  private static final String PASSWORD = "Correct-Horse-9";
  private static MarketplaceHarness market;
  private static int smsPort;

  @BeforeAll
  static void up() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      smsPort = socket.getLocalPort();
    }
    market = MarketplaceHarness.start(config -> {
      config.getJsonObject("gateway").put("required_components", new JsonArray());
      config.getJsonObject("notification").put("sms_gateway_stub", new JsonObject().put("host", "127.0.0.1").put("port", smsPort))
        .put("sms", new JsonObject().put("url", "http://127.0.0.1:" + smsPort + "/sms"));
    }, List.of(Components.AUTH, Components.NOTIFICATION, Components.GATEWAY));
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
    Account buyer = account("Ирина");
    HttpResponse<Buffer> parked = await(market.http.get("/api/v1/admin/notifications/parked").bearerTokenAuthentication(buyer.token).send());
    assertThat(parked.statusCode()).isEqualTo(403);
  }

  @Test
  void aPaidOrderReachesOnlyItsBuyersStreamAndHistoryInTheirLanguage() throws Exception {
    Account olga = account("Olga");
    Account petr = account("Пётр");
    JsonObject english = new JsonObject().put("language", "en")
      .put("channels", new JsonObject().put("email", true).put("sms", false).put("push", true));
    HttpResponse<Buffer> saved = await(market.http.put("/api/v1/me/notification-preferences").bearerTokenAuthentication(olga.token)
      .sendJsonObject(english));
    assertThat(saved.statusCode()).as(saved.bodyAsString()).isEqualTo(200);
    assertThat(saved.bodyAsJsonObject()).isEqualTo(english);
    HttpResponse<Buffer> petrPreferences = await(market.http.get("/api/v1/me/notification-preferences").bearerTokenAuthentication(petr.token).send());
    assertThat(petrPreferences.bodyAsJsonObject().getString("language")).isEqualTo("ru");

    StringBuffer olgaStream = openStream(olga.token);
    StringBuffer petrStream = openStream(petr.token);
    waitUntil("both streams are subscribed", () -> olgaStream.indexOf(": connected") >= 0 && petrStream.indexOf(": connected") >= 0);

    String orderId = UUID.randomUUID().toString();
    EventEnvelope paid = EventEnvelope.create("OrderPaid", orderId, new JsonObject().put("order_id", orderId).put("buyer_id", olga.userId)
      .put("status", "PAID").put("total", new JsonObject().put("amount", 250000).put("currency", "RUB")));
    Properties props = new Properties();
    props.putAll(KafkaSupport.producerConfig(market.config));
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      // delivered twice, as a producer retry could: still one notification per channel
      producer.send(new ProducerRecord<>(Topics.ORDERS_EVENTS, orderId, paid.toJson().encode())).get(10, TimeUnit.SECONDS);
      producer.send(new ProducerRecord<>(Topics.ORDERS_EVENTS, orderId, paid.toJson().encode())).get(10, TimeUnit.SECONDS);
    }

    waitUntil("Olga's push arrives", () -> olgaStream.indexOf("event: notification") >= 0);
    String subject = "Order №" + orderId.substring(0, 8).toUpperCase() + " is paid";
    assertThat(olgaStream.toString()).contains(subject).contains(orderId);

    waitUntil("the email is in Olga's local outbox", () -> {
      JsonArray items = history(olga.token, "email");
      return items.size() == 1 && "SENT".equals(items.getJsonObject(0).getString("status"));
    });
    JsonObject email = history(olga.token, "email").getJsonObject(0);
    assertThat(email.getString("delivered_via")).isEqualTo("local_outbox");
    assertThat(email.getString("recipient")).isEqualTo(olga.email);
    assertThat(email.getString("subject")).isEqualTo(subject);
    assertThat(email.getString("body")).contains("Hello Olga,").contains("2,500.00 RUB");
    assertThat(history(olga.token, "push")).hasSize(1);

    // nothing of Olga's reached Petr, whose history is empty too
    assertThat(petrStream.toString()).doesNotContain("event: notification");
    assertThat(history(petr.token, "email")).isEmpty();
    assertThat(olgaStream.toString().split("event: notification", -1)).hasSize(2);
  }

  @Test
  void aPhoneSetWithPatchMeGetsTheSmsOfAPaidOrderThroughTheProvider() throws Exception {
    Account anna = account("Anna");
    assertThat(await(market.http.patch("/api/v1/me").sendJsonObject(new JsonObject().put("phone", "+79123456789"))).statusCode())
      .isEqualTo(401);
    // a malformed number is refused naming the field, and changes nothing
    HttpResponse<Buffer> malformed = await(market.http.patch("/api/v1/me").bearerTokenAuthentication(anna.token)
      .sendJsonObject(new JsonObject().put("phone", "8 912 345")));
    assertThat(malformed.statusCode()).as(malformed.bodyAsString()).isEqualTo(400);
    assertThat(malformed.getHeader("Content-Type")).startsWith("application/problem+json");
    assertThat(malformed.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("phone");
    assertThat(me(anna).containsKey("phone")).isFalse();

    HttpResponse<Buffer> set = await(market.http.patch("/api/v1/me").bearerTokenAuthentication(anna.token)
      .sendJsonObject(new JsonObject().put("phone", "+7 (912) 345-67-89")));
    assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(200);
    assertThat(set.bodyAsJsonObject().getString("phone")).isEqualTo("+79123456789");
    assertThat(me(anna).getString("phone")).isEqualTo("+79123456789");
    JsonObject smsOnly = new JsonObject().put("language", "en")
      .put("channels", new JsonObject().put("email", false).put("sms", true).put("push", false));
    assertThat(await(market.http.put("/api/v1/me/notification-preferences").bearerTokenAuthentication(anna.token)
      .sendJsonObject(smsOnly)).statusCode()).isEqualTo(200);

    String orderId = UUID.randomUUID().toString();
    publish(EventEnvelope.create("OrderPaid", orderId, new JsonObject().put("order_id", orderId).put("buyer_id", anna.userId)
      .put("status", "PAID").put("total", new JsonObject().put("amount", 99000).put("currency", "RUB"))));

    waitUntil("the SMS is sent", () -> {
      JsonArray items = history(anna.token, "sms");
      return items.size() == 1 && "SENT".equals(items.getJsonObject(0).getString("status"));
    });
    JsonObject sms = history(anna.token, "sms").getJsonObject(0);
    assertThat(sms.getString("recipient")).isEqualTo("+79123456789");
    assertThat(sms.getString("delivered_via")).isEqualTo("sms_gateway");
    String number = orderId.substring(0, 8).toUpperCase();
    JsonArray atProvider = await(WebClient.wrap(market.vertx.createHttpClient()).getAbs("http://127.0.0.1:" + smsPort + "/sms").send())
      .bodyAsJsonObject().getJsonArray("messages");
    assertThat(atProvider.stream().map(m -> (JsonObject) m).filter(m -> m.getString("text").contains(number)))
      .singleElement().satisfies(m -> assertThat(m.getString("to")).isEqualTo("+79123456789"));
    assertThat(history(anna.token, "email")).as("email is off").isEmpty();

    // without a number (removed with null) SMS are not sent, even when turned on
    HttpResponse<Buffer> removed = await(market.http.patch("/api/v1/me").bearerTokenAuthentication(anna.token)
      .sendJsonObject(new JsonObject().putNull("phone")));
    assertThat(removed.statusCode()).isEqualTo(200);
    assertThat(removed.bodyAsJsonObject().containsKey("phone")).isFalse();
    String later = UUID.randomUUID().toString();
    JsonObject withPush = smsOnly.copy().put("channels", new JsonObject().put("email", false).put("sms", true).put("push", true));
    assertThat(await(market.http.put("/api/v1/me/notification-preferences").bearerTokenAuthentication(anna.token)
      .sendJsonObject(withPush)).statusCode()).isEqualTo(200);
    publish(EventEnvelope.create("OrderPaid", later, new JsonObject().put("order_id", later).put("buyer_id", anna.userId)
      .put("status", "PAID").put("total", new JsonObject().put("amount", 1000).put("currency", "RUB"))));
    waitUntil("the later order's push is in the history", () -> history(anna.token, "push").size() == 1);
    assertThat(history(anna.token, "sms")).hasSize(1);
  }

  private static JsonObject me(Account account) throws Exception {
    HttpResponse<Buffer> me = await(market.http.get("/api/v1/me").bearerTokenAuthentication(account.token).send());
    assertThat(me.statusCode()).isEqualTo(200);
    return me.bodyAsJsonObject();
  }

  private static void publish(EventEnvelope event) throws Exception {
    Properties props = new Properties();
    props.putAll(KafkaSupport.producerConfig(market.config));
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      producer.send(new ProducerRecord<>(Topics.ORDERS_EVENTS, event.aggregateId(), event.toJson().encode())).get(10, TimeUnit.SECONDS);
    }
  }

  private record Account(String userId, String email, String token) {
  }

  private static Account account(String name) throws Exception {
    String email = "n-" + UUID.randomUUID() + "@e2e.test";
    HttpResponse<Buffer> registered = await(market.http.post("/api/v1/auth/register")
      .sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD).put("name", name)));
    assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> login = await(market.http.post("/api/v1/auth/login")
      .sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD)));
    assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
    return new Account(registered.bodyAsJsonObject().getString("user_id"), email, login.bodyAsJsonObject().getString("access_token"));
  }

  private static JsonArray history(String token, String channel) {
    try {
      HttpResponse<Buffer> response = await(market.http.get("/api/v1/notifications?channel=" + channel).bearerTokenAuthentication(token).send());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.bodyAsJsonObject().getJsonArray("items");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static StringBuffer openStream(String token) throws Exception {
    StringBuffer received = new StringBuffer();
    HttpClient client = market.vertx.createHttpClient();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(market.httpPort)
      .setURI("/api/v1/notifications/stream").putHeader("Authorization", "Bearer " + token);
    int status = await(OnEventLoop.run(market.vertx, () -> client.request(options).compose(request -> request.send()).map(response -> {
      response.handler(chunk -> received.append(chunk.toString()));
      return response.statusCode();
    })));
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
