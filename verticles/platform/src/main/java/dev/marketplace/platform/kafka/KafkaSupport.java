package dev.marketplace.platform.kafka;

import dev.marketplace.contracts.Topics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.kafka.admin.NewTopic;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Kafka set-up the same way for every component: client configs, consumers, topic creation. */
public final class KafkaSupport {

  private KafkaSupport() {
  }

  public static String bootstrapServers(JsonObject config) {
    return config.getJsonObject("kafka", new JsonObject()).getString("bootstrap_servers");
  }

  public static Map<String, String> adminConfig(JsonObject config) {
    Map<String, String> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrapServers(config));
    props.put("request.timeout.ms", "5000");
    props.put("default.api.timeout.ms", "10000");
    return props;
  }

  /** Idempotent, transactional producer settings; the relay adds its own {@code transactional.id}. */
  public static Map<String, String> producerConfig(JsonObject config) {
    Map<String, String> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrapServers(config));
    props.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    props.put("acks", "all");
    props.put("enable.idempotence", "true");
    props.put("linger.ms", "2");
    props.put("max.block.ms", "5000");
    props.put("request.timeout.ms", "5000");
    props.put("delivery.timeout.ms", "10000");
    props.put("transaction.timeout.ms", "15000");
    return props;
  }

  /**
   * Consumer settings: a group, manual commits after the work is stored, and read_committed so a
   * consumer only ever sees events whose outbox transaction committed.
   */
  public static Map<String, String> consumerConfig(JsonObject config, String groupId) {
    Map<String, String> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrapServers(config));
    props.put("group.id", groupId);
    props.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    props.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    props.put("enable.auto.commit", "false");
    props.put("auto.offset.reset", "earliest");
    props.put("isolation.level", "read_committed");
    return props;
  }

  public static KafkaConsumer<String, String> consumer(Vertx vertx, JsonObject config, String groupId) {
    return KafkaConsumer.create(vertx, consumerConfig(config, groupId));
  }

  /**
   * Creates the domain topics and the relay's watermark topic when missing. Safe to call from
   * several nodes at once: a topic another node created first counts as created.
   */
  public static Future<Void> ensureTopics(Vertx vertx, JsonObject config) {
    // a broker that is still starting, or starved for CPU, answers late: a node waits for it
    // ({@code kafka.topics_wait_ms}, 120 s) rather than failing its start on the first timeout
    long waitMs = config.getJsonObject("kafka", new JsonObject()).getLong("topics_wait_ms", 120_000L);
    return ensureTopicsUntil(vertx, config, System.currentTimeMillis() + waitMs, 500);
  }

  private static Future<Void> ensureTopicsUntil(Vertx vertx, JsonObject config, long deadline, long pauseMs) {
    return ensureTopicsOnce(vertx, config).recover(err -> {
      if (System.currentTimeMillis() + pauseMs >= deadline) {
        return Future.failedFuture(err);
      }
      org.slf4j.LoggerFactory.getLogger(KafkaSupport.class)
        .warn("Kafka topics not checked yet ({}); trying again in {} ms", err.toString(), pauseMs);
      return vertx.timer(pauseMs).compose(t -> ensureTopicsUntil(vertx, config, deadline, Math.min(2 * pauseMs, 5_000)));
    });
  }

  private static Future<Void> ensureTopicsOnce(Vertx vertx, JsonObject config) {
    JsonObject kafka = config.getJsonObject("kafka", new JsonObject());
    int partitions = kafka.getInteger("partitions", 3);
    short replication = kafka.getInteger("replication_factor", 1).shortValue();
    KafkaAdminClient admin = KafkaAdminClient.create(vertx, adminConfig(config));
    return admin.listTopics()
      .compose(existing -> createMissing(admin, existing, partitions, replication))
      .eventually(admin::close);
  }

  private static Future<Void> createMissing(KafkaAdminClient admin, Set<String> existing, int partitions, short replication) {
    List<NewTopic> missing = new ArrayList<>();
    for (String topic : Topics.DOMAIN) {
      if (!existing.contains(topic)) {
        missing.add(new NewTopic(topic, partitions, replication));
      }
    }
    if (!existing.contains(Topics.OUTBOX_WATERMARKS)) {
      missing.add(new NewTopic(Topics.OUTBOX_WATERMARKS, 1, replication)
        .setConfig(Map.of("cleanup.policy", "compact")));
    }
    if (missing.isEmpty()) {
      return Future.succeededFuture();
    }
    return admin.createTopics(missing).recover(err -> isTopicExists(err)
      ? Future.succeededFuture()
      : Future.failedFuture(err));
  }

  private static boolean isTopicExists(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof TopicExistsException) {
        return true;
      }
    }
    return false;
  }
}
