package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.auth.AuthApi;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.contracts.auth.AuthRequests;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.ProblemResponses;
import dev.marketplace.gateway.RouteModule;
import dev.marketplace.gateway.security.JwtAuthenticator;
import dev.marketplace.gateway.security.SessionRevocations;
import dev.marketplace.platform.bus.BusClient;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;

import static dev.marketplace.gateway.GatewayContext.API;

/**
 * Accounts and tokens: register, login, refresh, logout, the caller's profile (read it, set the
 * phone the SMS channel sends to), and the public keys that verify access tokens. Bodies are
 * decoded here with auth's own codecs ({@link AuthRequests}: unknown fields, e-mail rules and the
 * password policy), so a malformed one is the 400 auth would answer; responses that carry tokens
 * are never cached.
 */
public final class AuthRoutes implements RouteModule {

  @Override
  public void mount(Router router, GatewayContext gateway) {
    router.post(API + "/auth/register").handler(Access.anyone()).handler(ctx ->
      gateway.relay(ctx, auth(ctx, gateway).register(AuthApi.REGISTER.decodeRequest(GatewayContext.jsonBody(ctx))), AuthApi.REGISTER.reply(), 201));
    router.post(API + "/auth/login").handler(Access.anyone()).handler(ctx -> login(ctx, gateway));
    router.post(API + "/auth/refresh").handler(Access.anyone()).handler(ctx ->
      tokens(ctx, auth(ctx, gateway).refresh(AuthApi.REFRESH.decodeRequest(GatewayContext.jsonBody(ctx)))));
    router.post(API + "/auth/logout").handler(Access.user()).handler(ctx -> logout(ctx, gateway));
    router.get(API + "/me").handler(Access.user()).handler(ctx -> gateway.relay(ctx, auth(ctx, gateway).me(), 200));
    router.patch(API + "/me").handler(Access.user()).handler(ctx ->
      gateway.relay(ctx, auth(ctx, gateway).updateMe(AuthApi.ME_UPDATE.decodeRequest(GatewayContext.jsonBody(ctx))), 200));
    router.get("/.well-known/jwks.json").handler(ctx -> jwks(ctx, gateway));
  }

  private static AuthApi auth(RoutingContext ctx, GatewayContext gateway) {
    return AuthApi.over(gateway.client(ctx));
  }

  private static void login(RoutingContext ctx, GatewayContext gateway) {
    AuthRequests.Login login = AuthApi.LOGIN.decodeRequest(GatewayContext.jsonBody(ctx));
    // the throttle counts failures per client address too; the address is ours to say, not the client's.
    // Safe to repeat (a repeat at worst opens a second session): sent again when auth's database is
    // away, when no auth is registered, or when a node left with it in flight. One attempt is the
    // whole budget, though: a slow login is slow hashing, and a repeat would only hash again (under
    // load that turned logins into 504s)
    BusClient client = gateway.client(ctx).retrying(gateway.busTimeoutMs())
      .withHeader(AuthContract.CLIENT_ADDRESS_HEADER, gateway.clientAddress(ctx));
    tokens(ctx, AuthApi.over(client).login(login));
  }

  private static void tokens(RoutingContext ctx, Future<AuthApi.Tokens> tokens) {
    tokens.onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("Cache-Control", "no-store");
        GatewayContext.sendJson(ctx, 200, AuthApi.Tokens.CODEC.encode(ar.result()));
      } else {
        ProblemResponses.send(ctx, ar.cause());
      }
    });
  }

  /** Body optional: {@code {refresh_token}}; otherwise the session named by the access token ends. */
  private static void logout(RoutingContext ctx, GatewayContext gateway) {
    var raw = ctx.body().buffer();
    JsonObject body = raw == null || raw.length() == 0 ? new JsonObject() : GatewayContext.jsonBody(ctx);
    // the session is the access token's to name, never the body's
    JsonValidator.of(body).allowOnly("refresh_token").throwIfInvalid();
    Optional<String> session = JwtAuthenticator.sessionId(ctx);
    AuthRequests.Logout logout = AuthApi.LOGOUT.decodeRequest(session.map(sid -> body.copy().put("session_id", sid)).orElse(body));
    auth(ctx, gateway).logout(logout).onComplete(ar -> {
      if (ar.succeeded()) {
        // this node refuses the session's tokens before it answers; auth's publication tells the others
        long ttlSeconds = gateway.config().getJsonObject("auth", new JsonObject()).getLong("access_ttl_seconds", 900L);
        session.filter(sid -> !body.containsKey("refresh_token")).ifPresent(sid -> SessionRevocations.shared(gateway.vertx())
          .revoke(sid, System.currentTimeMillis() + (ttlSeconds + 60) * 1000));
        ctx.response().setStatusCode(204).end();
      } else {
        ProblemResponses.send(ctx, ar.cause());
      }
    });
  }

  private static void jwks(RoutingContext ctx, GatewayContext gateway) {
    auth(ctx, gateway).jwks().onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("Cache-Control", "public, max-age=300");
        GatewayContext.sendJson(ctx, 200, ar.result());
      } else {
        ProblemResponses.send(ctx, ar.cause());
      }
    });
  }
}
