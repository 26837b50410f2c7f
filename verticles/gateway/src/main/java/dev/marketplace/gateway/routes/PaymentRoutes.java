package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.bank.BankApi;
import dev.marketplace.contracts.payment.PaymentApi;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.RouteModule;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;

import static dev.marketplace.gateway.GatewayContext.API;

/**
 * {@code POST /api/v1/payments/callback}: the bank's result. Public (the bank has no user), but the
 * payment component checks the HMAC-SHA256 signature over the raw body: the route passes the body
 * exactly as received, never re-encoded. A bad or missing signature is 401 and changes nothing.
 */
public final class PaymentRoutes implements RouteModule {

  @Override
  public void mount(Router router, GatewayContext gateway) {
    router.post(API + "/payments/callback").handler(Access.anyone()).handler(ctx -> callback(ctx, gateway));
  }

  private static void callback(RoutingContext ctx, GatewayContext gateway) {
    Buffer raw = ctx.body().buffer();
    PaymentApi.BankCallback callback = new PaymentApi.BankCallback(raw == null ? "" : raw.toString(StandardCharsets.UTF_8),
      ctx.request().getHeader(BankApi.SIGNATURE_HEADER));
    // a replay is harmless by design: the gateway's client sends it again when an attempt gets no answer
    gateway.relay(ctx, PaymentApi.over(gateway.client(ctx)).callback(callback), PaymentApi.CallbackOutcome.CODEC, 200);
  }
}
