package dev.marketplace.payment;

import dev.marketplace.contracts.payment.PaymentApi;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.bank.BankApi;
import dev.marketplace.platform.batch.GroupCommit;
import dev.marketplace.platform.outbox.Outbox;
import dev.marketplace.platform.outbox.OutboxRelay;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Payment intents and their life with the bank. Every status change happens in a transaction that
 * locks the intent row ({@code FOR UPDATE}), so a capture callback and a void never both win: the
 * one that comes second sees the other's result (a capture after a void is refunded).
 */
final class PaymentService {
  private static final Logger LOG = LoggerFactory.getLogger(PaymentService.class);
  private static final Set<String> BANK_RESULTS = Set.of(BankApi.CAPTURED, BankApi.DECLINED);
  /** A due bank void not confirmed by its first try is looked at by the job after this (then with a backoff). */
  static final long BANK_VOID_RETRY_MS = 2_000;
  private long bankVoidRetryMs = BANK_VOID_RETRY_MS;

  private final PaymentRepository repository;
  private final BankClient bank;
  private final Outbox outbox;
  private final OutboxRelay relay;
  private final String sharedSecret;
  private final OrdersNotifier orders;
  private final CheckoutNotifier checkout;
  private final GroupCommit<PaymentRepository.NewIntent, Optional<Intent>> inserts;
  private final GroupCommit<PaymentRepository.BankPending, Optional<Intent>> pendings;

  PaymentService(PaymentRepository repository, BankClient bank, Outbox outbox, OutboxRelay relay, String sharedSecret,
                 OrdersNotifier orders, CheckoutNotifier checkout) {
    this.repository = repository;
    this.orders = orders;
    this.checkout = checkout;
    // concurrent payment.starts share their two writes (group commit); 1 turns it off
    this.inserts = new GroupCommit<>("payment.insert", 64, 2, repository::insertMany,
      one -> repository.insertMany(List.of(one)).map(all -> (Optional<Intent>) all.get(0)));
    this.pendings = new GroupCommit<>("payment.pending", 64, 2, this::markPendingBatch, this::markPendingAlone);
    this.bank = bank;
    this.outbox = outbox;
    this.relay = relay;
    this.sharedSecret = sharedSecret;
  }

  // ---- payment.start

  Future<PaymentApi.Payment> start(PaymentApi.StartPayment request) {
    UUID paymentId = request.paymentId();
    return inserts.submit(new PaymentRepository.NewIntent(paymentId, request.orderId(), request.buyerId(), request.amount().amount(),
        request.amount().currency(), request.method(), request.reservedUntil()))
      .compose(found -> {
        Intent intent = found.orElseThrow();
        if (!intent.paymentId().equals(paymentId)) {
          return intent.status().equals(Intent.VOIDED)
            ? Future.failedFuture(ErrorCode.PAYMENT_UNAVAILABLE.failure("The order's payment was cancelled."))
            : Future.failedFuture(ErrorCode.CONFLICT.failure("The order already has another payment."));
        }
        return switch (intent.status()) {
          case Intent.CREATED, Intent.FAILED -> askBank(intent);
          case Intent.PENDING, Intent.CAPTURED -> Future.succeededFuture(startReply(intent));
          case Intent.DECLINED -> Future.failedFuture(ErrorCode.PAYMENT_DECLINED.failure("The bank declined the payment."));
          default -> Future.failedFuture(ErrorCode.PAYMENT_UNAVAILABLE.failure("The order's payment was cancelled."));
        };
      });
  }

  private Future<PaymentApi.Payment> askBank(Intent intent) {
    JsonObject request = new JsonObject()
      .put("reference", intent.paymentId().toString())
      .put("order_id", intent.orderId().toString())
      .put("amount", intent.money());
    return bank.createPayment(request)
      .compose(reply -> reply.ok()
        ? Future.succeededFuture(reply.body())
        : Future.failedFuture(new BankClient.BankUnavailable("The bank refused the payment: HTTP " + reply.status(), null)))
      .recover(err -> {
        LOG.warn("Payment {} of order {}: bank call failed: {}", intent.paymentId(), intent.orderId(), err.getMessage());
        return repository.markFailed(intent.paymentId()).transform(x -> Future.failedFuture(
          ErrorCode.PAYMENT_UNAVAILABLE.failure("The payment service is unavailable; please try again later.")));
      })
      .compose(created -> {
        String bankId = created.getString("id");
        String url = created.getString("confirm_url");
        return pendings.submit(new PaymentRepository.BankPending(intent.paymentId(), bankId, url))
          .compose(updated -> {
            if (updated.isPresent()) {
              relay.kick();
              return Future.succeededFuture(startReply(updated.get()));
            }
            return repository.byOrder(repository.pool(), intent.orderId()).compose(now -> {
              Intent current = now.orElseThrow();
              if (current.status().equals(Intent.PENDING) || current.status().equals(Intent.CAPTURED)) {
                return Future.succeededFuture(startReply(current));
              }
              // a void overtook this start: the bank's new payment must not stay payable (due until the bank confirms)
              return repository.bankVoidDue(repository.pool(), current.paymentId(), bankId, bankVoidRetryMs)
                .onSuccess(x -> voidAtBank(current.paymentId(), bankId))
                .transform(x -> Future.failedFuture(ErrorCode.PAYMENT_UNAVAILABLE.failure("The order's payment was cancelled.")));
            });
          });
      });
  }

  /** Marks many started payments PENDING with their PaymentStarted events, in one transaction. */
  private Future<List<Object>> markPendingBatch(List<PaymentRepository.BankPending> batch) {
    return repository.pool().withTransaction(tx -> repository.markPendingMany(tx, batch).compose(changed -> {
      List<EventEnvelope> events = new java.util.ArrayList<>();
      List<Object> out = new java.util.ArrayList<>(batch.size());
      java.util.Set<UUID> seen = new java.util.HashSet<>();
      for (PaymentRepository.BankPending p : batch) {
        Intent updated = seen.add(p.paymentId()) ? changed.get(p.paymentId()) : null;
        if (updated != null) {
          events.add(EventEnvelope.create("PaymentStarted", updated.orderId().toString(), updated.eventData(Intent.PENDING)));
        }
        out.add(Optional.ofNullable(updated));
      }
      return outbox.appendAll(tx, Topics.PAYMENTS_EVENTS, events).map(out);
    }));
  }

  private Future<Optional<Intent>> markPendingAlone(PaymentRepository.BankPending p) {
    return repository.pool().withTransaction(tx -> repository.markPending(tx, p.paymentId(), p.bankPaymentId(), p.paymentUrl())
      .compose(updated -> updated.isEmpty()
        ? Future.succeededFuture(Optional.<Intent>empty())
        : appendEvent(tx, updated.get(), "PaymentStarted", Intent.PENDING).map(updated)));
  }

  private static PaymentApi.Payment startReply(Intent intent) {
    return new PaymentApi.Payment(intent.paymentId(), null, intent.status(), null, intent.paymentUrl(), true);
  }

  // ---- payment.void / payment.refund

  Future<PaymentApi.Payment> voidPayment(UUID orderId) {
    return repository.pool().withTransaction(tx -> repository.byOrderForUpdate(tx, orderId).compose(found -> {
        if (found.isEmpty()) {
          return repository.insertTombstone(tx, orderId)
            .compose(x -> repository.byOrder(tx, orderId))
            .map(tombstone -> new Change(tombstone.orElseThrow(), false));
        }
        Intent intent = found.get();
        if (!intent.open()) {
          return Future.succeededFuture(new Change(intent, false));
        }
        return repository.setStatus(tx, intent.paymentId(), Intent.VOIDED, null, null)
          .compose(voided -> appendEvent(tx, voided, "PaymentVoided", Intent.VOIDED)
            // the buyer may hold the bank's payment page: its void is due work until the bank confirms
            .compose(x -> voided.bankPaymentId() == null ? Future.<Void>succeededFuture()
              : repository.bankVoidDue(tx, voided.paymentId(), null, bankVoidRetryMs))
            .map(new Change(voided, true)));
      }))
      .map(change -> {
        if (change.changed()) {
          relay.kick();
          if (change.intent().bankPaymentId() != null) {
            voidAtBank(change.intent().paymentId(), change.intent().bankPaymentId());
          }
        }
        return statusReply(change.intent());
      });
  }

  Future<PaymentApi.Payment> refund(UUID orderId, String reason) {
    return repository.pool().withTransaction(tx -> repository.byOrderForUpdate(tx, orderId).compose(found -> {
        if (found.isEmpty() || found.get().open()) {
          return Future.succeededFuture((Change) null);
        }
        Intent intent = found.get();
        if (!intent.status().equals(Intent.CAPTURED)) {
          return Future.succeededFuture(new Change(intent, false));
        }
        return repository.setStatus(tx, intent.paymentId(), Intent.REFUND_PENDING, null, reason == null ? "REFUND_REQUESTED" : reason)
          .map(pending -> new Change(pending, true));
      }))
      .compose(change -> {
        if (change == null) {
          // nothing captured yet: cancelling the payment is the refund
          return voidPayment(orderId);
        }
        if (change.intent().status().equals(Intent.REFUND_PENDING)) {
          return refundAtBank(change.intent()).map(PaymentService::statusReply);
        }
        return Future.succeededFuture(statusReply(change.intent()));
      });
  }

  Future<PaymentApi.Payment> get(UUID orderId) {
    return repository.byOrder(repository.pool(), orderId).compose(found -> found
      .map(intent -> Future.succeededFuture(PaymentApi.Payment.fromJson(intent.toJson())))
      .orElseGet(() -> Future.failedFuture(ErrorCode.NOT_FOUND.failure("No payment for this order."))));
  }

  private static PaymentApi.Payment statusReply(Intent intent) {
    return new PaymentApi.Payment(intent.paymentId(), null, intent.status(), null, null, false);
  }

  /**
   * An {@code OrderCancelled} from {@code orders.events}: captured money goes back, a payment not
   * captured yet is voided (a capture that still comes is then refunded).
   */
  Future<Void> orderCancelled(UUID orderId, String reason) {
    return refund(orderId, reason == null ? "ORDER_CANCELLED" : reason)
      .compose(reply -> {
        // refunded before the order was cancelled (a saga's compensation): the order learns it now;
        // should that fail, the notice stays due and the payment jobs retry it
        if (Intent.REFUNDED.equals(reply.status())) {
          return orders.refunded(orderId).otherwiseEmpty();
        }
        return Future.succeededFuture();
      });
  }

  // ---- the bank's word: callbacks and status polls

  /** The bank's signed callback, as the gateway received it. */
  Future<PaymentApi.CallbackOutcome> callback(PaymentApi.BankCallback callback) {
    String raw = callback.body();
    String signature = callback.signature();
    if (raw == null || !BankApi.verify(sharedSecret, raw.getBytes(StandardCharsets.UTF_8), signature)) {
      return Future.failedFuture(ErrorCode.INVALID_SIGNATURE.failure("The callback's signature is missing or wrong."));
    }
    JsonObject event;
    try {
      event = new JsonObject(raw);
    } catch (DecodeException | ClassCastException e) {
      return Future.failedFuture(ErrorCode.MALFORMED_REQUEST.failure("The callback body must be a JSON object."));
    }
    JsonValidator v = JsonValidator.of(event);
    String bankId = v.requiredString("id", 1, 128);
    String status = v.requiredString("status", 1, 32);
    UUID reference = JsonValidator.parseUuid(event.getValue("reference"));
    v.throwIfInvalid();
    if (!BANK_RESULTS.contains(status)) {
      // the bank tells about voids and refunds we asked for; nothing to do
      return Future.succeededFuture(new PaymentApi.CallbackOutcome(new JsonObject().put("status", "IGNORED")));
    }
    UUID orderId = v.requiredUuid("order_id");
    JsonObject amount = v.requiredMoney("amount", Long.MAX_VALUE);
    v.throwIfInvalid();
    // a signed result must still be about this payment: its order, its amount, its currency
    return repository.pool().withTransaction(tx -> repository.byBankIdForUpdate(tx, bankId, reference)).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.failure("No such payment."));
      }
      Intent intent = found.get();
      if (!intent.orderId().equals(orderId) || intent.amount() != amount.getLong("amount")
        || !intent.currency().equals(amount.getString("currency"))
        || (intent.bankPaymentId() != null && !intent.bankPaymentId().equals(bankId))) {
        LOG.warn("Refused a signed bank callback for payment {}: it names order {} and {} {}, the payment is order {} and {} {}",
          intent.paymentId(), orderId, amount.getLong("amount"), amount.getString("currency"),
          intent.orderId(), intent.amount(), intent.currency());
        return Future.failedFuture(ErrorCode.CONFLICT.failure(
          "The callback does not match the payment (order, amount or currency differ); nothing was changed."));
      }
      if (!intent.open()) {
        // the bank retries until it hears 2xx, and a copy may be replayed: harmless, but worth a line
        LOG.info("Repeated bank callback {} for payment {} (already {}); nothing changes",
          event.getValue("event_id"), intent.paymentId(), intent.status());
      }
      return applyBankResult(bankId, reference, status).map(applied -> new PaymentApi.CallbackOutcome(new JsonObject().put("status", applied.status())));
    });
  }

  /**
   * Applies CAPTURED or DECLINED from the bank. A capture of a voided intent becomes REFUND_PENDING
   * and is refunded at once; a result for a settled intent changes nothing.
   */
  Future<Intent> applyBankResult(String bankId, UUID reference, String bankStatus) {
    // the result this call recorded (null: nothing new), for checkout once it is committed
    String[] recorded = new String[1];
    return repository.pool().withTransaction(tx -> repository.byBankIdForUpdate(tx, bankId, reference).compose(found -> {
        if (found.isEmpty()) {
          return Future.failedFuture(ErrorCode.NOT_FOUND.failure("No such payment."));
        }
        Intent intent = found.get();
        if (bankStatus.equals(BankApi.CAPTURED)) {
          if (intent.open()) {
            recorded[0] = Intent.CAPTURED;
            return repository.setStatus(tx, intent.paymentId(), Intent.CAPTURED, bankId, null)
              .compose(captured -> appendEvent(tx, captured, "PaymentCaptured", Intent.CAPTURED).map(captured));
          }
          if (intent.status().equals(Intent.VOIDED)) {
            LOG.info("Payment {} of order {} was captured after it was voided; refunding", intent.paymentId(), intent.orderId());
            return repository.setStatus(tx, intent.paymentId(), Intent.REFUND_PENDING, bankId, "LATE_PAYMENT")
              .compose(pending -> appendEvent(tx, pending, "PaymentCaptured", Intent.CAPTURED).map(pending));
          }
        } else if (intent.open()) {
          recorded[0] = Intent.DECLINED;
          return repository.setStatus(tx, intent.paymentId(), Intent.DECLINED, bankId, null)
            .compose(declined -> appendEvent(tx, declined, "PaymentDeclined", Intent.DECLINED).map(declined));
        }
        return Future.succeededFuture(intent);
      }))
      .compose(intent -> {
        relay.kick();
        if (recorded[0] != null) {
          checkout.result(intent.orderId(), recorded[0]);
        }
        return intent.status().equals(Intent.REFUND_PENDING) ? refundAtBank(intent) : Future.succeededFuture(intent);
      });
  }

  /** Asks the bank about a payment we have heard nothing about, and acts on its answer. */
  Future<Void> pollBank(Intent intent) {
    return bank.status(intent.bankPaymentId()).compose(reply -> {
      String status = reply.body().getString("status");
      if (reply.ok() && BANK_RESULTS.contains(status)) {
        LOG.info("Payment {}: no callback yet, the bank says {}", intent.paymentId(), status);
        return applyBankResult(intent.bankPaymentId(), intent.paymentId(), status).mapEmpty();
      }
      return Future.succeededFuture();
    });
  }

  /** Tells orders about a refund whose notice is still due (the payment jobs' retry). */
  Future<Void> retryRefundNotice(Intent intent) {
    return orders.refunded(intent.orderId()).otherwiseEmpty();
  }

  /** Returns the money; on a bank failure the intent stays REFUND_PENDING and the refund job retries. */
  Future<Intent> refundAtBank(Intent intent) {
    if (intent.bankPaymentId() == null) {
      return Future.succeededFuture(intent);
    }
    return bank.refund(intent.bankPaymentId())
      .compose(reply -> {
        String bankStatus = reply.body().getString("status");
        if (!reply.ok() && !BankApi.REFUNDED.equals(bankStatus)) {
          return Future.failedFuture(new BankClient.BankUnavailable("The bank refused the refund: HTTP " + reply.status(), null));
        }
        return repository.pool().withTransaction(tx -> repository.finishRefund(tx, intent.paymentId())
          .compose(done -> done.isEmpty()
            ? Future.succeededFuture(intent)
            : appendEvent(tx, done.get(), "PaymentRefunded", Intent.REFUNDED).map(done.get())));
      })
      .onSuccess(refunded -> {
        relay.kick();
        if (refunded.status().equals(Intent.REFUNDED)) {
          // due until orders answers: the payment jobs retry a notice that is lost here
          orders.refunded(refunded.orderId());
        }
      })
      .recover(err -> {
        LOG.warn("Refund of payment {} failed, will retry: {}", intent.paymentId(), err.getMessage());
        return Future.succeededFuture(intent);
      });
  }

  /**
   * Voids a voided intent's payment at the bank; the void stays due (retried by the payment jobs,
   * {@link #retryBankVoid}) until the bank answers VOIDED or DECLINED, does not know the payment,
   * says it was refunded, or says CAPTURED: the buyer paid before the void, so the capture is
   * recorded (the intent becomes REFUND_PENDING) and the money goes back.
   */
  Future<Void> voidAtBank(UUID paymentId, String bankPaymentId) {
    return bank.voidPayment(bankPaymentId).compose(reply -> {
      String status = reply.body() == null ? null : reply.body().getString("status");
      if (reply.ok() || reply.status() == 404 || BankApi.VOIDED.equals(status) || BankApi.DECLINED.equals(status)
        || BankApi.REFUNDED.equals(status)) {
        return repository.bankVoidDone(paymentId);
      }
      if (BankApi.CAPTURED.equals(status)) {
        LOG.info("Payment {} was captured at the bank before its void; refunding", paymentId);
        return applyBankResult(bankPaymentId, paymentId, BankApi.CAPTURED).compose(x -> repository.bankVoidDone(paymentId));
      }
      return Future.failedFuture(new BankClient.BankUnavailable("The bank refused the void: HTTP " + reply.status(), null));
    }).onFailure(err -> LOG.info("Void of bank payment {} not confirmed yet; retried later: {}", bankPaymentId, err.getMessage()));
  }

  /** {@code payment.bank_void_retry_ms}: when the job first looks again at a bank void its first try did not confirm. */
  PaymentService bankVoidRetryMs(long value) {
    this.bankVoidRetryMs = value;
    return this;
  }

  /** The payment jobs' retry of a bank void still due. */
  Future<Void> retryBankVoid(Intent intent) {
    return intent.bankPaymentId() == null ? repository.bankVoidDone(intent.paymentId()) : voidAtBank(intent.paymentId(), intent.bankPaymentId());
  }

  private Future<Void> appendEvent(SqlClient tx, Intent intent, String type, String status) {
    return outbox.append(tx, Topics.PAYMENTS_EVENTS,
      EventEnvelope.create(type, intent.orderId().toString(), intent.eventData(status)));
  }

  private record Change(Intent intent, boolean changed) {
  }
}
