package dev.marketplace.platform.testing;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Deployable;
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
 * The set-up every "consumer while its database is down" test of a component needs, once: a plain
 * Vert.x, the shared embedded PostgreSQL (a database of its own) and Kafka broker, the Kafka
 * consumer's quick retries ({@code max_attempts} 3, backoff 100 ms to 1 s), a producer to put
 * events on a topic, fake neighbours on the bus, switching the database off and on, and the
 * component's dead letters as an admin sees them.
 *
 * <pre>{@code
 * fixture = ConsumerRecoveryFixture.create("payment", config -> config.getJsonObject("payment").put(...));
 * fixture.serve(OrdersAddresses.TRANSITION, body -> new JsonObject().put("status", body.getString("to")));
 * fixture.deploy(new PaymentVerticle());
 * fixture.databaseDown(); fixture.publish(Topics.ORDERS_EVENTS, orderId, event); ... fixture.databaseUp();
 * }</pre>
 * Its methods block (through {@link Await}), for JUnit threads only (never an event loop).
 */
public final class ConsumerRecoveryFixture implements AutoCloseable {
  private final String component;
  private final Vertx vertx;
  private final JsonObject config;
  private final String pgUrl;
  private Pool db;
  private KafkaProducer<String, String> producer;

  private ConsumerRecoveryFixture(String component, Vertx vertx, JsonObject config) {
    this.component = component;
    this.vertx = vertx;
    this.config = config;
    this.pgUrl = config.getJsonObject("pg").getString("url");
  }

  /**
   * A fixture for {@code component} (its config section and the prefix of its dead-letter
   * addresses) on a fresh database; {@code tweak} changes the config before anything is deployed.
   */
  public static ConsumerRecoveryFixture create(String component, Consumer<JsonObject> tweak) {
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("kafka").put("consumer", new JsonObject().put("max_attempts", 3).put("retry_initial_ms", 100).put("retry_max_ms", 1000));
    tweak.accept(config);
    return new ConsumerRecoveryFixture(component, Vertx.vertx(), config);
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The config the component is deployed with. */
  public JsonObject config() {
    return config;
  }

  /** A small pool on the component's database, for assertions and for planting faults (triggers). */
  public Pool db() {
    if (db == null) {
      db = PgSupport.pool(vertx, config, 2);
    }
    return db;
  }

  /** A fake neighbour: answers requests on {@code address} with {@code answer(body)}; reachable when this returns. */
  public void serve(String address, Function<JsonObject, JsonObject> answer) throws Exception {
    Await.result(Bus.serve(vertx, address, msg -> Future.succeededFuture(answer.apply(msg.body()))).completion());
  }

  /** Deploys the component under test with {@link #config()}. */
  public void deploy(Deployable verticle) throws Exception {
    Await.result(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)));
  }

  /** Puts the event on the topic under {@code key}, as the owner's outbox relay would. */
  public void publish(String topic, String key, EventEnvelope event) throws Exception {
    if (producer == null) {
      producer = KafkaProducer.create(vertx, KafkaSupport.producerConfig(config));
    }
    Await.result(producer.send(KafkaProducerRecord.create(topic, key, event.toJson().encode())));
  }

  /** The component's database stops accepting connections (and drops the open ones). */
  public void databaseDown() {
    TestInfra.shared().unreachable(pgUrl);
  }

  public void databaseUp() {
    TestInfra.shared().reachable(pgUrl);
  }

  /** The component's PARKED dead letters, newest first, as {@code <component>.dead_letters.list} answers an admin. */
  public JsonArray parked() {
    try {
      return Await.result(Bus.request(vertx, DeadLetterAddresses.list(component), new JsonObject().put("status", "PARKED"), admin()))
        .getJsonArray("items");
    } catch (Exception e) {
      throw new IllegalStateException("the dead letters of " + component + " could not be listed", e);
    }
  }

  /** Replays the dead letter as an admin; the letter as {@code <component>.dead_letters.replay} answers. */
  public JsonObject replay(long letterId) throws Exception {
    return Await.result(Bus.request(vertx, DeadLetterAddresses.replay(component), new JsonObject().put("id", letterId), admin()));
  }

  /** Delivery options of an admin's request (10 s timeout). */
  public static DeliveryOptions admin() {
    return new DeliveryOptions().setSendTimeout(10_000).addHeader(BusHeaders.USER_ID, "admin-1").addHeader(BusHeaders.ROLES, "admin");
  }



  /** Brings the database back (a failed test may have left it down) and closes everything. */
  @Override
  public void close() throws Exception {
    databaseUp();
    try {
      if (producer != null) {
        Await.result(producer.close());
      }
      if (db != null) {
        Await.result(db.close());
      }
    } finally {
      Await.result(vertx.close());
    }
  }
}
