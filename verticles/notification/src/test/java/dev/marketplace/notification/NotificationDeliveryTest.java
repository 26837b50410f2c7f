package dev.marketplace.notification;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.notification.NotificationAddresses;
import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.notification.NotificationFixture.smtpConfig;
import static org.assertj.core.api.Assertions.assertThat;

/** Events from Kafka to a real SMTP server (GreenMail), the SMS stand-in and push, exactly once. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class NotificationDeliveryTest {

  @Test
  void paidOrderEmailArrivesAtARealSmtpServerInTheBuyersLanguage(Vertx vertx, VertxTestContext ctx) {
    int port = NotificationFixture.freePort();
    NotificationFixture f = new NotificationFixture(vertx, new JsonObject().put("smtp", smtpConfig(port)));
    String buyer = f.user("Alice", "en", null);
    String orderId = UUID.randomUUID().toString();
    f.start()
      .compose(v -> f.startSmtp(port))
      .compose(smtp -> f.deploy()
        .compose(v -> f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", orderId, buyer, null)))
        .compose(v -> f.untilTrue("the email arrives", () -> f.emailsTo(f.email(buyer)) == 1))
        .map(v -> ctx.verify(() -> {
          MimeMessage message = f.messagesTo(f.email(buyer)).get(0);
          assertThat(message.getSubject()).startsWith("Order №" + orderId.substring(0, 8).toUpperCase()).endsWith("is paid");
          assertThat(text(message)).contains("Hello Alice").contains("1,234.50 RUB");
          assertThat(message.getFrom()[0].toString()).contains("no-reply@marketplace.test");
          assertThat(smtp.getReceivedMessages()).hasSize(1);
        })))
      .compose(v -> f.until("the history shows email and push sent", () -> f.history(buyer).map(history -> history.stream()
        .map(JsonObject.class::cast).allMatch(n -> "SENT".equals(n.getString("status"))) && history.size() == 2)))
      .compose(v -> Future.all(f.history(buyer, "email"), f.history(buyer, "push"), f.history(buyer, "sms")))
      .map(channels -> ctx.verify(() -> {
        JsonObject email = channels.<List<JsonObject>>resultAt(0).get(0);
        assertThat(email.getString("delivered_via")).isEqualTo("smtp");
        assertThat(email.getString("template")).isEqualTo(Templates.PAID);
        assertThat(email.getString("language")).isEqualTo("en");
        assertThat(email.containsKey("last_error")).isFalse();
        assertThat(channels.<List<JsonObject>>resultAt(1).get(0).getString("delivered_via")).isEqualTo("event_bus");
        // SMS is off by default
        assertThat(channels.<List<JsonObject>>resultAt(2)).isEmpty();
      }))
      .eventually(f::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void duplicateEventsAndAReplayedTopicGiveOneNotificationPerEventAndChannel(Vertx vertx, VertxTestContext ctx) {
    int port = NotificationFixture.freePort();
    NotificationFixture f = new NotificationFixture(vertx, new JsonObject().put("smtp", smtpConfig(port)));
    String buyer = f.user("Борис", "ru", null);
    String orderId = UUID.randomUUID().toString();
    EventEnvelope placed = f.orderEvent("OrderAwaitingPayment", orderId, buyer, null);
    EventEnvelope created = f.orderEvent("OrderCreated", orderId, buyer, null);
    EventEnvelope cancelled = f.orderEvent("OrderCancelled", orderId, buyer, new JsonObject().put("reason", "PAYMENT_DECLINED"));
    // the same fact from both producers: one "refunded" message
    EventEnvelope orderRefunded = f.orderEvent("OrderRefunded", orderId, buyer, null);
    EventEnvelope paymentRefunded = f.paymentEvent("PaymentRefunded", orderId, buyer);
    f.start()
      .compose(v -> f.startSmtp(port))
      .compose(smtp -> f.deploy())
      .compose(v -> f.publish(Topics.ORDERS_EVENTS, created))
      // a poison record on the same partition holds nothing up
      .compose(v -> f.publishRaw(Topics.ORDERS_EVENTS, orderId, "{not an event"))
      .compose(v -> {
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < 3; i++) {
          chain = chain.compose(x -> f.publish(Topics.ORDERS_EVENTS, placed)).compose(x -> f.publish(Topics.ORDERS_EVENTS, cancelled));
        }
        return chain;
      })
      .compose(v -> f.publish(Topics.ORDERS_EVENTS, orderRefunded))
      .compose(v -> f.publish(Topics.PAYMENTS_EVENTS, paymentRefunded))
      .compose(v -> f.publish(Topics.PAYMENTS_EVENTS, paymentRefunded))
      .compose(v -> f.untilTrue("three emails arrive", () -> f.emailsTo(f.email(buyer)) == 3))
      .compose(v -> f.until("every push is sent", () -> f.history(buyer, "push").map(pushes -> pushes.stream()
        .allMatch(n -> "SENT".equals(n.getString("status"))) && pushes.size() == 3)))
      // a consumer that lost its commits (a crash mid-batch) reads everything again: nothing changes
      .compose(v -> f.undeploy())
      .compose(v -> {
        f.config.getJsonObject("notification").put("consumer_group", "t-notification-" + UUID.randomUUID());
        return f.deploy();
      })
      .compose(v -> f.publish(Topics.ORDERS_EVENTS, cancelled))
      .compose(v -> f.settle())
      .compose(v -> f.history(buyer))
      .map(history -> ctx.verify(() -> {
        assertThat(f.emailsTo(f.email(buyer))).isEqualTo(3);
        List<String> subjects = f.messagesTo(f.email(buyer)).stream().map(NotificationDeliveryTest::subject).toList();
        String number = "№" + orderId.substring(0, 8).toUpperCase();
        assertThat(subjects).containsExactlyInAnyOrder(
          "Заказ " + number + " оформлен и ждёт оплаты", "Заказ " + number + " отменён", "Возврат по заказу " + number);
        assertThat(text(f.messagesTo(f.email(buyer)).stream()
          .filter(m -> subject(m).contains("отменён")).findFirst().orElseThrow()))
          .contains("банк отклонил оплату");
        assertThat(history).hasSize(6);
      }))
      .eventually(f::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void smtpDownThenUpDeliversEveryEmailOnceAndPushIsNotHeldUp(Vertx vertx, VertxTestContext ctx) {
    int port = NotificationFixture.freePort();
    NotificationFixture f = new NotificationFixture(vertx, new JsonObject().put("smtp", smtpConfig(port)));
    String buyer = f.user("Carol", "en", null);
    f.start()
      .compose(v -> f.deploy())
      .compose(v -> {
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < 3; i++) {
          chain = chain.compose(x -> f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderShipped", UUID.randomUUID().toString(), buyer, null)));
        }
        return chain;
      })
      .compose(v -> f.until("every push is sent while SMTP is down", () -> f.history(buyer, "push").map(pushes -> pushes.size() == 3
        && pushes.stream().allMatch(n -> "SENT".equals(n.getString("status"))))))
      .compose(v -> f.until("every email failed at least once", () -> f.history(buyer, "email").map(emails -> emails.size() == 3
        && emails.stream().allMatch(n -> n.getInteger("attempts") >= 1 && "PENDING".equals(n.getString("status"))))))
      .compose(v -> f.startSmtp(port))
      .compose(smtp -> f.until("every email is sent", () -> f.history(buyer, "email").map(emails -> emails.stream()
        .allMatch(n -> "SENT".equals(n.getString("status"))))))
      .compose(v -> f.settle())
      .map(v -> ctx.verify(() -> assertThat(f.emailsTo(f.email(buyer))).isEqualTo(3)))
      .eventually(f::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aDeliveryThatFailsEveryRetryIsParkedForAnAdminWhoCanReplayIt(Vertx vertx, VertxTestContext ctx) {
    int port = NotificationFixture.freePort();
    JsonObject section = new JsonObject().put("smtp", smtpConfig(port))
      .put("retry", new JsonObject().put("max_attempts", 2).put("base_delay_ms", 50).put("max_delay_ms", 50));
    NotificationFixture f = new NotificationFixture(vertx, section);
    String buyer = f.user("Dan", "ru", null);
    JsonObject[] replay = new JsonObject[1];
    f.start()
      .compose(v -> f.deploy())
      .compose(v -> f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", UUID.randomUUID().toString(), buyer, null)))
      .compose(v -> f.until("the email is parked", () -> f.history(buyer, "email").map(emails -> emails.size() == 1
        && "PARKED".equals(emails.get(0).getString("status")))))
      .compose(v -> f.history(buyer, "push"))
      .map(pushes -> ctx.verify(() -> assertThat(pushes.get(0).getString("status")).isEqualTo("SENT")))
      .compose(v -> f.ask(NotificationAddresses.PARKED_LIST, new JsonObject(), "admin-1", "admin"))
      .map(list -> {
        JsonObject parked = list.getJsonArray("items").stream().map(JsonObject.class::cast)
          .filter(n -> buyer.equals(n.getString("user_id"))).findFirst().orElseThrow();
        ctx.verify(() -> {
          assertThat(parked.getInteger("attempts")).isEqualTo(2);
          assertThat(parked.getString("last_error")).isNotBlank();
          assertThat(parked.getString("parked_at")).isNotNull();
        });
        replay[0] = new JsonObject().put("notification_id", parked.getString("id"));
        return null;
      })
      .compose(v -> Outcomes.refusal(f.ask(NotificationAddresses.PARKED_LIST, new JsonObject(), buyer, "buyer")))
      .map(refusal -> ctx.verify(() -> assertThat(refusal.code().name()).isEqualTo("FORBIDDEN")))
      .compose(v -> f.startSmtp(port))
      .compose(smtp -> f.ask(NotificationAddresses.REPLAY, replay[0], "admin-1", "admin"))
      .map(replayed -> ctx.verify(() -> assertThat(replayed.getString("status")).isEqualTo("PENDING")))
      .compose(v -> f.untilTrue("the replayed email arrives", () -> f.emailsTo(f.email(buyer)) == 1))
      .compose(v -> f.until("the email is sent", () -> f.history(buyer, "email").map(emails -> "SENT".equals(emails.get(0).getString("status")))))
      .compose(v -> Outcomes.refusal(f.ask(NotificationAddresses.REPLAY, replay[0], "admin-1", "admin")))
      .map(refusal -> ctx.verify(() -> assertThat(refusal.code().name()).isEqualTo("ILLEGAL_STATE")))
      .compose(v -> Outcomes.refusal(f.ask(NotificationAddresses.REPLAY,
        new JsonObject().put("notification_id", UUID.randomUUID().toString()), "admin-1", "admin")))
      .map(refusal -> ctx.verify(() -> assertThat(refusal.code().name()).isEqualTo("NOT_FOUND")))
      .compose(v -> f.settle())
      .map(v -> ctx.verify(() -> assertThat(f.emailsTo(f.email(buyer))).isEqualTo(1)))
      .eventually(f::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void whenAuthCannotAnswerTheEventWaitsAndIsNotifiedLater(Vertx vertx, VertxTestContext ctx) {
    NotificationFixture f = new NotificationFixture(vertx, new JsonObject());
    f.authDown.set(true);
    String buyer = f.user("Eve", "en", null);
    String stranger = UUID.randomUUID().toString();
    f.start()
      .compose(v -> f.deploy())
      .compose(v -> f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", UUID.randomUUID().toString(), buyer, null)))
      .compose(v -> f.publish(Topics.ORDERS_EVENTS, f.orderEvent("OrderPaid", UUID.randomUUID().toString(), stranger, null)))
      .compose(v -> f.settle())
      .compose(v -> f.history(buyer))
      .map(history -> ctx.verify(() -> assertThat(history).isEmpty()))
      .compose(v -> {
        f.authDown.set(false);
        return f.until("the notifications are made", () -> f.history(buyer).map(history -> history.size() == 2));
      })
      // no SMTP configured: the email waits in the local outbox, readable in the history
      .compose(v -> f.until("the email is in the local outbox", () -> f.history(buyer, "email")
        .map(emails -> "SENT".equals(emails.get(0).getString("status")))))
      .compose(v -> f.history(buyer, "email"))
      .compose(emails -> f.history(stranger).map(strangers -> ctx.verify(() -> {
        JsonObject email = emails.get(0);
        assertThat(email.getString("delivered_via")).isEqualTo("local_outbox");
        assertThat(email.getString("recipient")).isEqualTo(f.email(buyer));
        assertThat(email.getString("body")).contains("Hello Eve");
        assertThat(strangers).isEmpty();
      })))
      .eventually(f::close)
      .onComplete(ctx.succeedingThenComplete());
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
