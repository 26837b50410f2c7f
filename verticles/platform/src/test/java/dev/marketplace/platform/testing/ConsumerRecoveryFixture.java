package dev.marketplace.platform.testing;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.sqlclient.Pool;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The set-up every "consumer while its database is down" test of a component needs, once: the
 * test's Vert.x, the shared embedded PostgreSQL (a database of its own) and Kafka broker, the Kafka
 * consumer's quick retries ({@code max_attempts} 3, backoff 100 ms to 1 s), a producer to put
 * events on a topic, fake neighbours on the bus, switching the database off and on, and the
 * component's dead letters as an admin sees them.
 *
 * <pre>{@code
 * ConsumerRecoveryFixture.create(vertx, "payment", config -> config.getJsonObject("payment").put(...))
 *   .compose(f -> f.serve(OrdersAddresses.TRANSITION, body -> new JsonObject().put("status", body.getString("to")))
 *     .compose(v -> f.deploy(new PaymentVerticle())))
 * ... fixture.databaseDown().compose(v -> fixture.publish(Topics.ORDERS_EVENTS, orderId, event)) ... fixture.databaseUp()
 * }</pre>
 * Every method returns a future and never blocks the caller: what needs JDBC (a fresh database,
 * switching it off and on) runs on a worker, so the methods may be chained on an event loop.
 */
public final class ConsumerRecoveryFixture {
  private final String component;
  private final Vertx vertx;
  private final JsonObject config;
  private final String pgUrl;
  private final Pool db;
  private final KafkaProducer<String, String> producer;

  private ConsumerRecoveryFixture(String component, Vertx vertx, JsonObject config) {
    this.component = component;
    this.vertx = vertx;
    this.config = config;
    this.pgUrl = config.getJsonObject("pg").getString("url");
    this.db = PgSupport.pool(vertx, config, 2);
    this.producer = KafkaProducer.create(vertx, KafkaSupport.producerConfig(config));
  }

  /**
   * A fixture for {@code component} (its config section and the prefix of its dead-letter
   * addresses) on a fresh database, on {@code vertx} (the test's: closing it is the test's);
   * {@code tweak} changes the config before anything is deployed.
   */
  public static Future<ConsumerRecoveryFixture> create(Vertx vertx, String component, Consumer<JsonObject> tweak) {
    // a fresh database is JDBC, the Kafka producer's construction blocks too: both on a worker
    return vertx.executeBlocking(() -> {
      JsonObject config = TestInfra.shared().config();
      config.getJsonObject("kafka").put("consumer", new JsonObject().put("max_attempts", 3).put("retry_initial_ms", 100).put("retry_max_ms", 1000));
      tweak.accept(config);
      return new ConsumerRecoveryFixture(component, vertx, config);
    });
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The config the component is deployed with (changes count until {@link #deploy}). */
  public JsonObject config() {
    return config;
  }

  /** A small pool on the component's database, for assertions and for planting faults (triggers). */
  public Pool db() {
    return db;
  }

  /** A fake neighbour: answers requests on {@code address} with {@code answer(body)}; reachable when the future completes. */
  public Future<Void> serve(String address, Function<JsonObject, JsonObject> answer) {
    return Bus.serve(vertx, address, msg -> Future.succeededFuture(answer.apply(msg.body()))).completion();
  }

  /** Deploys the component under test with {@link #config()}; the deployment id. */
  public Future<String> deploy(Deployable verticle) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config));
  }

  /** Puts the event on the topic under {@code key}, as the owner's outbox relay would; done once the broker has it. */
  public Future<Void> publish(String topic, String key, EventEnvelope event) {
    return producer.send(KafkaProducerRecord.create(topic, key, event.toJson().encode())).mapEmpty();
  }

  /** The component's database stops accepting connections (and drops the open ones). */
  public Future<Void> databaseDown() {
    return vertx.executeBlocking(() -> {
      TestInfra.shared().unreachable(pgUrl);
      return null;
    });
  }

  public Future<Void> databaseUp() {
    return vertx.executeBlocking(() -> {
      TestInfra.shared().reachable(pgUrl);
      return null;
    });
  }

  /** The component's PARKED dead letters, newest first, as {@code <component>.dead_letters.list} answers an admin. */
  public Future<JsonArray> parked() {
    return Bus.request(vertx, DeadLetterAddresses.list(component), new JsonObject().put("status", "PARKED"), admin())
      .map(page -> page.getJsonArray("items"));
  }

  /** Replays the dead letter as an admin; the letter as {@code <component>.dead_letters.replay} answers. */
  public Future<JsonObject> replay(long letterId) {
    return Bus.request(vertx, DeadLetterAddresses.replay(component), new JsonObject().put("id", letterId), admin());
  }

  /** Delivery options of an admin's request (10 s timeout). */
  public static DeliveryOptions admin() {
    return new DeliveryOptions().setSendTimeout(10_000).addHeader(BusHeaders.USER_ID, "admin-1").addHeader(BusHeaders.ROLES, "admin");
  }

  /**
   * Brings the database back (a failed test may have left it down: the next test's fresh database
   * does not need it, but the shared server would keep refusing this one's relay) and closes the
   * producer and the pool, each even when the one before failed; the first failure is the result.
   */
  public Future<Void> close() {
    return databaseUp()
      .eventually(() -> producer.close())
      .eventually(() -> db.close());
  }
}
