package dev.marketplace.app;

import dev.marketplace.infra.EmbeddedKafkaBroker;
import dev.marketplace.infra.EmbeddedPostgresServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * The embedded PostgreSQL and Kafka of the all-in-one run and of {@code infra}. With a data dir
 * both keep their data under it ({@code pg/}, {@code kafka/}) and PostgreSQL runs durable
 * (fsync and synchronous_commit on); without one, everything is thrown away on close.
 */
final class EmbeddedInfrastructure implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedInfrastructure.class);

  private final EmbeddedPostgresServer postgres;
  private final EmbeddedKafkaBroker kafka;

  private EmbeddedInfrastructure(EmbeddedPostgresServer postgres, EmbeddedKafkaBroker kafka) {
    this.postgres = postgres;
    this.kafka = kafka;
  }

  /** Blocking: starts PostgreSQL and Kafka side by side (about 2 s). */
  static EmbeddedInfrastructure start(Path dataDir, int pgPort, int kafkaPort) throws Exception {
    boolean durable = dataDir != null;
    Path pgDir = durable ? dataDir.resolve("pg") : null;
    Path kafkaDir = durable ? dataDir.resolve("kafka") : null;
    java.util.concurrent.CompletableFuture<EmbeddedKafkaBroker> kafkaStart =
      java.util.concurrent.CompletableFuture.supplyAsync(() -> EmbeddedKafkaBroker.start(kafkaDir, kafkaPort));
    EmbeddedPostgresServer pg;
    try {
      // our ServerLifecycle stops PostgreSQL after Vert.x has drained, not concurrently with it
      pg = EmbeddedPostgresServer.start(pgDir, pgPort, durable, false);
    } catch (RuntimeException e) {
      kafkaStart.thenAccept(EmbeddedKafkaBroker::close);
      throw e;
    }
    try {
      return new EmbeddedInfrastructure(pg, kafkaStart.get());
    } catch (Exception e) {
      pg.close();
      throw e;
    }
  }

  String pgUrl() {
    return postgres.url();
  }

  String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  @Override
  public void close() {
    try {
      kafka.close();
    } catch (RuntimeException e) {
      LOG.error("Stopping the embedded Kafka broker failed", e);
    }
    try {
      postgres.close();
    } catch (RuntimeException e) {
      LOG.error("Stopping the embedded PostgreSQL failed", e);
    }
  }
}
