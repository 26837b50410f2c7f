package dev.marketplace.platform.outbox;

import dev.marketplace.contracts.EventEnvelope;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.regex.Pattern;

/**
 * Writes domain events into a component's outbox table. Call it with the connection of the
 * transaction that makes the state change, so the event exists if and only if the change does.
 */
public final class Outbox {
  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]*");

  private final String insertSql;

  /** @param schema the owning component's schema (a constant, never user input) */
  public Outbox(String schema) {
    this.insertSql = "INSERT INTO " + checkedSchema(schema) + ".outbox (event_id, topic, record_key, payload) VALUES ($1, $2, $3, $4)";
  }

  public Future<Void> append(SqlClient tx, String topic, EventEnvelope event) {
    return tx.preparedQuery(insertSql)
      .execute(Tuple.of(event.eventId(), topic, event.aggregateId(), event.toJson()))
      .mapEmpty();
  }

  static String checkedSchema(String schema) {
    if (!SCHEMA_NAME.matcher(schema).matches()) {
      throw new IllegalArgumentException("Not a schema name: " + schema);
    }
    return schema;
  }
}
