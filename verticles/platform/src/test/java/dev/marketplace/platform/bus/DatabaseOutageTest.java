package dev.marketplace.platform.bus;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.infra.EmbeddedPostgresServer;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A handler whose PostgreSQL is stopped (a real embedded server of this test's own, fast shutdown,
 * started again on the same data dir and port): its callers get SERVICE_UNAVAILABLE marked
 * transient, never INTERNAL, and a {@link RetryingRequest} rides the restart out within its budget.
 */
class DatabaseOutageTest {
  @TempDir
  Path dataDir;

  private EmbeddedPostgresServer postgres;
  private int port;
  private Vertx vertx;
  private Pool pool;
  private String address;
  private final AtomicInteger handled = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    postgres = EmbeddedPostgresServer.start(dataDir, 0, false);
    port = postgres.port();
    vertx = Vertx.vertx();
    pool = PgSupport.pool(vertx, new JsonObject().put("pg", new JsonObject().put("url", postgres.url())), 2);
    address = "test.db-outage." + UUID.randomUUID();
    // a handler that needs its database: sleeps as long as the body says, then answers
    await(Bus.serve(vertx, address, msg -> {
      handled.incrementAndGet();
      return pool.query("SELECT pg_sleep(" + msg.body().getDouble("sleep", 0.0) + "), 1 AS one").execute()
        .map(rows -> new JsonObject().put("one", rows.iterator().next().getInteger("one")));
    }).completion());
    assertThat(await(Bus.request(vertx, address, new JsonObject(), 5_000)).getInteger("one")).isEqualTo(1);
  }

  @AfterEach
  void stop() throws Exception {
    try {
      await(pool.close());
      await(vertx.close());
    } finally {
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  @Test
  void whileTheDatabaseIsDownCallersGetTransientServiceUnavailableNotInternal() throws Exception {
    postgres.close();

    ReplyException failure = failureOf(Bus.request(vertx, address, new JsonObject(), 10_000));
    assertThat(failure.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
    ServiceFailure decoded = ServiceFailure.from(failure);
    assertThat(decoded.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
    assertThat(decoded.extra().getInteger("retry_after_seconds")).isEqualTo(1);
    assertThat(TransientFailures.isTransient(failure)).isTrue();
    assertThat(TransientFailures.isTransient(decoded)).isTrue();
    // nothing of the cause (host, port, driver text) travels
    assertThat(failure.getMessage()).doesNotContain("127.0.0.1").doesNotContain(String.valueOf(port)).doesNotContain("Exception");
  }

  @Test
  void aQueryCutByTheServersShutdownIsTransientServiceUnavailable() throws Exception {
    Future<JsonObject> inFlight = Bus.request(vertx, address, new JsonObject().put("sleep", 30), 20_000);
    // the query is running on the server when it shuts down (fast: sessions get 57P01 or lose their socket)
    long deadline = System.currentTimeMillis() + 10_000;
    while (handled.get() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(300);
    postgres.close();

    ReplyException failure = failureOf(inFlight);
    assertThat(ServiceFailure.from(failure).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
    assertThat(TransientFailures.isTransient(failure)).isTrue();
  }

  @Test
  void aRetryingRequestIsAnsweredOnceTheDatabaseIsBack() throws Exception {
    postgres.close();
    int before = handled.get();
    Future<JsonObject> reply = RetryingRequest.request(vertx, address, new JsonObject(), new DeliveryOptions(), 3_000, 20_000);
    // restart on the same data dir and port while the request keeps trying
    CompletableFuture<EmbeddedPostgresServer> restarted = CompletableFuture.supplyAsync(() -> {
      sleep(1_500);
      return EmbeddedPostgresServer.start(dataDir, port, false);
    });
    try {
      assertThat(await(reply).getInteger("one")).isEqualTo(1);
    } finally {
      postgres = restarted.get(60, TimeUnit.SECONDS);
    }
    // at least one attempt found the database away and was sent again
    assertThat(handled.get() - before).isGreaterThan(1);
  }

  @Test
  void aRetryingRequestWhoseBudgetEndsBeforeTheDatabaseReturnsFailsServiceUnavailable() throws Exception {
    postgres.close();
    int before = handled.get();
    ReplyException failure = failureOf(RetryingRequest.request(vertx, address, new JsonObject(), new DeliveryOptions(), 1_500, 3_000));
    assertThat(ServiceFailure.from(failure).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
    assertThat(handled.get() - before).isGreaterThan(1);
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

  private static ReplyException failureOf(Future<?> future) throws Exception {
    try {
      future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ReplyException.class);
      return (ReplyException) e.getCause();
    }
    throw new AssertionError("expected a failure, got an answer");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
