package dev.marketplace.payment;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The payment schema's SQL, in one place. */
final class PaymentRepository {
  private static final String INSERT = """
    INSERT INTO payment.intents (payment_id, order_id, buyer_id, amount, currency, method, status, reserved_until)
    VALUES ($1, $2, $3, $4, $5, $6, 'CREATED', $7)
    ON CONFLICT DO NOTHING""";
  private static final String INSERT_TOMBSTONE = """
    INSERT INTO payment.intents (payment_id, order_id, amount, currency, status)
    VALUES ($1, $2, 0, 'RUB', 'VOIDED')
    ON CONFLICT DO NOTHING""";
  private static final String BY_ORDER = "SELECT * FROM payment.intents WHERE order_id = $1";
  private static final String BY_ORDER_FOR_UPDATE = "SELECT * FROM payment.intents WHERE order_id = $1 FOR UPDATE";
  private static final String BY_BANK_ID_FOR_UPDATE =
    "SELECT * FROM payment.intents WHERE bank_payment_id = $1 OR payment_id = $2 ORDER BY (bank_payment_id = $1) DESC NULLS LAST LIMIT 1 FOR UPDATE";
  private static final String MARK_PENDING = """
    UPDATE payment.intents SET status = 'PENDING', bank_payment_id = $2, payment_url = $3, updated_at = now()
    WHERE payment_id = $1 AND status IN ('CREATED', 'FAILED') RETURNING *""";
  private static final String MARK_FAILED =
    "UPDATE payment.intents SET status = 'FAILED', updated_at = now() WHERE payment_id = $1 AND status = 'CREATED'";
  private static final String SET_STATUS = """
    UPDATE payment.intents SET status = $2, bank_payment_id = COALESCE(bank_payment_id, $3), updated_at = now(),
      captured_at = CASE WHEN $2 IN ('CAPTURED', 'REFUND_PENDING') THEN COALESCE(captured_at, now()) ELSE captured_at END,
      refunded_at = CASE WHEN $2 = 'REFUNDED' THEN now() ELSE refunded_at END,
      refund_notice_due = refund_notice_due OR $2 = 'REFUNDED',
      refund_reason = COALESCE($4, refund_reason)
    WHERE payment_id = $1 RETURNING *""";
  private static final String FINISH_REFUND = """
    UPDATE payment.intents SET status = 'REFUNDED', refunded_at = now(), updated_at = now(), refund_notice_due = true
    WHERE payment_id = $1 AND status = 'REFUND_PENDING' RETURNING *""";
  /** Refunded intents whose order has not confirmed REFUNDED yet, not asked about within $1 ms. */
  private static final String CLAIM_REFUND_NOTICES = """
    UPDATE payment.intents SET refund_notice_at = now() WHERE payment_id IN (
      SELECT payment_id FROM payment.intents
      WHERE refund_notice_due AND (refund_notice_at IS NULL OR refund_notice_at < now() - $1::bigint * interval '1 millisecond')
      ORDER BY refund_notice_at NULLS FIRST LIMIT $2::bigint FOR UPDATE SKIP LOCKED)
    RETURNING *""";
  private static final String REFUND_NOTICE_DONE =
    "UPDATE payment.intents SET refund_notice_due = false, refund_notice_at = now() WHERE order_id = $1 AND refund_notice_due";
  /**
   * Claims PENDING intents that are due to be asked about at the bank: first $1 ms after they
   * became PENDING, then after $1, 2×$1, 4×$1... ms, at most $2 ms apart; the claim moves
   * next_poll_at on, so two nodes do not ask about the same one.
   */
  private static final String CLAIM_SILENT_PENDING = """
    UPDATE payment.intents SET checked_at = now(), poll_count = poll_count + 1,
      next_poll_at = now() + LEAST($2::bigint, $1::bigint * (1::bigint << LEAST(poll_count, 20))) * interval '1 millisecond'
    WHERE payment_id IN (
      SELECT payment_id FROM payment.intents
      WHERE status = 'PENDING' AND bank_payment_id IS NOT NULL
        AND (next_poll_at <= now() OR (next_poll_at IS NULL AND updated_at <= now() - $1::bigint * interval '1 millisecond'))
      ORDER BY next_poll_at NULLS FIRST LIMIT $3::bigint FOR UPDATE SKIP LOCKED)
    RETURNING *""";
  private static final String CLAIM_REFUND_PENDING = """
    UPDATE payment.intents SET updated_at = now() WHERE payment_id IN (
      SELECT payment_id FROM payment.intents
      WHERE status = 'REFUND_PENDING' AND updated_at < now() - $1::bigint * interval '1 millisecond'
      ORDER BY updated_at LIMIT $2::bigint FOR UPDATE SKIP LOCKED)
    RETURNING *""";

  /**
   * Makes the bank void of a voided intent due work (the bank's id recorded if it was not):
   * tried first at once by the caller, so the job looks at it only after $3 ms.
   */
  private static final String BANK_VOID_DUE = """
    UPDATE payment.intents SET bank_payment_id = COALESCE(bank_payment_id, $2), bank_void_due = true,
      bank_void_at = now() + $3::bigint * interval '1 millisecond'
    WHERE payment_id = $1 AND status = 'VOIDED'""";
  /** Claims due bank voids; the claim moves bank_void_at on (doubling up to a minute), so nodes do not collide. */
  private static final String CLAIM_BANK_VOIDS = """
    UPDATE payment.intents SET bank_void_attempts = bank_void_attempts + 1,
      bank_void_at = now() + LEAST(60000, $1::bigint * (1::bigint << LEAST(bank_void_attempts, 10))) * interval '1 millisecond'
    WHERE payment_id IN (
      SELECT payment_id FROM payment.intents
      WHERE bank_void_due AND bank_void_at <= now()
      ORDER BY bank_void_at LIMIT $2::bigint FOR UPDATE SKIP LOCKED)
    RETURNING *""";
  private static final String BANK_VOID_DONE =
    "UPDATE payment.intents SET bank_void_due = false WHERE payment_id = $1";

  private static final String INSERT_MANY = """
    INSERT INTO payment.intents (payment_id, order_id, buyer_id, amount, currency, method, status, reserved_until)
    SELECT p, o, b, a, c, m, 'CREATED', r
    FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::timestamptz[]) WITH ORDINALITY
      AS x(p, o, b, a, c, m, r, n)
    ORDER BY n
    ON CONFLICT DO NOTHING""";
  private static final String BY_ORDERS = "SELECT * FROM payment.intents WHERE order_id = ANY($1::uuid[])";
  private static final String MARK_PENDING_MANY = """
    UPDATE payment.intents i SET status = 'PENDING', bank_payment_id = x.b, payment_url = x.u, updated_at = now()
    FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(p, b, u)
    WHERE i.payment_id = x.p AND i.status IN ('CREATED', 'FAILED') RETURNING i.*""";

  /** A payment.start as the intents need it. */
  record NewIntent(UUID paymentId, UUID orderId, String buyerId, long amount, String currency, String method,
                   OffsetDateTime reservedUntil) {
  }

  /** The bank's answer to record on a CREATED (or FAILED) intent. */
  record BankPending(UUID paymentId, String bankPaymentId, String paymentUrl) {
  }

  private final Pool pool;

  PaymentRepository(Pool pool) {
    this.pool = pool;
  }

  Pool pool() {
    return pool;
  }

  Future<Void> insert(SqlClient tx, UUID paymentId, UUID orderId, String buyerId, long amount, String currency,
                      String method, OffsetDateTime reservedUntil) {
    return tx.preparedQuery(INSERT)
      .execute(Tuple.of(paymentId, orderId, buyerId, amount, currency, method).addOffsetDateTime(reservedUntil))
      .mapEmpty();
  }

  /**
   * Inserts many intents in one statement (a repeat or a second payment of an order inserts
   * nothing) and answers, per request in order, the intent its order now has.
   */
  Future<List<Object>> insertMany(List<NewIntent> batch) {
    Tuple args = Tuple.tuple()
      .addValue(batch.stream().map(NewIntent::paymentId).toArray(UUID[]::new))
      .addValue(batch.stream().map(NewIntent::orderId).toArray(UUID[]::new))
      .addValue(batch.stream().map(NewIntent::buyerId).toArray(String[]::new))
      .addValue(batch.stream().map(NewIntent::amount).toArray(Long[]::new))
      .addValue(batch.stream().map(NewIntent::currency).toArray(String[]::new))
      .addValue(batch.stream().map(NewIntent::method).toArray(String[]::new))
      .addValue(batch.stream().map(NewIntent::reservedUntil).toArray(OffsetDateTime[]::new));
    UUID[] orders = batch.stream().map(NewIntent::orderId).toArray(UUID[]::new);
    // one connection, pipelined: the insert commits, then the select sees it
    return pool.withConnection(conn -> {
      Future<?> inserted = conn.preparedQuery(INSERT_MANY).execute(args);
      Future<RowSet<Row>> found = conn.preparedQuery(BY_ORDERS).execute(Tuple.of((Object) orders));
      return Future.all(inserted, found).map(x -> {
        java.util.Map<UUID, Intent> byOrder = new java.util.HashMap<>();
        found.result().forEach(row -> byOrder.put(row.getUUID("order_id"), Intent.of(row)));
        List<Object> out = new ArrayList<>(batch.size());
        batch.forEach(r -> out.add(Optional.ofNullable(byOrder.get(r.orderId()))));
        return out;
      });
    });
  }

  /** Marks many intents PENDING in one statement inside {@code tx}; the intents changed (absent: not CREATED/FAILED any more). */
  Future<java.util.Map<UUID, Intent>> markPendingMany(SqlClient tx, List<BankPending> batch) {
    Tuple args = Tuple.of(batch.stream().map(BankPending::paymentId).toArray(UUID[]::new),
      batch.stream().map(BankPending::bankPaymentId).toArray(String[]::new),
      batch.stream().map(BankPending::paymentUrl).toArray(String[]::new));
    return tx.preparedQuery(MARK_PENDING_MANY).execute(args).map(rows -> {
      java.util.Map<UUID, Intent> changed = new java.util.HashMap<>();
      rows.forEach(row -> changed.put(row.getUUID("payment_id"), Intent.of(row)));
      return changed;
    });
  }

  Future<Void> insertTombstone(SqlClient tx, UUID orderId) {
    return tx.preparedQuery(INSERT_TOMBSTONE).execute(Tuple.of(UUID.randomUUID(), orderId)).mapEmpty();
  }

  Future<Optional<Intent>> byOrder(SqlClient client, UUID orderId) {
    return client.preparedQuery(BY_ORDER).execute(Tuple.of(orderId)).map(PaymentRepository::first);
  }

  Future<Optional<Intent>> byOrderForUpdate(SqlClient tx, UUID orderId) {
    return tx.preparedQuery(BY_ORDER_FOR_UPDATE).execute(Tuple.of(orderId)).map(PaymentRepository::first);
  }

  Future<Optional<Intent>> byBankIdForUpdate(SqlClient tx, String bankPaymentId, UUID reference) {
    return tx.preparedQuery(BY_BANK_ID_FOR_UPDATE).execute(Tuple.of(bankPaymentId, reference)).map(PaymentRepository::first);
  }

  Future<Optional<Intent>> markPending(SqlClient tx, UUID paymentId, String bankPaymentId, String paymentUrl) {
    return tx.preparedQuery(MARK_PENDING).execute(Tuple.of(paymentId, bankPaymentId, paymentUrl)).map(PaymentRepository::first);
  }

  Future<Void> markFailed(UUID paymentId) {
    return pool.preparedQuery(MARK_FAILED).execute(Tuple.of(paymentId)).mapEmpty();
  }

  Future<Intent> setStatus(SqlClient tx, UUID paymentId, String status, String bankPaymentId, String refundReason) {
    return tx.preparedQuery(SET_STATUS).execute(Tuple.of(paymentId, status, bankPaymentId, refundReason))
      .map(rows -> first(rows).orElseThrow());
  }

  Future<Optional<Intent>> finishRefund(SqlClient tx, UUID paymentId) {
    return tx.preparedQuery(FINISH_REFUND).execute(Tuple.of(paymentId)).map(PaymentRepository::first);
  }

  Future<List<Intent>> claimSilentPending(long firstMs, long maxIntervalMs, long limit) {
    return pool.preparedQuery(CLAIM_SILENT_PENDING).execute(Tuple.of(firstMs, maxIntervalMs, limit)).map(PaymentRepository::all);
  }

  Future<List<Intent>> claimRefundPending(long retryMs, long limit) {
    return pool.preparedQuery(CLAIM_REFUND_PENDING).execute(Tuple.of(retryMs, limit)).map(PaymentRepository::all);
  }

  Future<List<Intent>> claimRefundNotices(long retryMs, long limit) {
    return pool.preparedQuery(CLAIM_REFUND_NOTICES).execute(Tuple.of(retryMs, limit)).map(PaymentRepository::all);
  }

  /** Records that the bank void of this voided intent is due until the bank confirms it. */
  Future<Void> bankVoidDue(SqlClient client, UUID paymentId, String bankPaymentId, long firstRetryMs) {
    return client.preparedQuery(BANK_VOID_DUE).execute(Tuple.of(paymentId, bankPaymentId, firstRetryMs)).mapEmpty();
  }

  Future<List<Intent>> claimBankVoids(long retryMs, long limit) {
    return pool.preparedQuery(CLAIM_BANK_VOIDS).execute(Tuple.of(retryMs, limit)).map(rows -> {
      List<Intent> intents = new ArrayList<>();
      rows.forEach(row -> intents.add(Intent.of(row)));
      return intents;
    });
  }

  Future<Void> bankVoidDone(UUID paymentId) {
    return pool.preparedQuery(BANK_VOID_DONE).execute(Tuple.of(paymentId)).mapEmpty();
  }

  Future<Void> refundNoticeDone(UUID orderId) {
    return pool.preparedQuery(REFUND_NOTICE_DONE).execute(Tuple.of(orderId)).mapEmpty();
  }

  private static Optional<Intent> first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(Intent.of(it.next())) : Optional.empty();
  }

  private static List<Intent> all(RowSet<Row> rows) {
    List<Intent> list = new ArrayList<>();
    rows.forEach(row -> list.add(Intent.of(row)));
    return list;
  }
}
