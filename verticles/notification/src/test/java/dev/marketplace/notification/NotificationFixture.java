package dev.marketplace.notification;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.notification.NotificationAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.testing.Eventually;
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
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import jakarta.mail.internet.MimeMessage;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One notification component on its own topics, consumer group and fresh database; a stand-in for
 * auth's {@code auth.user.contact}; a Kafka producer publishing events as the orders and payment
 * components would; helpers for SMTP (GreenMail) and bus calls, all as futures. Built on the test's
 * thread (the fresh database and the producer are made there, never on an event loop), then
 * {@link #start()}, and {@link #close()} at the end of the chain.
 */
final class NotificationFixture {
  /** How long an eventual state of the pipeline may take to show. */
  static final long WAIT_MS = 20_000;

  final Vertx vertx;
  final JsonObject config;
  final String ordersTopic = "t-orders-" + UUID.randomUUID();
  final String paymentsTopic = "t-payments-" + UUID.randomUUID();
  /** The contacts auth would answer with, by user id; unknown users are NOT_FOUND. */
  final Map<String, JsonObject> contacts = new ConcurrentHashMap<>();
  /** While true, auth answers every contact look-up with SERVICE_UNAVAILABLE. */
  final AtomicBoolean authDown = new AtomicBoolean();
  private final KafkaProducer<String, String> producer;
  private String deploymentId;
  private volatile GreenMail smtp;

  NotificationFixture(Vertx vertx, JsonObject notificationSection) {
    this.vertx = vertx;
    config = TestInfra.shared().config();
    JsonObject section = new JsonObject()
      .put("topics", new JsonArray().add(ordersTopic).add(paymentsTopic))
      .put("consumer_group", "t-notification-" + UUID.randomUUID())
      .put("poll_interval_ms", 100)
      .put("send_timeout_ms", 2000)
      .put("retry", new JsonObject().put("max_attempts", 20).put("base_delay_ms", 100).put("max_delay_ms", 400));
    config.put("notification", section.mergeIn(notificationSection, true));
    config.getJsonObject("bus").put("timeout_ms", 1000);
    producer = KafkaProducer.create(vertx, KafkaSupport.producerConfig(config));
  }

  /** The topics exist and the auth stand-in is reachable. */
  Future<NotificationFixture> start() {
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
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, KafkaSupport.adminConfig(config));
    return admin.createTopics(List.of(new NewTopic(ordersTopic, 3, (short) 1), new NewTopic(paymentsTopic, 3, (short) 1)))
      .eventually(admin::close)
      .compose(v -> auth.completion())
      .map(this);
  }

  Future<Void> deploy() {
    return vertx.deployVerticle(new NotificationVerticle(), new DeploymentOptions().setConfig(config))
      .map(id -> {
        deploymentId = id;
        return null;
      });
  }

  Future<Void> undeploy() {
    return vertx.undeploy(deploymentId).onSuccess(v -> deploymentId = null);
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

  /** Publishes to this fixture's stand-in for {@code topic} (orders.events or payments.events), acknowledged by the broker. */
  Future<Void> publish(String topic, EventEnvelope event) {
    return publishRaw(topic, event.aggregateId(), event.toJson().encode());
  }

  /** Publishes any text, as a broken producer might. */
  Future<Void> publishRaw(String topic, String key, String value) {
    String actual = Topics.ORDERS_EVENTS.equals(topic) ? ordersTopic : paymentsTopic;
    return producer.send(KafkaProducerRecord.create(actual, key, value)).mapEmpty();
  }

  /** Publishes without waiting for the broker's acknowledgement; {@link #flush()} waits for all. */
  void publishAsync(String topic, EventEnvelope event) {
    String actual = Topics.ORDERS_EVENTS.equals(topic) ? ordersTopic : paymentsTopic;
    producer.write(KafkaProducerRecord.create(actual, event.aggregateId(), event.toJson().encode()));
  }

  Future<Void> flush() {
    return producer.flush();
  }

  /** A GreenMail SMTP server on {@code port} (0: any free port), started off the event loop (its start waits for the socket). */
  Future<GreenMail> startSmtp(int port) {
    return vertx.executeBlocking(() -> {
      GreenMail server = new GreenMail(new ServerSetup(port == 0 ? freePort() : port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
      server.start();
      smtp = server;
      return server;
    });
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
    GreenMail server = smtp;
    if (server == null) {
      return 0;
    }
    return Arrays.stream(server.getReceivedMessages()).filter(m -> recipient(m).equals(address)).count();
  }

  List<MimeMessage> messagesTo(String address) {
    return Arrays.stream(smtp.getReceivedMessages()).filter(m -> recipient(m).equals(address)).toList();
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

  /** The user's notifications as {@code notification.list} answers the user. */
  Future<JsonArray> history(String userId) {
    return ask(NotificationAddresses.LIST, new JsonObject(), userId, "buyer").map(reply -> reply.getJsonArray("items"));
  }

  Future<List<JsonObject>> history(String userId, String channel) {
    return history(userId).map(items -> items.stream().map(JsonObject.class::cast)
      .filter(n -> channel.equals(n.getString("channel"))).toList());
  }

  /** Waits for an eventual state (the pipeline is asynchronous); fails with {@code what} if it never comes. */
  Future<Void> until(String what, Supplier<Future<Boolean>> condition) {
    return Eventually.until(vertx, what, WAIT_MS, condition);
  }

  Future<Void> untilTrue(String what, BooleanSupplier condition) {
    return Eventually.untilTrue(vertx, what, WAIT_MS, condition);
  }

  /** Lets the pipeline run a few more passes, to show that nothing more happens. */
  Future<Void> settle() {
    return vertx.timer(800).mapEmpty();
  }

  /** The component's database refuses connections and drops the open ones (the admin SQL runs off the event loop). */
  Future<Void> databaseDown() {
    String pgUrl = config.getJsonObject("pg").getString("url");
    return vertx.executeBlocking(() -> {
      TestInfra.shared().unreachable(pgUrl);
      return null;
    });
  }

  Future<Void> databaseUp() {
    String pgUrl = config.getJsonObject("pg").getString("url");
    return vertx.executeBlocking(() -> {
      TestInfra.shared().reachable(pgUrl);
      return null;
    });
  }

  /** Closes the producer and stops SMTP; the Vert.x instance is the test's and closes with it. */
  Future<Void> close() {
    return producer.close().eventually(() -> vertx.executeBlocking(() -> {
      GreenMail server = smtp;
      if (server != null) {
        server.stop();
      }
      return null;
    }));
  }
}
