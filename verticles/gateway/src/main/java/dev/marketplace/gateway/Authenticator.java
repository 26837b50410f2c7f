package dev.marketplace.gateway;

import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;

/**
 * Establishes who calls an {@code /api/v1} route from the request's credentials. Runs before
 * every route module; routes then declare who may call them with {@link Access}.
 */
@FunctionalInterface
public interface Authenticator {

  /**
   * @return the caller's identity, empty for a request without credentials; a failed future
   *     (TOKEN_INVALID, UNAUTHORIZED...) for credentials that do not check out
   */
  Future<Optional<Identity>> authenticate(RoutingContext ctx);

  /**
   * The same check for an {@code Authorization} value that did not come with an HTTP request (the
   * {@code authorization} header of an event bus bridge frame), with the same rules and failures.
   * The default accepts no credentials at all.
   */
  default Future<Optional<Identity>> authenticate(String authorization) {
    return authorization == null
      ? Future.succeededFuture(Optional.empty())
      : Future.failedFuture(ErrorCode.TOKEN_INVALID.failure("Access tokens cannot be verified by this gateway."));
  }

  /**
   * What checked credentials establish and what bounds them: the identity, the session they belong
   * to (revocable: {@code SessionRevocations}), when they expire (epoch ms).
   *
   * @param sessionId   null when the credentials name no session
   * @param expiresAtMs {@link Long#MAX_VALUE} when they do not expire
   */
  record Credentials(Identity identity, String sessionId, long expiresAtMs) {
  }

  /**
   * As {@link #authenticate(String)}, with the session and expiry of the credentials: something
   * that lives on after the check (a bridge registration) lives no longer than they do. The
   * default names no session and no expiry.
   */
  default Future<Optional<Credentials>> credentials(String authorization) {
    return authenticate(authorization).map(found -> found.map(identity -> new Credentials(identity, null, Long.MAX_VALUE)));
  }

  /** Called once by the gateway's start, before it serves; an authenticator with state sets up here. */
  default Future<Void> start(Vertx vertx, JsonObject config) {
    return Future.succeededFuture();
  }

  /**
   * Accepts only anonymous requests: any {@code Authorization} header is refused. The gateway's
   * default until a token verifier is configured, so that no credentials are ever waved through.
   */
  Authenticator ANONYMOUS_ONLY = ctx -> ctx.request().headers().contains(HttpHeaders.AUTHORIZATION)
    ? Future.failedFuture(ErrorCode.TOKEN_INVALID.failure("Access tokens cannot be verified by this gateway."))
    : Future.succeededFuture(Optional.empty());
}
