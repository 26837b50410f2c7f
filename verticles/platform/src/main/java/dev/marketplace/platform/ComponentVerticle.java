package dev.marketplace.platform;

import dev.marketplace.contracts.Addresses;
import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.bus.Operations;
import dev.marketplace.platform.bus.Access;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.bus.BusClient;
import dev.marketplace.platform.bus.OperationHandler;
import dev.marketplace.platform.jobs.RetentionJob;
import dev.marketplace.platform.kafka.ConsumeLoop;
import dev.marketplace.platform.kafka.DeadLetters;
import dev.marketplace.platform.outbox.Outbox;
import dev.marketplace.platform.outbox.OutboxRelay;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What every back-end component does the same way on start: migrate its own schema, open its
 * pool, start its outbox relay, set itself up, and last answer {@code <name>.ping}. Because the
 * future of {@link #start()} completes only when every bus registration has reached the cluster,
 * "deployed" means "reachable".
 */
public abstract class ComponentVerticle extends VerticleBase {
  protected Pool pool;
  protected Outbox outbox;
  protected OutboxRelay relay;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Set<String> served = new HashSet<>();
  private final Map<String, ConsumeLoop> loops = new LinkedHashMap<>();
  private DeadLetters deadLetters;
  private RetentionJob retention;

  /** The component's name: its schema, its config section and the prefix of its addresses. */
  protected abstract String name();

  /** Whether the component keeps data (a schema with migrations under {@code db/<name>}). */
  protected boolean ownsSchema() {
    return true;
  }

  /** Whether the component publishes events through its outbox. */
  protected boolean publishesEvents() {
    return false;
  }

  /** The component's own set-up: register bus handlers with {@link #serve}, start jobs. */
  protected Future<?> startComponent() {
    return Future.succeededFuture();
  }

  protected Future<?> stopComponent() {
    return Future.succeededFuture();
  }

  /**
   * Whether the component can do its work now; a failure (a coded {@code ReplyException}) makes
   * its ping fail, so {@code /ready} reports it DOWN with that code (for example while catalog
   * builds its first search index).
   */
  protected Future<Void> readiness() {
    return Future.succeededFuture();
  }

  /** This component's config section. */
  protected JsonObject section() {
    return config().getJsonObject(name(), new JsonObject());
  }

  /** The default timeout of requests this component makes to others. */
  protected long busTimeoutMs() {
    return config().getJsonObject("bus", new JsonObject()).getLong("timeout_ms", 5000L);
  }

  protected String nodeId() {
    return config().getJsonObject("node", new JsonObject()).getString("id", "local");
  }

  /** Registers a JSON request/reply handler whose registration is awaited by {@link #start()}. */
  protected void serve(String address, java.util.function.Function<io.vertx.core.eventbus.Message<JsonObject>, Future<JsonObject>> handler) {
    served.add(address);
    consumers.add(Bus.serve(vertx, address, handler));
  }

  /**
   * Registers the handler of one operation of the component's contract ({@link #api()}): the
   * request arrives decoded, the answer is encoded by the operation's reply codec.
   */
  protected <Req, Rep> void serve(Operation<Req, Rep> operation, OperationHandler<Req, Rep> handler) {
    serve(operation, Access.ANYONE, handler);
  }

  /** The same, with the caller checked ({@link Access}) before the body is read. */
  protected <Req, Rep> void serve(Operation<Req, Rep> operation, Access access, OperationHandler<Req, Rep> handler) {
    served.add(operation.address());
    consumers.add(Bus.serve(vertx, operation, access, handler));
  }

  /**
   * The component's typed contract (an interface of {@code contracts}, e.g. {@code InventoryApi}):
   * the start fails unless every one of its operations has a handler. {@code null}: none yet.
   */
  protected Class<?> api() {
    return null;
  }

  /** A client for calls to other components, with this component's default timeout ({@link #busTimeoutMs()}). */
  protected BusClient bus() {
    return BusClient.of(vertx, busTimeoutMs());
  }

  private Future<Void> checkEveryOperationServed() {
    Class<?> api = api();
    if (api == null) {
      return Future.succeededFuture();
    }
    Set<String> missing = new TreeSet<>();
    for (Operation<?, ?> operation : Operations.of(api)) {
      if (!served.contains(operation.address())) {
        missing.add(operation.address());
      }
    }
    return missing.isEmpty() ? Future.succeededFuture()
      : Future.failedFuture(new IllegalStateException(name() + " has no handler for " + missing + " of " + api.getSimpleName()));
  }

  /**
   * Starts a Kafka {@link ConsumeLoop} that parks what keeps failing in this component's
   * {@code dead_letters} table (a migration of the component's own: see {@code payment}'s
   * {@code V2__dead_letters.sql}), and answers {@link DeadLetterAddresses#list} and
   * {@link DeadLetterAddresses#replay} for every loop of the component. The loop is stopped, its
   * cycle finished, before {@link #stopComponent()} runs.
   */
  protected Future<ConsumeLoop> consume(ConsumeLoop.Builder builder) {
    if (deadLetters == null && ownsSchema()) {
      deadLetters = new DeadLetters(pool, name());
      serve(DeadLetterAddresses.list(name()), deadLetters::handleList);
      serve(DeadLetterAddresses.replay(name()), msg -> deadLetters.handleReplay(msg, consumer -> {
        ConsumeLoop loop = loops.get(consumer);
        return loop == null ? null : loop::apply;
      }));
    }
    ConsumeLoop loop = builder.deadLetters(deadLetters).build();
    if (loops.putIfAbsent(loop.name(), loop) != null) {
      return Future.failedFuture(new IllegalStateException("Two consume loops named " + loop.name()));
    }
    return loop.start().map(loop);
  }

  /**
   * What this component purges when it is old enough (see {@link RetentionJob}); called once
   * {@link #startComponent()} is done. Replayed dead letters ({@code retention.dead_letters},
   * 30 days) are purged for every component that consumes.
   */
  protected List<RetentionJob.Purge> retentionPurges() {
    return List.of();
  }

  /** The retention job ({@code null} when there is nothing to purge). */
  protected RetentionJob retention() {
    return retention;
  }

  private void startRetention() {
    List<RetentionJob.Purge> purges = new ArrayList<>(retentionPurges());
    if (deadLetters != null) {
      purges.add(new RetentionJob.Purge("replayed dead letters",
        RetentionJob.age(config(), "dead_letters", java.time.Duration.ofDays(30)), deadLetters::purgeReplayed));
    }
    if (!purges.isEmpty()) {
      retention = new RetentionJob(vertx, config(), name(), purges);
      retention.start();
    }
  }

  /** This component's dead letters ({@code null} before the first {@link #consume}). */
  protected DeadLetters deadLetters() {
    return deadLetters;
  }

  @Override
  public final Future<?> start() {
    Future<Void> ready = Future.succeededFuture();
    if (ownsSchema()) {
      ready = PgSupport.migrate(vertx, config(), name()).map(v -> {
        pool = PgSupport.pool(vertx, config(), name(),
          config().getJsonObject("pg", new JsonObject()).getInteger("pool_size", 8));
        outbox = new Outbox(name());
        return null;
      });
    }
    return ready
      .compose(v -> startRelay())
      .compose(v -> startComponent())
      .compose(v -> checkEveryOperationServed())
      .compose(v -> {
        startRetention();
        // the ping goes last: a component that answers it is fully set up
        serve(Addresses.ping(name()), msg -> readiness().map(
          ok -> new JsonObject().put("component", name()).put("node", nodeId())));
        List<Future<Void>> registrations = new ArrayList<>();
        for (MessageConsumer<?> consumer : consumers) {
          registrations.add(consumer.completion());
        }
        return Future.all(registrations);
      });
  }

  private Future<Void> startRelay() {
    if (!ownsSchema() || !publishesEvents()) {
      return Future.succeededFuture();
    }
    relay = new OutboxRelay(vertx, pool, config(), name());
    return relay.start();
  }

  @Override
  public final Future<?> stop() {
    if (retention != null) {
      retention.stop();
    }
    List<Future<?>> unregistered = new ArrayList<>();
    for (MessageConsumer<?> consumer : consumers) {
      unregistered.add(consumer.unregister());
    }
    return Future.join(unregistered)
      .transform(x -> Future.join(loops.values().stream().map(ConsumeLoop::stop).toList()))
      .transform(x -> stopComponent())
      .transform(x -> relay == null ? Future.succeededFuture() : relay.stop())
      .transform(x -> pool == null ? Future.succeededFuture() : pool.close());
  }
}
