package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.notification.NotificationAddresses;
import dev.marketplace.contracts.notification.NotificationApi;
import dev.marketplace.contracts.notification.NotificationRequests;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.Identity;
import dev.marketplace.gateway.ProblemResponses;
import dev.marketplace.gateway.RouteModule;
import dev.marketplace.gateway.security.JwtAuthenticator;
import dev.marketplace.gateway.security.SessionRevocations;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import static dev.marketplace.gateway.GatewayContext.API;

/**
 * Notifications: the caller's history, live push over Server-Sent Events, preferences, and the
 * admin's view and replay of parked deliveries. The stream listens only on the caller's own push
 * address ({@code notification.push.<user_id>} from the verified identity), so a user never
 * receives anyone else's notifications.
 */
public final class NotificationRoutes implements RouteModule {
  /** A comment line this often keeps proxies from closing an idle stream ({@code gateway.sse_heartbeat_ms}). */
  private static final long DEFAULT_HEARTBEAT_MS = 15_000;

  private GatewayContext gateway;

  @Override
  public void mount(Router router, GatewayContext gateway) {
    this.gateway = gateway;
    router.get(API + "/notifications").handler(Access.user()).handler(this::list);
    router.get(API + "/notifications/stream").handler(Access.user()).handler(this::stream);
    router.get(API + "/me/notification-preferences").handler(Access.user()).handler(ctx ->
      gateway.relay(ctx, notification(ctx).preferences(), 200));
    router.put(API + "/me/notification-preferences").handler(Access.user()).handler(ctx -> gateway.relay(ctx,
      notification(ctx).putPreferences(NotificationApi.PREFERENCES_PUT.decodeRequest(GatewayContext.jsonBody(ctx))), 200));
    router.get(API + "/admin/notifications/parked").handler(Access.role("admin")).handler(ctx ->
      gateway.relay(ctx, notification(ctx).parked(NotificationApi.PARKED_LIST.decodeRequest(query(ctx))), 200));
    // the path's id as given: notification's decode names a malformed one (notification_id must be a UUID)
    router.post(API + "/admin/notifications/:id/replay").handler(Access.role("admin")).handler(ctx ->
      gateway.relay(ctx, notification(ctx).replay(new NotificationRequests.NotificationRef(ctx.pathParam("id"))), 200));
  }

  private NotificationApi notification(RoutingContext ctx) {
    return NotificationApi.over(gateway.client(ctx));
  }

  private void list(RoutingContext ctx) {
    gateway.relay(ctx, notification(ctx).list(NotificationApi.LIST.decodeRequest(query(ctx))), 200);
  }

  /**
   * Query parameters as a request body: integers where they look like one, text otherwise (the
   * request's codec then names the bad field). Unknown parameters are refused there too.
   */
  private static JsonObject query(RoutingContext ctx) {
    JsonObject body = new JsonObject();
    for (String name : ctx.queryParams().names()) {
      String value = ctx.queryParams().get(name);
      boolean integer = "limit".equals(name) && value.matches("-?[0-9]{1,9}");
      body.put(name, integer ? (Object) Long.parseLong(value) : value);
    }
    return body;
  }

  /**
   * {@code text/event-stream}: a {@code : connected} comment once the subscription is in place
   * (across the cluster), then {@code event: notification} messages with the notification as JSON,
   * and a heartbeat comment now and then. Closing the connection ends the subscription; a server
   * shutting down ends the stream, and so do the token's expiry and its session's revocation
   * (after an {@code event: end} with {@code data: {"reason": "token_expired" | "session_revoked"}}).
   */
  /** Tells the client why (an {@code end} event) and ends the stream; a reconnect needs a live token. */
  private static void endStream(HttpServerResponse response, String reason) {
    if (!response.closed() && !response.ended()) {
      response.end("event: end\ndata: {\"reason\":\"" + reason + "\"}\n\n");
    }
  }

  private void stream(RoutingContext ctx) {
    String userId = Identity.of(ctx).orElseThrow().userId();
    HttpServerResponse response = ctx.response();
    MessageConsumer<JsonObject> consumer = gateway.vertx().eventBus().consumer(NotificationAddresses.push(userId));
    long heartbeatMs = gateway.config().getJsonObject("gateway", new JsonObject()).getLong("sse_heartbeat_ms", DEFAULT_HEARTBEAT_MS);
    consumer.handler(message -> {
      if (!response.closed() && !response.ended()) {
        JsonObject notification = message.body();
        response.write("id: " + notification.getString("id", "") + "\nevent: notification\ndata: " + notification.encode() + "\n\n");
      }
    });
    consumer.completion().onComplete(ar -> {
      if (ar.failed()) {
        consumer.unregister();
        ProblemResponses.send(ctx, ar.cause());
        return;
      }
      if (response.closed()) {
        consumer.unregister();
        return;
      }
      long heartbeat = gateway.vertx().setPeriodic(heartbeatMs, id -> {
        if (!response.closed() && !response.ended()) {
          response.write(": heartbeat\n\n");
        }
      });
      // the stream lives no longer than its access token: it ends at the token's expiry, or at
      // once when the token's session is revoked (logout, refresh-token reuse) on any node
      Runnable[] stop = new Runnable[1];
      long expiry = JwtAuthenticator.expiresAtMs(ctx)
        .map(at -> gateway.vertx().setTimer(Math.max(1, at - System.currentTimeMillis()), id -> stop[0].run()))
        .orElse(-1L);
      SessionRevocations.Watcher watcher = JwtAuthenticator.sessionId(ctx)
        .map(sid -> SessionRevocations.shared(gateway.vertx()).watch(gateway.vertx(), sid, () -> endStream(response, "session_revoked")))
        .orElse(null);
      stop[0] = () -> endStream(response, "token_expired");
      response.closeHandler(v -> {
        gateway.vertx().cancelTimer(heartbeat);
        if (expiry >= 0) {
          gateway.vertx().cancelTimer(expiry);
        }
        if (watcher != null) {
          watcher.cancel();
        }
        consumer.unregister();
      });
      response.endHandler(v -> {
        gateway.vertx().cancelTimer(heartbeat);
        if (expiry >= 0) {
          gateway.vertx().cancelTimer(expiry);
        }
        if (watcher != null) {
          watcher.cancel();
        }
        consumer.unregister();
      });
      // a stream never ends by itself: when the server shuts down, end it rather than hold the
      // shutdown for its whole grace period (clients reconnect, EventSource does so on its own)
      ctx.request().connection().shutdownHandler(v -> {
        gateway.vertx().cancelTimer(heartbeat);
        consumer.unregister();
        if (!response.ended() && !response.closed()) {
          response.end();
        }
      });
      response.setStatusCode(200)
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no")
        .write(": connected\n\n");
    });
  }
}
