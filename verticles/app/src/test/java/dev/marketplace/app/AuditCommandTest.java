package dev.marketplace.app;

import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit reports each invariant, names the offending rows, and fails when one is broken or cannot
 * be checked because its tables are missing. The audit is a command-line program on JDBC, blocking by
 * design: the tests run it (and their own JDBC) on a worker.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class AuditCommandTest {

  private static String audit(String pgUrl) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean ok = AuditCommand.audit(pgUrl, 0, new PrintStream(out, true, StandardCharsets.UTF_8));
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(report).contains(ok ? "AUDIT OK" : "AUDIT FAILED");
    return report;
  }

  /** The command's exit code. */
  private static Future<Integer> command(Vertx vertx, String... args) {
    return vertx.executeBlocking(() -> new CommandLine(new AuditCommand()).execute(args));
  }

  @Test
  void aDatabaseWithoutTheSchemasFailsTheAuditNamingEveryMissingTable(Vertx vertx, VertxTestContext ctx) {
    String pgUrl = TestInfra.shared().freshDatabase();
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    vertx.executeBlocking(() -> AuditCommand.audit(pgUrl, 0, new PrintStream(out, true, StandardCharsets.UTF_8)))
      .map(ok -> ctx.verify(() -> {
        String report = out.toString(StandardCharsets.UTF_8);
        assertThat(ok).isFalse();
        assertThat(report).contains("AUDIT FAILED").doesNotContain("AUDIT OK").doesNotContain("ok       ")
          .contains("MISSING  stock held == units of RESERVED and PENDING_PAYMENT orders, per product: no table "
            + "inventory.stock_bucket, orders.order_line, orders.orders")
          .contains("MISSING  no refund is outstanding: no table payment.intents")
          .contains("MISSING  no checkout is stuck");
        assertThat(report.lines().filter(line -> line.startsWith("MISSING  "))).hasSize(AuditCommand.CHECKS.size());
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theCommandExitsNonZeroOnAMissingTableAndZeroOnAFullyMigratedQuietDatabase(Vertx vertx, VertxTestContext ctx) {
    String fresh = TestInfra.shared().freshDatabase();
    JsonObject config = TestInfra.shared().config();
    command(vertx, "--pg-url", fresh, "--grace-seconds", "0")
      .compose(missing -> {
        ctx.verify(() -> assertThat(missing).isEqualTo(1));
        return migrateAuditedSchemas(vertx, config);
      })
      .compose(v -> command(vertx, "--pg-url", config.getJsonObject("pg").getString("url"), "--grace-seconds", "0"))
      .map(migrated -> ctx.verify(() -> assertThat(migrated).isZero()))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** The schemas of the components whose tables the audit reads. */
  private static Future<Void> migrateAuditedSchemas(Vertx vertx, JsonObject config) {
    return Future.all(List.of(PgSupport.migrate(vertx, config, "payment"), PgSupport.migrate(vertx, config, "checkout"),
      PgSupport.migrate(vertx, config, "inventory"), PgSupport.migrate(vertx, config, "orders"))).mapEmpty();
  }

  @Test
  void moneyKeptForACancelledCheckoutAndAnOutstandingRefundAreReportedWithTheirOrders(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = TestInfra.shared().config();
    String pgUrl = config.getJsonObject("pg").getString("url");
    UUID cancelled = UUID.randomUUID();
    UUID owed = UUID.randomUUID();
    migrateAuditedSchemas(vertx, config)
      .compose(v -> vertx.executeBlocking(() -> audit(pgUrl)))
      .compose(clean -> {
        ctx.verify(() -> assertThat(clean).contains("AUDIT OK").doesNotContain("FAILED   ").doesNotContain("MISSING")
          .contains("ok       captured money belongs to paid orders"));
        return vertx.executeBlocking(() -> {
          var options = PgSupport.connectOptions(config);
          try (Connection c = DriverManager.getConnection(PgSupport.jdbcUrl(options), "postgres", "");
               Statement st = c.createStatement()) {
            st.execute("INSERT INTO checkout.sagas (id, user_id, idempotency_key, request_hash, cart_id, payment_method, reservation_id, payment_id, state)"
              + " VALUES ('" + cancelled + "', 'u1', 'k1', 'h', gen_random_uuid(), 'card', gen_random_uuid(), gen_random_uuid(), 'CANCELLED')");
            st.execute("INSERT INTO payment.intents (payment_id, order_id, amount, currency, status) VALUES (gen_random_uuid(), '"
              + cancelled + "', 500, 'RUB', 'CAPTURED')");
            st.execute("INSERT INTO payment.intents (payment_id, order_id, amount, currency, status, updated_at) VALUES (gen_random_uuid(), '"
              + owed + "', 700, 'RUB', 'REFUND_PENDING', now() - interval '1 minute')");
          }
          return audit(pgUrl);
        });
      })
      .map(report -> ctx.verify(() -> assertThat(report).contains("FAILED   captured money belongs to paid orders", "order_id=" + cancelled)
        .contains("FAILED   no refund is outstanding", "order_id=" + owed)
        .contains("ok       every paid checkout had its total captured")))
      .onComplete(ctx.succeedingThenComplete());
  }
}
