package dev.marketplace.contracts.checkout;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.json.Json;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The checkout component's operations, typed (what each one means: {@link CheckoutAddresses}).
 * {@code CheckoutApi.over(client)} is the client; checkout registers its handlers from the same
 * {@link Operation}s.
 */
public interface CheckoutApi extends Invoker {

  /**
   * The reply is the HTTP answer of {@code POST /checkout}: {@code {order_id, status, payment_url,
   * reserved_until}}, or in a sale's waiting room {@code {status:"QUEUED", sale_id, queue_ticket,
   * position, retry_after_ms}}.
   */
  Operation<StartCheckout, JsonObject> START = Operation.of(CheckoutAddresses.START, StartCheckout.CODEC, Codec.DOCUMENT);
  Operation<OrderRef, SagaView> GET = Operation.of(CheckoutAddresses.GET, OrderRef.CODEC, SagaView.CODEC);
  Operation<PaymentResult, Recorded> PAYMENT_RESULT = Operation.of(CheckoutAddresses.PAYMENT_RESULT, PaymentResult.CODEC, Recorded.CODEC);

  static CheckoutApi over(Invoker bus) {
    return bus::call;
  }

  default Future<JsonObject> start(StartCheckout request) {
    return call(START, request);
  }

  default Future<SagaView> get(UUID orderId) {
    return call(GET, new OrderRef(orderId));
  }

  default Future<Recorded> paymentResult(UUID orderId, String result) {
    return call(PAYMENT_RESULT, new PaymentResult(orderId, result));
  }

  /** {@code queueTicket}: the waiting-room ticket of an earlier answer, if any. */
  record StartCheckout(UUID cartId, String paymentMethod, String idempotencyKey, String queueTicket) {
    private static final Pattern METHOD = Pattern.compile("[a-z][a-z0-9_]{0,31}");
    public static final Codec<StartCheckout> CODEC = Codec.of(r -> Json.putIfPresent(new JsonObject().put("cart_id", r.cartId().toString())
      .put("payment_method", r.paymentMethod()).put("idempotency_key", r.idempotencyKey()), "queue_ticket", r.queueTicket()), body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("cart_id", "payment_method", "idempotency_key", "queue_ticket");
        UUID cartId = v.requiredUuid("cart_id");
        String method = v.requiredString("payment_method", 1, 32);
        if (method != null && !METHOD.matcher(method).matches()) {
          v.error("payment_method", "must be a lowercase method name such as card");
        }
        String key = v.requiredString("idempotency_key", 1, 200);
        String ticket = v.optionalString("queue_ticket", 1, 200);
        v.throwIfInvalid();
        return new StartCheckout(cartId, method, key, ticket);
      });
  }

  record OrderRef(UUID orderId) {
    public static final Codec<OrderRef> CODEC = Codec.of(r -> new JsonObject().put("order_id", r.orderId().toString()), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("order_id");
      UUID id = v.requiredUuid("order_id");
      v.throwIfInvalid();
      return new OrderRef(id);
    });
  }

  /** The saga's own state of a checkout. */
  record SagaView(UUID orderId, String state, Instant reservedUntil, String paymentUrl, String cancelReason) {
    public static final Codec<SagaView> CODEC = Codec.of(
      r -> new JsonObject().put("order_id", r.orderId().toString()).put("state", r.state())
        .put("reserved_until", r.reservedUntil() == null ? null : r.reservedUntil().toString())
        .put("payment_url", r.paymentUrl()).put("cancel_reason", r.cancelReason()),
      json -> new SagaView(Json.uuid(json, "order_id"), Json.string(json, "state"), Json.instant(json, "reserved_until"),
        Json.string(json, "payment_url"), Json.string(json, "cancel_reason")));
  }

  /** {@code result}: CAPTURED or DECLINED, as payment committed it. */
  record PaymentResult(UUID orderId, String result) {
    public static final Codec<PaymentResult> CODEC = Codec.of(r -> new JsonObject().put("order_id", r.orderId().toString()).put("result", r.result()),
      body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("order_id", "result");
        UUID orderId = v.requiredUuid("order_id");
        String result = v.optionalEnum("result", Set.of("CAPTURED", "DECLINED"));
        if (result == null) {
          v.error("result", "must be CAPTURED or DECLINED");
        }
        v.throwIfInvalid();
        return new PaymentResult(orderId, result);
      });
  }

  /** Whether a saga took the result (false: no saga of that order, or it had one already). */
  record Recorded(boolean recorded) {
    public static final Codec<Recorded> CODEC = Codec.of(r -> new JsonObject().put("recorded", r.recorded()),
      json -> new Recorded(Boolean.TRUE.equals(Json.bool(json, "recorded"))));
  }
}
