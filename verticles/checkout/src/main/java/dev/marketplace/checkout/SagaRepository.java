package dev.marketplace.checkout;

import dev.marketplace.platform.batch.GroupCommit;
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
  /**
   * Sagas and their first log lines in one statement (group commit: one row per checkout.start of
   * the batch): each saga starts in the state its first step reached ({@code CART_LOADED} with the
   * cart, or {@code CANCELLED} with the outcome), logged as {@code STARTED} then that state. A user
   * and key already taken, also by an earlier row of the same batch, inserts nothing.
   */
  private static final String INSERT = """
    WITH x AS (
      SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::uuid[], $8::uuid[],
                           $9::text[], $10::text[], $11::text[], $12::text[]) WITH ORDINALITY
        AS x(id, user_id, idempotency_key, request_hash, cart_id, payment_method, reservation_id, payment_id, state, cart, outcome, detail, n)),
    saga AS (
      INSERT INTO checkout.sagas (id, user_id, idempotency_key, request_hash, cart_id, payment_method,
                                  reservation_id, payment_id, state, cart, outcome, lease_owner, lease_until)
      SELECT id, user_id, idempotency_key, request_hash, cart_id, payment_method, reservation_id, payment_id, state,
             cart::jsonb, outcome::jsonb, $13, now() + $14::bigint * interval '1 millisecond'
      FROM x ORDER BY n
      ON CONFLICT (user_id, idempotency_key) DO NOTHING
      RETURNING *),
    logged AS (
      INSERT INTO checkout.saga_log (saga_id, state, detail, node)
      SELECT s.id, v.state, CASE WHEN v.k = 2 THEN x.detail::jsonb END, s.lease_owner
      FROM saga s JOIN x ON x.id = s.id CROSS JOIN LATERAL (VALUES (1, 'STARTED'), (2, s.state)) AS v(k, state)
      ORDER BY x.n, v.k)
    SELECT * FROM saga""";
  /** A saga in STARTED leased to a given owner (the first step not taken yet). */
  private static final String INSERT_STARTED = """
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
  /**
   * Steps of several sagas and their log lines in one statement (group commit); a saga whose lease
   * its driver lost is not written (no row). With {@code wake_at}, a saga that has no payment result
   * yet lets go of its lease in the same statement and sleeps until then (AWAITING_PAYMENT).
   */
  private static final String ADVANCE = """
    WITH x AS (
      SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[],
                           $9::text[], $10::text[], $11::timestamptz[])
        AS x(id, owner, state, cart, reserved_until, payment_url, failed_at, cancel_reason, outcome, detail, wake_at)),
    saga AS (
      UPDATE checkout.sagas s SET state = x.state,
        cart = COALESCE(x.cart::jsonb, s.cart), reserved_until = COALESCE(x.reserved_until, s.reserved_until),
        payment_url = COALESCE(x.payment_url, s.payment_url), failed_at = COALESCE(x.failed_at, s.failed_at),
        cancel_reason = COALESCE(x.cancel_reason, s.cancel_reason), outcome = COALESCE(x.outcome::jsonb, s.outcome),
        attempts = 0, updated_at = now(),
        lease_owner = CASE WHEN x.wake_at IS NOT NULL AND s.payment_result IS NULL THEN NULL ELSE s.lease_owner END,
        lease_until = CASE WHEN x.wake_at IS NOT NULL AND s.payment_result IS NULL THEN NULL
                           ELSE now() + $12::bigint * interval '1 millisecond' END,
        next_attempt_at = CASE WHEN x.wake_at IS NOT NULL AND s.payment_result IS NULL THEN x.wake_at ELSE s.next_attempt_at END
      FROM x WHERE s.id = x.id AND s.lease_owner = x.owner
      RETURNING s.*, x.detail AS log_detail, x.owner AS log_node),
    logged AS (INSERT INTO checkout.saga_log (saga_id, state, detail, node) SELECT id, state, log_detail::jsonb, log_node FROM saga)
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
  /** The owner keeps the leases of the sagas it is driving (a step may take longer than the lease). */
  private static final String RENEW = """
    UPDATE checkout.sagas SET lease_until = now() + $3::bigint * interval '1 millisecond'
    WHERE id = ANY($1::uuid[]) AND lease_owner = $2""";
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
  /**
   * Stores a payment's result and, when nobody holds the saga, claims it for {@code $3} in the same
   * statement; no row when the result was known already or the saga is over.
   */
  private static final String RECORD_PAYMENT_RESULT_AND_CLAIM = """
    WITH saga AS (
      UPDATE checkout.sagas s SET payment_result = $2, next_attempt_at = now(),
        lease_owner = CASE WHEN s.lease_owner IS NULL OR s.lease_until < now() THEN $3 ELSE s.lease_owner END,
        lease_until = CASE WHEN s.lease_owner IS NULL OR s.lease_until < now() THEN now() + $4::bigint * interval '1 millisecond'
                           ELSE s.lease_until END,
        -- claimed while waiting, a capture is the next step at once: the bookkeeping goes into this statement
        state = CASE WHEN (s.lease_owner IS NULL OR s.lease_until < now()) AND s.state = 'AWAITING_PAYMENT' AND $2 = 'CAPTURED'
                     THEN 'CAPTURING' ELSE s.state END,
        attempts = CASE WHEN s.lease_owner IS NULL OR s.lease_until < now() THEN 0 ELSE s.attempts END,
        updated_at = now()
      FROM checkout.sagas prev
      WHERE s.id = $1 AND prev.id = s.id AND s.payment_result IS NULL AND s.state NOT IN ('PAID', 'CANCELLED')
      RETURNING s.*, prev.state AS state_before),
    logged AS (
      INSERT INTO checkout.saga_log (saga_id, state, node)
      SELECT id, state, lease_owner FROM saga WHERE state = 'CAPTURING' AND state_before = 'AWAITING_PAYMENT')
    SELECT * FROM saga""";
  private static final String OUTCOME = "SELECT outcome, state FROM checkout.sagas WHERE id = $1";

  private final Pool pool;
  private final long leaseMs;
  private final String owner;
  private final GroupCommit<NewSaga, Optional<Saga>> inserts;
  private final GroupCommit<Advance, Optional<Saga>> advances;

  /** A saga to insert with the outcome of its first step. */
  record NewSaga(UUID id, String userId, String key, String requestHash, UUID cartId, String method, Step first) {
  }

  private record Advance(UUID id, String owner, Step step) {
  }

  /**
   * @param owner       the lease owner new sagas get (this instance)
   * @param maxBatch    the most inserts or steps in one statement ({@code checkout.batch_max}); 1 turns grouping off
   * @param parallelism statements of each kind running at once ({@code checkout.batch_parallelism})
   */
  SagaRepository(Pool pool, long leaseMs, String owner, int maxBatch, int parallelism) {
    this.pool = pool;
    this.leaseMs = leaseMs;
    this.owner = owner;
    this.inserts = new GroupCommit<>("checkout.insert", maxBatch, parallelism, this::insertBatch,
      one -> insertBatch(List.of(one)).map(all -> (Optional<Saga>) all.get(0)));
    this.advances = new GroupCommit<>("checkout.advance", maxBatch, parallelism, this::advanceBatch,
      one -> advanceBatch(List.of(one)).map(all -> (Optional<Saga>) all.get(0)));
  }

  SagaRepository(Pool pool, long leaseMs) {
    this(pool, leaseMs, "checkout-test", 1, 1);
  }

  /** Inserts a new saga leased to this instance, or empty when the user already used the key. */
  Future<Optional<Saga>> insert(NewSaga saga) {
    return inserts.submit(saga);
  }

  /** Inserts a saga in STARTED leased to {@code leaseOwner}, or empty when the user already used the key. */
  Future<Optional<Saga>> insert(UUID id, String userId, String key, String requestHash, UUID cartId, String method, String leaseOwner) {
    Tuple params = Tuple.tuple().addValue(id).addValue(userId).addValue(key).addValue(requestHash).addValue(cartId)
      .addValue(method).addValue(UUID.randomUUID()).addValue(UUID.randomUUID()).addValue(leaseOwner).addValue(leaseMs);
    return pool.preparedQuery(INSERT_STARTED).execute(params).map(SagaRepository::first);
  }

  private Future<List<Object>> insertBatch(List<NewSaga> batch) {
    int n = batch.size();
    UUID[] ids = new UUID[n];
    String[] users = new String[n];
    String[] keys = new String[n];
    String[] hashes = new String[n];
    UUID[] carts = new UUID[n];
    String[] methods = new String[n];
    UUID[] reservations = new UUID[n];
    UUID[] payments = new UUID[n];
    String[] states = new String[n];
    String[] cartJson = new String[n];
    String[] outcomes = new String[n];
    String[] details = new String[n];
    for (int i = 0; i < n; i++) {
      NewSaga s = batch.get(i);
      ids[i] = s.id();
      users[i] = s.userId();
      keys[i] = s.key();
      hashes[i] = s.requestHash();
      carts[i] = s.cartId();
      methods[i] = s.method();
      reservations[i] = UUID.randomUUID();
      payments[i] = UUID.randomUUID();
      states[i] = s.first().state().name();
      cartJson[i] = s.first().cart() == null ? null : s.first().cart().encode();
      outcomes[i] = s.first().outcome() == null ? null : s.first().outcome().encode();
      JsonObject detail = logDetail(s.first());
      details[i] = detail == null ? null : detail.encode();
    }
    Tuple params = Tuple.tuple().addValue(ids).addValue(users).addValue(keys).addValue(hashes).addValue(carts).addValue(methods)
      .addValue(reservations).addValue(payments).addValue(states).addValue(cartJson).addValue(outcomes).addValue(details)
      .addValue(owner).addValue(leaseMs);
    return pool.preparedQuery(INSERT).execute(params).map(rows -> {
      java.util.Map<UUID, Saga> inserted = new java.util.HashMap<>();
      rows.forEach(row -> inserted.put(row.getUUID("id"), Saga.of(row)));
      List<Object> out = new ArrayList<>(n);
      for (NewSaga s : batch) {
        out.add(Optional.ofNullable(inserted.get(s.id())));
      }
      return out;
    });
  }

  Future<Optional<Saga>> byKey(String userId, String key) {
    return pool.preparedQuery(BY_KEY).execute(Tuple.of(userId, key)).map(SagaRepository::first);
  }

  Future<Optional<Saga>> byId(UUID id) {
    return pool.preparedQuery(BY_ID).execute(Tuple.of(id)).map(SagaRepository::first);
  }

  /** A saga's answer for the buyer (null: none yet) and whether the saga has ended. */
  record Outcome(JsonObject outcome, boolean ended) {
  }

  Future<Outcome> outcome(UUID id) {
    return pool.preparedQuery(OUTCOME).execute(Tuple.of(id)).map(rows -> {
      var it = rows.iterator();
      if (!it.hasNext()) {
        return new Outcome(null, false);
      }
      Row row = it.next();
      return new Outcome((JsonObject) row.getJson("outcome"), SagaState.valueOf(row.getString("state")).terminal());
    });
  }

  /** The changes of one step; null fields stay as they are. */
  record Step(SagaState state, JsonObject cart, OffsetDateTime reservedUntil, String paymentUrl,
              SagaState failedAt, String cancelReason, JsonObject outcome, JsonObject detail, OffsetDateTime wakeAt) {
    static Step to(SagaState state) {
      return new Step(state, null, null, null, null, null, null, null, null);
    }

    Step cart(JsonObject value) {
      return new Step(state, value, reservedUntil, paymentUrl, failedAt, cancelReason, outcome, detail, wakeAt);
    }

    Step reservedUntil(OffsetDateTime value) {
      return new Step(state, cart, value, paymentUrl, failedAt, cancelReason, outcome, detail, wakeAt);
    }

    Step paymentUrl(String value) {
      return new Step(state, cart, reservedUntil, value, failedAt, cancelReason, outcome, detail, wakeAt);
    }

    Step failure(SagaState at, String reason) {
      return new Step(state, cart, reservedUntil, paymentUrl, at, reason, outcome, detail, wakeAt);
    }

    Step outcome(JsonObject value) {
      return new Step(state, cart, reservedUntil, paymentUrl, failedAt, cancelReason, value, detail, wakeAt);
    }

    Step detail(JsonObject value) {
      return new Step(state, cart, reservedUntil, paymentUrl, failedAt, cancelReason, outcome, value, wakeAt);
    }

    /** Lets go of the lease in the same statement and sleeps until {@code value}, unless a payment result is there. */
    Step sleepUntil(OffsetDateTime value) {
      return new Step(state, cart, reservedUntil, paymentUrl, failedAt, cancelReason, outcome, detail, value);
    }
  }

  /**
   * Persists a step (and its log line) if {@code owner} still holds the lease, which it extends
   * (or, for {@link Step#sleepUntil}, gives up); empty when the lease was lost.
   */
  Future<Optional<Saga>> advance(Saga saga, String owner, Step step) {
    return advances.submit(new Advance(saga.id(), owner, step));
  }

  private Future<List<Object>> advanceBatch(List<Advance> batch) {
    // one step per saga and statement: a second one (never expected) goes alone after the first
    java.util.Set<UUID> seen = new java.util.HashSet<>();
    List<Advance> members = new ArrayList<>();
    for (Advance a : batch) {
      if (seen.add(a.id())) {
        members.add(a);
      }
    }
    int n = members.size();
    UUID[] ids = new UUID[n];
    String[] owners = new String[n];
    String[] states = new String[n];
    String[] carts = new String[n];
    OffsetDateTime[] until = new OffsetDateTime[n];
    String[] urls = new String[n];
    String[] failedAt = new String[n];
    String[] reasons = new String[n];
    String[] outcomes = new String[n];
    String[] details = new String[n];
    OffsetDateTime[] wake = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      Advance a = members.get(i);
      Step step = a.step();
      ids[i] = a.id();
      owners[i] = a.owner();
      states[i] = step.state().name();
      carts[i] = step.cart() == null ? null : step.cart().encode();
      until[i] = step.reservedUntil();
      urls[i] = step.paymentUrl();
      failedAt[i] = step.failedAt() == null ? null : step.failedAt().name();
      reasons[i] = step.cancelReason();
      outcomes[i] = step.outcome() == null ? null : step.outcome().encode();
      JsonObject detail = logDetail(step);
      details[i] = detail == null ? null : detail.encode();
      wake[i] = step.wakeAt();
    }
    Tuple params = Tuple.tuple().addValue(ids).addValue(owners).addValue(states).addValue(carts).addValue(until).addValue(urls)
      .addValue(failedAt).addValue(reasons).addValue(outcomes).addValue(details).addValue(wake).addValue(leaseMs);
    return pool.preparedQuery(ADVANCE).execute(params).map(rows -> {
      java.util.Map<UUID, Saga> written = new java.util.HashMap<>();
      rows.forEach(row -> written.put(row.getUUID("id"), Saga.of(row)));
      List<Object> out = new ArrayList<>(batch.size());
      java.util.Set<UUID> answered = new java.util.HashSet<>();
      for (Advance a : batch) {
        out.add(answered.add(a.id()) ? Optional.ofNullable(written.get(a.id())) : null);
      }
      return out;
    });
  }

  private static JsonObject logDetail(Step step) {
    return step.detail() != null ? step.detail()
      : step.cancelReason() != null ? new JsonObject().put("reason", step.cancelReason()) : null;
  }

  /** True when released; false when a payment result arrived meanwhile (the caller keeps the lease). */
  Future<Boolean> releaseWaiting(Saga saga, String owner, OffsetDateTime wakeAt) {
    return pool.preparedQuery(RELEASE_WAITING).execute(Tuple.of(saga.id(), owner, wakeAt)).map(rows -> rows.rowCount() == 1);
  }

  Future<Void> releaseForRetry(Saga saga, String owner) {
    return pool.preparedQuery(RELEASE_RETRY).execute(Tuple.of(saga.id(), owner)).mapEmpty();
  }

  /** Extends {@code owner}'s leases of these sagas; how many it still held. */
  Future<Integer> renew(java.util.Collection<UUID> ids, String owner) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return pool.preparedQuery(RENEW).execute(Tuple.of(ids.toArray(new UUID[0]), owner, leaseMs)).map(RowSet::rowCount);
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

  /**
   * Records the payment's result; the saga (claimed for {@code claimant} when it was free) when
   * that was news, empty otherwise.
   */
  Future<Optional<Saga>> recordPaymentResultAndClaim(UUID id, String result, String claimant) {
    return pool.preparedQuery(RECORD_PAYMENT_RESULT_AND_CLAIM).execute(Tuple.of(id, result, claimant, leaseMs)).map(SagaRepository::first);
  }

  private static Optional<Saga> first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(Saga.of(it.next())) : Optional.empty();
  }
}
