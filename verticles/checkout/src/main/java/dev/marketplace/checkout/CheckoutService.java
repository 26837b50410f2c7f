package dev.marketplace.checkout;

import dev.marketplace.contracts.checkout.CheckoutApi;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.platform.bus.Caller;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code checkout.start}: the idempotency key decides first. The INSERT of the saga row is the
 * lock: of two calls with the same user and key exactly one inserts (the unique constraint makes
 * the other wait for the first's commit and then insert nothing); that one drives the saga, the
 * other waits for its recorded outcome.
 */
final class CheckoutService {
  private static final long POLL_MS = 50;
  /** How long a refusal waits for its compensation to end before it is answered anyway. */
  static final long FAILURE_SETTLE_MS = 3_000;
  /** A waiting call tries to take the saga over (its lease ran out) every this many polls. */
  private static final int CLAIM_EVERY_POLLS = 10;

  private final Vertx vertx;
  private final SagaRepository repository;
  private final SagaDriver driver;
  private final String owner;
  private final CheckoutSettings settings;
  private CheckoutGate gate;

  /** Big sales: the gate a new checkout passes before its saga row is written. */
  CheckoutService gate(CheckoutGate value) {
    this.gate = value;
    return this;
  }

  CheckoutService(Vertx vertx, SagaRepository repository, SagaDriver driver, String owner, CheckoutSettings settings) {
    this.vertx = vertx;
    this.repository = repository;
    this.driver = driver;
    this.owner = owner;
    this.settings = settings;
  }

  Future<JsonObject> start(CheckoutApi.StartCheckout request, Message<JsonObject> message) {
    String userId = Caller.of(message).requireUser();
    UUID cartId = request.cartId();
    String method = request.paymentMethod();
    String key = request.idempotencyKey();
    // a waiting-room ticket is not part of the request's identity: the same key retried with it is the same checkout
    String ticket = request.queueTicket();
    String hash = requestHash(cartId, method);
    UUID sagaId = UUID.randomUUID();
    // the cart is read before the saga row exists (it changes nothing); the row starts from its answer
    return driver.firstStep(sagaId, userId, cartId)
      // big sales: sold out, the waiting room and the open-checkout cap decide before any row is written
      .compose(first -> gate.pass(userId, key, first.state() == SagaState.CART_LOADED ? first.cart() : null, ticket,
        () -> repository.insert(new SagaRepository.NewSaga(sagaId, userId, key, hash, cartId, method, first))))
      .compose(inserted -> {
      if (inserted.isPresent()) {
        return driver.drive(inserted.get()).compose(this::answer);
      }
      return repository.byKey(userId, key).compose(existing -> {
        Saga saga = existing.orElseThrow();
        if (!saga.requestHash().equals(hash)) {
          return Future.failedFuture(ErrorCode.IDEMPOTENCY_KEY_REUSED.failure(
            "This Idempotency-Key was already used for a different checkout."));
        }
        return answer(saga);
      });
    }).recover(err -> err instanceof CheckoutGate.Queued queued
      ? Future.succeededFuture(queued.reply())
      : Future.failedFuture(err));
  }

  Future<CheckoutApi.SagaView> get(CheckoutApi.OrderRef request, Message<JsonObject> message) {
    Caller caller = Caller.of(message);
    return repository.byId(request.orderId()).map(found -> {
      Saga saga = found.orElseThrow(Caller::notFound);
      caller.requireOwner(saga.userId());
      return new CheckoutApi.SagaView(saga.id(), saga.state().name(),
        saga.reservedUntil() == null ? null : saga.reservedUntil().toInstant(), saga.paymentUrl(), saga.cancelReason());
    });
  }

  /**
   * The recorded outcome as a reply or a failure; waits for it while another call still runs the
   * saga. A refusal is answered once its compensation has ended (the order is CANCELLED and
   * nothing is held, as the answer says), or after {@link #FAILURE_SETTLE_MS} at most: the
   * compensation is retried until done in any case.
   */
  private Future<JsonObject> answer(Saga saga) {
    if (saga.outcome() != null && (saga.outcome().getBoolean("ok", false) || saga.state().terminal())) {
      return toReply(saga.outcome());
    }
    return poll(saga.id(), System.currentTimeMillis() + settings.requestWaitMs(), 0);
  }

  private Future<JsonObject> poll(UUID sagaId, long deadline, long failureSeenAt) {
    return poll(sagaId, deadline, failureSeenAt, new int[1]);
  }

  private Future<JsonObject> poll(UUID sagaId, long deadline, long failureSeenAt, int[] polls) {
    return vertx.timer(POLL_MS).compose(t -> repository.outcome(sagaId)).compose(found -> {
      JsonObject outcome = found.outcome();
      long now = System.currentTimeMillis();
      if (outcome != null && (outcome.getBoolean("ok", false) || found.ended())) {
        return toReply(outcome);
      }
      long seenAt = outcome == null ? 0 : failureSeenAt == 0 ? now : failureSeenAt;
      if (outcome != null && (now - seenAt >= FAILURE_SETTLE_MS || now > deadline)) {
        return toReply(outcome);
      }
      if (outcome == null && ++polls[0] % CLAIM_EVERY_POLLS == 0) {
        // the saga's driver may be gone: once its lease ran out, this call drives it itself
        repository.claim(sagaId, owner).onSuccess(claimed -> claimed.ifPresent(driver::drive));
      }
      if (now > deadline) {
        return Future.failedFuture(ErrorCode.SERVICE_UNAVAILABLE.failure(
          "This checkout is still in progress; repeat the request with the same Idempotency-Key.",
          new JsonObject().put("order_id", sagaId.toString())));
      }
      return poll(sagaId, deadline, seenAt, polls);
    });
  }

  static Future<JsonObject> toReply(JsonObject outcome) {
    if (outcome.getBoolean("ok", false)) {
      return Future.succeededFuture(outcome.getJsonObject("reply").copy());
    }
    ErrorCode code = Optional.ofNullable(outcome.getString("code")).map(ErrorCode::valueOf).orElse(ErrorCode.INTERNAL);
    return Future.failedFuture(code.failure(outcome.getString("detail"), outcome.getJsonObject("extra", new JsonObject())));
  }

  static String requestHash(UUID cartId, String method) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest((cartId + "\n" + method).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
