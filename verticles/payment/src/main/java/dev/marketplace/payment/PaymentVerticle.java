package dev.marketplace.payment;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.contracts.payment.PaymentApi;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.jobs.RetentionJob;
import dev.marketplace.platform.jobs.SingleFlightJob;
import dev.marketplace.platform.kafka.ConsumeLoop;
import dev.marketplace.platform.kafka.ConsumedRecord;
import dev.marketplace.platform.security.Secrets;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;

/**
 * The payment component: intents in the {@code payment} schema, the bank over HTTP
 * ({@link BankClient}), signed callbacks, void and refund, events on {@code payments.events}.
 * It consumes {@code orders.events}: an {@code OrderCancelled} order's money is refunded (or its
 * payment voided), and once refunded the order is moved to REFUNDED ({@link OrdersNotifier}).
 *
 * <p>Config ({@code payment} section): {@code bank_url} (default {@code http://127.0.0.1:<bank.port>}),
 * {@code bank_timeout_ms} (2000: one attempt), {@code start_budget_ms} (6500: a payment's creation,
 * retries included; keep it below checkout's {@code payment_timeout_ms}), {@code bank_retry_budget_ms}
 * (4000: the other bank calls), {@code breaker_max_failures} (5), {@code breaker_reset_ms} (10000),
 * {@code poll_interval_ms} (1000: how often the refund jobs run), {@code poll_first_ms} (2000: a
 * PENDING payment without a callback is asked about at the bank that long after it started, then
 * after 2, 4, 8... s), {@code poll_max_interval_ms} (5000: never less often than that),
 * {@code poll_batch} (100 claimed at once), {@code poll_concurrency} (200 questions in flight at most),
 * {@code refund_retry_ms} (5000), {@code bank_void_retry_ms} (2000: a bank void not confirmed at once is
 * retried after that, then doubling up to a minute, until the bank confirms).
 * The callback signature secret is {@code bank.shared_secret} (required: there is no default).
 */
public class PaymentVerticle extends ComponentVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(PaymentVerticle.class);

  private BankClient bank;
  private PaymentService service;
  private PaymentRepository repository;
  private long jobTimer = -1;
  private SingleFlightJob bankPolls;
  private int pollsInFlight;
  private boolean jobRunning;

  @Override
  protected boolean publishesEvents() {
    return true;
  }

  @Override
  protected String name() {
    return Components.PAYMENT;
  }

  @Override
  protected Class<?> api() {
    return PaymentApi.class;
  }

  @Override
  protected Future<?> startComponent() {
    JsonObject section = section();
    // no default: a secret anyone knows would let anyone mark their own order paid
    String secret = Secrets.require(config(), "bank", "shared_secret");
    bank = new BankClient(vertx, config());
    repository = new PaymentRepository(pool);
    service = new PaymentService(repository, bank, outbox, relay, secret, new OrdersNotifier(vertx, busTimeoutMs(), repository),
      new CheckoutNotifier(vertx, busTimeoutMs()))
      .bankVoidRetryMs(section.getLong("bank_void_retry_ms", PaymentService.BANK_VOID_RETRY_MS));
    serve(PaymentApi.START, (request, msg) -> service.start(request));
    serve(PaymentApi.VOID, (request, msg) -> service.voidPayment(request.orderId()));
    serve(PaymentApi.REFUND, (request, msg) -> service.refund(request.orderId(), request.reason()));
    serve(PaymentApi.CALLBACK, (request, msg) -> service.callback(request));
    serve(PaymentApi.GET, (request, msg) -> service.get(request.orderId()));
    serve(PaymentApi.AVAILABILITY, (none, msg) -> Future.succeededFuture(
      new PaymentApi.Availability(bank.state() != CircuitBreakerState.OPEN, bank.state().name())));
    long interval = section.getLong("poll_interval_ms", 1_000L);
    jobTimer = vertx.setPeriodic(interval, id -> runJobs(section));
    int pollBatch = section.getInteger("poll_batch", 100);
    bankPolls = new SingleFlightJob(vertx, "bank status polls", Math.min(interval, 500L), pollBatch, () -> pollSilentPayments(section, pollBatch));
    bankPolls.start();
    return startOrdersConsumer();
  }

  /**
   * {@code orders.events} (group {@code payment.<database>}) through the platform's consume loop:
   * a cancelled order's payment is refunded or voided; a failure stops the partition there and is
   * retried, and an event that keeps failing is parked in {@code payment.dead_letters}.
   */
  private Future<Void> startOrdersConsumer() {
    String database = config().getJsonObject("pg").getString("url").replaceAll(".*/", "").replaceAll("\\?.*", "");
    return consume(ConsumeLoop.builder(vertx, config(), "payment." + database, List.of(Topics.ORDERS_EVENTS))
      .handler(this::onOrderEvent)).mapEmpty();
  }

  private Future<Void> onOrderEvent(ConsumedRecord record) {
    EventEnvelope event = record.envelope();
    if (!"OrderCancelled".equals(event.type())) {
      return Future.succeededFuture();
    }
    UUID orderId = JsonValidator.parseUuid(event.data().getValue("order_id"));
    if (orderId == null) {
      return Future.failedFuture(new IllegalArgumentException("OrderCancelled " + event.eventId() + " names no order"));
    }
    // refund and void are idempotent: a redelivered event changes nothing
    return service.orderCancelled(orderId, event.data().getString("reason"));
  }

  @Override
  protected List<RetentionJob.Purge> retentionPurges() {
    return PaymentRetention.purges(pool, config());
  }

  @Override
  protected Future<?> stopComponent() {
    if (jobTimer >= 0) {
      vertx.cancelTimer(jobTimer);
    }
    if (bankPolls != null) {
      bankPolls.stop();
    }
    if (bank != null) {
      bank.close();
    }
    return Future.succeededFuture();
  }

  /**
   * Asks the bank about silent payments, a batch at a time: a lost callback is made up for in
   * seconds. A pass claims what is due and sends the questions without waiting for the slowest
   * answer (a claimed payment is not due again for a while); at most {@code poll_concurrency}
   * questions are in flight.
   */
  private Future<Integer> pollSilentPayments(JsonObject section, int batch) {
    int room = Math.min(batch, section.getInteger("poll_concurrency", 200) - pollsInFlight);
    if (room <= 0) {
      return Future.succeededFuture(0);
    }
    return repository.claimSilentPending(section.getLong("poll_first_ms", 2_000L), section.getLong("poll_max_interval_ms", 5_000L), room)
      .map(intents -> {
        for (Intent intent : intents) {
          pollsInFlight++;
          service.pollBank(intent).onComplete(ar -> {
            pollsInFlight--;
            if (ar.failed()) {
              LOG.debug("Asking the bank about payment {} failed; asked again later: {}", intent.paymentId(), ar.cause().toString());
            }
          });
        }
        return intents.size();
      });
  }

  /** Retries pending refunds, bank voids not confirmed yet and the refund notices orders has not confirmed yet; one run at a time per node. */
  private void runJobs(JsonObject section) {
    if (jobRunning) {
      return;
    }
    jobRunning = true;
    repository.claimRefundPending(section.getLong("refund_retry_ms", 5_000L), 50)
      .compose(intents -> Future.join(intents.stream().map(service::refundAtBank).toList()))
      .transform(x -> repository.claimBankVoids(section.getLong("bank_void_retry_ms", PaymentService.BANK_VOID_RETRY_MS), 50))
      .compose(intents -> Future.join(intents.stream().map(service::retryBankVoid).toList()))
      .transform(x -> repository.claimRefundNotices(section.getLong("refund_retry_ms", 5_000L), 50))
      .compose(intents -> Future.join(intents.stream().map(service::retryRefundNotice).toList()))
      .onComplete(ar -> {
        jobRunning = false;
        if (ar.failed()) {
          LOG.debug("Payment jobs: {}", ar.cause().toString());
        }
      });
  }
}
