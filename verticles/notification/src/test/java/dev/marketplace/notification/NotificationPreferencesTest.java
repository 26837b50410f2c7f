package dev.marketplace.notification;

import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.notification.NotificationAddresses;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static dev.marketplace.notification.NotificationFixture.await;
import static dev.marketplace.notification.NotificationFixture.settle;
import static dev.marketplace.notification.NotificationFixture.smtpConfig;
import static dev.marketplace.notification.NotificationFixture.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Preferences: language and channels a user chose decide what is sent, where and how. */
class NotificationPreferencesTest {

  @Test
  void savedPreferencesDecideLanguageAndChannels() {
    int smtpPort = NotificationFixture.freePort();
    SmsGatewayStub sms = new SmsGatewayStub();
    JsonObject section = new JsonObject().put("smtp", smtpConfig(smtpPort));
    try (NotificationFixture f = new NotificationFixture(section)) {
      await(sms.start(f.vertx, "127.0.0.1", 0));
      f.config.getJsonObject("notification").put("sms", new JsonObject().put("url", "http://127.0.0.1:" + sms.port() + "/sms"));
      f.startSmtp(smtpPort);
      f.deploy();
      // auth says Russian; the buyer chose English, SMS on and email off
      String buyer = f.user("Fiona", "ru", "+79990001122");
      String other = f.user("Gleb", "ru", "+79990003344");
      assertThat(await(f.ask(NotificationAddresses.PREFERENCES_GET, new JsonObject(), buyer, "buyer")))
        .isEqualTo(Preferences.json("ru", true, false, true));
      JsonObject chosen = Preferences.json("en", false, true, true);
      assertThat(await(f.ask(NotificationAddresses.PREFERENCES_PUT, chosen, buyer, "buyer"))).isEqualTo(chosen);
      assertThat(await(f.ask(NotificationAddresses.PREFERENCES_GET, new JsonObject(), buyer, "buyer"))).isEqualTo(chosen);
      // another user's preferences are their own
      assertThat(await(f.ask(NotificationAddresses.PREFERENCES_GET, new JsonObject(), other, "buyer")))
        .isEqualTo(Preferences.json("ru", true, false, true));

      String orderId = UUID.randomUUID().toString();
      f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderCancelled", orderId, buyer, new JsonObject().put("reason", "RESERVATION_EXPIRED")));
      f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderCancelled", UUID.randomUUID().toString(), other, new JsonObject().put("reason", "OUT_OF_STOCK")));

      waitUntil("the SMS reaches the gateway", () -> sms.messages().size() == 1);
      JsonObject text = sms.messages().get(0);
      assertThat(text.getString("to")).isEqualTo("+79990001122");
      assertThat(text.getString("text")).isEqualTo("Order №" + orderId.substring(0, 8).toUpperCase()
        + " is cancelled: the reservation expired before the order was paid.");
      waitUntil("the other buyer's email arrives", () -> f.emailsTo(f.email(other)) == 1);
      waitUntil("the buyer's SMS and push are sent", () -> f.history(buyer).size() == 2 && f.history(buyer).stream()
        .map(JsonObject.class::cast).allMatch(n -> "SENT".equals(n.getString("status"))));
      settle();
      assertThat(f.emailsTo(f.email(buyer))).isZero();
      assertThat(f.history(buyer, "email")).isEmpty();
      assertThat(f.history(buyer, "sms").get(0).getString("delivered_via")).isEqualTo("sms_gateway");
      assertThat(f.history(buyer, "push").get(0).getString("language")).isEqualTo("en");
      // the other buyer kept the defaults: no SMS though auth has a phone
      assertThat(f.history(other, "sms")).isEmpty();
      assertThat(sms.messages()).hasSize(1);
    } finally {
      sms.close();
    }
  }

  @Test
  void badPreferencesAreRefusedFieldByFieldAndChangeNothing() {
    try (NotificationFixture f = new NotificationFixture(new JsonObject())) {
      f.deploy();
      String buyer = f.user("Hanna", "en", null);
      JsonObject bad = new JsonObject().put("language", "de").put("admin", true)
        .put("channels", new JsonObject().put("email", "yes").put("sms", false).put("fax", true));
      assertThatThrownBy(() -> await(f.ask(NotificationAddresses.PREFERENCES_PUT, bad, buyer, "buyer")))
        .satisfies(e -> {
          ServiceFailure failure = ServiceFailure.from(e);
          assertThat(failure.code().name()).isEqualTo("VALIDATION_FAILED");
          List<String> fields = failure.extra().getJsonArray("errors").stream()
            .map(o -> ((JsonObject) o).getString("field")).toList();
          assertThat(fields).contains("language", "admin", "channels.email", "channels.fax", "channels.push");
        });
      assertThat(await(f.ask(NotificationAddresses.PREFERENCES_GET, new JsonObject(), buyer, "buyer")))
        .isEqualTo(Preferences.json("en", true, false, true));
      assertThatThrownBy(() -> await(f.ask(NotificationAddresses.PREFERENCES_GET, new JsonObject(), null, null)))
        .satisfies(e -> assertThat(ServiceFailure.from(e).code().name()).isEqualTo("UNAUTHORIZED"));
      assertThatThrownBy(() -> await(f.ask(NotificationAddresses.LIST, new JsonObject().put("limit", 0).put("cursor", "x"), buyer, "buyer")))
        .satisfies(e -> assertThat(ServiceFailure.from(e).extra().getJsonArray("errors")).hasSize(2));
    }
  }
}
