package dev.marketplace.sales;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.sales.SalesAddresses;
import dev.marketplace.contracts.sales.SalesApi;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.bus.Access;
import dev.marketplace.platform.stock.SoldOutView;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * Big sales: an admin declares a sale, checkout asks {@link SalesAddresses#ADMIT} for carts of its
 * products, buyers are admitted at the sale's rate first come first served by ticket. Settings:
 * {@link SalesSettings}. Runs on any number of nodes: all admission state is in the {@code sales}
 * schema (see its V1 migration for how the horizon keeps it cheap).
 */
public class SalesVerticle extends ComponentVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(SalesVerticle.class);
  private SalesService service;
  private SoldOutView soldOut;
  private MessageConsumer<JsonObject> reports;
  private final SalesMetrics metrics = new SalesMetrics();
  private boolean running;
  private boolean broadcastDue;
  private final java.util.List<Long> timers = new java.util.ArrayList<>();

  @Override
  protected String name() {
    return Components.SALES;
  }

  @Override
  protected Class<?> api() {
    return SalesApi.class;
  }

  @Override
  protected Future<?> startComponent() {
    SalesSettings settings = SalesSettings.from(section());
    SaleStore store = new SaleStore(pool);
    soldOut = new SoldOutView(section().getLong("sold_out_stale_ms", 3000L));
    return store.ticketKey().compose(key -> {
      service = new SalesService(vertx, store, new Tickets(key), soldOut, settings, busTimeoutMs());
      // the operator's operations read the HTTP JSON themselves (the caller first)
      // the operator's operations: an admin, checked before the body is read
      serve(SalesApi.CREATE, Access.role("admin"), service::create);
      serve(SalesApi.GET, Access.role("admin"), (request, msg) -> service.get(request));
      serve(SalesApi.ADMIT, (request, msg) -> service.admit(request).map(SalesApi.Admission::fromJson));
      reports = vertx.eventBus().consumer(SalesAddresses.REPORT, msg -> service.report(msg.body()));
      running = true;
      timers.add(vertx.setPeriodic(settings.tickMs(), id -> tick()));
      timers.add(vertx.setPeriodic(settings.broadcastMs(), id -> broadcastDue = true));
      timers.add(vertx.setPeriodic(settings.flushMs(), id -> service.flush()
        .onFailure(err -> LOG.warn("Adding up refusals failed: {}", err.toString()))));
      timers.add(vertx.setPeriodic(settings.statsMs(), id -> refreshMetrics()));
      return Future.all(soldOut.start(vertx), reports.completion(), service.tick().onSuccess(v -> service.broadcast()));
    });
  }

  @Override
  protected Future<?> stopComponent() {
    running = false;
    timers.forEach(vertx::cancelTimer);
    Future<Void> flushed = service == null ? Future.succeededFuture() : service.flush().otherwiseEmpty();
    return flushed
      .transform(x -> reports == null ? Future.succeededFuture() : reports.unregister())
      .transform(x -> soldOut == null ? Future.succeededFuture() : soldOut.stop());
  }

  private void tick() {
    if (!running || service.ticking()) {
      return;
    }
    // a node publishes the sales as a tick that started after its broadcast fell due read them, not
    // its last tick's: checkout takes each list as the whole truth, and a list read before another
    // node declared a sale, published after that node's own, makes checkout nodes skip the sale's
    // waiting room until the next list
    boolean publish = broadcastDue;
    broadcastDue = false;
    service.tick().onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Advancing sale horizons failed: {}", ar.cause().toString());
      }
      if (publish && running) {
        service.broadcast();
      }
    });
  }

  private void refreshMetrics() {
    Instant now = Instant.now();
    for (Sale sale : service.running()) {
      if (sale.started(now)) {
        service.stats(sale).onSuccess(stats -> metrics.update(sale.id().toString(), stats, sale.horizon()));
      }
    }
  }
}
