package dev.marketplace.sales;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Every SQL statement of the sales component. */
final class SaleStore {
  private static final String KEY_INSERT = "INSERT INTO sales.ticket_key (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING";
  private static final String KEY_SELECT = "SELECT key FROM sales.ticket_key WHERE id = 1";
  private static final String OVERLAPPING = """
    SELECT id FROM sales.sale WHERE product_ids && $1::uuid[]
      AND (ends_at IS NULL OR ends_at > $2) AND ($3::timestamptz IS NULL OR starts_at < $3) LIMIT 1""";
  private static final String INSERT = """
    INSERT INTO sales.sale (id, product_ids, starts_at, ends_at, admit_per_second, ticket_seq, created_by)
    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""";
  private static final String BY_ID = "SELECT * FROM sales.sale WHERE id = $1";
  /**
   * Advances the horizon of every running sale by rate x time since the last advance (whichever
   * node made it), capped at the last ticket issued plus a burst of a tenth of a second's
   * admissions, and answers the sales that run now or start within a minute.
   */
  private static final String ADVANCE = """
    WITH moved AS (
      UPDATE sales.sale s SET
        horizon = GREATEST(s.horizon, LEAST(
          s.horizon + s.admit_per_second * EXTRACT(EPOCH FROM (now() - GREATEST(COALESCE(s.horizon_at, s.starts_at), s.starts_at))),
          COALESCE(pg_sequence_last_value(s.ticket_seq::regclass), 0) + GREATEST(1, s.admit_per_second / 10.0))),
        horizon_at = GREATEST(COALESCE(s.horizon_at, now()), now())
      WHERE s.starts_at <= now() AND (s.ends_at IS NULL OR s.ends_at > now())
      RETURNING s.*)
    SELECT * FROM moved
    UNION ALL
    SELECT * FROM sales.sale WHERE starts_at > now() AND starts_at <= now() + interval '1 minute'""";
  private static final String TICKET_OF = "SELECT number, issued_at, expires_at FROM sales.ticket WHERE sale_id = $1 AND buyer_id = $2";
  /** A new ticket, or a new number for a buyer whose ticket expired; no row when a fresh one exists. */
  private static final String ISSUE = """
    INSERT INTO sales.ticket AS t (sale_id, number, buyer_id, issued_at, expires_at)
    VALUES ($1, nextval($2::regclass), $3, date_trunc('second', now()), date_trunc('second', now()) + $4::int * interval '1 second')
    ON CONFLICT (sale_id, buyer_id) DO UPDATE SET number = EXCLUDED.number, issued_at = EXCLUDED.issued_at,
      expires_at = EXCLUDED.expires_at, admitted_at = NULL
    WHERE t.expires_at <= now()
    RETURNING number, issued_at, expires_at""";
  private static final String ADMITTED = "UPDATE sales.ticket SET admitted_at = now() WHERE sale_id = $1 AND number = $2 AND admitted_at IS NULL";
  private static final String ADD_REFUSALS = """
    INSERT INTO sales.refusal AS r (sale_id, reason, n) SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[])
    ON CONFLICT (sale_id, reason) DO UPDATE SET n = r.n + EXCLUDED.n""";
  private static final String STATS = """
    SELECT count(*) FILTER (WHERE admitted_at IS NOT NULL)::bigint AS admitted,
           count(*) FILTER (WHERE admitted_at IS NULL AND expires_at > now())::bigint AS queued,
           count(*) FILTER (WHERE admitted_at IS NULL AND expires_at <= now())::bigint AS expired,
           count(*)::bigint AS tickets
    FROM sales.ticket WHERE sale_id = $1""";
  private static final String REFUSALS = "SELECT reason, n FROM sales.refusal WHERE sale_id = $1 ORDER BY reason";

  private final Pool pool;

  SaleStore(Pool pool) {
    this.pool = pool;
  }

  /** The ticket signing key: made by the first node that starts, read by every other. */
  Future<byte[]> ticketKey() {
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    return pool.preparedQuery(KEY_INSERT).execute(Tuple.of(io.vertx.core.buffer.Buffer.buffer(fresh)))
      .compose(v -> pool.query(KEY_SELECT).execute())
      .map(rows -> rows.iterator().next().getBuffer("key").getBytes());
  }

  Future<Optional<UUID>> overlapping(UUID[] products, OffsetDateTime startsAt, OffsetDateTime endsAt) {
    return pool.preparedQuery(OVERLAPPING).execute(Tuple.of(products, startsAt, endsAt))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("id")));
  }

  /** The sale and its ticket sequence, in one transaction. */
  Future<Sale> create(UUID id, UUID[] products, OffsetDateTime startsAt, OffsetDateTime endsAt, int rate, String createdBy) {
    // the name is built from our own UUID (hex digits only), never from input
    String seq = "sales.ticket_" + id.toString().replace("-", "");
    return pool.withTransaction(conn -> conn.query("CREATE SEQUENCE " + seq + " MINVALUE 1 START 1 CACHE 1").execute()
      .compose(v -> conn.preparedQuery(INSERT).execute(Tuple.of(id, products, startsAt, endsAt, rate, seq, createdBy))))
      .map(rows -> Sale.of(rows.iterator().next()));
  }

  Future<Optional<Sale>> byId(UUID id) {
    return pool.preparedQuery(BY_ID).execute(Tuple.of(id))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Sale.of(rows.iterator().next())));
  }

  /** One tick: advances the horizons and answers the sales that run now or soon. */
  Future<List<Sale>> advance() {
    return pool.query(ADVANCE).execute().map(rows -> {
      List<Sale> sales = new ArrayList<>();
      for (Row row : rows) {
        sales.add(Sale.of(row));
      }
      return sales;
    });
  }

  /** A buyer's ticket {@code {number, issued_at (epoch s)}}: their valid one, or a new one. */
  Future<long[]> ticket(Sale sale, String buyerId, int ttlSeconds) {
    return pool.preparedQuery(TICKET_OF).execute(Tuple.of(sale.id(), buyerId)).compose(rows -> {
      if (rows.size() > 0) {
        Row row = rows.iterator().next();
        if (row.getOffsetDateTime("expires_at").isAfter(OffsetDateTime.now())) {
          return Future.succeededFuture(numberAndIssued(row));
        }
      }
      return pool.preparedQuery(ISSUE).execute(Tuple.of(sale.id(), sale.ticketSeq(), buyerId, ttlSeconds)).compose(issued -> {
        if (issued.size() > 0) {
          return Future.succeededFuture(numberAndIssued(issued.iterator().next()));
        }
        // another request of this buyer issued it a moment ago
        return pool.preparedQuery(TICKET_OF).execute(Tuple.of(sale.id(), buyerId)).map(again -> numberAndIssued(again.iterator().next()));
      });
    });
  }

  private static long[] numberAndIssued(Row row) {
    return new long[] {row.getLong("number"), row.getOffsetDateTime("issued_at").toEpochSecond()};
  }

  Future<Void> markAdmitted(UUID saleId, long number) {
    return pool.preparedQuery(ADMITTED).execute(Tuple.of(saleId, number)).mapEmpty();
  }

  Future<Void> addRefusals(Map<UUID, Map<String, Long>> counts) {
    List<UUID> sales = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    List<Long> ns = new ArrayList<>();
    counts.forEach((sale, byReason) -> byReason.forEach((reason, n) -> {
      sales.add(sale);
      reasons.add(reason);
      ns.add(n);
    }));
    if (sales.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(ADD_REFUSALS)
      .execute(Tuple.of(sales.toArray(UUID[]::new), reasons.toArray(String[]::new), ns.toArray(Long[]::new))).mapEmpty();
  }

  /** {@code {admitted, queued, expired, tickets, refused: {reason: n}}}. */
  Future<JsonObject> stats(UUID saleId) {
    return pool.preparedQuery(STATS).execute(Tuple.of(saleId)).compose(rows -> {
      Row row = rows.iterator().next();
      JsonObject stats = new JsonObject().put("admitted", row.getLong("admitted")).put("queued", row.getLong("queued"))
        .put("expired", row.getLong("expired")).put("tickets", row.getLong("tickets"));
      return pool.preparedQuery(REFUSALS).execute(Tuple.of(saleId)).map(refusals -> {
        JsonObject byReason = new JsonObject();
        refusals.forEach(r -> byReason.put(r.getString("reason"), r.getLong("n")));
        return stats.put("refused", byReason);
      });
    });
  }
}
