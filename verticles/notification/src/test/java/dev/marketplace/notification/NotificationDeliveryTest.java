package dev.marketplace.notification;

import com.icegreen.greenmail.util.GreenMail;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.notification.NotificationAddresses;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static dev.marketplace.notification.NotificationFixture.await;
import static dev.marketplace.notification.NotificationFixture.settle;
import static dev.marketplace.notification.NotificationFixture.smtpConfig;
import static dev.marketplace.notification.NotificationFixture.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Events from Kafka to a real SMTP server (GreenMail), the SMS stand-in and push, exactly once. */
class NotificationDeliveryTest {

  @Test
  void paidOrderEmailArrivesAtARealSmtpServerInTheBuyersLanguage() throws Exception {
    int port = NotificationFixture.freePort();
    try (NotificationFixture f = new NotificationFixture(new JsonObject().put("smtp", smtpConfig(port)))) {
      GreenMail smtp = f.startSmtp(port);
      f.deploy();
      String buyer = f.user("Alice", "en", null);
      String orderId = UUID.randomUUID().toString();
      f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", orderId, buyer, null));

      waitUntil("the email arrives", () -> f.emailsTo(f.email(buyer)) == 1);
      MimeMessage message = f.messagesTo(f.email(buyer)).get(0);
      assertThat(message.getSubject()).startsWith("Order №" + orderId.substring(0, 8).toUpperCase()).endsWith("is paid");
      assertThat(text(message)).contains("Hello Alice").contains("1,234.50 RUB");
      assertThat(message.getFrom()[0].toString()).contains("no-reply@marketplace.test");
      assertThat(smtp.getReceivedMessages()).hasSize(1);

      waitUntil("the history shows email and push sent", () -> f.history(buyer).stream().map(JsonObject.class::cast)
        .allMatch(n -> "SENT".equals(n.getString("status"))) && f.history(buyer).size() == 2);
      JsonObject email = f.history(buyer, "email").get(0);
      assertThat(email.getString("delivered_via")).isEqualTo("smtp");
      assertThat(email.getString("template")).isEqualTo(Templates.PAID);
      assertThat(email.getString("language")).isEqualTo("en");
      assertThat(email.containsKey("last_error")).isFalse();
      assertThat(f.history(buyer, "push").get(0).getString("delivered_via")).isEqualTo("event_bus");
      // SMS is off by default
      assertThat(f.history(buyer, "sms")).isEmpty();
    }
  }

  @Test
  void duplicateEventsAndAReplayedTopicGiveOneNotificationPerEventAndChannel() {
    int port = NotificationFixture.freePort();
    try (NotificationFixture f = new NotificationFixture(new JsonObject().put("smtp", smtpConfig(port)))) {
      f.startSmtp(port);
      f.deploy();
      String buyer = f.user("Борис", "ru", null);
      String orderId = UUID.randomUUID().toString();
      EventEnvelope placed = f.orderEvent("OrderAwaitingPayment", orderId, buyer, null);
      EventEnvelope created = f.orderEvent("OrderCreated", orderId, buyer, null);
      EventEnvelope cancelled = f.orderEvent("OrderCancelled", orderId, buyer, new JsonObject().put("reason", "PAYMENT_DECLINED"));
      // the same fact from both producers: one "refunded" message
      EventEnvelope orderRefunded = f.orderEvent("OrderRefunded", orderId, buyer, null);
      EventEnvelope paymentRefunded = f.paymentEvent("PaymentRefunded", orderId, buyer);
      f.publish(Topics.ORDERS_EVENTS, created);
      // a poison record on the same partition holds nothing up
      f.publishRaw(Topics.ORDERS_EVENTS, orderId, "{not an event");
      for (int i = 0; i < 3; i++) {
        f.publish(Topics.ORDERS_EVENTS, placed);
        f.publish(Topics.ORDERS_EVENTS, cancelled);
      }
      f.publish(Topics.ORDERS_EVENTS, orderRefunded);
      f.publish(Topics.PAYMENTS_EVENTS, paymentRefunded);
      f.publish(Topics.PAYMENTS_EVENTS, paymentRefunded);

      waitUntil("three emails arrive", () -> f.emailsTo(f.email(buyer)) == 3);
      waitUntil("every push is sent", () -> f.history(buyer, "push").stream().allMatch(n -> "SENT".equals(n.getString("status")))
        && f.history(buyer, "push").size() == 3);

      // a consumer that lost its commits (a crash mid-batch) reads everything again: nothing changes
      f.undeploy();
      f.config.getJsonObject("notification").put("consumer_group", "t-notification-" + UUID.randomUUID());
      f.deploy();
      f.publish(Topics.ORDERS_EVENTS, cancelled);
      settle();

      assertThat(f.emailsTo(f.email(buyer))).isEqualTo(3);
      List<String> subjects = f.messagesTo(f.email(buyer)).stream().map(NotificationDeliveryTest::subject).toList();
      String number = "№" + orderId.substring(0, 8).toUpperCase();
      assertThat(subjects).containsExactlyInAnyOrder(
        "Заказ " + number + " оформлен и ждёт оплаты", "Заказ " + number + " отменён", "Возврат по заказу " + number);
      assertThat(text(f.messagesTo(f.email(buyer)).stream()
        .filter(m -> subject(m).contains("отменён")).findFirst().orElseThrow()))
        .contains("банк отклонил оплату");
      assertThat(f.history(buyer)).hasSize(6);
    }
  }

  @Test
  void smtpDownThenUpDeliversEveryEmailOnceAndPushIsNotHeldUp() {
    int port = NotificationFixture.freePort();
    try (NotificationFixture f = new NotificationFixture(new JsonObject().put("smtp", smtpConfig(port)))) {
      f.deploy();
      String buyer = f.user("Carol", "en", null);
      for (int i = 0; i < 3; i++) {
        f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderShipped", UUID.randomUUID().toString(), buyer, null));
      }
      waitUntil("every push is sent while SMTP is down", () -> f.history(buyer, "push").size() == 3
        && f.history(buyer, "push").stream().allMatch(n -> "SENT".equals(n.getString("status"))));
      waitUntil("every email failed at least once", () -> f.history(buyer, "email").size() == 3
        && f.history(buyer, "email").stream().allMatch(n -> n.getInteger("attempts") >= 1 && "PENDING".equals(n.getString("status"))));

      f.startSmtp(port);
      waitUntil("every email is sent", () -> f.history(buyer, "email").stream().allMatch(n -> "SENT".equals(n.getString("status"))));
      settle();
      assertThat(f.emailsTo(f.email(buyer))).isEqualTo(3);
    }
  }

  @Test
  void aDeliveryThatFailsEveryRetryIsParkedForAnAdminWhoCanReplayIt() {
    int port = NotificationFixture.freePort();
    JsonObject section = new JsonObject().put("smtp", smtpConfig(port))
      .put("retry", new JsonObject().put("max_attempts", 2).put("base_delay_ms", 50).put("max_delay_ms", 50));
    try (NotificationFixture f = new NotificationFixture(section)) {
      f.deploy();
      String buyer = f.user("Dan", "ru", null);
      f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", UUID.randomUUID().toString(), buyer, null));
      waitUntil("the email is parked", () -> f.history(buyer, "email").size() == 1
        && "PARKED".equals(f.history(buyer, "email").get(0).getString("status")));
      assertThat(f.history(buyer, "push").get(0).getString("status")).isEqualTo("SENT");

      JsonObject parked = await(f.ask(NotificationAddresses.PARKED_LIST, new JsonObject(), "admin-1", "admin"))
        .getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(n -> buyer.equals(n.getString("user_id"))).findFirst().orElseThrow();
      assertThat(parked.getInteger("attempts")).isEqualTo(2);
      assertThat(parked.getString("last_error")).isNotBlank();
      assertThat(parked.getString("parked_at")).isNotNull();
      assertThatThrownBy(() -> await(f.ask(NotificationAddresses.PARKED_LIST, new JsonObject(), buyer, "buyer")))
        .satisfies(e -> assertThat(ServiceFailure.from(e).code().name()).isEqualTo("FORBIDDEN"));

      f.startSmtp(port);
      JsonObject replay = new JsonObject().put("notification_id", parked.getString("id"));
      assertThat(await(f.ask(NotificationAddresses.REPLAY, replay, "admin-1", "admin")).getString("status")).isEqualTo("PENDING");
      waitUntil("the replayed email arrives", () -> f.emailsTo(f.email(buyer)) == 1);
      waitUntil("the email is sent", () -> "SENT".equals(f.history(buyer, "email").get(0).getString("status")));
      assertThatThrownBy(() -> await(f.ask(NotificationAddresses.REPLAY, replay, "admin-1", "admin")))
        .satisfies(e -> assertThat(ServiceFailure.from(e).code().name()).isEqualTo("ILLEGAL_STATE"));
      assertThatThrownBy(() -> await(f.ask(NotificationAddresses.REPLAY,
        new JsonObject().put("notification_id", UUID.randomUUID().toString()), "admin-1", "admin")))
        .satisfies(e -> assertThat(ServiceFailure.from(e).code().name()).isEqualTo("NOT_FOUND"));
      settle();
      assertThat(f.emailsTo(f.email(buyer))).isEqualTo(1);
    }
  }

  @Test
  void whenAuthCannotAnswerTheEventWaitsAndIsNotifiedLater() {
    try (NotificationFixture f = new NotificationFixture(new JsonObject())) {
      f.authDown.set(true);
      f.deploy();
      String buyer = f.user("Eve", "en", null);
      String stranger = UUID.randomUUID().toString();
      f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", UUID.randomUUID().toString(), buyer, null));
      f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", UUID.randomUUID().toString(), stranger, null));
      settle();
      assertThat(f.history(buyer)).isEmpty();

      f.authDown.set(false);
      waitUntil("the notifications are made", () -> f.history(buyer).size() == 2);
      // no SMTP configured: the email waits in the local outbox, readable in the history
      waitUntil("the email is in the local outbox", () -> "SENT".equals(f.history(buyer, "email").get(0).getString("status")));
      JsonObject email = f.history(buyer, "email").get(0);
      assertThat(email.getString("delivered_via")).isEqualTo("local_outbox");
      assertThat(email.getString("recipient")).isEqualTo(f.email(buyer));
      assertThat(email.getString("body")).contains("Hello Eve");
      assertThat(f.history(stranger)).isEmpty();
    }
  }

  /** The decoded text of a plain-text email. */
  private static String text(MimeMessage message) {
    try {
      return (String) message.getContent();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String subject(MimeMessage message) {
    try {
      return message.getSubject();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
