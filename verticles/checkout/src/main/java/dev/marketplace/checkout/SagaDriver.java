package dev.marketplace.checkout;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.Money;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.cart.CartApi;
import dev.marketplace.contracts.inventory.InventoryApi;
import dev.marketplace.contracts.orders.OrderStatus;
import dev.marketplace.contracts.orders.OrdersApi;
import dev.marketplace.contracts.payment.PaymentApi;
import dev.marketplace.checkout.SagaRepository.Step;
import dev.marketplace.platform.bus.BusClient;
import dev.marketplace.platform.metrics.Meters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
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
  /** The field of the saga's cart that keeps the order's total. */
  private static final String ORDER_TOTAL = "order_total";

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
    return CartApi.over(bus(sagaId, userId, settings.stepTimeoutMs())).checkoutView(cartId, userId).transform(ar -> {
      if (ar.succeeded()) {
        if (ar.result().lines().isEmpty()) {
          return Future.succeededFuture(Step.to(SagaState.CANCELLED).outcome(failure(ErrorCode.CART_EMPTY, "The cart is empty.", new JsonObject())));
        }
        return Future.succeededFuture(Step.to(SagaState.CART_LOADED).cart(ar.result().toJson()));
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
    Future<OrdersApi.NewOrder> order;
    try {
      CartApi.CheckoutView cart = cart(s);
      List<OrdersApi.NewOrder.Line> lines = new ArrayList<>();
      for (CartApi.CheckoutView.Line line : cart.lines()) {
        lines.add(new OrdersApi.NewOrder.Line(line.productId(), line.sellerId(), line.title(), line.quantity(), line.unitPrice()));
      }
      // the saga reads only the total: a brief answer, no reload of the whole order
      order = Future.succeededFuture(new OrdersApi.NewOrder(s.id(), s.userId(), cart.total().currency(), lines, true));
    } catch (RuntimeException e) {
      // a cart that orders would refuse (a seller id that is no UUID): as orders' refusal would be
      order = Future.failedFuture(ErrorCode.VALIDATION_FAILED.failure("The cart cannot be ordered: " + e.getMessage()));
    }
    Future<OrdersApi.NewOrder> request = order;
    return paymentAvailable(s).compose(available -> available
      ? placeOrder(s, request)
      // the bank is down (its circuit is open): fail fast, before an order or a reservation exists
      : advance(s, Step.to(SagaState.CANCELLED).outcome(failure(ErrorCode.PAYMENT_UNAVAILABLE,
          "Payment is unavailable right now; nothing was ordered or held. Please try again later.", new JsonObject()))));
  }

  private Future<Next> placeOrder(Saga s, Future<OrdersApi.NewOrder> request) {
    return request.compose(order -> orders(s).create(order)).transform(ar -> {
      if (ar.failed()) {
        return startCompensating(s, SagaState.CART_LOADED, CHECKOUT_FAILED, technicalFailure(s, ar.cause(), false));
      }
      // the order's own total is what the buyer is charged
      Money orderTotal = ar.result().total();
      JsonObject withTotal = orderTotal == null ? s.cart() : s.cart().copy().put(ORDER_TOTAL, orderTotal.toJson());
      return advance(s, Step.to(SagaState.ORDER_CREATED).cart(withTotal));
    });
  }

  /** Asks payment whether its circuit to the bank is open; no answer counts as available. */
  private Future<Boolean> paymentAvailable(Saga s) {
    return PaymentApi.over(bus(s, Math.min(1_000, settings.stepTimeoutMs()))).availability()
      .map(PaymentApi.Availability::available)
      .otherwise(true);
  }

  private Future<Next> reserve(Saga s) {
    List<InventoryApi.Line> lines = new ArrayList<>();
    for (CartApi.CheckoutView.Line line : cart(s).lines()) {
      lines.add(new InventoryApi.Line(line.productId(), line.quantity()));
    }
    InventoryApi.ReserveRequest request = new InventoryApi.ReserveRequest(s.reservationId(), s.id(), s.userId(), lines,
      (int) settings.reservationTtlSeconds());
    return inventory(s).reserve(request).transform(ar -> {
      if (ar.succeeded()) {
        Instant reservedUntil = ar.result().reservedUntil();
        OffsetDateTime until = reservedUntil == null ? null : reservedUntil.atOffset(ZoneOffset.UTC);
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
    return transition(s, OrderStatus.RESERVED, null)
      .recover(err -> ServiceFailure.from(err).code() == ErrorCode.ILLEGAL_STATE
        // repeated after a crash, the order may already be further on: only a cancelled one stops us
        ? orders(s).get(s.id())
            .compose(order -> order.status() == OrderStatus.PENDING_PAYMENT ? Future.<Void>succeededFuture() : Future.failedFuture(err))
        : Future.failedFuture(err))
      .compose(x -> transition(s, OrderStatus.PENDING_PAYMENT, null))
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
    PaymentApi.StartPayment request = new PaymentApi.StartPayment(s.paymentId(), s.id(), s.userId(), total(s.cart()),
      s.paymentMethod(), s.reservedUntil());
    long timeoutMs = settings.paymentTimeoutMs();
    // payment answers within its own bank budget (below payment_timeout_ms) however slow the bank:
    // one whole attempt, so a slow bank is not asked twice at once. No answer by then means the
    // node died with it: one more attempt (idempotent by payment_id, the bank's create by reference)
    PaymentApi payment = PaymentApi.over(bus(s.id(), s.userId(), timeoutMs + timeoutMs / 2).retrying(timeoutMs));
    return payment.start(request).transform(ar -> {
      if (ar.succeeded()) {
        String url = ar.result().paymentUrl();
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
    return inventory(s).commit(s.reservationId())
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
        return transition(s, OrderStatus.PAID, null).transform(paid -> {
          if (paid.failed()) {
            ServiceFailure f = ServiceFailure.from(paid.cause());
            if (f.code() == ErrorCode.ILLEGAL_STATE) {
              LOG.error("Saga {}: stock committed but the order refuses PAID ({}); refunding", s.id(), f.detail());
              return startCompensating(s, SagaState.CAPTURING, "BUYER_CANCELLED", null);
            }
            return Future.failedFuture(paid.cause());
          }
          return CartApi.over(bus(s, settings.stepTimeoutMs())).clear(s.cartId(), s.userId(), s.id())
            .onFailure(err -> LOG.info("Saga {}: cart not cleared ({}); the order is paid regardless", s.id(), err.toString()))
            .transform(x -> advance(s, Step.to(SagaState.PAID)));
        });
      });
  }

  private Future<Next> expire(Saga s) {
    return payment(s).voidPayment(s.id())
      .compose(reply -> "CAPTURED".equals(reply.status())
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
    return payment(s).voidPayment(s.id())
      .compose(reply -> "CAPTURED".equals(reply.status())
        ? payment(s).refund(s.id(), reason).mapEmpty()
        : Future.succeededFuture());
  }

  private Future<Void> release(Saga s, String reason) {
    return inventory(s).release(s.reservationId(), reason).<Void>mapEmpty().recover(err -> {
      ServiceFailure f = ServiceFailure.from(err);
      if (f.code() == ErrorCode.ILLEGAL_STATE) {
        LOG.error("Saga {}: the reservation cannot be released ({}); leaving it", s.id(), f.detail());
        return Future.succeededFuture();
      }
      return Future.failedFuture(err);
    });
  }

  private Future<Void> cancelOrder(Saga s, String reason) {
    return transition(s, OrderStatus.CANCELLED, reason).recover(err -> {
      ServiceFailure f = ServiceFailure.from(err);
      if (f.code() == ErrorCode.VALIDATION_FAILED) {
        // an order component that knows only the documented reasons: cancel without one
        return transition(s, OrderStatus.CANCELLED, null);
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

  private Future<Void> transition(Saga s, OrderStatus to, String reason) {
    return orders(s).transition(new OrdersApi.Transition(s.id(), to, reason, true)).mapEmpty();
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

  private OrdersApi orders(Saga s) {
    return OrdersApi.over(bus(s, settings.stepTimeoutMs()));
  }

  private InventoryApi inventory(Saga s) {
    return InventoryApi.over(bus(s, settings.stepTimeoutMs()));
  }

  private PaymentApi payment(Saga s) {
    return PaymentApi.over(bus(s, settings.stepTimeoutMs()));
  }

  private BusClient bus(Saga s, long timeoutMs) {
    return bus(s.id(), s.userId(), timeoutMs);
  }

  /**
   * Every step is idempotent by an id in its body (order, reservation, payment, cart) or a read:
   * an attempt lost with a dead node is sent again, to another node, within the step's timeout.
   */
  private BusClient bus(UUID sagaId, String userId, long timeoutMs) {
    return BusClient.of(vertx, timeoutMs).retrying(ATTEMPT_TIMEOUT_MS)
      .withHeader(BusHeaders.USER_ID, userId)
      .withHeader(BusHeaders.CORRELATION_ID, "checkout-" + sagaId);
  }

  /** The cart the saga loaded (kept on the saga row as cart's checkout view, plus the order's total). */
  static CartApi.CheckoutView cart(Saga s) {
    return CartApi.CheckoutView.fromJson(s.cart());
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

  /** What the buyer is charged: the order's own total once the order exists, the cart's before. */
  static Money total(JsonObject cart) {
    JsonObject orderTotal = cart.getJsonObject(ORDER_TOTAL);
    return orderTotal != null ? Money.fromJson(orderTotal) : CartApi.CheckoutView.fromJson(cart).total();
  }
}
