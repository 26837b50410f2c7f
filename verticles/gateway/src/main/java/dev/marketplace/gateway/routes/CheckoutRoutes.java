package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.checkout.CheckoutApi;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.ProblemResponses;
import dev.marketplace.gateway.RouteModule;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import static dev.marketplace.gateway.GatewayContext.API;

/**
 * {@code POST /api/v1/checkout} {@code {cart_id, payment_method}} + header {@code Idempotency-Key}:
 * 201 {@code {order_id, status, payment_url, reserved_until}}; the same key answers the same result,
 * the same key with another body is 422, a checkout that cannot go on is 409 with {@code code} and
 * the cancelled {@code order_id}. During a big sale a buyer not admitted yet gets 202
 * {@code {status:"QUEUED", queue_ticket, position, retry_after_ms, sale_id}} (+ {@code Retry-After})
 * and retries with the ticket (body {@code queue_ticket} or header {@code X-Queue-Ticket}).
 * The saga may take seconds (the bank), so the bus request waits
 * {@code checkout.request_timeout_ms} (default 30 s) rather than the default bus timeout.
 */
public final class CheckoutRoutes implements RouteModule {
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  /** A waiting-room ticket may come as this header instead of the body's {@code queue_ticket}. */
  static final String QUEUE_TICKET = "X-Queue-Ticket";

  @Override
  public void mount(Router router, GatewayContext gateway) {
    router.post(API + "/checkout").handler(Access.user()).handler(ctx -> checkout(ctx, gateway));
  }

  private static void checkout(RoutingContext ctx, GatewayContext gateway) {
    JsonObject body = GatewayContext.jsonBody(ctx);
    String key = ctx.request().getHeader(IDEMPOTENCY_KEY);
    if (key == null || key.isBlank() || key.length() > 200 || body.containsKey("idempotency_key")) {
      String message = body.containsKey("idempotency_key") ? "is not a known field" : "header is required (1 to 200 characters)";
      String field = body.containsKey("idempotency_key") ? "idempotency_key" : IDEMPOTENCY_KEY;
      ProblemResponses.send(ctx, ServiceFailure.from(ServiceFailure.invalidField(field, message)));
      return;
    }
    JsonObject section = gateway.config().getJsonObject("checkout", new JsonObject());
    long timeoutMs = section.getLong("request_timeout_ms", 30_000L);
    // idempotent by the key: an attempt that went to a node that died is sent again to another node;
    // a repeat that finds the saga running elsewhere waits for its outcome
    long attemptMs = section.getLong("request_attempt_timeout_ms", 4_000L);
    JsonObject request = body.copy().put("idempotency_key", key.strip());
    String ticket = ctx.request().getHeader(QUEUE_TICKET);
    if (ticket != null && !ticket.isBlank() && !request.containsKey("queue_ticket")) {
      request.put("queue_ticket", ticket.strip());
    }
    // read as checkout reads it: a bad cart_id or payment_method is checkout's own VALIDATION_FAILED
    CheckoutApi.StartCheckout start = CheckoutApi.START.decodeRequest(request);
    CheckoutApi.over(gateway.client(ctx).timeout(timeoutMs).retrying(attemptMs)).start(start)
      .onComplete(ar -> {
        if (ar.succeeded() && "QUEUED".equals(ar.result().getString("status"))) {
          // a big sale's waiting room: nothing was ordered; come back with the ticket
          long retryMs = ar.result().getLong("retry_after_ms", 1000L);
          ctx.response().putHeader("Retry-After", String.valueOf(Math.max(1, (retryMs + 999) / 1000)));
          GatewayContext.sendJson(ctx, 202, ar.result());
        } else if (ar.succeeded()) {
          GatewayContext.sendJson(ctx, 201, ar.result());
        } else {
          ProblemResponses.send(ctx, ar.cause());
        }
      });
  }
}
