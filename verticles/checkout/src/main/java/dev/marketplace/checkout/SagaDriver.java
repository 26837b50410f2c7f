package dev.marketplace.checkout;

import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.contracts.inventory.InventoryAddresses;
import dev.marketplace.contracts.orders.OrdersAddresses;
import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.checkout.SagaRepository.Step;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.bus.RetryingRequest;
import dev.marketplace.platform.metrics.Meters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.UUID;

/**
 * Drives one saga forward, one persisted step at a time, until it waits for the buyer's payment,
 * ends (PAID / CANCELLED), must retry later, or has lost its lease. Every remote call it makes is
 * idempotent by an id fixed in the saga row (order, reservation and payment ids), so a step that is
 * repeated after a crash or a lost lease does no harm.
 */
final class SagaDriver {
  private static final Logger LOG = LoggerFactory.getLogger(SagaDriver.class);
  /** Per-attempt timeout of a step's call (the step's timeout is the budget of all its attempts). */
  static final long ATTEMPT_TIMEOUT_MS = 1_500;
  /** Failures that are a business answer, passed to the buyer as they are. */
  private static final Set<ErrorCode> CART_ANSWERS = Set.of(
    ErrorCode.CART_EMPTY, ErrorCode.PRICE_CHANGED, ErrorCode.OUT_OF_STOCK, ErrorCode.NOT_FOUND, ErrorCode.VALIDATION_FAILED,
    ErrorCode.FORBIDDEN);
  private static final Set<ErrorCode> STOCK_ANSWERS = Set.of(ErrorCode.OUT_OF_STOCK, ErrorCode.PURCHASE_LIMIT_EXCEEDED);
  private static final Set<ErrorCode> TRANSIENT = Set.of(
    ErrorCode.TIMEOUT, ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.INTERNAL, ErrorCode.RATE_LIMITED);
  /** The technical cancel reason; orders may refuse unknown reasons, then the cancel goes without one. */
  static final String CHECKOUT_FAILED = "CHECKOUT_FAILED";

  private final Vertx vertx;
  private final SagaRepository repository;
  private final String owner;
  private final CheckoutSettings settings;
  /** The sagas this instance is driving right now: their leases are renewed while a step runs. */
  private final Set<UUID> driving = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** What to do after a step: go on with {@code saga}, or stop here. */
  private record Next(Saga saga, boolean proceed) {
  }

  SagaDriver(Vertx vertx, SagaRepository repository, String owner, CheckoutSettings settings) {
    this.vertx = vertx;
    this.repository = repository;
    this.owner = owner;
    this.settings = settings;
  }

  /**
   * Drives a saga this driver holds the lease of; completes with the saga where it stopped. While
   * it runs, the saga is among {@link #driving()}, whose leases the verticle renews.
   */
  Future<Saga> drive(Saga saga) {
    if (saga.state().terminal()) {
      return Future.succeededFuture(saga);
    }
    if (!driving.add(saga.id())) {
      return driveSteps(saga);
    }
    return driveSteps(saga).andThen(ar -> driving.remove(saga.id()));
  }

  /** The sagas being driven now (a live view). */
  Set<UUID> driving() {
    return driving;
  }

  private Future<Saga> driveSteps(Saga saga) {
    if (saga.state().terminal()) {
      return Future.succeededFuture(saga);
    }
    long started = System.nanoTime();
    return step(saga)
      .andThen(ar -> Meters.step("checkout_saga_step_seconds", saga.state().name(), ar.succeeded() ? "ok" : "retry", System.nanoTime() - started))
      .compose(next -> next.proceed() ? driveSteps(next.saga()) : Future.succeededFuture(next.saga()))
      .recover(err -> {
        LOG.warn("Saga {} stopped in {}; will retry: {}", saga.id(), saga.state(), err.toString());
        return repository.releaseForRetry(saga, owner).transform(x -> Future.succeededFuture(saga));
      });
  }

  private Future<Next> step(Saga s) {
    return switch (s.state()) {
      case STARTED -> loadCart(s);
      case CART_LOADED -> createOrder(s);
      case ORDER_CREATED -> reserve(s);
      case RESERVED -> awaitPaymentInOrder(s);
      case PAYMENT_STARTING -> startPayment(s);
      case AWAITING_PAYMENT -> decideOnPayment(s);
      case CAPTURING -> capture(s);
      case EXPIRING -> expire(s);
      case COMPENSATING -> compensate(s);
      case PAID, CANCELLED -> Future.succeededFuture(new Next(s, false));
    };
  }

  // ---- forward

  private Future<Next> loadCart(Saga s) {
    return firstStep(s.id(), s.userId(), s.cartId()).compose(step -> advance(s, step));
  }

  /**
   * The first step of a checkout, before its saga row exists (reading the cart changes nothing):
   * CART_LOADED with the cart, or CANCELLED with the answer for the buyer. Never fails.
   */
  Future<Step> firstStep(UUID sagaId, String userId, UUID cartId) {
    JsonObject request = new JsonObject().put("cart_id", cartId.toString()).put("user_id", userId);
    return call(sagaId, userId, CartAddresses.CHECKOUT_VIEW, request, settings.stepTimeoutMs()).transform(ar -> {
      if (ar.succeeded()) {
        JsonArray lines = ar.result().getJsonArray("lines");
        if (lines == null || lines.isEmpty()) {
          return Future.succeededFuture(Step.to(SagaState.CANCELLED).outcome(failure(ErrorCode.CART_EMPTY, "The cart is empty.", new JsonObject())));
        }
        return Future.succeededFuture(Step.to(SagaState.CART_LOADED).cart(ar.result()));
      }
      ServiceFailure f = ServiceFailure.from(ar.cause());
      // nothing exists yet: the checkout simply ends
      JsonObject outcome = CART_ANSWERS.contains(f.code())
        ? failure(f.code(), f.detail(), f.extra())
        : failure(ErrorCode.SERVICE_UNAVAILABLE, "The cart could not be read; please try again.", new JsonObject());
      return Future.succeededFuture(Step.to(SagaState.CANCELLED).outcome(outcome).detail(new JsonObject().put("error", f.code().name())));
    });
  }

  private Future<Next> createOrder(Saga s) {
    JsonObject cart = s.cart();
    JsonArray lines = new JsonArray();
    for (Object o : cart.getJsonArray("lines")) {
      JsonObject line = (JsonObject) o;
      lines.add(new JsonObject()
        .put("product_id", line.getValue("product_id"))
        .put("seller_id", line.getValue("seller_id"))
        .put("title", line.getValue("title"))
        .put("quantity", line.getValue("quantity"))
        .put("unit_price", line.getValue("unit_price")));
    }
    JsonObject request = new JsonObject()
      .put("order_id", s.orderId())
      .put("buyer_id", s.userId())
      .put("currency", currency(cart))
      .put("lines", lines)
      // the saga reads only the total: no reload of the whole order
      .put("reply", "brief");
    return paymentAvailable(s).compose(available -> available
      ? placeOrder(s, request)
      // the bank is down (its circuit is open): fail fast, before an order or a reservation exists
      : advance(s, Step.to(SagaState.CANCELLED).outcome(failure(ErrorCode.PAYMENT_UNAVAILABLE,
          "Payment is unavailable right now; nothing was ordered or held. Please try again later.", new JsonObject()))));
  }

  private Future<Next> placeOrder(Saga s, JsonObject request) {
    return call(s, OrdersAddresses.CREATE, request, settings.stepTimeoutMs()).transform(ar -> {
      if (ar.failed()) {
        return startCompensating(s, SagaState.CART_LOADED, CHECKOUT_FAILED, technicalFailure(s, ar.cause(), false));
      }
      // the order's own total is what the buyer is charged
      Object orderTotal = ar.result().getValue("total");
      JsonObject withTotal = orderTotal == null ? s.cart() : s.cart().copy().put("order_total", orderTotal);
      return advance(s, Step.to(SagaState.ORDER_CREATED).cart(withTotal));
    });
  }

  /** Asks payment whether its circuit to the bank is open; no answer counts as available. */
  private Future<Boolean> paymentAvailable(Saga s) {
    return call(s, PaymentAddresses.AVAILABILITY, new JsonObject(), Math.min(1_000, settings.stepTimeoutMs()))
      .map(reply -> reply.getBoolean("available", true))
      .otherwise(true);
  }

  private Future<Next> reserve(Saga s) {
    JsonArray lines = new JsonArray();
    for (Object o : s.cart().getJsonArray("lines")) {
      JsonObject line = (JsonObject) o;
      lines.add(new JsonObject().put("product_id", line.getValue("product_id")).put("quantity", line.getValue("quantity")));
    }
    JsonObject request = new JsonObject()
      .put("reservation_id", s.reservationId().toString())
      .put("order_id", s.orderId())
      .put("buyer_id", s.userId())
      .put("lines", lines)
      .put("ttl_seconds", settings.reservationTtlSeconds());
    return call(s, InventoryAddresses.RESERVE, request, settings.stepTimeoutMs()).transform(ar -> {
      if (ar.succeeded()) {
        OffsetDateTime until = instant(ar.result().getValue("reserved_until"));
        if (until == null) {
          until = OffsetDateTime.now().plusSeconds(settings.reservationTtlSeconds());
        }
        return advance(s, Step.to(SagaState.RESERVED).reservedUntil(until));
      }
      ServiceFailure f = ServiceFailure.from(ar.cause());
      if (STOCK_ANSWERS.contains(f.code())) {
        JsonObject extra = f.extra().copy().put("order_id", s.orderId());
        return startCompensating(s, SagaState.ORDER_CREATED, "OUT_OF_STOCK", failure(f.code(), f.detail(), extra));
      }
      // a timed-out reserve may still land: the release in the compensation leaves a tombstone
      return startCompensating(s, SagaState.ORDER_CREATED, CHECKOUT_FAILED, technicalFailure(s, ar.cause(), true));
    });
  }

  private Future<Next> awaitPaymentInOrder(Saga s) {
    return transition(s, "RESERVED", null)
      .recover(err -> ServiceFailure.from(err).code() == ErrorCode.ILLEGAL_STATE
        // repeated after a crash, the order may already be further on: only a cancelled one stops us
        ? call(s, OrdersAddresses.GET, new JsonObject().put("order_id", s.orderId()), settings.stepTimeoutMs())
            .compose(order -> "PENDING_PAYMENT".equals(order.getString("status")) ? Future.<Void>succeededFuture() : Future.failedFuture(err))
        : Future.failedFuture(err))
      .compose(x -> transition(s, "PENDING_PAYMENT", null))
      .transform(ar -> {
        if (ar.succeeded()) {
          return advance(s, Step.to(SagaState.PAYMENT_STARTING));
        }
        ServiceFailure f = ServiceFailure.from(ar.cause());
        if (f.code() == ErrorCode.ILLEGAL_STATE) {
          // the order moved on without us (cancelled by the buyer meanwhile)
          return startCompensating(s, SagaState.RESERVED, "BUYER_CANCELLED",
            failure(ErrorCode.CONFLICT, "The order was cancelled during checkout.", new JsonObject().put("order_id", s.orderId())));
        }
        return startCompensating(s, SagaState.RESERVED, CHECKOUT_FAILED, technicalFailure(s, ar.cause(), true));
      });
  }

  private Future<Next> startPayment(Saga s) {
    JsonObject request = new JsonObject()
      .put("payment_id", s.paymentId().toString())
      .put("order_id", s.orderId())
      .put("buyer_id", s.userId())
      .put("amount", total(s.cart()))
      .put("method", s.paymentMethod());
    if (s.reservedUntil() != null) {
      request.put("reserved_until", s.reservedUntil().toString());
    }
    return call(s, PaymentAddresses.START, request, settings.paymentTimeoutMs()).transform(ar -> {
      if (ar.succeeded()) {
        String url = ar.result().getString("payment_url");
        JsonObject reply = new JsonObject()
          .put("order_id", s.orderId())
          .put("status", "PENDING_PAYMENT")
          .put("payment_url", url)
          .put("reserved_until", s.reservedUntil() == null ? null : s.reservedUntil().toInstant().toString());
        Step awaiting = Step.to(SagaState.AWAITING_PAYMENT).paymentUrl(url).outcome(new JsonObject().put("ok", true).put("reply", reply));
        OffsetDateTime wakeAt = wakeAt(s);
        // nothing to do until the money or the clock: let go of the lease in the same statement
        return advance(s, wakeAt.isAfter(OffsetDateTime.now()) ? awaiting.sleepUntil(wakeAt) : awaiting);
      }
      ServiceFailure f = ServiceFailure.from(ar.cause());
      ErrorCode code = f.code() == ErrorCode.PAYMENT_DECLINED ? ErrorCode.PAYMENT_DECLINED : ErrorCode.PAYMENT_UNAVAILABLE;
      String detail = code == ErrorCode.PAYMENT_DECLINED ? f.detail() : "Payment is unavailable right now; the order was cancelled and nothing is held.";
      return startCompensating(s, SagaState.PAYMENT_STARTING,
        code == ErrorCode.PAYMENT_DECLINED ? "PAYMENT_DECLINED" : "PAYMENT_TIMEOUT",
        failure(code, detail, new JsonObject().put("order_id", s.orderId())));
    });
  }

  // ---- waiting for the money

  private Future<Next> decideOnPayment(Saga s) {
    if ("CAPTURED".equals(s.paymentResult())) {
      return advance(s, Step.to(SagaState.CAPTURING));
    }
    if ("DECLINED".equals(s.paymentResult())) {
      return startCompensating(s, SagaState.AWAITING_PAYMENT, "PAYMENT_DECLINED", null);
    }
    OffsetDateTime wakeAt = wakeAt(s);
    if (!wakeAt.isAfter(OffsetDateTime.now())) {
      return advance(s, Step.to(SagaState.EXPIRING));
    }
    return repository.releaseWaiting(s, owner, wakeAt).compose(released -> released
      ? Future.succeededFuture(new Next(s, false))
      // a payment result came in while we held the lease: read it and go on
      : repository.byId(s.id()).map(fresh -> new Next(fresh.orElseThrow(), true)));
  }

  /** When a saga waiting for its payment must look again: the end of the reservation plus the grace for a late callback. */
  private OffsetDateTime wakeAt(Saga s) {
    return (s.reservedUntil() == null ? OffsetDateTime.now() : s.reservedUntil()).plusNanos(settings.expiryGraceMs() * 1_000_000L);
  }

  private Future<Next> capture(Saga s) {
    return call(s, InventoryAddresses.COMMIT, new JsonObject().put("reservation_id", s.reservationId().toString()), settings.stepTimeoutMs())
      .transform(commit -> {
        if (commit.failed()) {
          ServiceFailure f = ServiceFailure.from(commit.cause());
          if (f.code() == ErrorCode.ILLEGAL_STATE) {
            // the stock went back before the money arrived: give the money back
            LOG.info("Saga {}: paid but the reservation is gone; cancelling and refunding", s.id());
            return startCompensating(s, SagaState.CAPTURING, "RESERVATION_EXPIRED", null);
          }
          return Future.failedFuture(commit.cause());
        }
        return transition(s, "PAID", null).transform(paid -> {
          if (paid.failed()) {
            ServiceFailure f = ServiceFailure.from(paid.cause());
            if (f.code() == ErrorCode.ILLEGAL_STATE) {
              LOG.error("Saga {}: stock committed but the order refuses PAID ({}); refunding", s.id(), f.detail());
              return startCompensating(s, SagaState.CAPTURING, "BUYER_CANCELLED", null);
            }
            return Future.failedFuture(paid.cause());
          }
          JsonObject clear = new JsonObject().put("cart_id", s.cartId().toString()).put("user_id", s.userId()).put("order_id", s.orderId());
          return call(s, CartAddresses.CLEAR, clear, settings.stepTimeoutMs())
            .onFailure(err -> LOG.info("Saga {}: cart not cleared ({}); the order is paid regardless", s.id(), err.toString()))
            .transform(x -> advance(s, Step.to(SagaState.PAID)));
        });
      });
  }

  private Future<Next> expire(Saga s) {
    return call(s, PaymentAddresses.VOID, new JsonObject().put("order_id", s.orderId()), settings.stepTimeoutMs())
      .compose(reply -> "CAPTURED".equals(reply.getString("status"))
        // the money won the race against the clock: finish the sale
        ? advance(s, Step.to(SagaState.CAPTURING).detail(new JsonObject().put("note", "captured before the void")))
        : startCompensating(s, SagaState.EXPIRING, "RESERVATION_EXPIRED", null));
  }

  // ---- compensation

  private Future<Next> startCompensating(Saga s, SagaState failedAt, String reason, JsonObject outcome) {
    return advance(s, Step.to(SagaState.COMPENSATING).failure(failedAt, reason).outcome(outcome));
  }

  private Future<Next> compensate(Saga s) {
    SagaState from = s.failedAt() == null ? SagaState.AWAITING_PAYMENT : s.failedAt();
    String reason = s.cancelReason() == null ? CHECKOUT_FAILED : s.cancelReason();
    Future<Void> payment = from.atLeast(SagaState.PAYMENT_STARTING) ? settlePayment(s, reason) : Future.succeededFuture();
    return payment
      .compose(x -> from.atLeast(SagaState.ORDER_CREATED) ? release(s, reason) : Future.succeededFuture())
      .compose(x -> from.atLeast(SagaState.CART_LOADED) ? cancelOrder(s, reason) : Future.succeededFuture())
      .compose(x -> advance(s, Step.to(SagaState.CANCELLED)));
  }

  /** Voids the payment; money that was captured anyway is refunded. */
  private Future<Void> settlePayment(Saga s, String reason) {
    return call(s, PaymentAddresses.VOID, new JsonObject().put("order_id", s.orderId()), settings.stepTimeoutMs())
      .compose(reply -> "CAPTURED".equals(reply.getString("status"))
        ? call(s, PaymentAddresses.REFUND, new JsonObject().put("order_id", s.orderId()).put("reason", reason), settings.stepTimeoutMs()).mapEmpty()
        : Future.succeededFuture());
  }

  private Future<Void> release(Saga s, String reason) {
    JsonObject request = new JsonObject().put("reservation_id", s.reservationId().toString()).put("reason", reason);
    return call(s, InventoryAddresses.RELEASE, request, settings.stepTimeoutMs()).<Void>mapEmpty().recover(err -> {
      ServiceFailure f = ServiceFailure.from(err);
      if (f.code() == ErrorCode.ILLEGAL_STATE) {
        LOG.error("Saga {}: the reservation cannot be released ({}); leaving it", s.id(), f.detail());
        return Future.succeededFuture();
      }
      return Future.failedFuture(err);
    });
  }

  private Future<Void> cancelOrder(Saga s, String reason) {
    return transition(s, "CANCELLED", reason).recover(err -> {
      ServiceFailure f = ServiceFailure.from(err);
      if (f.code() == ErrorCode.VALIDATION_FAILED) {
        // an order component that knows only the documented reasons: cancel without one
        return transition(s, "CANCELLED", null);
      }
      if (f.code() == ErrorCode.NOT_FOUND) {
        return Future.succeededFuture();
      }
      if (f.code() == ErrorCode.ILLEGAL_STATE) {
        LOG.error("Saga {}: the order cannot be cancelled ({})", s.id(), f.detail());
        return Future.succeededFuture();
      }
      return Future.failedFuture(err);
    });
  }

  // ---- helpers

  private Future<Void> transition(Saga s, String to, String reason) {
    JsonObject request = new JsonObject().put("order_id", s.orderId()).put("to", to).put("reply", "brief");
    if (reason != null) {
      request.put("reason", reason);
    }
    return call(s, OrdersAddresses.TRANSITION, request, settings.stepTimeoutMs()).mapEmpty();
  }

  private Future<Next> advance(Saga s, Step step) {
    return repository.advance(s, owner, step).map(next -> {
      if (next.isEmpty()) {
        LOG.info("Saga {}: lease lost before {}; another node drives it", s.id(), step.state());
        return new Next(s, false);
      }
      // a step that let go of the lease (a saga now waiting) stops here
      return new Next(next.get(), next.get().leaseOwner() != null);
    });
  }

  private Future<JsonObject> call(Saga s, String address, JsonObject body, long timeoutMs) {
    return call(s.id(), s.userId(), address, body, timeoutMs);
  }

  private Future<JsonObject> call(UUID sagaId, String userId, String address, JsonObject body, long timeoutMs) {
    DeliveryOptions options = Bus.options(timeoutMs)
      .addHeader(BusHeaders.USER_ID, userId)
      .addHeader(BusHeaders.CORRELATION_ID, "checkout-" + sagaId);
    // every step is idempotent by an id in its body (order, reservation, payment, cart) or a read:
    // an attempt lost with a dead node is sent again, to another node, within the step's timeout.
    if (PaymentAddresses.START.equals(address)) {
      // payment answers within its own bank budget (below payment_timeout_ms) however slow the bank:
      // one whole attempt, so a slow bank is not asked twice at once. No answer by then means the
      // node died with it: one more attempt (idempotent by payment_id, the bank's create by reference)
      return RetryingRequest.request(vertx, address, body, options, timeoutMs, timeoutMs + timeoutMs / 2);
    }
    return RetryingRequest.request(vertx, address, body, options, ATTEMPT_TIMEOUT_MS, timeoutMs);
  }

  private JsonObject technicalFailure(Saga s, Throwable cause, boolean orderExists) {
    ServiceFailure f = ServiceFailure.from(cause);
    LOG.warn("Saga {}: a step failed with {}: {}", s.id(), f.code(), f.detail());
    JsonObject extra = orderExists ? new JsonObject().put("order_id", s.orderId()) : new JsonObject();
    if (!TRANSIENT.contains(f.code())) {
      LOG.error("Saga {}: unexpected answer {} ({})", s.id(), f.code(), f.detail());
    }
    return failure(ErrorCode.SERVICE_UNAVAILABLE, "The checkout could not be completed; nothing is held. Please try again.", extra);
  }

  static JsonObject failure(ErrorCode code, String detail, JsonObject extra) {
    return new JsonObject().put("ok", false).put("code", code.name()).put("detail", detail).put("extra", extra == null ? new JsonObject() : extra);
  }

  static String currency(JsonObject cart) {
    Object total = cart.getValue("total");
    if (total instanceof JsonObject money && money.getString("currency") != null) {
      return money.getString("currency");
    }
    return cart.getString("currency", "RUB");
  }

  static JsonObject total(JsonObject cart) {
    Object total = cart.containsKey("order_total") ? cart.getValue("order_total") : cart.getValue("total");
    if (total instanceof JsonObject money) {
      return new JsonObject().put("amount", money.getLong("amount")).put("currency", currency(cart));
    }
    return new JsonObject().put("amount", ((Number) total).longValue()).put("currency", currency(cart));
  }

  private static OffsetDateTime instant(Object value) {
    if (!(value instanceof String s)) {
      return null;
    }
    try {
      return OffsetDateTime.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
