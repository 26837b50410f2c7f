package dev.marketplace.platform.bus;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.infra.EmbeddedPostgresServer;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A handler whose PostgreSQL is stopped (a real embedded server of this test's own, fast shutdown,
 * started again on the same data dir and port): its callers get SERVICE_UNAVAILABLE marked
 * transient, never INTERNAL, and a {@link RetryingRequest} rides the restart out within its budget.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class DatabaseOutageTest {
  @TempDir
  Path dataDir;

  /** Replaced by the restarted server, from a worker thread. */
  private volatile EmbeddedPostgresServer postgres;
  private int port;
  private Vertx vertx;
  private Pool pool;
  private String address;
  private final AtomicInteger handled = new AtomicInteger();

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    address = "test.db-outage." + UUID.randomUUID();
    // starting a PostgreSQL server is a process and a wait: on a worker
    vertx.executeBlocking(() -> EmbeddedPostgresServer.start(dataDir, 0, false))
      .compose(server -> {
        postgres = server;
        port = server.port();
        pool = PgSupport.pool(vertx, new JsonObject().put("pg", new JsonObject().put("url", server.url())), 2);
        // a handler that needs its database: sleeps as long as the body says, then answers
        return Bus.serve(vertx, address, msg -> {
          handled.incrementAndGet();
          return pool.query("SELECT pg_sleep(" + msg.body().getDouble("sleep", 0.0) + "), 1 AS one").execute()
            .map(rows -> new JsonObject().put("one", rows.iterator().next().getInteger("one")));
        }).completion();
      })
      .compose(v -> Bus.request(vertx, address, new JsonObject(), 5_000))
      .map(answer -> ctx.verify(() -> assertThat(answer.getInteger("one")).isEqualTo(1)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    Future<Void> closed = pool == null ? Future.succeededFuture() : pool.close();
    closed.eventually(() -> stopPostgres()).onComplete(ctx.succeedingThenComplete());
  }

  /** Stops the server (fast shutdown, waiting until it is gone) on a worker; stopping it twice is a no-op. */
  private Future<Void> stopPostgres() {
    EmbeddedPostgresServer server = postgres;
    return server == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      server.close();
      return null;
    });
  }

  @Test
  void whileTheDatabaseIsDownCallersGetTransientServiceUnavailableNotInternal(VertxTestContext ctx) {
    stopPostgres()
      .compose(v -> replyFailure(ctx, Bus.request(vertx, address, new JsonObject(), 10_000)))
      .map(failure -> ctx.verify(() -> {
        assertThat(failure.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
        ServiceFailure decoded = ServiceFailure.from(failure);
        assertThat(decoded.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(decoded.extra().getInteger("retry_after_seconds")).isEqualTo(1);
        assertThat(TransientFailures.isTransient(failure)).isTrue();
        assertThat(TransientFailures.isTransient(decoded)).isTrue();
        // nothing of the cause (host, port, driver text) travels
        assertThat(failure.getMessage()).doesNotContain("127.0.0.1").doesNotContain(String.valueOf(port)).doesNotContain("Exception");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aQueryCutByTheServersShutdownIsTransientServiceUnavailable(VertxTestContext ctx) {
    Future<JsonObject> inFlight = Bus.request(vertx, address, new JsonObject().put("sleep", 30), 20_000);
    // the query is running on the server when it shuts down (fast: sessions get 57P01 or lose their socket)
    Eventually.untilTrue(vertx, "the slow request reached its handler", 10_000, () -> handled.get() >= 2)
      .compose(v -> vertx.timer(300))
      .compose(t -> stopPostgres())
      .compose(v -> replyFailure(ctx, inFlight))
      .map(failure -> ctx.verify(() -> {
        assertThat(ServiceFailure.from(failure).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(TransientFailures.isTransient(failure)).isTrue();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRetryingRequestIsAnsweredOnceTheDatabaseIsBack(VertxTestContext ctx) {
    stopPostgres().compose(v -> {
      int before = handled.get();
      Future<JsonObject> reply = RetryingRequest.request(vertx, address, new JsonObject(), new DeliveryOptions(), 3_000, 20_000);
      // restart on the same data dir and port while the request keeps trying
      Future<EmbeddedPostgresServer> restarted = vertx.timer(1_500)
        .compose(t -> vertx.executeBlocking(() -> EmbeddedPostgresServer.start(dataDir, port, false)))
        .onSuccess(server -> postgres = server);
      // both settled before the test ends, so that @AfterEach stops the restarted server
      return Future.join(reply, restarted).map(all -> ctx.verify(() -> {
        assertThat(reply.result().getInteger("one")).isEqualTo(1);
        // at least one attempt found the database away and was sent again
        assertThat(handled.get() - before).isGreaterThan(1);
      }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRetryingRequestWhoseBudgetEndsBeforeTheDatabaseReturnsFailsServiceUnavailable(VertxTestContext ctx) {
    stopPostgres().compose(v -> {
      int before = handled.get();
      return replyFailure(ctx, RetryingRequest.request(vertx, address, new JsonObject(), new DeliveryOptions(), 1_500, 3_000))
        .map(failure -> ctx.verify(() -> {
          assertThat(ServiceFailure.from(failure).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
          assertThat(handled.get() - before).isGreaterThan(1);
        }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void onlyOutagesCountAsTransient() {
    assertThat(TransientFailures.databaseUnavailable(new PgException("terminating connection due to administrator command", "FATAL", "57P01", null))).isTrue();
    assertThat(TransientFailures.databaseUnavailable(new PgException("the database system is starting up", "FATAL", "57P03", null))).isTrue();
    assertThat(TransientFailures.databaseUnavailable(new PgException("connection failure", "FATAL", "08006", null))).isTrue();
    assertThat(TransientFailures.databaseUnavailable(new RuntimeException("wrapped", new ConnectException("Connection refused")))).isTrue();
    assertThat(TransientFailures.databaseUnavailable(ClosedConnectionException.INSTANCE)).isTrue();
    assertThat(TransientFailures.databaseUnavailable(new java.net.SocketException("Connection reset"))).isTrue();
    // a bug or a constraint is no outage
    assertThat(TransientFailures.databaseUnavailable(new PgException("duplicate key", "ERROR", "23505", null))).isFalse();
    assertThat(TransientFailures.databaseUnavailable(new PgException("relation does not exist", "ERROR", "42P01", null))).isFalse();
    assertThat(TransientFailures.databaseUnavailable(new IllegalStateException("boom"))).isFalse();
    // a SERVICE_UNAVAILABLE without the mark (a saturated hashing pool) is not repeated
    assertThat(TransientFailures.isTransient(ErrorCode.SERVICE_UNAVAILABLE.failure("busy", new JsonObject().put("retry_after_seconds", 1)))).isFalse();
    assertThat(TransientFailures.isTransient(TransientFailures.databaseUnavailable())).isTrue();
  }

  /** The failure of a request that must fail, which must be a {@link ReplyException}. */
  private static Future<ReplyException> replyFailure(VertxTestContext ctx, Future<?> request) {
    return Outcomes.failure(request).map(failure -> {
      ctx.verify(() -> assertThat(failure).isInstanceOf(ReplyException.class));
      return (ReplyException) failure;
    });
  }
}
