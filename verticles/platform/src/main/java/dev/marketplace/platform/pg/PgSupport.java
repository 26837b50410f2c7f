package dev.marketplace.platform.pg;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.flywaydb.core.Flyway;

/**
 * PostgreSQL access the same way for every component: a pool built from {@code pg.url}, and
 * Flyway migrations of the component's own schema from {@code classpath:db/<schema>} (plus the
 * shared outbox table, created in that same schema).
 */
public final class PgSupport {

  private PgSupport() {
  }

  public static PgConnectOptions connectOptions(JsonObject config) {
    JsonObject pg = config.getJsonObject("pg", new JsonObject());
    PgConnectOptions options = PgConnectOptions.fromUri(pg.getString("url"));
    if (options.getUser() == null) {
      options.setUser("postgres");
    }
    return options.setCachePreparedStatements(true).setReconnectAttempts(2).setReconnectInterval(500);
  }

  public static Pool pool(Vertx vertx, JsonObject config) {
    return pool(vertx, config, config.getJsonObject("pg", new JsonObject()).getInteger("pool_size", 8));
  }

  public static Pool pool(Vertx vertx, JsonObject config, int size) {
    return pool(vertx, config, "pg", size);
  }

  /** @param name names the pool in metrics ({@code pool_name} label), e.g. the component */
  public static Pool pool(Vertx vertx, JsonObject config, String name, int size) {
    return PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(size).setMaxWaitQueueSize(10_000).setName(name))
      .connectingTo(connectOptions(config))
      .using(vertx)
      .build();
  }

  /** The same server as a JDBC URL, for Flyway. */
  public static String jdbcUrl(PgConnectOptions options) {
    return "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
  }

  /**
   * Migrates {@code schema} on a worker thread (Flyway is blocking JDBC). Safe to run from several
   * nodes at once: Flyway serialises on a lock in the schema's history table.
   */
  public static Future<Void> migrate(Vertx vertx, JsonObject config, String schema) {
    PgConnectOptions options = connectOptions(config);
    return vertx.executeBlocking(() -> {
      Flyway.configure(PgSupport.class.getClassLoader())
        .dataSource(jdbcUrl(options), options.getUser(), options.getPassword())
        .schemas(schema)
        .defaultSchema(schema)
        .createSchemas(true)
        .locations("classpath:db/outbox", "classpath:db/" + schema)
        .loggers("slf4j")
        .load()
        .migrate();
      return null;
    });
  }
}
