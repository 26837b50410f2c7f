package dev.marketplace.platform.bus;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.util.Set;

/**
 * Failures that say "not now" rather than "no": the component could not reach its database (the
 * server is restarting, refused the connection, closed it, is shutting down or starting up). Such a
 * failure travels as SERVICE_UNAVAILABLE with {@code retry_after_seconds} (the gateway's
 * {@code Retry-After}) and {@code transient: true}; a caller that may repeat the request
 * ({@link RetryingRequest}) sends it again after a pause, within its budget.
 *
 * <p>{@code transient} says only that the component did not get to do its work because of an
 * outage; it does not make a request idempotent: only requests that are safe to repeat are repeated.
 */
public final class TransientFailures {
  /** The extra field that marks a SERVICE_UNAVAILABLE failure as an outage worth another attempt. */
  public static final String TRANSIENT = "transient";
  /** What a client is told to wait before coming back. */
  static final int RETRY_AFTER_SECONDS = 1;

  /**
   * SQLSTATEs of an outage: 57P01 admin_shutdown (fast shutdown, restart), 57P02 crash_shutdown,
   * 57P03 cannot_connect_now (starting up, recovering); and class 08, connection exceptions.
   */
  private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03");
  /** Messages of the SQL client's pool and socket when the connection went away under a query. */
  private static final Set<String> CLOSED_MESSAGES = Set.of(
    "Connection was closed",
    "Pending requests failed to be sent due to connection has been closed.",
    "Timeout waiting for connection");

  private TransientFailures() {
  }

  /**
   * Whether {@code failure} (or one of its causes) says the database could not be reached or went
   * away: a refused or reset connection, the SQL client's closed-connection errors, SQLSTATE 57P01,
   * 57P02, 57P03 or class 08.
   */
  public static boolean databaseUnavailable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      // refused, timed out while connecting, or reset / broken under a query (the server went away)
      if (t instanceof ConnectException || t instanceof ClosedConnectionException || t instanceof SocketException
        || t instanceof io.netty.channel.ConnectTimeoutException
        || (t instanceof IOException && t.getMessage() != null && t.getMessage().contains("Connection reset"))) {
        return true;
      }
      if (t instanceof PgException pg && pg.getSqlState() != null
        && (UNAVAILABLE_STATES.contains(pg.getSqlState()) || pg.getSqlState().startsWith("08"))) {
        return true;
      }
      String message = t.getMessage();
      if (message != null && (CLOSED_MESSAGES.contains(message) || message.startsWith("Connection is not active now"))) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** The coded failure a handler answers when its database is away. */
  public static ReplyException databaseUnavailable() {
    return ErrorCode.SERVICE_UNAVAILABLE.failure("A database is not reachable right now; try again shortly.",
      new JsonObject().put("retry_after_seconds", RETRY_AFTER_SECONDS).put(TRANSIENT, true));
  }

  /** Whether a bus failure is a component's SERVICE_UNAVAILABLE answer marked {@code transient}. */
  public static boolean isTransient(Throwable failure) {
    if (!(failure instanceof ReplyException re) || re.failureType() != ReplyFailure.RECIPIENT_FAILURE
      || ErrorCode.fromCode(re.failureCode()) != ErrorCode.SERVICE_UNAVAILABLE) {
      return false;
    }
    String message = re.getMessage();
    if (message == null || !message.startsWith("{")) {
      return false;
    }
    try {
      return new JsonObject(message).getValue(TRANSIENT) == Boolean.TRUE;
    } catch (DecodeException e) {
      return false;
    }
  }

  /** The same test for a decoded failure. */
  public static boolean isTransient(ServiceFailure failure) {
    return failure.code() == ErrorCode.SERVICE_UNAVAILABLE && failure.extra().getValue(TRANSIENT) == Boolean.TRUE;
  }
}
