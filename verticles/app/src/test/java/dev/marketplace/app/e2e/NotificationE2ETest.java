package dev.marketplace.app.e2e;

import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.OnEventLoop;
import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Notifications in the assembled marketplace with its default settings (no SMTP: the local
 * outbox) but for an SMS provider (the notification component's stand-in on a port of its own),
 * real accounts and tokens: an event on the real {@code orders.events} reaches its buyer's live
 * stream and history through HTTP, in the buyer's chosen language, and nobody else's; a buyer who
 * set a phone with {@code PATCH /me} and turned SMS on gets the SMS at that number. The event is
 * published here as the orders component publishes it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class NotificationE2ETest {
  private static final String PASSWORD = "Correct-Horse-9";
  private static MarketplaceHarness market;
  private static int smsPort;

  @BeforeAll
  static void up(VertxTestContext ctx) {
    smsPort = MarketplaceHarness.freePort();
    MarketplaceHarness.start(config -> {
      config.getJsonObject("gateway").put("required_components", new JsonArray());
      config.getJsonObject("notification").put("sms_gateway_stub", new JsonObject().put("host", "127.0.0.1").put("port", smsPort))
        .put("sms", new JsonObject().put("url", "http://127.0.0.1:" + smsPort + "/sms"));
    }, List.of(Components.AUTH, Components.NOTIFICATION, Components.GATEWAY))
      .onSuccess(started -> market = started)
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    MarketplaceHarness.close(market).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void notificationRoutesNeedALoggedInUser(VertxTestContext ctx) {
    Future<Void> chain = Future.succeededFuture();
    for (String path : List.of("/api/v1/notifications", "/api/v1/notifications/stream", "/api/v1/me/notification-preferences")) {
      chain = chain.compose(v -> market.http.get(path).send()).map(response -> ctx.verify(() -> {
        assertThat(response.statusCode()).as(path).isEqualTo(401);
        assertThat(response.getHeader("Content-Type")).startsWith("application/problem+json");
      })).mapEmpty();
    }
    chain
      .compose(v -> account("Ирина"))
      .compose(buyer -> market.http.get("/api/v1/admin/notifications/parked").bearerTokenAuthentication(buyer.token).send())
      .map(parked -> ctx.verify(() -> assertThat(parked.statusCode()).isEqualTo(403)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aPaidOrderReachesOnlyItsBuyersStreamAndHistoryInTheirLanguage(VertxTestContext ctx) {
    // made here on the test thread: building a Kafka client blocks, so never on an event loop
    KafkaProducer<String, String> producer = KafkaProducer.create(market.vertx, KafkaSupport.producerConfig(market.config));
    JsonObject english = new JsonObject().put("language", "en")
      .put("channels", new JsonObject().put("email", true).put("sms", false).put("push", true));
    account("Olga").compose(olga -> account("Пётр").compose(petr ->
      market.http.put("/api/v1/me/notification-preferences").bearerTokenAuthentication(olga.token).sendJsonObject(english)
        .map(saved -> ctx.verify(() -> {
          assertThat(saved.statusCode()).as(saved.bodyAsString()).isEqualTo(200);
          assertThat(saved.bodyAsJsonObject()).isEqualTo(english);
        }))
        .compose(v -> market.http.get("/api/v1/me/notification-preferences").bearerTokenAuthentication(petr.token).send())
        .map(petrPreferences -> ctx.verify(() -> assertThat(petrPreferences.bodyAsJsonObject().getString("language")).isEqualTo("ru")))
        .compose(v -> openStream(olga.token))
        .compose(olgaStream -> openStream(petr.token).compose(petrStream -> {
          String orderId = UUID.randomUUID().toString();
          EventEnvelope paid = EventEnvelope.create("OrderPaid", orderId, new JsonObject().put("order_id", orderId).put("buyer_id", olga.userId)
            .put("status", "PAID").put("total", new JsonObject().put("amount", 250000).put("currency", "RUB")));
          KafkaProducerRecord<String, String> record = KafkaProducerRecord.create(Topics.ORDERS_EVENTS, orderId, paid.toJson().encode());
          String subject = "Order №" + orderId.substring(0, 8).toUpperCase() + " is paid";
          return Eventually.untilTrue(market.vertx, "both streams are subscribed", 30_000, () -> olgaStream.indexOf(": connected") >= 0 && petrStream.indexOf(": connected") >= 0)
            // delivered twice, as a producer retry could: still one notification per channel
            .compose(v -> producer.send(record))
            .compose(sent -> producer.send(record))
            .compose(sent -> Eventually.untilTrue(market.vertx, "Olga's push arrives", 30_000, () -> olgaStream.indexOf("event: notification") >= 0))
            .map(v -> ctx.verify(() -> assertThat(olgaStream.toString()).contains(subject).contains(orderId)))
            .compose(v -> Waits.until(market.vertx, "the email is in Olga's local outbox", 30_000, () -> history(olga.token, "email")
              .map(items -> items.size() == 1 && "SENT".equals(items.getJsonObject(0).getString("status")))))
            .compose(v -> history(olga.token, "email"))
            .map(emails -> ctx.verify(() -> {
              JsonObject email = emails.getJsonObject(0);
              assertThat(email.getString("delivered_via")).isEqualTo("local_outbox");
              assertThat(email.getString("recipient")).isEqualTo(olga.email);
              assertThat(email.getString("subject")).isEqualTo(subject);
              assertThat(email.getString("body")).contains("Hello Olga,").contains("2,500.00 RUB");
            }))
            .compose(v -> history(olga.token, "push"))
            .map(pushes -> ctx.verify(() -> assertThat(pushes).hasSize(1)))
            // nothing of Olga's reached Petr, whose history is empty too
            .map(v -> ctx.verify(() -> assertThat(petrStream.toString()).doesNotContain("event: notification")))
            .compose(v -> history(petr.token, "email"))
            .map(petrEmails -> ctx.verify(() -> {
              assertThat(petrEmails).isEmpty();
              assertThat(olgaStream.toString().split("event: notification", -1)).hasSize(2);
            }));
        }))))
      .eventually(producer::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aPhoneSetWithPatchMeGetsTheSmsOfAPaidOrderThroughTheProvider(VertxTestContext ctx) {
    KafkaProducer<String, String> producer = KafkaProducer.create(market.vertx, KafkaSupport.producerConfig(market.config));
    JsonObject smsOnly = new JsonObject().put("language", "en")
      .put("channels", new JsonObject().put("email", false).put("sms", true).put("push", false));
    String orderId = UUID.randomUUID().toString();
    String number = orderId.substring(0, 8).toUpperCase();
    String later = UUID.randomUUID().toString();
    account("Anna").compose(anna -> market.http.patch("/api/v1/me").sendJsonObject(new JsonObject().put("phone", "+79123456789"))
        .map(anonymous -> ctx.verify(() -> assertThat(anonymous.statusCode()).isEqualTo(401)))
        // a malformed number is refused naming the field, and changes nothing
        .compose(v -> market.http.patch("/api/v1/me").bearerTokenAuthentication(anna.token).sendJsonObject(new JsonObject().put("phone", "8 912 345")))
        .map(malformed -> ctx.verify(() -> {
          assertThat(malformed.statusCode()).as(malformed.bodyAsString()).isEqualTo(400);
          assertThat(malformed.getHeader("Content-Type")).startsWith("application/problem+json");
          assertThat(malformed.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("phone");
        }))
        .compose(v -> me(anna))
        .map(me -> ctx.verify(() -> assertThat(me.containsKey("phone")).isFalse()))
        .compose(v -> market.http.patch("/api/v1/me").bearerTokenAuthentication(anna.token).sendJsonObject(new JsonObject().put("phone", "+7 (912) 345-67-89")))
        .map(set -> ctx.verify(() -> {
          assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(200);
          assertThat(set.bodyAsJsonObject().getString("phone")).isEqualTo("+79123456789");
        }))
        .compose(v -> me(anna))
        .map(me -> ctx.verify(() -> assertThat(me.getString("phone")).isEqualTo("+79123456789")))
        .compose(v -> market.http.put("/api/v1/me/notification-preferences").bearerTokenAuthentication(anna.token).sendJsonObject(smsOnly))
        .map(saved -> ctx.verify(() -> assertThat(saved.statusCode()).isEqualTo(200)))
        .compose(v -> publish(producer, EventEnvelope.create("OrderPaid", orderId, new JsonObject().put("order_id", orderId).put("buyer_id", anna.userId)
          .put("status", "PAID").put("total", new JsonObject().put("amount", 99000).put("currency", "RUB")))))
        .compose(v -> Waits.until(market.vertx, "the SMS is sent", 30_000, () -> history(anna.token, "sms")
          .map(items -> items.size() == 1 && "SENT".equals(items.getJsonObject(0).getString("status")))))
        .compose(v -> history(anna.token, "sms"))
        .map(smses -> ctx.verify(() -> {
          JsonObject sms = smses.getJsonObject(0);
          assertThat(sms.getString("recipient")).isEqualTo("+79123456789");
          assertThat(sms.getString("delivered_via")).isEqualTo("sms_gateway");
        }))
        .compose(v -> WebClient.wrap(market.vertx.createHttpClient()).getAbs("http://127.0.0.1:" + smsPort + "/sms").send())
        .map(provider -> ctx.verify(() -> {
          JsonArray atProvider = provider.bodyAsJsonObject().getJsonArray("messages");
          assertThat(atProvider.stream().map(m -> (JsonObject) m).filter(m -> m.getString("text").contains(number)))
            .singleElement().satisfies(m -> assertThat(m.getString("to")).isEqualTo("+79123456789"));
        }))
        .compose(v -> history(anna.token, "email"))
        .map(emails -> ctx.verify(() -> assertThat(emails).as("email is off").isEmpty()))
        // without a number (removed with null) SMS are not sent, even when turned on
        .compose(v -> market.http.patch("/api/v1/me").bearerTokenAuthentication(anna.token).sendJsonObject(new JsonObject().putNull("phone")))
        .map(removed -> ctx.verify(() -> {
          assertThat(removed.statusCode()).isEqualTo(200);
          assertThat(removed.bodyAsJsonObject().containsKey("phone")).isFalse();
        }))
        .compose(v -> market.http.put("/api/v1/me/notification-preferences").bearerTokenAuthentication(anna.token)
          .sendJsonObject(smsOnly.copy().put("channels", new JsonObject().put("email", false).put("sms", true).put("push", true))))
        .map(saved -> ctx.verify(() -> assertThat(saved.statusCode()).isEqualTo(200)))
        .compose(v -> publish(producer, EventEnvelope.create("OrderPaid", later, new JsonObject().put("order_id", later).put("buyer_id", anna.userId)
          .put("status", "PAID").put("total", new JsonObject().put("amount", 1000).put("currency", "RUB")))))
        .compose(v -> Waits.until(market.vertx, "the later order's push is in the history", 30_000,
          () -> history(anna.token, "push").map(items -> items.size() == 1)))
        .compose(v -> history(anna.token, "sms"))
        .map(smses -> ctx.verify(() -> assertThat(smses).hasSize(1))))
      .eventually(producer::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<JsonObject> me(Account account) {
    return market.http.get("/api/v1/me").bearerTokenAuthentication(account.token).send().map(me -> {
      assertThat(me.statusCode()).isEqualTo(200);
      return me.bodyAsJsonObject();
    });
  }

  private static Future<Void> publish(KafkaProducer<String, String> producer, EventEnvelope event) {
    return producer.send(KafkaProducerRecord.create(Topics.ORDERS_EVENTS, event.aggregateId(), event.toJson().encode())).mapEmpty();
  }

  private record Account(String userId, String email, String token) {
  }

  private static Future<Account> account(String name) {
    String email = "n-" + UUID.randomUUID() + "@e2e.test";
    return market.http.post("/api/v1/auth/register")
      .sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD).put("name", name))
      .compose(registered -> {
        assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
        return market.http.post("/api/v1/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD))
          .map(login -> {
            assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
            return new Account(registered.bodyAsJsonObject().getString("user_id"), email, login.bodyAsJsonObject().getString("access_token"));
          });
      });
  }

  private static Future<JsonArray> history(String token, String channel) {
    return market.http.get("/api/v1/notifications?channel=" + channel).bearerTokenAuthentication(token).send().map(response -> {
      assertThat(response.statusCode()).isEqualTo(200);
      return response.bodyAsJsonObject().getJsonArray("items");
    });
  }

  private static Future<StringBuffer> openStream(String token) {
    StringBuffer received = new StringBuffer();
    HttpClient client = market.vertx.createHttpClient();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(market.httpPort)
      .setURI("/api/v1/notifications/stream").putHeader("Authorization", "Bearer " + token);
    return OnEventLoop.run(market.vertx, () -> client.request(options).compose(request -> request.send()).map(response -> {
      response.handler(chunk -> received.append(chunk.toString()));
      return response.statusCode();
    })).map(status -> {
      assertThat(status).isEqualTo(200);
      return received;
    });
  }
}
