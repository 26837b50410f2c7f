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
  private final String insertManySql;

  /** @param schema the owning component's schema (a constant, never user input) */
  public Outbox(String schema) {
    this.insertSql = "INSERT INTO " + checkedSchema(schema) + ".outbox (event_id, topic, record_key, payload) VALUES ($1, $2, $3, $4)";
    this.insertManySql = "INSERT INTO " + checkedSchema(schema) + ".outbox (event_id, topic, record_key, payload) "
      + "SELECT e, $1, k, p::jsonb FROM unnest($2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS x(e, k, p, n) ORDER BY n";
  }

  /** Several events of one topic in one statement, in list order (a group commit's events). */
  public Future<Void> appendAll(SqlClient tx, String topic, java.util.List<EventEnvelope> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    java.util.UUID[] ids = new java.util.UUID[events.size()];
    String[] keys = new String[events.size()];
    String[] payloads = new String[events.size()];
    for (int i = 0; i < ids.length; i++) {
      EventEnvelope e = events.get(i);
      ids[i] = e.eventId();
      keys[i] = e.aggregateId();
      payloads[i] = e.toJson().encode();
    }
    return tx.preparedQuery(insertManySql).execute(Tuple.of(topic, ids, keys, payloads)).mapEmpty();
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
