package dev.marketplace.gateway.bridge;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.gateway.Authenticator;
import dev.marketplace.gateway.security.RateLimiter;
import dev.marketplace.gateway.security.SessionRevocations;
import dev.marketplace.platform.http.HttpStatusMapping;
import dev.marketplace.platform.http.Problem;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The bridge protocol, the same for TCP and SockJS: the frames of the standard Vert.x bridges
 * ({@code send}, {@code publish}, {@code register}, {@code unregister}, {@code ping}) checked
 * against the bridge API before anything happens.
 *
 * <ul>
 *   <li>{@code send} with a {@code replyAddress} to one of {@link BridgeAddresses#SEND}: answered by
 *   {@link BridgeApi}; a failure is an {@code err} frame with the HTTP status as {@code failureCode}
 *   and the problem code as {@code message}.</li>
 *   <li>{@code register} on {@code bridge.user.<id>}: only with a token of that user, and only until
 *   that token expires or its session is revoked ({@code err} {@code token_expired} / {@code session_revoked}).</li>
 *   <li>Anything else (any other address, any {@code publish}) is refused with {@code access_denied}
 *   (403): no frame ever reaches the event bus, so no internal address is reachable or observable.</li>
 *   <li>A frame that is not a JSON object of the protocol, or longer than {@code bridge.max_frame_bytes},
 *   closes its connection (and only that one).</li>
 *   <li>Each connection has a budget of frames ({@code bridge.messages_per_second}, {@code bridge.burst}),
 *   a cap on requests in flight and on registrations; each client host a cap on connections; and a
 *   request takes a token from the gateway's own HTTP rate limits ({@link RateLimiter}: the same
 *   per-address and per-user buckets as the route it mirrors). Beyond any of them: 429 {@code RATE_LIMITED}.
 *   {@code gateway.rate_limits.enabled: false} turns the budgets off, as it does for HTTP.</li>
 * </ul>
 * One instance per gateway verticle instance, used on its event loop only.
 */
final class BridgeCore {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeCore.class);
  static final String ACCESS_DENIED = "access_denied";
  /** Why a registration ended: the {@code message} of its {@code err} frame (the SSE stream's {@code end} reasons). */
  static final String TOKEN_EXPIRED = "token_expired";
  static final String SESSION_REVOKED = "session_revoked";
  private static final int MAX_ADDRESS_LENGTH = 128;
  private static final int MAX_REPLY_ADDRESS_LENGTH = 64;
  private static final Set<String> TYPES = Set.of("send", "publish", "register", "unregister");

  private final Vertx vertx;
  private final BridgeSettings settings;
  private final BridgeApi api;
  private final UserEvents userEvents;
  private final Authenticator authenticator;
  private final RateLimiter frames;
  private final RateLimiter requests;
  private final Map<String, Integer> connectionsPerHost = new HashMap<>();
  private final Set<BridgeConnection> open = new java.util.HashSet<>();

  /**
   * @param requests the gateway's HTTP rate limiter (shared by the node's gateways); the frame budget
   *     per connection is a limiter of its own, on or off with it
   */
  BridgeCore(Vertx vertx, BridgeSettings settings, BridgeApi api, UserEvents userEvents, Authenticator authenticator, RateLimiter requests) {
    this.vertx = vertx;
    this.settings = settings;
    this.requests = requests;
    long perMinute = Math.max(1, Math.round(settings.messagesPerSecond() * 60));
    JsonObject budget = new JsonObject().put("enabled", requests.enabled()).put("groups", new JsonObject()
      .put(RateLimiter.Group.DEFAULT.configName(), new JsonObject()
        .put("per_address", new JsonObject().put("capacity", settings.burst()).put("per_minute", perMinute))));
    this.frames = RateLimiter.fromConfig(new JsonObject().put("gateway", new JsonObject().put("rate_limits", budget)));
    this.api = api;
    this.userEvents = userEvents;
    this.authenticator = authenticator;
  }

  /** A new client; false (and the connection closed with a 429) when its host has too many already. */
  boolean opened(BridgeConnection connection) {
    String host = connection.remoteHost();
    int count = connectionsPerHost.merge(host, 1, Integer::sum);
    open.add(connection);
    if (count > settings.maxConnectionsPerHost()) {
      connection.error(null, 429, ErrorCode.RATE_LIMITED.name());
      connection.close();
      closed(connection);
      return false;
    }
    return true;
  }

  /** The transport is gone (either side closed it): forget the connection and its registrations. */
  void closed(BridgeConnection connection) {
    connection.markClosed();
    if (!open.remove(connection)) {
      return;
    }
    connectionsPerHost.computeIfPresent(connection.remoteHost(), (h, n) -> n <= 1 ? null : n - 1);
    for (String address : connection.registrations) {
      userEvents.stopListening(BridgeAddresses.userIdOf(address), connection);
    }
    connection.registrations.clear();
    connection.registrationBounds.values().forEach(Runnable::run);
    connection.registrationBounds.clear();
  }

  int openConnections() {
    return open.size();
  }

  /** One frame's bytes (the transport already cut them out of its stream). */
  void frame(BridgeConnection connection, Buffer raw) {
    if (connection.isClosed()) {
      return;
    }
    if (raw.length() > settings.maxFrameBytes()) {
      malformed(connection, "frame_too_large");
      return;
    }
    JsonObject frame;
    try {
      frame = new JsonObject(raw);
    } catch (DecodeException | ClassCastException e) {
      malformed(connection, "invalid_json");
      return;
    }
    handle(connection, frame);
  }

  private void handle(BridgeConnection connection, JsonObject frame) {
    if (!(frame.getValue("type") instanceof String type)) {
      malformed(connection, "missing_type");
      return;
    }
    if ("ping".equals(type)) {
      if (frameAllowed(connection).allowed()) {
        connection.pong();
      }
      return;
    }
    if (!TYPES.contains(type)) {
      malformed(connection, "unknown_type");
      return;
    }
    if (!(frame.getValue("address") instanceof String address) || address.isEmpty() || address.length() > MAX_ADDRESS_LENGTH) {
      malformed(connection, "missing_address");
      return;
    }
    Object headers = frame.getValue("headers");
    Object replyValue = frame.getValue("replyAddress");
    if ((headers != null && !(headers instanceof JsonObject))
      || (replyValue != null && !(replyValue instanceof String reply && !reply.isEmpty() && reply.length() <= MAX_REPLY_ADDRESS_LENGTH))) {
      malformed(connection, "invalid_frame");
      return;
    }
    String replyAddress = (String) replyValue;
    String authorization = authorization((JsonObject) headers);
    RateLimiter.Decision budget = frameAllowed(connection);
    if (!budget.allowed()) {
      refuse(connection, address, replyAddress, rateLimited(budget));
      return;
    }
    switch (type) {
      case "send" -> send(connection, address, replyAddress, frame.getValue("body"), authorization);
      case "register" -> register(connection, address, authorization);
      case "unregister" -> unregister(connection, address);
      default -> denied(connection, address, replyAddress);
    }
  }

  private void send(BridgeConnection connection, String address, String replyAddress, Object body, String authorization) {
    if (!BridgeAddresses.SEND.contains(address)) {
      denied(connection, address, replyAddress);
      return;
    }
    if (replyAddress == null) {
      // every open address answers; a send nobody waits for would only cost the components work
      return;
    }
    if (body != null && !(body instanceof JsonObject)) {
      refuse(connection, address, replyAddress, ServiceFailure.of(ErrorCode.MALFORMED_REQUEST, "The body must be a JSON object."));
      return;
    }
    if (connection.inFlight >= settings.maxInFlight()) {
      refuse(connection, address, replyAddress, rateLimited(new RateLimiter.Decision(false, 1, "connection")));
      return;
    }
    // the same per-address bucket as the HTTP route the address mirrors (per user: in BridgeApi)
    RateLimiter.Decision asHttp = requests.tryAddress(BridgeApi.group(address), connection.remoteHost());
    if (!asHttp.allowed()) {
      refuse(connection, address, replyAddress, rateLimited(asHttp));
      return;
    }
    connection.inFlight++;
    api.handle(address, (JsonObject) body, authorization).onComplete(ar -> {
      connection.inFlight--;
      if (connection.isClosed()) {
        return;
      }
      if (ar.succeeded()) {
        connection.reply(replyAddress, ar.result());
      } else {
        ServiceFailure failure = ServiceFailure.from(ar.cause());
        if (failure.code() == ErrorCode.INTERNAL) {
          LOG.warn("Bridge request to {} failed internally: {}", address, ar.cause().toString());
        }
        refuse(connection, address, replyAddress, failure);
      }
    });
  }

  /**
   * A registration lives as long as the token it was made with: at the token's expiry, or at once
   * when its session is revoked (logout, refresh-token reuse, on any node), it ends with an
   * {@code err} frame for the address ({@code failureCode} 401, {@code message} {@code token_expired}
   * or {@code session_revoked}); the connection stays open. Registering the address again with a
   * newer token of the same user moves the end to that token's.
   */
  private void register(BridgeConnection connection, String address, String authorization) {
    String userId = BridgeAddresses.userIdOf(address);
    if (userId == null) {
      denied(connection, address, null);
      return;
    }
    boolean renewal = connection.registrations.contains(address);
    if (!renewal && connection.registrations.size() >= settings.maxRegistrations()) {
      connection.error(address, 429, ErrorCode.RATE_LIMITED.name());
      return;
    }
    authenticator.credentials(authorization).onComplete(ar -> {
      if (connection.isClosed()) {
        return;
      }
      if (ar.failed()) {
        ServiceFailure failure = ServiceFailure.from(ar.cause());
        connection.error(address, HttpStatusMapping.status(failure.code()), failure.code().name());
      } else if (ar.result().isEmpty()) {
        connection.error(address, 401, ErrorCode.UNAUTHORIZED.name());
      } else if (!ar.result().get().identity().userId().equals(userId)) {
        // another user's feed: refused like any address that is not open
        denied(connection, address, null);
      } else if (connection.registrations.contains(address)) {
        // already listening (a renewal, or two registers in a row): the newer token bounds it now
        bound(connection, address, ar.result().get());
      } else if (connection.registrations.size() >= settings.maxRegistrations()) {
        connection.error(address, 429, ErrorCode.RATE_LIMITED.name());
      } else {
        connection.registrations.add(address);
        bound(connection, address, ar.result().get());
        userEvents.listen(userId, connection).onFailure(err -> {
          LOG.warn("Could not listen for {}'s notifications: {}", userId, err.toString());
          connection.error(address, 503, ErrorCode.SERVICE_UNAVAILABLE.name());
        });
      }
    });
  }

  /** Ends the registration of {@code address} at the credentials' expiry or their session's revocation. */
  private void bound(BridgeConnection connection, String address, Authenticator.Credentials credentials) {
    Runnable previous = connection.registrationBounds.remove(address);
    if (previous != null) {
      previous.run();
    }
    long timer = credentials.expiresAtMs() == Long.MAX_VALUE ? -1
      : vertx.setTimer(Math.max(1, credentials.expiresAtMs() - System.currentTimeMillis()),
        id -> endRegistration(connection, address, TOKEN_EXPIRED));
    SessionRevocations.Watcher watcher = credentials.sessionId() == null ? null
      : SessionRevocations.shared(vertx).watch(vertx, credentials.sessionId(), () -> endRegistration(connection, address, SESSION_REVOKED));
    connection.registrationBounds.put(address, () -> {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      if (watcher != null) {
        watcher.cancel();
      }
    });
  }

  /** The token of a registration expired or its session was revoked: the client hears no more on it. */
  private void endRegistration(BridgeConnection connection, String address, String reason) {
    if (connection.isClosed() || !connection.registrations.remove(address)) {
      return;
    }
    Runnable bounds = connection.registrationBounds.remove(address);
    if (bounds != null) {
      bounds.run();
    }
    userEvents.stopListening(BridgeAddresses.userIdOf(address), connection);
    connection.error(address, 401, reason);
  }

  private void unregister(BridgeConnection connection, String address) {
    if (connection.registrations.remove(address)) {
      Runnable bounds = connection.registrationBounds.remove(address);
      if (bounds != null) {
        bounds.run();
      }
      userEvents.stopListening(BridgeAddresses.userIdOf(address), connection);
    } else if (BridgeAddresses.userIdOf(address) == null) {
      denied(connection, address, null);
    } else {
      connection.error(address, 404, "unknown_address");
    }
  }

  private RateLimiter.Decision frameAllowed(BridgeConnection connection) {
    return frames.tryAddress(RateLimiter.Group.DEFAULT, connection.id);
  }

  static ServiceFailure rateLimited(RateLimiter.Decision decision) {
    return new ServiceFailure(ErrorCode.RATE_LIMITED, "Too many requests; slow down.",
      new JsonObject().put("retry_after_seconds", Math.max(1, decision.retryAfterSeconds())));
  }

  /** An address not open to clients: the standard bridges' {@code access_denied}, as a 403. */
  private static void denied(BridgeConnection connection, String address, String replyAddress) {
    if (replyAddress != null) {
      connection.replyFailure(replyAddress, address, 403, ACCESS_DENIED,
        Problem.of(ErrorCode.FORBIDDEN, Problem.titleOf(ErrorCode.FORBIDDEN), "This address is not open to bridge clients."));
    } else {
      connection.error(address, 403, ACCESS_DENIED);
    }
  }

  private static void refuse(BridgeConnection connection, String address, String replyAddress, ServiceFailure failure) {
    int status = HttpStatusMapping.status(failure.code());
    if (replyAddress != null) {
      connection.replyFailure(replyAddress, address, status, failure.code().name(), Problem.of(failure));
    } else {
      connection.error(address, status, failure.code().name());
    }
  }

  /** A frame the transport could not even cut out (a length beyond the limit): closes the connection. */
  void refuseFrame(BridgeConnection connection, String reason) {
    malformed(connection, reason);
  }

  private void malformed(BridgeConnection connection, String reason) {
    LOG.debug("Closing bridge connection {}: {}", connection.id, reason);
    connection.error(null, 400, reason);
    connection.close();
    closed(connection);
  }

  /** The {@code authorization} header, whatever its case; any other header a client sends is ignored. */
  private static String authorization(JsonObject headers) {
    if (headers == null) {
      return null;
    }
    for (String name : headers.fieldNames()) {
      if ("authorization".equalsIgnoreCase(name)) {
        return headers.getValue(name) instanceof String value ? value : "";
      }
    }
    return null;
  }
}
