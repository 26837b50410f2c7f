package dev.marketplace.gateway;

import dev.marketplace.contracts.PingApi;
import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.platform.bus.BusClient;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.kafka.admin.KafkaAdminClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The checks behind {@code GET /ready}: PostgreSQL ({@code SELECT 1}), Kafka (describe cluster)
 * and a ping of every component in {@code gateway.required_components}, all at once, each bounded
 * by {@code gateway.ready_timeout_ms}. Holds its own small pool and one admin client for the
 * verticle's lifetime.
 */
final class Readiness {
  private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);
  private static final String UP = "UP";
  private static final String DOWN = "DOWN";

  private final Vertx vertx;
  private final JsonObject config;
  private final long timeoutMs;
  private final List<String> components;
  // last state per check, so a flapping dependency is logged on change, not on every probe;
  // concurrent because client callbacks may complete off the event loop
  private final Map<String, String> lastStatus = new ConcurrentHashMap<>();

  private Pool pool;
  private KafkaAdminClient admin;

  Readiness(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.config = config;
    JsonObject gateway = config.getJsonObject("gateway", new JsonObject());
    this.timeoutMs = gateway.getLong("ready_timeout_ms", 1000L);
    List<String> required = new ArrayList<>();
    for (Object c : gateway.getJsonArray("required_components", new JsonArray())) {
      required.add(String.valueOf(c));
    }
    this.components = List.copyOf(required);
  }

  Future<Void> start() {
    // fail fast instead of retrying: a probe wants the state now, and the next probe tries again
    PgConnectOptions connect = PgSupport.connectOptions(config)
      .setReconnectAttempts(0);
    pool = PgBuilder.pool()
      .with(new PoolOptions()
        .setMaxSize(2)
        .setName("gateway-ready")
        .setMaxWaitQueueSize(32)
        .setConnectionTimeout((int) timeoutMs)
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
      .with(new NetClientOptions().setConnectTimeout((int) timeoutMs))
      .connectingTo(connect)
      .using(vertx)
      .build();
    Map<String, String> props = new HashMap<>(KafkaSupport.adminConfig(config));
    String callTimeout = String.valueOf(Math.max(timeoutMs, 500));
    props.put("request.timeout.ms", callTimeout);
    props.put("default.api.timeout.ms", callTimeout);
    props.put("client.id", "gateway-ready");
    // the Kafka client resolves its bootstrap addresses when built: not on the event loop
    return vertx.executeBlocking(() -> KafkaAdminClient.create(vertx, props))
      .map(client -> {
        admin = client;
        return null;
      });
  }

  Future<Void> close() {
    List<Future<?>> closing = new ArrayList<>();
    if (pool != null) {
      closing.add(pool.close());
    }
    if (admin != null) {
      closing.add(admin.close(timeoutMs));
    }
    return Future.join(closing).mapEmpty();
  }

  /**
   * {@code {"status": "UP"|"DOWN", "checks": {"postgres": {...}, "kafka": {...}, "components": {...}}}};
   * never fails: a check that fails or hangs is reported DOWN with a short reason.
   */
  Future<JsonObject> check(String correlationId) {
    Future<JsonObject> postgres = bounded("postgres", correlationId, pool.query("SELECT 1").execute().map(rows -> up()));
    Future<JsonObject> kafka = bounded("kafka", correlationId, admin.describeCluster()
      .map(cluster -> up().put("brokers", cluster.getNodes().size())));
    Map<String, Future<JsonObject>> pings = new LinkedHashMap<>();
    for (String component : components) {
      pings.put(component, ping(component, correlationId));
    }
    List<Future<JsonObject>> all = new ArrayList<>(pings.values());
    all.add(postgres);
    all.add(kafka);
    return Future.join(all).transform(done -> {
      JsonObject componentChecks = new JsonObject();
      pings.forEach((name, result) -> componentChecks.put(name, result.result()));
      JsonObject checks = new JsonObject()
        .put("postgres", postgres.result())
        .put("kafka", kafka.result())
        .put("components", componentChecks);
      boolean allUp = UP.equals(postgres.result().getString("status"))
        && UP.equals(kafka.result().getString("status"))
        && componentChecks.stream().allMatch(e -> UP.equals(((JsonObject) e.getValue()).getString("status")));
      return Future.succeededFuture(new JsonObject().put("status", allUp ? UP : DOWN).put("checks", checks));
    });
  }

  private Future<JsonObject> ping(String component, String correlationId) {
    Future<JsonObject> reply = PingApi.over(BusClient.of(vertx, timeoutMs).withHeader(BusHeaders.CORRELATION_ID, correlationId))
      .ping(component)
      .map(pong -> up().put("node", pong.node()));
    return observed("component " + component, correlationId, reply);
  }

  private Future<JsonObject> bounded(String name, String correlationId, Future<JsonObject> check) {
    return observed(name, correlationId, check.timeout(timeoutMs, TimeUnit.MILLISECONDS));
  }

  /** Turns a failure into a DOWN entry and logs state changes. */
  private Future<JsonObject> observed(String name, String correlationId, Future<JsonObject> check) {
    return check.transform(ar -> {
      String now = ar.succeeded() ? UP : DOWN;
      String previous = lastStatus.put(name, now);
      // transitions only (a first probe logs only a failure): probes come every few seconds
      if (previous == null ? ar.failed() : !previous.equals(now)) {
        Correlation.withMdc(correlationId, () -> {
          if (ar.succeeded()) {
            LOG.info("Readiness: {} is up again", name);
          } else {
            LOG.warn("Readiness: {} is down: {}", name, ar.cause().toString());
          }
        });
      }
      return ar.succeeded()
        ? Future.succeededFuture(ar.result())
        : Future.succeededFuture(new JsonObject().put("status", DOWN).put("reason", reason(ar.cause())));
    });
  }

  /** A short reason for the report: what kind of failure, never hosts, SQL or stack traces. */
  private String reason(Throwable failure) {
    if (failure instanceof TimeoutException || failure instanceof org.apache.kafka.common.errors.TimeoutException) {
      return "no answer within " + timeoutMs + " ms";
    }
    if (failure instanceof ReplyException) {
      ErrorCode code = ServiceFailure.from(failure).code();
      return switch (code) {
        case TIMEOUT -> "no answer within " + timeoutMs + " ms";
        case SERVICE_UNAVAILABLE -> "not registered on the event bus";
        default -> "answered with " + code.name();
      };
    }
    if (failure instanceof ConnectException) {
      return "connection refused";
    }
    if (failure instanceof PgException) {
      return "query failed";
    }
    return "unavailable (" + failure.getClass().getSimpleName() + ")";
  }

  private static JsonObject up() {
    return new JsonObject().put("status", UP);
  }
}
