package dev.marketplace.gateway.bridge;

import dev.marketplace.gateway.Authenticator;
import dev.marketplace.gateway.security.RateLimiter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event bus bridges of one gateway verticle instance: TCP on {@code bridge.host:bridge.port}
 * (default 7000) and SockJS at {@code /eventbus} on the HTTP port, both serving the bridge API of
 * {@link BridgeAddresses} through one {@link BridgeCore}. {@code bridge.enabled: false} turns both off.
 *
 * <pre>{@code
 * bridges = new EventBusBridges(vertx, config(), authenticator);
 * bridges.mount(router, maxBodyBytes);  // before the body handler
 * bridges.start();                // after the authenticator started
 * }</pre>
 */
public final class EventBusBridges {
  private static final Logger LOG = LoggerFactory.getLogger(EventBusBridges.class);

  private final Vertx vertx;
  private final BridgeSettings settings;
  private final UserEvents userEvents;
  private final BridgeCore core;
  private TcpBridgeServer tcp;
  private int tcpPort = -1;

  public EventBusBridges(Vertx vertx, JsonObject config, Authenticator authenticator) {
    this.vertx = vertx;
    this.settings = BridgeSettings.from(config);
    long timeoutMs = config.getJsonObject("bus", new JsonObject()).getLong("timeout_ms", 5000L);
    long attemptTimeoutMs = config.getJsonObject("bus", new JsonObject()).getLong("attempt_timeout_ms", 1500L);
    this.userEvents = new UserEvents(vertx, config);
    // requests spend from the same buckets as the HTTP routes they mirror (per client address, per user)
    RateLimiter limits = RateLimiter.shared(vertx, config);
    this.core = new BridgeCore(vertx, settings, new BridgeApi(vertx, authenticator, timeoutMs, attemptTimeoutMs, limits), userEvents, authenticator, limits);
  }

  /**
   * The SockJS bridge at {@code /eventbus/*}; mounted before the router's body handler, since a
   * WebSocket upgrade must reach it unread (its XHR transports get a body handler of their own).
   */
  public void mount(Router router, long maxBodyBytes) {
    if (settings.enabled()) {
      SockJsBridge.mount(vertx, router, core, maxBodyBytes);
    }
  }

  /** Starts the live user feed and the TCP bridge; fails when the TCP port cannot be bound. */
  public Future<Void> start() {
    if (!settings.enabled()) {
      return Future.succeededFuture();
    }
    tcp = new TcpBridgeServer(vertx, settings, core);
    return userEvents.start()
      .compose(v -> tcp.listen())
      .map(port -> {
        tcpPort = port;
        LOG.info("Event bus bridges: TCP on {}:{}, SockJS at {}", settings.host(), port, SockJsBridge.PATH);
        return null;
      });
  }

  /** The TCP bridge's port (useful with {@code bridge.port = 0}); -1 when not listening. */
  public int tcpPort() {
    return tcpPort;
  }

  public Future<Void> close() {
    Future<Void> server = tcp == null ? Future.succeededFuture() : tcp.close();
    return Future.join(server, userEvents.close()).mapEmpty();
  }
}
