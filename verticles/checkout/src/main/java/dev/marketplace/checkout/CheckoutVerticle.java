package dev.marketplace.checkout;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.checkout.CheckoutAddresses;
import dev.marketplace.contracts.checkout.CheckoutApi;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.bus.Access;
import dev.marketplace.platform.bus.ClusterNodes;
import dev.marketplace.platform.jobs.RetentionJob;
import dev.marketplace.platform.kafka.ConsumeLoop;
import dev.marketplace.platform.kafka.ConsumedRecord;
import dev.marketplace.platform.stock.SoldOutView;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;

/**
 * The checkout saga coordinator (see {@link CheckoutAddresses}). Besides answering
 * {@code checkout.start} it
 * <ul>
 *   <li>consumes {@code payments.events} (group {@code checkout.<database>}): a captured or declined
 *   payment is recorded on the saga, which is then driven on;</li>
 *   <li>sweeps every {@code sweep_interval_ms} (and at start) for sagas that are due: left
 *   unfinished by a dead node (its lease, {@code lease_ms}, ran out: a live owner renews the
 *   leases of the sagas it drives every third of it), waiting past {@code reserved_until}, with a payment
 *   result, or retrying a failed compensation. Claims use {@code FOR UPDATE SKIP LOCKED} and a
 *   lease, so two nodes never drive one saga at once.</li>
 * </ul>
 */
public class CheckoutVerticle extends ComponentVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(CheckoutVerticle.class);
  private static final int SWEEP_BATCH = 20;

  /** {@code <cluster node id>/checkout-<uuid>} when clustered, so others can tell when its node has left. */
  private String owner = "checkout-" + UUID.randomUUID();
  /** The live members the last release of departed nodes' leases was made for. */
  private java.util.Set<String> releasedFor;
  private SagaRepository repository;
  private SagaDriver driver;
  private SoldOutView soldOut;
  private SaleProducts saleProducts;
  private CheckoutGate gate;
  private boolean running;
  private boolean sweeping;
  private long sweepTimer = -1;
  private long renewTimer = -1;
  private boolean renewing;

  @Override
  protected String name() {
    return Components.CHECKOUT;
  }

  @Override
  protected Class<?> api() {
    return CheckoutApi.class;
  }

  @Override
  protected Future<?> startComponent() {
    CheckoutSettings settings = CheckoutSettings.from(section());
    String nodeId = ClusterNodes.localNodeId(vertx);
    if (nodeId != null) {
      owner = nodeId + "/" + owner;
    }
    repository = new SagaRepository(pool, settings.leaseMs(), owner, settings.batchMax(), settings.batchParallelism());
    driver = new SagaDriver(vertx, repository, owner, settings);
    soldOut = new SoldOutView(section().getLong("sold_out_stale_ms", 3_000L));
    saleProducts = new SaleProducts(section().getLong("sales_stale_ms", 3_000L));
    gate = new CheckoutGate(vertx, pool, soldOut, saleProducts, section().getInteger("max_open_per_buyer", 3),
      settings.stepTimeoutMs());
    gate.startReporting(1_000);
    CheckoutService service = new CheckoutService(vertx, repository, driver, owner, settings).gate(gate);
    serve(CheckoutApi.START, Access.USER, service::start);
    serve(CheckoutApi.GET, Access.USER, service::get);
    serve(CheckoutApi.PAYMENT_RESULT, (request, msg) -> paymentResult(request));
    running = true;
    sweepTimer = vertx.setPeriodic(1, settings.sweepIntervalMs(), id -> sweep());
    // a step may outlast the lease (a slow bank): the leases of sagas being driven are renewed
    renewTimer = vertx.setPeriodic(Math.max(100, settings.leaseMs() / 3), id -> renewLeases());
    return Future.all(soldOut.start(vertx), saleProducts.start(vertx)).compose(v -> startConsumer());
  }

  @Override
  protected List<RetentionJob.Purge> retentionPurges() {
    return SagaRetention.purges(pool, config());
  }

  @Override
  protected Future<?> stopComponent() {
    running = false;
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    if (renewTimer >= 0) {
      vertx.cancelTimer(renewTimer);
    }
    if (gate != null) {
      gate.stop();
    }
    return Future.succeededFuture();
  }

  /** The owner id this instance writes into the leases it holds. */
  String owner() {
    return owner;
  }

  /**
   * {@code payments.events} (group {@code checkout.<database>}, one group per database: test
   * databases sharing a broker must not steal each other's events) through the platform's consume
   * loop: nothing is committed past a result that was not recorded on its saga.
   */
  private Future<Void> startConsumer() {
    String database = config().getJsonObject("pg").getString("url").replaceAll(".*/", "").replaceAll("\\?.*", "");
    return consume(ConsumeLoop.builder(vertx, config(), "checkout." + database, List.of(Topics.PAYMENTS_EVENTS))
      .handler(this::handleEvent)).mapEmpty();
  }

  /** Records the payment's result on its saga (durably, before the offset is committed), then drives it. */
  private Future<Void> handleEvent(ConsumedRecord record) {
    EventEnvelope event = record.envelope();
    String result = switch (event.type()) {
      case "PaymentCaptured" -> "CAPTURED";
      case "PaymentDeclined" -> "DECLINED";
      default -> null;
    };
    if (result == null) {
      return Future.succeededFuture();
    }
    UUID orderId = JsonValidator.parseUuid(event.data().getValue("order_id"));
    if (orderId == null) {
      return Future.failedFuture(new IllegalArgumentException(event.type() + " " + event.eventId() + " names no order"));
    }
    return repository.recordPaymentResult(orderId, result).map(news -> {
      if (news) {
        // the result is stored: a drive that fails here is picked up by the sweep
        repository.claim(orderId, owner)
          .compose(claimed -> claimed.map(driver::drive).orElse(Future.succeededFuture()))
          .onFailure(err -> LOG.warn("Saga {}: driving after {} failed: {}", orderId, event.type(), err.toString()));
      }
      return null;
    });
  }

  /** Payment's word right after its commit: recorded, then the saga is driven (the reply does not wait for that). */
  private Future<CheckoutApi.Recorded> paymentResult(CheckoutApi.PaymentResult request) {
    UUID orderId = request.orderId();
    String result = request.result();
    return repository.recordPaymentResultAndClaim(orderId, result, owner).map(recorded -> {
      recorded.filter(saga -> owner.equals(saga.leaseOwner())).ifPresent(saga -> driver.drive(saga)
        .onFailure(err -> LOG.warn("Saga {}: driving after the payment result failed: {}", orderId, err.toString())));
      return new CheckoutApi.Recorded(recorded.isPresent());
    });
  }

  /**
   * When the cluster's members changed, frees the leases of owners whose node left: a dead
   * node's sagas are taken over as soon as the cluster notices, not a lease later.
   */
  private Future<Void> releaseDepartedNodes() {
    java.util.Set<String> live = ClusterNodes.liveNodes(vertx);
    if (live == null || live.equals(releasedFor)) {
      return Future.succeededFuture();
    }
    return repository.releaseDeparted(live).map(n -> {
      releasedFor = live;
      if (n > 0) {
        LOG.info("Took back the leases of {} sagas whose node left the cluster", n);
      }
      return null;
    });
  }

  private void renewLeases() {
    if (!running || renewing || driver.driving().isEmpty()) {
      return;
    }
    renewing = true;
    repository.renew(java.util.List.copyOf(driver.driving()), owner).onComplete(ar -> {
      renewing = false;
      if (ar.failed()) {
        LOG.warn("Renewing saga leases failed: {}", ar.cause().toString());
      }
    });
  }

  private void sweep() {
    if (!running || sweeping) {
      return;
    }
    sweeping = true;
    releaseDepartedNodes()
      .transform(x -> repository.claimDue(owner, SWEEP_BATCH))
      .compose(sagas -> {
        if (!sagas.isEmpty()) {
          LOG.debug("Sweep claimed {} sagas", sagas.size());
        }
        return Future.join(sagas.stream().map(driver::drive).toList());
      })
      .onComplete(ar -> {
        sweeping = false;
        if (ar.failed()) {
          LOG.warn("Saga sweep failed: {}", ar.cause().toString());
        }
      });
  }
}
