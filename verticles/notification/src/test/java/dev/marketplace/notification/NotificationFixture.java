package dev.marketplace.notification;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;
import jakarta.mail.internet.MimeMessage;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One notification component on its own topics, consumer group and fresh database; a stand-in for
 * auth's {@code auth.user.contact}; a plain Kafka producer publishing events as the orders and
 * payment components would; helpers for SMTP (GreenMail) and bus calls. Close it after the test.
 */
final class NotificationFixture implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(20);

  final Vertx vertx = Vertx.vertx();
  final JsonObject config;
  final String ordersTopic = "t-orders-" + UUID.randomUUID();
  final String paymentsTopic = "t-payments-" + UUID.randomUUID();
  /** The contacts auth would answer with, by user id; unknown users are NOT_FOUND. */
  final Map<String, JsonObject> contacts = new ConcurrentHashMap<>();
  /** While true, auth answers every contact look-up with SERVICE_UNAVAILABLE. */
  final AtomicBoolean authDown = new AtomicBoolean();
  private final KafkaProducer<String, String> producer;
  private String deploymentId;
  private GreenMail smtp;

  NotificationFixture(JsonObject notificationSection) {
    TestInfra infra = TestInfra.shared();
    config = infra.config();
    JsonObject section = new JsonObject()
      .put("topics", new JsonArray().add(ordersTopic).add(paymentsTopic))
      .put("consumer_group", "t-notification-" + UUID.randomUUID())
      .put("poll_interval_ms", 100)
      .put("send_timeout_ms", 2000)
      .put("retry", new JsonObject().put("max_attempts", 20).put("base_delay_ms", 100).put("max_delay_ms", 400));
    config.put("notification", section.mergeIn(notificationSection, true));
    config.getJsonObject("bus").put("timeout_ms", 1000);
    createTopics();
    Properties props = new Properties();
    props.putAll(KafkaSupport.producerConfig(config));
    producer = new KafkaProducer<>(props);
    MessageConsumer<JsonObject> auth = vertx.eventBus().consumer(InboxProcessor.USER_CONTACT, msg -> {
      if (authDown.get()) {
        msg.fail(ErrorCode.SERVICE_UNAVAILABLE.code(), "{\"detail\":\"auth is down\"}");
        return;
      }
      JsonObject contact = contacts.get(msg.body().getString("user_id"));
      if (contact == null) {
        msg.fail(ErrorCode.NOT_FOUND.code(), "{\"detail\":\"No such user.\"}");
      } else {
        msg.reply(contact);
      }
    });
    await(auth.completion());
  }

  private void createTopics() {
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, KafkaSupport.adminConfig(config));
    try {
      await(admin.createTopics(List.of(new NewTopic(ordersTopic, 3, (short) 1), new NewTopic(paymentsTopic, 3, (short) 1))));
    } finally {
      await(admin.close());
    }
  }

  NotificationFixture deploy() {
    deploymentId = await(vertx.deployVerticle(new NotificationVerticle(), new DeploymentOptions().setConfig(config)));
    return this;
  }

  void undeploy() {
    await(vertx.undeploy(deploymentId));
    deploymentId = null;
  }

  /** A user auth knows, with a unique email address. */
  String user(String name, String language, String phone) {
    String id = UUID.randomUUID().toString();
    JsonObject contact = new JsonObject().put("user_id", id).put("email", id.substring(0, 8) + "@buyers.test")
      .put("name", name).put("language", language);
    if (phone != null) {
      contact.put("phone", phone);
    }
    contacts.put(id, contact);
    return id;
  }

  String email(String userId) {
    return contacts.get(userId).getString("email");
  }

  /** An order event as the orders component publishes it; returns the envelope (its event id). */
  EventEnvelope orderEvent(String type, String orderId, String buyerId, JsonObject extra) {
    JsonObject data = new JsonObject().put("order_id", orderId).put("buyer_id", buyerId)
      .put("status", type.replace("Order", "").toUpperCase())
      .put("total", new JsonObject().put("amount", 123450).put("currency", "RUB"))
      .mergeIn(extra == null ? new JsonObject() : extra);
    return EventEnvelope.create(type, orderId, data);
  }

  EventEnvelope paymentEvent(String type, String orderId, String buyerId) {
    JsonObject data = new JsonObject().put("payment_id", UUID.randomUUID().toString()).put("order_id", orderId)
      .put("buyer_id", buyerId).put("amount", new JsonObject().put("amount", 123450).put("currency", "RUB"));
    return EventEnvelope.create(type, orderId, data);
  }

  /** Publishes to this fixture's stand-in for {@code topic} (orders.events or payments.events). */
  void publish(String topic, EventEnvelope event) {
    String actual = Topics.ORDERS_EVENTS.equals(topic) ? ordersTopic : paymentsTopic;
    try {
      producer.send(new ProducerRecord<>(actual, event.aggregateId(), event.toJson().encode())).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("publishing failed", e);
    }
  }

  /** Publishes any text, as a broken producer might. */
  void publishRaw(String topic, String key, String value) {
    String actual = Topics.ORDERS_EVENTS.equals(topic) ? ordersTopic : paymentsTopic;
    try {
      producer.send(new ProducerRecord<>(actual, key, value)).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("publishing failed", e);
    }
  }

  /** Publishes without waiting for the broker's acknowledgement; {@link #flush()} waits for all. */
  void publishAsync(String topic, EventEnvelope event) {
    String actual = Topics.ORDERS_EVENTS.equals(topic) ? ordersTopic : paymentsTopic;
    producer.send(new ProducerRecord<>(actual, event.aggregateId(), event.toJson().encode()));
  }

  void flush() {
    producer.flush();
  }

  /** A GreenMail SMTP server on {@code port} (0: any free port), started now. */
  GreenMail startSmtp(int port) {
    smtp = new GreenMail(new ServerSetup(port == 0 ? freePort() : port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
    return smtp;
  }

  static JsonObject smtpConfig(int port) {
    return new JsonObject().put("host", "127.0.0.1").put("port", port).put("starttls", "DISABLED")
      .put("from", "Marketplace <no-reply@marketplace.test>");
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  long emailsTo(String address) {
    if (smtp == null) {
      return 0;
    }
    return java.util.Arrays.stream(smtp.getReceivedMessages()).filter(m -> recipient(m).equals(address)).count();
  }

  List<MimeMessage> messagesTo(String address) {
    return java.util.Arrays.stream(smtp.getReceivedMessages()).filter(m -> recipient(m).equals(address)).toList();
  }

  private static String recipient(MimeMessage message) {
    try {
      return message.getAllRecipients()[0].toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A bus request as the gateway would make it for {@code userId} with {@code roles}. */
  Future<JsonObject> ask(String address, JsonObject body, String userId, String roles) {
    DeliveryOptions options = Bus.options(5000);
    if (userId != null) {
      options.addHeader(BusHeaders.USER_ID, userId);
    }
    if (roles != null) {
      options.addHeader(BusHeaders.ROLES, roles);
    }
    return Bus.request(vertx, address, body, options);
  }

  JsonArray history(String userId) {
    return await(ask(dev.marketplace.contracts.notification.NotificationAddresses.LIST, new JsonObject(), userId, "buyer")).getJsonArray("items");
  }

  List<JsonObject> history(String userId, String channel) {
    return history(userId).stream().map(JsonObject.class::cast).filter(n -> channel.equals(n.getString("channel"))).toList();
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits for an eventual state (the pipeline is asynchronous); fails with {@code what} if it never comes. */
  static void waitUntil(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting until " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }

  /** Lets the pipeline run a few more passes, to show that nothing more happens. */
  static void settle() {
    try {
      Thread.sleep(800);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(2));
    if (smtp != null) {
      smtp.stop();
    }
    await(vertx.close());
  }
}
