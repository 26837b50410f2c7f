package dev.marketplace.gateway.bridge;

import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One client of a bridge (a TCP socket or a SockJS session) and what the bridge keeps about it:
 * its requests in flight and the addresses it listens on (each until its token expires or its
 * session is revoked). The subclass knows
 * how its transport spells the standard frames (TCP: {@code message}, SockJS: {@code rec}).
 * Touched on the gateway verticle's event loop only.
 */
abstract class BridgeConnection {
  final String id = UUID.randomUUID().toString();
  final Set<String> registrations = new LinkedHashSet<>();
  /** Per registered address: what stops the watch on its token (expiry timer, revocation watcher). */
  final Map<String, Runnable> registrationBounds = new HashMap<>();
  int inFlight;
  private boolean closed;

  /** The client's IP address, for the connections-per-host limit. */
  abstract String remoteHost();

  /** The answer to a {@code send} that named {@code replyAddress}. */
  abstract void reply(String replyAddress, JsonObject body);

  /** A message on an address the client registered. */
  abstract void deliver(String address, JsonObject body);

  /**
   * A failed request: {@code failureCode} is the HTTP status the REST API would give, {@code message}
   * the problem's {@code code}; the problem itself travels as {@code body}.
   */
  abstract void replyFailure(String replyAddress, String sourceAddress, int status, String code, JsonObject problem);

  /** A refusal that answers no request ({@code access_denied} for a publish, a refused registration...). */
  abstract void error(String address, Integer status, String message);

  abstract void pong();

  /** Ends the transport; {@link EventBusBridges} is told through {@link #closed()}. */
  protected abstract void closeTransport();

  final void close() {
    if (!closed) {
      closed = true;
      closeTransport();
    }
  }

  final boolean isClosed() {
    return closed;
  }

  final void markClosed() {
    closed = true;
  }
}
