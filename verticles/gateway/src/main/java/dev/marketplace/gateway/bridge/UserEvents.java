package dev.marketplace.gateway.bridge;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.notification.NotificationAddresses;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The live feed behind {@code bridge.user.<id>}, for the connections of this gateway instance:
 * <ul>
 *   <li>{@code Notification}: what the notification component publishes on
 *   {@code notification.push.<user_id>} (the same push the SSE stream relays), while at least one
 *   of the user's connections listens here;</li>
 *   <li>{@code OrderStatusChanged}: read from {@code orders.events} by a Kafka consumer of this
 *   instance's own (a fresh group, from the newest offset, nothing committed), since every node
 *   must see every order's changes for whoever is connected to it.</li>
 * </ul>
 * Neither internal address nor topic is visible to clients: they only ever see
 * {@code bridge.user.<id>} with the two message types. Event loop only.
 */
final class UserEvents {
  private static final Logger LOG = LoggerFactory.getLogger(UserEvents.class);
  /** Order events whose {@code data.status} is the order's new status. */
  private static final Set<String> ORDER_STATUS_EVENTS = Set.of("OrderCreated", "OrderReserved", "OrderAwaitingPayment",
    "OrderPaid", "OrderCancelled", "OrderRefunded", "OrderShipped", "OrderDelivered");

  private final Vertx vertx;
  private final JsonObject config;
  private final Map<String, Set<BridgeConnection>> listeners = new HashMap<>();
  private final Map<String, MessageConsumer<JsonObject>> pushConsumers = new HashMap<>();
  private KafkaConsumer<String, String> orderEvents;

  UserEvents(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.config = config;
  }

  /** Starts reading order events when Kafka is configured; a failure only costs the live order statuses. */
  Future<Void> start() {
    if (KafkaSupport.bootstrapServers(config) == null) {
      LOG.info("No Kafka configured: bridge.user.* carries notifications only");
      return Future.succeededFuture();
    }
    Map<String, String> props = new HashMap<>(KafkaSupport.consumerConfig(config, "gateway.bridge." + UUID.randomUUID()));
    props.put("auto.offset.reset", "latest");
    // the client is built off the event loop (it resolves hosts and loads classes)
    return vertx.executeBlocking(() -> KafkaConsumer.<String, String>create(vertx, props))
      .compose(consumer -> {
        orderEvents = consumer;
        consumer.exceptionHandler(err -> LOG.warn("Reading {} for the bridge failed: {}", Topics.ORDERS_EVENTS, err.toString()));
        consumer.handler(record -> orderEvent(record.value()));
        return consumer.subscribe(Topics.ORDERS_EVENTS);
      })
      .recover(err -> {
        LOG.warn("The bridge will not relay order statuses: {}", err.toString());
        return Future.succeededFuture();
      });
  }

  Future<Void> close() {
    pushConsumers.values().forEach(MessageConsumer::unregister);
    pushConsumers.clear();
    listeners.clear();
    return orderEvents == null ? Future.succeededFuture() : orderEvents.close();
  }

  /** The connection listens to the user's feed from now on (the caller checked the token). */
  Future<Void> listen(String userId, BridgeConnection connection) {
    listeners.computeIfAbsent(userId, id -> new LinkedHashSet<>()).add(connection);
    MessageConsumer<JsonObject> push = pushConsumers.get(userId);
    if (push == null) {
      push = vertx.eventBus().consumer(NotificationAddresses.push(userId), message -> deliver(userId,
        message.body().copy().put("type", "Notification")));
      pushConsumers.put(userId, push);
    }
    return push.completion();
  }

  void stopListening(String userId, BridgeConnection connection) {
    Set<BridgeConnection> connections = listeners.get(userId);
    if (connections == null) {
      return;
    }
    connections.remove(connection);
    if (connections.isEmpty()) {
      listeners.remove(userId);
      MessageConsumer<JsonObject> push = pushConsumers.remove(userId);
      if (push != null) {
        push.unregister();
      }
    }
  }

  int listenedUsers() {
    return listeners.size();
  }

  private void orderEvent(String value) {
    EventEnvelope event;
    try {
      event = EventEnvelope.fromJson(new JsonObject(value));
    } catch (RuntimeException e) {
      LOG.debug("Skipping an unreadable order event: {}", e.toString());
      return;
    }
    if (!ORDER_STATUS_EVENTS.contains(event.type()) || event.data() == null) {
      return;
    }
    String buyer = event.data().getString("buyer_id");
    if (buyer == null || !listeners.containsKey(buyer)) {
      return;
    }
    JsonObject change = new JsonObject()
      .put("type", "OrderStatusChanged")
      .put("order_id", event.data().getString("order_id", event.aggregateId()))
      .put("status", event.data().getString("status"))
      .put("at", event.occurredAt() == null ? null : event.occurredAt().toString());
    if (event.data().getValue("reason") instanceof String reason) {
      change.put("reason", reason);
    }
    deliver(buyer, change);
  }

  private void deliver(String userId, JsonObject body) {
    Set<BridgeConnection> connections = listeners.get(userId);
    if (connections == null) {
      return;
    }
    String address = BridgeAddresses.user(userId);
    for (BridgeConnection connection : Set.copyOf(connections)) {
      if (!connection.isClosed()) {
        connection.deliver(address, body);
      }
    }
  }
}
