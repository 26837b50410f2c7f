package dev.marketplace.notification;

import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.notification.NotificationAddresses;
import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.notification.NotificationFixture.smtpConfig;
import static org.assertj.core.api.Assertions.assertThat;

/** Preferences: language and channels a user chose decide what is sent, where and how. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class NotificationPreferencesTest {

  @Test
  void savedPreferencesDecideLanguageAndChannels(Vertx vertx, VertxTestContext ctx) {
    int smtpPort = NotificationFixture.freePort();
    SmsGatewayStub sms = new SmsGatewayStub();
    JsonObject section = new JsonObject().put("smtp", smtpConfig(smtpPort));
    NotificationFixture f = new NotificationFixture(vertx, section);
    // auth says Russian; the buyer chose English, SMS on and email off
    String buyer = f.user("Fiona", "ru", "+79990001122");
    String other = f.user("Gleb", "ru", "+79990003344");
    JsonObject chosen = Preferences.json("en", false, true, true);
    String orderId = UUID.randomUUID().toString();
    f.start()
      .compose(v -> sms.start(vertx, "127.0.0.1", 0))
      .compose(v -> {
        f.config.getJsonObject("notification").put("sms", new JsonObject().put("url", "http://127.0.0.1:" + sms.port() + "/sms"));
        return f.startSmtp(smtpPort);
      })
      .compose(smtp -> f.deploy())
      .compose(v -> f.ask(NotificationAddresses.PREFERENCES_GET, new JsonObject(), buyer, "buyer"))
      .map(saved -> ctx.verify(() -> assertThat(saved).isEqualTo(Preferences.json("ru", true, false, true))))
      .compose(v -> f.ask(NotificationAddresses.PREFERENCES_PUT, chosen, buyer, "buyer"))
      .map(put -> ctx.verify(() -> assertThat(put).isEqualTo(chosen)))
      .compose(v -> f.ask(NotificationAddresses.PREFERENCES_GET, new JsonObject(), buyer, "buyer"))
      .map(saved -> ctx.verify(() -> assertThat(saved).isEqualTo(chosen)))
      // another user's preferences are their own
      .compose(v -> f.ask(NotificationAddresses.PREFERENCES_GET, new JsonObject(), other, "buyer"))
      .map(others -> ctx.verify(() -> assertThat(others).isEqualTo(Preferences.json("ru", true, false, true))))
      .compose(v -> f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderCancelled", orderId, buyer, new JsonObject().put("reason", "RESERVATION_EXPIRED"))))
      .compose(v -> f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderCancelled", UUID.randomUUID().toString(), other, new JsonObject().put("reason", "OUT_OF_STOCK"))))
      .compose(v -> f.untilTrue("the SMS reaches the gateway", () -> sms.messages().size() == 1))
      .map(v -> ctx.verify(() -> {
        JsonObject text = sms.messages().get(0);
        assertThat(text.getString("to")).isEqualTo("+79990001122");
        assertThat(text.getString("text")).isEqualTo("Order №" + orderId.substring(0, 8).toUpperCase()
          + " is cancelled: the reservation expired before the order was paid.");
      }))
      .compose(v -> f.untilTrue("the other buyer's email arrives", () -> f.emailsTo(f.email(other)) == 1))
      .compose(v -> f.until("the buyer's SMS and push are sent", () -> f.history(buyer).map(history -> history.size() == 2 && history.stream()
        .map(JsonObject.class::cast).allMatch(n -> "SENT".equals(n.getString("status"))))))
      .compose(v -> f.settle())
      .compose(v -> Future.all(List.of(f.history(buyer, "email"), f.history(buyer, "sms"), f.history(buyer, "push"), f.history(other, "sms"))))
      .map(channels -> ctx.verify(() -> {
        assertThat(f.emailsTo(f.email(buyer))).isZero();
        assertThat(channels.<List<JsonObject>>resultAt(0)).isEmpty();
        assertThat(channels.<List<JsonObject>>resultAt(1).get(0).getString("delivered_via")).isEqualTo("sms_gateway");
        assertThat(channels.<List<JsonObject>>resultAt(2).get(0).getString("language")).isEqualTo("en");
        // the other buyer kept the defaults: no SMS though auth has a phone
        assertThat(channels.<List<JsonObject>>resultAt(3)).isEmpty();
        assertThat(sms.messages()).hasSize(1);
      }))
      .eventually(sms::close)
      .eventually(f::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void badPreferencesAreRefusedFieldByFieldAndChangeNothing(Vertx vertx, VertxTestContext ctx) {
    NotificationFixture f = new NotificationFixture(vertx, new JsonObject());
    String buyer = f.user("Hanna", "en", null);
    JsonObject bad = new JsonObject().put("language", "de").put("admin", true)
      .put("channels", new JsonObject().put("email", "yes").put("sms", false).put("fax", true));
    f.start()
      .compose(v -> f.deploy())
      .compose(v -> Outcomes.refusal(f.ask(NotificationAddresses.PREFERENCES_PUT, bad, buyer, "buyer")))
      .map(failure -> ctx.verify(() -> {
        assertThat(failure.code().name()).isEqualTo("VALIDATION_FAILED");
        List<String> fields = failure.extra().getJsonArray("errors").stream()
          .map(o -> ((JsonObject) o).getString("field")).toList();
        assertThat(fields).contains("language", "admin", "channels.email", "channels.fax", "channels.push");
      }))
      .compose(v -> f.ask(NotificationAddresses.PREFERENCES_GET, new JsonObject(), buyer, "buyer"))
      .map(saved -> ctx.verify(() -> assertThat(saved).isEqualTo(Preferences.json("en", true, false, true))))
      .compose(v -> Outcomes.refusal(f.ask(NotificationAddresses.PREFERENCES_GET, new JsonObject(), null, null)))
      .map(failure -> ctx.verify(() -> assertThat(failure.code().name()).isEqualTo("UNAUTHORIZED")))
      .compose(v -> Outcomes.refusal(f.ask(NotificationAddresses.LIST, new JsonObject().put("limit", 0).put("cursor", "x"), buyer, "buyer")))
      .map(failure -> ctx.verify(() -> assertThat(failure.extra().getJsonArray("errors")).hasSize(2)))
      .eventually(f::close)
      .onComplete(ctx.succeedingThenComplete());
  }
}
