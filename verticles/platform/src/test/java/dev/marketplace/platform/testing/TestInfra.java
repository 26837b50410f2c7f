package dev.marketplace.platform.testing;

import dev.marketplace.infra.EmbeddedKafkaBroker;
import dev.marketplace.infra.EmbeddedPostgresServer;
import dev.marketplace.platform.config.ConfigLoader;
import dev.marketplace.platform.security.Secrets;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * One embedded PostgreSQL (ephemeral, fsync off) and one in-process Kafka broker per test JVM,
 * started on first use and stopped by a JVM shutdown hook. Tests stay isolated by taking a fresh
 * database each ({@link #freshDatabase()}, {@link #config()}) and their own topic names or group ids.
 */
public final class TestInfra {
  private static final Logger LOG = LoggerFactory.getLogger(TestInfra.class);

  private static TestInfra shared;
  /** Remembered so that every later test class fails at once with the cause, not after another slow start. */
  private static RuntimeException startFailure;

  private final EmbeddedPostgresServer postgres;
  private final EmbeddedKafkaBroker kafka;

  private TestInfra(EmbeddedPostgresServer postgres, EmbeddedKafkaBroker kafka) {
    this.postgres = postgres;
    this.kafka = kafka;
  }

  /** The JVM-wide instance; the first call blocks while both servers start (about 1.5 s, in parallel). */
  public static synchronized TestInfra shared() {
    if (shared != null) {
      return shared;
    }
    if (startFailure != null) {
      throw new IllegalStateException("Test infrastructure failed to start earlier in this JVM", startFailure);
    }
    try {
      shared = start();
      return shared;
    } catch (RuntimeException e) {
      startFailure = e;
      throw e;
    }
  }

  /** The {@code postgres} database, {@code postgresql://postgres@127.0.0.1:<port>/postgres}. */
  public String pgUrl() {
    return postgres.url();
  }

  /** {@code 127.0.0.1:<port>} of the broker. */
  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /**
   * Creates an empty database with a random name and returns its URL
   * ({@code postgresql://postgres@127.0.0.1:<port>/t_<random>}). Databases are not dropped: the whole
   * ephemeral cluster is deleted at JVM exit.
   */
  public String freshDatabase() {
    String name = "t_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
         Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot create test database " + name, e);
    }
    return "postgresql://postgres@127.0.0.1:" + postgres.port() + "/" + name;
  }

  /**
   * A full component config for one test class: the bundled defaults with {@code pg.url} set to a
   * fresh database and {@code kafka.bootstrap_servers} to the shared broker, random
   * {@code bank.shared_secret} and {@code catalog.cursor_secret}, and gateway rate limits off
   * ({@code gateway.rate_limits.enabled: false}), and the cap on a buyer's open checkouts lifted
   * ({@code checkout.max_open_per_buyer: 1000}). A new object each call.
   */
  public JsonObject config() {
    JsonObject config = ConfigLoader.defaults();
    section(config, "pg").put("url", freshDatabase());
    section(config, "kafka").put("bootstrap_servers", bootstrapServers());
    // no secret ships with the defaults: each test class gets fresh random ones
    section(config, "bank").put("shared_secret", Secrets.random());
    section(config, "catalog").put("cursor_secret", Secrets.random());
    // tests hammer the gateway from one address; the rate-limit tests turn them back on
    section(config, "gateway").put("rate_limits", new JsonObject().put("enabled", false));
    // tests check out many times as one buyer; the hoarding tests set checkout.max_open_per_buyer back
    section(config, "checkout").put("max_open_per_buyer", 1_000);
    // tests run side by side: the TCP event bus bridge takes a free port, never the default 7000
    section(config, "bridge").put("port", 0).put("host", "127.0.0.1");
    return config;
  }

  /**
   * Makes a test database unreachable, as a database outage looks to a component: new connections
   * are refused and the open ones are closed. {@link #reachable} undoes it.
   */
  public void unreachable(String databaseUrl) {
    String name = databaseName(databaseUrl);
    adminSql("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false",
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "' AND pid <> pg_backend_pid()");
  }

  public void reachable(String databaseUrl) {
    adminSql("ALTER DATABASE " + databaseName(databaseUrl) + " ALLOW_CONNECTIONS true");
  }

  private static String databaseName(String databaseUrl) {
    String name = databaseUrl.replaceAll(".*/", "").replaceAll("\\?.*", "");
    if (!name.matches("t_[0-9a-f]{32}")) {
      throw new IllegalArgumentException("Not a test database: " + databaseUrl);
    }
    return name;
  }

  private void adminSql(String... statements) {
    try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", "");
         Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("Test database administration failed", e);
    }
  }

  private static JsonObject section(JsonObject config, String name) {
    JsonObject section = config.getJsonObject(name);
    if (section == null) {
      section = new JsonObject();
      config.put(name, section);
    }
    return section;
  }

  private static TestInfra start() {
    long startNanos = System.nanoTime();
    // the two starts are independent and each takes about a second: overlap them
    CompletableFuture<EmbeddedKafkaBroker> kafkaStart = CompletableFuture.supplyAsync(
        () -> EmbeddedKafkaBroker.start(null, 0),
        task -> new Thread(task, "test-infra-kafka-start").start());
    EmbeddedPostgresServer postgres;
    try {
      postgres = EmbeddedPostgresServer.start(null, 0, false);
    } catch (RuntimeException e) {
      closeWhenStarted(kafkaStart, e);
      throw e;
    }
    EmbeddedKafkaBroker kafka;
    try {
      kafka = kafkaStart.join();
    } catch (CompletionException e) {
      RuntimeException failure = e.getCause() instanceof RuntimeException cause ? cause : e;
      closeSuppressing(postgres, failure);
      throw failure;
    }
    TestInfra infra = new TestInfra(postgres, kafka);
    Runtime.getRuntime().addShutdownHook(new Thread(infra::stop, "test-infra-shutdown"));
    LOG.info("Test infrastructure up in {} ms: PostgreSQL {}, Kafka {}",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), postgres.url(), kafka.bootstrapServers());
    return infra;
  }

  private void stop() {
    // independent of each other; each close is idempotent and waits until its server is gone
    try {
      kafka.close();
    } catch (RuntimeException e) {
      LOG.error("Could not stop the test Kafka broker", e);
    }
    try {
      postgres.close();
    } catch (RuntimeException e) {
      LOG.error("Could not stop the test PostgreSQL", e);
    }
  }

  private static void closeWhenStarted(CompletableFuture<EmbeddedKafkaBroker> kafkaStart, RuntimeException failure) {
    try {
      kafkaStart.join().close();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private static void closeSuppressing(AutoCloseable closeable, RuntimeException failure) {
    try {
      closeable.close();
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }
}
