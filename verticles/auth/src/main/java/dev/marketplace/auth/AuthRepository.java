package dev.marketplace.auth;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Every SQL statement of the auth schema. */
final class AuthRepository {
  static final String UNIQUE_VIOLATION = "23505";

  private static final String INSERT_USER =
    "INSERT INTO auth.users (id, email, password_hash, name, roles) VALUES ($1, $2, $3, $4, $5)";
  private static final String USER_BY_EMAIL =
    "SELECT id, password_hash, roles FROM auth.users WHERE email = $1";
  private static final String USER_BY_ID =
    "SELECT id, email, name, phone, language, roles, created_at FROM auth.users WHERE id = $1";
  // only if nobody changed the hash meanwhile
  private static final String SET_PHONE = "UPDATE auth.users SET phone = $2 WHERE id = $1";
  private static final String REPLACE_HASH =
    "UPDATE auth.users SET password_hash = $3 WHERE id = $1 AND password_hash = $2";
  private static final String GRANT_ROLE =
    "UPDATE auth.users SET roles = CASE WHEN $2 = ANY(roles) THEN roles ELSE array_append(roles, $2) END"
      + " WHERE email = $1 RETURNING id, roles";

  private static final String INSERT_FAMILY = "INSERT INTO auth.refresh_families (id, user_id) VALUES ($1, $2)";
  private static final String INSERT_TOKEN =
    "INSERT INTO auth.refresh_tokens (token_hash, family_id, expires_at) VALUES ($1, $2, now() + ($3::int * interval '1 second'))";
  // locks the token and its family: concurrent refreshes within one family take turns
  private static final String TOKEN_FOR_UPDATE =
    "SELECT t.family_id, t.expires_at < now() AS expired, t.rotated_at IS NOT NULL AS spent,"
      + " f.revoked_at IS NOT NULL AS revoked, f.user_id, u.roles"
      + " FROM auth.refresh_tokens t JOIN auth.refresh_families f ON f.id = t.family_id JOIN auth.users u ON u.id = f.user_id"
      + " WHERE t.token_hash = $1 FOR UPDATE OF t, f";
  private static final String SPEND_TOKEN = "UPDATE auth.refresh_tokens SET rotated_at = now() WHERE token_hash = $1";
  private static final String REVOKE_FAMILY =
    "UPDATE auth.refresh_families SET revoked_at = now(), revoked_reason = $3"
      + " WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL";
  private static final String REVOKED_SINCE =
    "SELECT id, revoked_at FROM auth.refresh_families WHERE revoked_at IS NOT NULL"
      + " AND revoked_at > now() - ($1::int * interval '1 second') LIMIT 100000";
  private static final String FAMILY_OF_TOKEN =
    "SELECT family_id FROM auth.refresh_tokens WHERE token_hash = $1";

  private static final String LOCKED_FOR =
    "SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS seconds"
      + " FROM auth.login_throttle WHERE key = ANY($1) AND locked_until > now()";
  // a key starts over only after a whole quiet window (no failure, and the last lock over for a window)
  private static final String THROTTLE_RESET =
    "(t.window_started_at <= now() - ($2::int * interval '1 second')"
      + " AND (t.locked_until IS NULL OR t.locked_until <= now() - ($2::int * interval '1 second')))";
  private static final String THROTTLE_FAILURES = "(CASE WHEN " + THROTTLE_RESET + " THEN 1 ELSE t.failures + 1 END)";
  // one failure more; from the limit on, each failure locks the key, for twice as long as the one
  // before (base $4 seconds, at most $5): backoff, so patient guessing gets slower and slower
  private static final String RECORD_FAILURE =
    "INSERT INTO auth.login_throttle AS t (key, failures, window_started_at, locked_until)"
      + " VALUES ($1, 1, now(), CASE WHEN 1 >= $3::int THEN now() + ($4::int * interval '1 second') END)"
      + " ON CONFLICT (key) DO UPDATE SET"
      + "  failures = " + THROTTLE_FAILURES + ","
      + "  window_started_at = CASE WHEN " + THROTTLE_RESET + " THEN now() ELSE t.window_started_at END,"
      + "  locked_until = CASE WHEN " + THROTTLE_FAILURES + " >= $3::int"
      + "    THEN now() + LEAST($4::float8 * power(2, LEAST(" + THROTTLE_FAILURES + " - $3::int, 30)), $5::float8) * interval '1 second'"
      + "    ELSE t.locked_until END";
  private static final String CLEAR_THROTTLE = "DELETE FROM auth.login_throttle WHERE key = $1";

  private static final String PURGE_THROTTLE =
    "DELETE FROM auth.login_throttle WHERE window_started_at < now() - ($1::int * interval '1 second')"
      + " AND (locked_until IS NULL OR locked_until < now() - ($1::int * interval '1 second'))";
  // spent families are kept a day after revocation so a late reuse still reads as reuse
  private static final String PURGE_FAMILIES =
    "DELETE FROM auth.refresh_families f WHERE (f.revoked_at IS NOT NULL AND f.revoked_at < now() - interval '1 day')"
      + " OR NOT EXISTS (SELECT 1 FROM auth.refresh_tokens t WHERE t.family_id = f.id AND t.expires_at > now() - interval '1 day')";

  private static final String INSERT_KEY =
    "INSERT INTO auth.signing_keys (slot, kid, private_key_pem) VALUES ('current', $1, $2) ON CONFLICT (slot) DO NOTHING";
  private static final String CURRENT_KEY = "SELECT private_key_pem FROM auth.signing_keys WHERE slot = 'current'";

  private final Pool pool;

  AuthRepository(Pool pool) {
    this.pool = pool;
  }

  Pool pool() {
    return pool;
  }

  record Credentials(UUID userId, String passwordHash, List<String> roles) {
  }

  record Profile(UUID userId, String email, String name, String phone, String language, List<String> roles, OffsetDateTime createdAt) {
  }

  /** What a presented refresh token turned out to be (read under lock). */
  record StoredRefreshToken(UUID familyId, UUID userId, List<String> roles, boolean expired, boolean spent, boolean revoked) {
  }

  /** @return false when the email is taken */
  Future<Boolean> insertUser(UUID id, String email, String passwordHash, String name, String role) {
    return pool.preparedQuery(INSERT_USER)
      .execute(Tuple.of(id, email, passwordHash, name).addArrayOfString(new String[] {role}))
      .map(rows -> true)
      .recover(err -> err instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())
        ? Future.succeededFuture(false)
        : Future.failedFuture(err));
  }

  Future<Optional<Credentials>> credentials(String email) {
    return pool.preparedQuery(USER_BY_EMAIL).execute(Tuple.of(email)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      return Optional.of(new Credentials(row.getUUID("id"), row.getString("password_hash"), roles(row)));
    });
  }

  Future<Optional<Profile>> profile(UUID userId) {
    return pool.preparedQuery(USER_BY_ID).execute(Tuple.of(userId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      return Optional.of(new Profile(row.getUUID("id"), row.getString("email"), row.getString("name"),
        row.getString("phone"), row.getString("language"), roles(row), row.getOffsetDateTime("created_at")));
    });
  }

  /** Sets (or, with null, removes) the user's phone; false when there is no such user. */
  Future<Boolean> setPhone(UUID userId, String phone) {
    return pool.preparedQuery(SET_PHONE).execute(Tuple.of(userId, phone)).map(rows -> rows.rowCount() == 1);
  }

  Future<Void> replaceHash(UUID userId, String oldHash, String newHash) {
    return pool.preparedQuery(REPLACE_HASH).execute(Tuple.of(userId, oldHash, newHash)).mapEmpty();
  }

  /** @return the user's roles after the grant, empty when no account has this email */
  Future<Optional<List<String>>> grantRole(String email, String role) {
    return pool.preparedQuery(GRANT_ROLE).execute(Tuple.of(email, role)).map(rows ->
      rows.size() == 0 ? Optional.empty() : Optional.of(roles(rows.iterator().next())));
  }

  /** A new session (family) with its first refresh token. */
  Future<Void> startFamily(UUID familyId, UUID userId, byte[] tokenHash, int ttlSeconds) {
    return pool.withTransaction(conn -> conn.preparedQuery(INSERT_FAMILY).execute(Tuple.of(familyId, userId))
      .compose(v -> insertToken(conn, tokenHash, familyId, ttlSeconds)));
  }

  Future<Optional<StoredRefreshToken>> lockToken(SqlClient conn, byte[] tokenHash) {
    return conn.preparedQuery(TOKEN_FOR_UPDATE).execute(Tuple.of(Buffer.buffer(tokenHash))).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      return Optional.of(new StoredRefreshToken(row.getUUID("family_id"), row.getUUID("user_id"), roles(row),
        row.getBoolean("expired"), row.getBoolean("spent"), row.getBoolean("revoked")));
    });
  }

  Future<Void> rotate(SqlClient conn, byte[] spentHash, byte[] newHash, UUID familyId, int ttlSeconds) {
    return conn.preparedQuery(SPEND_TOKEN).execute(Tuple.of(Buffer.buffer(spentHash)))
      .compose(v -> insertToken(conn, newHash, familyId, ttlSeconds));
  }

  Future<Void> revokeFamily(SqlClient conn, UUID familyId, UUID userId, String reason) {
    return conn.preparedQuery(REVOKE_FAMILY).execute(Tuple.of(familyId, userId, reason)).mapEmpty();
  }

  /** Sessions revoked within the last {@code seconds}: id → when. */
  Future<List<Row>> revokedWithin(int seconds) {
    return pool.preparedQuery(REVOKED_SINCE).execute(Tuple.of(seconds)).map(rows -> {
      List<Row> list = new ArrayList<>();
      rows.forEach(list::add);
      return list;
    });
  }

  Future<Optional<UUID>> familyOfToken(byte[] tokenHash) {
    return pool.preparedQuery(FAMILY_OF_TOKEN).execute(Tuple.of(Buffer.buffer(tokenHash))).map(rows ->
      rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("family_id")));
  }

  private Future<Void> insertToken(SqlClient conn, byte[] tokenHash, UUID familyId, int ttlSeconds) {
    return conn.preparedQuery(INSERT_TOKEN).execute(Tuple.of(Buffer.buffer(tokenHash), familyId, ttlSeconds)).mapEmpty();
  }

  /** Seconds until the latest lock among {@code keys} ends; 0 when none is locked. */
  Future<Integer> lockedForSeconds(List<String> keys) {
    return pool.preparedQuery(LOCKED_FOR).execute(Tuple.of(keys.toArray(String[]::new))).map(rows -> {
      Integer seconds = rows.iterator().next().getInteger("seconds");
      return seconds == null ? 0 : Math.max(1, seconds);
    });
  }

  Future<Void> recordFailure(String key, int windowSeconds, int maxFailures, int lockoutSeconds, int maxLockoutSeconds) {
    return pool.preparedQuery(RECORD_FAILURE)
      .execute(Tuple.of(key, windowSeconds, maxFailures, lockoutSeconds, maxLockoutSeconds)).mapEmpty();
  }

  Future<Void> clearThrottle(String key) {
    return pool.preparedQuery(CLEAR_THROTTLE).execute(Tuple.of(key)).mapEmpty();
  }

  Future<Void> purge(int windowSeconds) {
    return pool.preparedQuery(PURGE_THROTTLE).execute(Tuple.of(windowSeconds))
      .compose(v -> pool.query(PURGE_FAMILIES).execute()).mapEmpty();
  }

  /** Stores {@code candidate} unless a key is there already; answers the key every node shares. */
  Future<String> sharedKeyPem(String kid, String candidatePem) {
    return pool.preparedQuery(INSERT_KEY).execute(Tuple.of(kid, candidatePem))
      .compose(v -> pool.query(CURRENT_KEY).execute())
      .map(rows -> rows.iterator().next().getString("private_key_pem"));
  }

  private static List<String> roles(Row row) {
    String[] roles = row.getArrayOfStrings("roles");
    return roles == null ? List.of() : Arrays.asList(roles);
  }
}
