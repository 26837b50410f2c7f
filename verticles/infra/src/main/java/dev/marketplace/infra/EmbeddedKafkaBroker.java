package dev.marketplace.infra;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A single-node Kafka 3.9 broker in this JVM: KRaft with the roles broker and controller in one
 * server (node id 1), both listeners on 127.0.0.1. Settings follow shared/RECIPES.md: replication
 * factor 1 for the internal topics (with the default 3 consumer groups and transactions never work on
 * one node), no initial rebalance delay, a small log-cleaner buffer, fast heartbeats for a quick
 * shutdown, and no auto-created topics (the application creates its topics with the admin client).
 *
 * <p>The broker's threads are not daemons: call {@link #close()} (in a {@code finally} or a shutdown
 * hook) or the JVM does not exit.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

  private static final int NODE_ID = 1;
  /** Written by the storage formatter; its presence means the log dir holds a cluster already. */
  private static final String META_PROPERTIES = "meta.properties";

  private final KafkaRaftServer server;
  private final Path logDir;
  private final boolean ephemeral;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedKafkaBroker(KafkaRaftServer server, Path logDir, boolean ephemeral, int port) {
    this.server = server;
    this.logDir = logDir;
    this.ephemeral = ephemeral;
    this.port = port;
  }

  /**
   * Formats the log dir when it is new, starts the broker and returns once it serves clients.
   * Blocking; call off the event loop.
   *
   * @param logDir the log directory; a formatted one is reused with its topics and records;
   *               {@code null} for a temporary directory deleted on close
   * @param port   the client port on 127.0.0.1, or 0 to pick a free one (the controller listener
   *               always gets a free port of its own)
   */
  public static EmbeddedKafkaBroker start(Path logDir, int port) {
    long startNanos = System.nanoTime();
    boolean ephemeral = logDir == null;
    Path dir = ephemeral
        ? Directories.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "embedded-kafka-")
        : Directories.createDirectories(logDir.toAbsolutePath().normalize());
    try {
      int brokerPort = port == 0 ? LoopbackPorts.pickFree() : LoopbackPorts.requireFree(port);
      int controllerPort = LoopbackPorts.pickFreeOtherThan(brokerPort);
      Properties properties = brokerProperties(dir, brokerPort, controllerPort);
      boolean formatted = false;
      if (!Files.exists(dir.resolve(META_PROPERTIES))) {
        format(properties);
        formatted = true;
      }
      KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(properties, false), Time.SYSTEM);
      try {
        server.startup();
      } catch (RuntimeException e) {
        // startup leaves threads running when it fails halfway
        shutdownAfterFailedStart(server, e);
        throw e;
      }
      LOG.info("Kafka broker started on {}:{} (log dir {}{}) in {} ms", LoopbackPorts.HOST, brokerPort, dir,
          formatted ? ", newly formatted" : ", reused", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
      return new EmbeddedKafkaBroker(server, dir, ephemeral, brokerPort);
    } catch (RuntimeException e) {
      if (ephemeral) {
        deleteQuietly(dir, e);
      }
      throw e;
    }
  }

  /** {@code 127.0.0.1:<port>}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return LoopbackPorts.HOST + ":" + port;
  }

  /** Shuts the broker down and waits for its threads; a temporary log dir is deleted. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long startNanos = System.nanoTime();
    server.shutdown();
    server.awaitShutdown();
    if (ephemeral) {
      Directories.deleteRecursively(logDir);
    }
    LOG.info("Kafka broker on port {} stopped in {} ms", port, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
  }

  @Override
  public String toString() {
    return "EmbeddedKafkaBroker{" + bootstrapServers() + ", logDir=" + logDir + "}";
  }

  private static Properties brokerProperties(Path logDir, int brokerPort, int controllerPort) {
    String host = LoopbackPorts.HOST;
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", Integer.toString(NODE_ID));
    // static quorum of this one node; its port may change between restarts of a kept log dir
    p.setProperty("controller.quorum.voters", NODE_ID + "@" + host + ":" + controllerPort);
    p.setProperty("listeners", "PLAINTEXT://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + brokerPort);
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("log.dirs", logDir.toString());
    // one broker: internal topics cannot have 3 replicas (a consumer group otherwise never gets partitions)
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("offsets.topic.num.partitions", "1");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    // one partition instead of 50: the first initTransactions() takes 0.1 s instead of 0.9 s
    p.setProperty("transaction.state.log.num.partitions", "1");
    // first consume 3.4 s -> 0.35 s
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    // the default takes 128 MB of heap up front
    p.setProperty("log.cleaner.dedupe.buffer.size", "2097152");
    // clean shutdown in under a second
    p.setProperty("broker.heartbeat.interval.ms", "200");
    // topics are created deliberately, with the admin client
    p.setProperty("auto.create.topics.enable", "false");
    return p;
  }

  /**
   * Formats the log dir with a new cluster id through the storage tool's {@code execute} entry (its
   * {@code main} calls {@code System.exit}). The tool reads the broker config from a file.
   */
  private static void format(Properties properties) {
    Path configFile = null;
    try {
      configFile = Files.createTempFile("embedded-kafka-", ".properties");
      try (OutputStream out = Files.newOutputStream(configFile)) {
        properties.store(out, "embedded Kafka broker, for the storage formatter");
      }
      ByteArrayOutputStream output = new ByteArrayOutputStream();
      int exitCode;
      try (PrintStream printer = new PrintStream(output, true, StandardCharsets.UTF_8)) {
        exitCode = StorageTool.execute(new String[] {
            "format", "--cluster-id", Uuid.randomUuid().toString(), "--config", configFile.toString()}, printer);
      }
      String printed = output.toString(StandardCharsets.UTF_8).trim();
      if (exitCode != 0) {
        throw new IllegalStateException("Formatting the Kafka log dir failed (exit code " + exitCode + "): " + printed);
      }
      LOG.debug("Kafka storage format: {}", printed);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the Kafka config for the storage formatter", e);
    } finally {
      deleteConfigFile(configFile);
    }
  }

  private static void deleteConfigFile(Path configFile) {
    if (configFile == null) {
      return;
    }
    try {
      Files.deleteIfExists(configFile);
    } catch (IOException e) {
      LOG.warn("Cannot delete temporary file {}", configFile, e);
    }
  }

  private static void shutdownAfterFailedStart(KafkaRaftServer server, RuntimeException failure) {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private static void deleteQuietly(Path dir, RuntimeException failure) {
    try {
      Directories.deleteRecursively(dir);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }
}
