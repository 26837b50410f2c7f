package dev.marketplace.app.e2e;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.notification.NotificationAddresses;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Notifications in the all-in-one assembly with its default settings (no SMTP: the local outbox).
 * Auth is stood in for by a fake {@code auth.user.contact}, and the user's own view is read over
 * the bus with the headers the gateway would send, until login through HTTP is on main.
 */
class NotificationE2ETest {
  private static MarketplaceHarness market;
  private static final String BUYER = UUID.randomUUID().toString();

  @BeforeAll
  static void up() throws Exception {
    market = MarketplaceHarness.start(config -> config.getJsonObject("gateway").put("required_components", new JsonArray()),
      List.of(Components.NOTIFICATION, Components.GATEWAY));
    MessageConsumer<JsonObject> auth = market.vertx.eventBus().consumer("auth.user.contact", msg -> msg.reply(new JsonObject()
      .put("user_id", msg.body().getString("user_id")).put("email", "buyer@e2e.test").put("name", "Ольга").put("language", "ru")));
    await(auth.completion());
    await(KafkaSupport.ensureTopics(market.vertx, market.config));
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
  void aPaidOrderEventOnTheRealTopicLandsInTheBuyersLocalEmailOutbox() throws Exception {
    String orderId = UUID.randomUUID().toString();
    EventEnvelope paid = EventEnvelope.create("OrderPaid", orderId, new JsonObject().put("order_id", orderId).put("buyer_id", BUYER)
      .put("status", "PAID").put("total", new JsonObject().put("amount", 250000).put("currency", "RUB")));
    Properties props = new Properties();
    props.putAll(KafkaSupport.producerConfig(market.config));
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      producer.send(new ProducerRecord<>(Topics.ORDERS_EVENTS, orderId, paid.toJson().encode())).get(10, TimeUnit.SECONDS);
      producer.send(new ProducerRecord<>(Topics.ORDERS_EVENTS, orderId, paid.toJson().encode())).get(10, TimeUnit.SECONDS);
    }

    DeliveryOptions asBuyer = new DeliveryOptions().setSendTimeout(5000).addHeader(BusHeaders.USER_ID, BUYER).addHeader(BusHeaders.ROLES, "buyer");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonArray items;
    do {
      Thread.sleep(100);
      items = await(market.vertx.eventBus().<JsonObject>request(NotificationAddresses.LIST, new JsonObject().put("channel", "email"), asBuyer))
        .body().getJsonArray("items");
    } while ((items.isEmpty() || !"SENT".equals(items.getJsonObject(0).getString("status"))) && System.nanoTime() < deadline);

    assertThat(items).hasSize(1);
    JsonObject email = items.getJsonObject(0);
    assertThat(email.getString("delivered_via")).isEqualTo("local_outbox");
    assertThat(email.getString("recipient")).isEqualTo("buyer@e2e.test");
    assertThat(email.getString("subject")).isEqualTo("Заказ №" + orderId.substring(0, 8).toUpperCase() + " оплачен");
    assertThat(email.getString("body")).contains("Здравствуйте, Ольга!").contains("2\u00a0500,00\u00a0₽");
  }
}
