package dev.marketplace.infra;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedKafkaBrokerTest {
  private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(20);

  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start(null, 0);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
      broker.close(); // idempotent
    }
  }

  @Test
  void bootstrapServersIsTheLoopbackListener() {
    assertThat(broker.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
  }

  @Test
  void recordProducedToACreatedTopicIsConsumedByAGroup() throws Exception {
    String topic = createTopic(broker, "plain");
    try (KafkaProducer<String, String> producer = producer(broker, Map.of())) {
      producer.send(new ProducerRecord<>(topic, "order-1", "created")).get(10, TimeUnit.SECONDS);
    }
    assertThat(consume(broker, topic, "read_uncommitted", 1))
        .extracting(ConsumerRecord::key, ConsumerRecord::value)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("order-1", "created"));
  }

  @Test
  void readCommittedConsumerSeesCommittedTransactionsOnly() throws Exception {
    String topic = createTopic(broker, "outbox");
    try (KafkaProducer<String, String> producer = producer(broker, Map.of(
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "relay-" + UUID.randomUUID()))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "aborted"));
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "committed-1"));
      producer.send(new ProducerRecord<>(topic, "k", "committed-2"));
      producer.commitTransaction();
    }
    assertThat(consume(broker, topic, "read_committed", 2))
        .extracting(ConsumerRecord::value)
        .containsExactly("committed-1", "committed-2");
  }

  @Test
  void restartOnTheSameLogDirKeepsTopicsAndRecords(@TempDir Path tempDir) throws Exception {
    Path logDir = tempDir.resolve("kafka");
    String topic;
    try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.start(logDir, 0)) {
      topic = createTopic(first, "kept");
      try (KafkaProducer<String, String> producer = producer(first, Map.of())) {
        producer.send(new ProducerRecord<>(topic, "k", "before restart")).get(10, TimeUnit.SECONDS);
      }
    }
    assertThat(logDir.resolve("meta.properties")).exists();

    try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.start(logDir, 0)) {
      try (Admin admin = admin(second)) {
        assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS)).contains(topic);
      }
      assertThat(consume(second, topic, "read_committed", 1))
          .extracting(ConsumerRecord::value)
          .containsExactly("before restart");
    }
  }

  private static String createTopic(EmbeddedKafkaBroker target, String prefix) throws Exception {
    String topic = prefix + "-" + UUID.randomUUID();
    try (Admin admin = admin(target)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    return topic;
  }

  private static Admin admin(EmbeddedKafkaBroker target) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers()));
  }

  private static KafkaProducer<String, String> producer(EmbeddedKafkaBroker target, Map<String, Object> extra) {
    Map<String, Object> config = new java.util.HashMap<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers(),
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.ACKS_CONFIG, "all"));
    config.putAll(extra);
    return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
  }

  /** Subscribes with a fresh group (exercising the group coordinator) and polls until {@code count} records. */
  private static List<ConsumerRecord<String, String>> consume(EmbeddedKafkaBroker target, String topic,
      String isolationLevel, int count) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
    List<ConsumerRecord<String, String>> received = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(Set.of(topic));
      long deadline = System.nanoTime() + CONSUME_TIMEOUT.toNanos();
      while (received.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(received::add);
      }
      // one more short poll so that an unexpected extra record (an aborted one) would show up
      consumer.poll(Duration.ofMillis(300)).forEach(received::add);
      consumer.commitSync();
    }
    return received;
  }
}
