package dev.marketplace.contracts.payment;

import dev.marketplace.contracts.Money;
import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.json.Json;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.UUID;

/**
 * The payment component's operations, typed (what each one means: {@link PaymentAddresses}).
 * {@code PaymentApi.over(client)} is the client; payment registers its handlers from the same
 * {@link Operation}s.
 */
public interface PaymentApi extends Invoker {
  long MAX_AMOUNT = 1_000_000_000_000L;

  Operation<StartPayment, Payment> START = Operation.of(PaymentAddresses.START, StartPayment.CODEC, Payment.CODEC);
  Operation<OrderPayment, Payment> VOID = Operation.of(PaymentAddresses.VOID, OrderPayment.CODEC, Payment.CODEC);
  Operation<OrderPayment, Payment> REFUND = Operation.of(PaymentAddresses.REFUND, OrderPayment.CODEC, Payment.CODEC);
  Operation<BankCallback, CallbackOutcome> CALLBACK = Operation.of(PaymentAddresses.CALLBACK, BankCallback.CODEC, CallbackOutcome.CODEC);
  Operation<Void, Availability> AVAILABILITY = Operation.of(PaymentAddresses.AVAILABILITY, Codec.EMPTY, Availability.CODEC);
  Operation<OrderPayment, Payment> GET = Operation.of(PaymentAddresses.GET, OrderPayment.ORDER_ONLY, Payment.CODEC);

  static PaymentApi over(Invoker bus) {
    return bus::call;
  }

  default Future<Payment> start(StartPayment request) {
    return call(START, request);
  }

  default Future<Payment> voidPayment(UUID orderId) {
    return call(VOID, new OrderPayment(orderId, null));
  }

  default Future<Payment> refund(UUID orderId, String reason) {
    return call(REFUND, new OrderPayment(orderId, reason));
  }

  default Future<CallbackOutcome> callback(BankCallback callback) {
    return call(CALLBACK, callback);
  }

  default Future<Availability> availability() {
    return call(AVAILABILITY, null);
  }

  default Future<Payment> get(UUID orderId) {
    return call(GET, new OrderPayment(orderId, null));
  }

  /** Idempotent by {@code paymentId}; with {@code reservedUntil} payment asks the bank itself before then. */
  record StartPayment(UUID paymentId, UUID orderId, String buyerId, Money amount, String method, OffsetDateTime reservedUntil) {
    public static final Codec<StartPayment> CODEC = Codec.of(StartPayment::toJson, StartPayment::decode);

    JsonObject toJson() {
      JsonObject json = new JsonObject().put("payment_id", paymentId.toString()).put("order_id", orderId.toString())
        .put("buyer_id", buyerId).put("amount", amount.toJson()).put("method", method);
      return reservedUntil == null ? json : json.put("reserved_until", reservedUntil.toString());
    }

    static StartPayment decode(JsonObject body) {
      JsonValidator v = JsonValidator.of(body).allowOnly("payment_id", "order_id", "buyer_id", "amount", "method", "reserved_until");
      UUID paymentId = v.requiredUuid("payment_id");
      UUID orderId = v.requiredUuid("order_id");
      String buyerId = v.requiredString("buyer_id", 1, 128);
      JsonObject amount = v.requiredMoney("amount", MAX_AMOUNT);
      String method = v.requiredString("method", 1, 32);
      OffsetDateTime reservedUntil = null;
      Object value = body.getValue("reserved_until");
      if (value != null) {
        try {
          reservedUntil = OffsetDateTime.parse(String.valueOf(value));
        } catch (DateTimeParseException e) {
          v.error("reserved_until", "must be an ISO-8601 instant");
        }
      }
      v.throwIfInvalid();
      return new StartPayment(paymentId, orderId, buyerId, Money.fromJson(amount), method, reservedUntil);
    }
  }

  /** The payment of an order; {@code reason} for a refund (void accepts and ignores one). */
  record OrderPayment(UUID orderId, String reason) {
    public static final Codec<OrderPayment> CODEC = codec(true);
    /** {@code payment.get}: the order id alone. */
    public static final Codec<OrderPayment> ORDER_ONLY = codec(false);

    private static Codec<OrderPayment> codec(boolean withReason) {
      return Codec.of(r -> Json.putIfPresent(new JsonObject().put("order_id", r.orderId().toString()), "reason", r.reason()), body -> {
        JsonValidator v = withReason ? JsonValidator.of(body).allowOnly("order_id", "reason") : JsonValidator.of(body).allowOnly("order_id");
        UUID orderId = v.requiredUuid("order_id");
        String reason = withReason ? v.optionalString("reason", 1, 64) : null;
        v.throwIfInvalid();
        return new OrderPayment(orderId, reason);
      });
    }
  }

  /**
   * A payment as payment answers it. {@code payment.start}: payment id, status, payment URL;
   * {@code payment.void} / {@code payment.refund}: payment id and status (CAPTURED from a void
   * means the money won the race); {@code payment.get}: all of it. Absent fields are {@code null}.
   */
  record Payment(UUID paymentId, UUID orderId, String status, Money amount, String paymentUrl, boolean withUrl) {
    public static final Codec<Payment> CODEC = Codec.of(Payment::toJson, Payment::fromJson);

    public JsonObject toJson() {
      JsonObject json = new JsonObject().put("payment_id", paymentId == null ? null : paymentId.toString());
      if (orderId != null) {
        json.put("order_id", orderId.toString());
      }
      json.put("status", status);
      if (amount != null) {
        json.put("amount", amount.toJson());
      }
      return withUrl ? json.put("payment_url", paymentUrl) : json;
    }

    public static Payment fromJson(JsonObject json) {
      JsonObject amount = Json.object(json, "amount");
      return new Payment(Json.uuid(json, "payment_id"), Json.uuid(json, "order_id"), Json.string(json, "status"),
        amount == null ? null : Money.fromJson(amount), Json.string(json, "payment_url"), json.containsKey("payment_url"));
    }
  }

  /** The bank's callback as the gateway got it: the raw body and its signature header. */
  record BankCallback(String body, String signature) {
    public static final Codec<BankCallback> CODEC = Codec.of(
      r -> new JsonObject().put("body", r.body()).put("signature", r.signature()),
      json -> new BankCallback(Json.string(json, "body"), Json.string(json, "signature")));
  }

  /** {@code status}: what the callback did (e.g. IGNORED, or the payment's status). */
  record CallbackOutcome(JsonObject json) {
    public static final Codec<CallbackOutcome> CODEC = Codec.of(CallbackOutcome::json, CallbackOutcome::new);

    public String status() {
      return Json.string(json, "status");
    }
  }

  /** This node's circuit to the bank: CLOSED, HALF_OPEN, OPEN (= not available). */
  record Availability(boolean available, String circuit) {
    public static final Codec<Availability> CODEC = Codec.of(
      r -> new JsonObject().put("available", r.available()).put("circuit", r.circuit()),
      json -> new Availability(!Boolean.FALSE.equals(Json.bool(json, "available")), Json.string(json, "circuit")));
  }
}
