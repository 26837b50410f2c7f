package dev.marketplace.app;

import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The audit reports each invariant, names the offending rows, and fails only when one is broken. */
class AuditCommandTest {

  private static String audit(String pgUrl) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    boolean ok = AuditCommand.audit(pgUrl, 0, new PrintStream(out, true, StandardCharsets.UTF_8));
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(report).contains(ok ? "AUDIT OK" : "AUDIT FAILED");
    return report;
  }

  @Test
  void aDatabaseWithoutTheSchemasSkipsTheChecksAndPasses() throws Exception {
    String report = audit(TestInfra.shared().freshDatabase());
    assertThat(report).contains("skipped", "(no table", "AUDIT OK");
  }

  @Test
  void moneyKeptForACancelledCheckoutAndAnOutstandingRefundAreReportedWithTheirOrders() throws Exception {
    JsonObject config = TestInfra.shared().config();
    String pgUrl = config.getJsonObject("pg").getString("url");
    Vertx vertx = Vertx.vertx();
    try {
      Future.all(PgSupport.migrate(vertx, config, "payment"), PgSupport.migrate(vertx, config, "checkout"))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } finally {
      vertx.close();
    }
    assertThat(audit(pgUrl)).doesNotContain("FAILED   ").contains("ok       captured money belongs to paid orders");

    UUID cancelled = UUID.randomUUID();
    UUID owed = UUID.randomUUID();
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

    String report = audit(pgUrl);
    assertThat(report).contains("FAILED   captured money belongs to paid orders", "order_id=" + cancelled)
      .contains("FAILED   no refund is outstanding", "order_id=" + owed)
      .contains("ok       every paid checkout had its total captured");
  }
}
