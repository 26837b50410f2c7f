package dev.marketplace.checkout;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The checkout schema's SQL, in one place. Every change of a saga is conditional on holding its lease. */
final class SagaRepository {
  /** The saga and the first line of its log in one statement (one round trip, atomic). */
  private static final String INSERT = """
    WITH saga AS (
      INSERT INTO checkout.sagas (id, user_id, idempotency_key, request_hash, cart_id, payment_method,
                                  reservation_id, payment_id, state, lease_owner, lease_until)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'STARTED', $9, now() + $10::bigint * interval '1 millisecond')
      ON CONFLICT (user_id, idempotency_key) DO NOTHING
      RETURNING *),
    logged AS (INSERT INTO checkout.saga_log (saga_id, state, node) SELECT id, state, lease_owner FROM saga)
    SELECT * FROM saga""";
  private static final String BY_KEY = "SELECT * FROM checkout.sagas WHERE user_id = $1 AND idempotency_key = $2";
  private static final String BY_ID = "SELECT * FROM checkout.sagas WHERE id = $1";
  /** A step and its log line in one statement (one round trip, atomic); nothing when the lease is lost. */
  private static final String ADVANCE = """
    WITH saga AS (
      UPDATE checkout.sagas SET state = $3,
        cart = COALESCE($4, cart), reserved_until = COALESCE($5, reserved_until), payment_url = COALESCE($6, payment_url),
        failed_at = COALESCE($7, failed_at), cancel_reason = COALESCE($8, cancel_reason), outcome = COALESCE($9, outcome),
        lease_until = now() + $10::bigint * interval '1 millisecond', attempts = 0, updated_at = now()
      WHERE id = $1 AND lease_owner = $2
      RETURNING *),
    logged AS (INSERT INTO checkout.saga_log (saga_id, state, detail, node) SELECT id, state, $11::jsonb, $2 FROM saga)
    SELECT * FROM saga""";
  /** Lets go of a saga that now waits; refused (0 rows) when a payment result arrived meanwhile. */
  private static final String RELEASE_WAITING = """
    UPDATE checkout.sagas SET lease_owner = NULL, lease_until = NULL, next_attempt_at = $3
    WHERE id = $1 AND lease_owner = $2 AND payment_result IS NULL""";
  /** Lets go of a saga whose step failed for now; the sweeper retries it after a backoff. */
  private static final String RELEASE_RETRY = """
    UPDATE checkout.sagas SET lease_owner = NULL, lease_until = NULL, attempts = attempts + 1,
      next_attempt_at = now() + LEAST(60000, 500 * power(2, LEAST(attempts, 7)))::bigint * interval '1 millisecond'
    WHERE id = $1 AND lease_owner = $2""";
  private static final String CLAIM_ONE = """
    UPDATE checkout.sagas SET lease_owner = $2, lease_until = now() + $3::bigint * interval '1 millisecond'
    WHERE id = $1 AND state NOT IN ('PAID', 'CANCELLED') AND (lease_owner IS NULL OR lease_until < now())
    RETURNING *""";
  private static final String CLAIM_DUE = """
    UPDATE checkout.sagas SET lease_owner = $1, lease_until = now() + $2::bigint * interval '1 millisecond'
    WHERE id IN (
      SELECT id FROM checkout.sagas
      WHERE state NOT IN ('PAID', 'CANCELLED') AND next_attempt_at <= now()
        AND (lease_owner IS NULL OR lease_until < now())
      ORDER BY next_attempt_at LIMIT $3::bigint
      FOR UPDATE SKIP LOCKED)
    RETURNING *""";
  private static final String RECORD_PAYMENT_RESULT = """
    UPDATE checkout.sagas SET payment_result = $2, next_attempt_at = now()
    WHERE id = $1 AND payment_result IS NULL AND state NOT IN ('PAID', 'CANCELLED')""";
  private static final String OUTCOME = "SELECT outcome FROM checkout.sagas WHERE id = $1";

  private final Pool pool;
  private final long leaseMs;

  SagaRepository(Pool pool, long leaseMs) {
    this.pool = pool;
    this.leaseMs = leaseMs;
  }

  /** Inserts a new saga leased to {@code owner}, or empty when the user already used the key. */
  Future<Optional<Saga>> insert(UUID id, String userId, String key, String requestHash, UUID cartId, String method, String owner) {
    Tuple params = Tuple.tuple().addValue(id).addValue(userId).addValue(key).addValue(requestHash).addValue(cartId)
      .addValue(method).addValue(UUID.randomUUID()).addValue(UUID.randomUUID()).addValue(owner).addValue(leaseMs);
    return pool.preparedQuery(INSERT).execute(params).map(SagaRepository::first);
  }

  Future<Optional<Saga>> byKey(String userId, String key) {
    return pool.preparedQuery(BY_KEY).execute(Tuple.of(userId, key)).map(SagaRepository::first);
  }

  Future<Optional<Saga>> byId(UUID id) {
    return pool.preparedQuery(BY_ID).execute(Tuple.of(id)).map(SagaRepository::first);
  }

  Future<JsonObject> outcome(UUID id) {
    return pool.preparedQuery(OUTCOME).execute(Tuple.of(id)).map(rows -> {
      var it = rows.iterator();
      return it.hasNext() ? (JsonObject) it.next().getJson("outcome") : null;
    });
  }

  /** The changes of one step; null fields stay as they are. */
  record Step(SagaState state, JsonObject cart, OffsetDateTime reservedUntil, String paymentUrl,
              SagaState failedAt, String cancelReason, JsonObject outcome, JsonObject detail) {
    static Step to(SagaState state) {
      return new Step(state, null, null, null, null, null, null, null);
    }

    Step cart(JsonObject value) {
      return new Step(state, value, reservedUntil, paymentUrl, failedAt, cancelReason, outcome, detail);
    }

    Step reservedUntil(OffsetDateTime value) {
      return new Step(state, cart, value, paymentUrl, failedAt, cancelReason, outcome, detail);
    }

    Step paymentUrl(String value) {
      return new Step(state, cart, reservedUntil, value, failedAt, cancelReason, outcome, detail);
    }

    Step failure(SagaState at, String reason) {
      return new Step(state, cart, reservedUntil, paymentUrl, at, reason, outcome, detail);
    }

    Step outcome(JsonObject value) {
      return new Step(state, cart, reservedUntil, paymentUrl, failedAt, cancelReason, value, detail);
    }

    Step detail(JsonObject value) {
      return new Step(state, cart, reservedUntil, paymentUrl, failedAt, cancelReason, outcome, value);
    }
  }

  /** Persists a step (and its log line) if {@code owner} still holds the lease, which it extends. */
  Future<Optional<Saga>> advance(Saga saga, String owner, Step step) {
    JsonObject detail = step.detail() != null ? step.detail()
      : step.cancelReason() != null ? new JsonObject().put("reason", step.cancelReason()) : null;
    Tuple params = Tuple.tuple().addValue(saga.id()).addValue(owner).addValue(step.state().name())
      .addValue(step.cart()).addValue(step.reservedUntil()).addValue(step.paymentUrl())
      .addValue(step.failedAt() == null ? null : step.failedAt().name()).addValue(step.cancelReason())
      .addValue(step.outcome()).addValue(leaseMs).addValue(detail);
    return pool.preparedQuery(ADVANCE).execute(params).map(SagaRepository::first);
  }

  /** True when released; false when a payment result arrived meanwhile (the caller keeps the lease). */
  Future<Boolean> releaseWaiting(Saga saga, String owner, OffsetDateTime wakeAt) {
    return pool.preparedQuery(RELEASE_WAITING).execute(Tuple.of(saga.id(), owner, wakeAt)).map(rows -> rows.rowCount() == 1);
  }

  Future<Void> releaseForRetry(Saga saga, String owner) {
    return pool.preparedQuery(RELEASE_RETRY).execute(Tuple.of(saga.id(), owner)).mapEmpty();
  }

  Future<Optional<Saga>> claim(UUID id, String owner) {
    return pool.preparedQuery(CLAIM_ONE).execute(Tuple.of(id, owner, leaseMs)).map(SagaRepository::first);
  }

  Future<List<Saga>> claimDue(String owner, int limit) {
    return pool.preparedQuery(CLAIM_DUE).execute(Tuple.of(owner, leaseMs, (long) limit)).map(rows -> {
      List<Saga> sagas = new ArrayList<>();
      rows.forEach(row -> sagas.add(Saga.of(row)));
      return sagas;
    });
  }

  /** Remembers the payment's result for whoever drives the saga next; true when it was news. */
  Future<Boolean> recordPaymentResult(UUID id, String result) {
    return pool.preparedQuery(RECORD_PAYMENT_RESULT).execute(Tuple.of(id, result)).map(rows -> rows.rowCount() == 1);
  }

  private static Optional<Saga> first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(Saga.of(it.next())) : Optional.empty();
  }
}
