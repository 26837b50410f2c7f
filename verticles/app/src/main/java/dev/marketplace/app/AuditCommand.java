package dev.marketplace.app;

import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code marketplace.jar audit --pg-url URL}: checks the checkout contract's invariants over the
 * database and prints each as {@code ok} or its offending rows; exit code 0 only if all hold.
 *
 * <p>An operator's tool, so it reads the schemas of several components (read-only, in one
 * read-only transaction so every check sees the same snapshot), which no component may do. A
 * check whose tables are missing (a component never ran its migrations on this database, or the
 * URL names the wrong database) cannot vouch for anything: it is reported as {@code MISSING} with
 * the tables and fails the audit (exit code 1), as a broken invariant does.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
  description = "Checks stock, orders, payments and refunds against each other; exit 0 only if every invariant holds.")
public final class AuditCommand implements Callable<Integer> {

  @Option(names = "--pg-url", required = true, description = "PostgreSQL, e.g. postgresql://postgres@127.0.0.1:15432/postgres")
  String pgUrl;

  @Option(names = "--grace-seconds", defaultValue = "60",
    description = "In-flight work younger than this is not an offence (refunds under way, sagas being driven). Default ${DEFAULT-VALUE}.")
  long graceSeconds;

  /** One invariant: the query returns the offending rows (none when it holds). */
  record Check(String name, Set<String> tables, String sql) {
  }

  static final List<Check> CHECKS = List.of(
    new Check("stock held == units of RESERVED and PENDING_PAYMENT orders, per product", Set.of("inventory.stock_bucket", "orders.orders", "orders.order_line"), """
      WITH held AS (SELECT product_id, SUM(held)::bigint AS units FROM inventory.stock_bucket GROUP BY product_id),
           open AS (SELECT l.product_id, SUM(l.quantity)::bigint AS units FROM orders.order_line l
                    JOIN orders.orders o ON o.id = l.order_id WHERE o.status IN ('RESERVED', 'PENDING_PAYMENT') GROUP BY l.product_id)
      SELECT COALESCE(h.product_id, o.product_id) AS product_id, COALESCE(h.units, 0) AS held, COALESCE(o.units, 0) AS in_open_orders
      FROM held h FULL JOIN open o ON o.product_id = h.product_id
      WHERE COALESCE(h.units, 0) <> COALESCE(o.units, 0)
      ORDER BY 1"""),
    new Check("stock sold == units of PAID, SHIPPED and DELIVERED orders, per product", Set.of("inventory.stock_bucket", "orders.orders", "orders.order_line"), """
      WITH sold AS (SELECT product_id, SUM(sold)::bigint AS units FROM inventory.stock_bucket GROUP BY product_id),
           paid AS (SELECT l.product_id, SUM(l.quantity)::bigint AS units FROM orders.order_line l
                    JOIN orders.orders o ON o.id = l.order_id WHERE o.status IN ('PAID', 'SHIPPED', 'DELIVERED') GROUP BY l.product_id)
      SELECT COALESCE(s.product_id, p.product_id) AS product_id, COALESCE(s.units, 0) AS sold, COALESCE(p.units, 0) AS in_paid_orders
      FROM sold s FULL JOIN paid p ON p.product_id = s.product_id
      WHERE COALESCE(s.units, 0) <> COALESCE(p.units, 0)
      ORDER BY 1"""),
    new Check("money captured == totals of PAID, SHIPPED and DELIVERED orders, per order", Set.of("payment.intents", "orders.orders"), """
      WITH captured AS (SELECT order_id, amount FROM payment.intents WHERE status = 'CAPTURED'),
           paid AS (SELECT id AS order_id, total FROM orders.orders WHERE status IN ('PAID', 'SHIPPED', 'DELIVERED'))
      SELECT COALESCE(c.order_id, p.order_id) AS order_id, c.amount AS captured, p.total AS order_total,
             (SELECT status FROM orders.orders WHERE id = COALESCE(c.order_id, p.order_id)) AS order_status
      FROM captured c FULL JOIN paid p ON p.order_id = c.order_id
      WHERE c.amount IS DISTINCT FROM p.total
      ORDER BY 1"""),
    new Check("every order cancelled after its money was captured is refunded", Set.of("payment.intents", "orders.orders"), """
      SELECT o.id AS order_id, o.status AS order_status, i.status AS payment_status, i.amount
      FROM orders.orders o JOIN payment.intents i ON i.order_id = o.id
      WHERE o.status IN ('CANCELLED', 'REFUNDED') AND i.status = 'CAPTURED'
      ORDER BY 1"""),
    new Check("captured money belongs to paid orders (a cancelled checkout's money is refunded)", Set.of("payment.intents", "checkout.sagas"), """
      SELECT i.order_id, i.amount, i.currency, s.state AS saga_state, s.cancel_reason
      FROM payment.intents i JOIN checkout.sagas s ON s.id = i.order_id
      WHERE i.status = 'CAPTURED' AND s.state = 'CANCELLED'
      ORDER BY i.order_id"""),
    new Check("every paid checkout had its total captured", Set.of("payment.intents", "checkout.sagas"), """
      WITH paid AS (
        SELECT id, CASE jsonb_typeof(cart->'order_total')
                     WHEN 'object' THEN (cart->'order_total'->>'amount')::bigint
                     WHEN 'number' THEN (cart->>'order_total')::bigint
                     ELSE (cart->'total'->>'amount')::bigint END AS total
        FROM checkout.sagas WHERE state = 'PAID')
      SELECT p.id AS order_id, p.total, i.status AS payment_status, i.amount AS captured
      FROM paid p LEFT JOIN payment.intents i ON i.order_id = p.id
      -- refunded later (the buyer cancelled the paid order) still counts: the money was taken
      WHERE i.status IS NULL OR i.status NOT IN ('CAPTURED', 'REFUND_PENDING', 'REFUNDED') OR i.amount <> p.total
      ORDER BY 1"""),
    new Check("no refund is outstanding", Set.of("payment.intents"), """
      SELECT order_id, amount, currency, refund_reason, captured_at
      FROM payment.intents
      WHERE status = 'REFUND_PENDING' AND updated_at < now() - $1::bigint * interval '1 second'
      ORDER BY order_id"""),
    new Check("no checkout is stuck (unfinished and not being driven, or waiting past its reservation)", Set.of("checkout.sagas"), """
      SELECT id AS order_id, state, reserved_until, lease_owner, lease_until, next_attempt_at, attempts
      FROM checkout.sagas
      WHERE state NOT IN ('PAID', 'CANCELLED')
        AND ((state = 'AWAITING_PAYMENT' AND reserved_until < now() - $1::bigint * interval '1 second')
          OR (state <> 'AWAITING_PAYMENT' AND updated_at < now() - $1::bigint * interval '1 second'))
      ORDER BY id"""));

  @Override
  public Integer call() {
    try {
      return audit(pgUrl, graceSeconds, System.out) ? 0 : 1;
    } catch (SQLException e) {
      System.err.println("The audit could not read the database: " + e.getMessage());
      return 2;
    }
  }

  /** Runs every check against {@code pgUrl} ({@code postgresql://...}); true when all hold. */
  public static boolean audit(String pgUrl, long graceSeconds, PrintStream out) throws SQLException {
    PgConnectOptions options = PgSupport.connectOptions(new JsonObject().put("pg", new JsonObject().put("url", pgUrl)));
    try (Connection connection = DriverManager.getConnection(PgSupport.jdbcUrl(options), options.getUser(),
      options.getPassword() == null ? "" : options.getPassword())) {
      connection.setReadOnly(true);
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      boolean allHold = true;
      for (Check check : CHECKS) {
        allHold &= run(connection, check, graceSeconds, out);
      }
      connection.rollback();
      out.println(allHold ? "AUDIT OK" : "AUDIT FAILED");
      return allHold;
    }
  }

  private static boolean run(Connection connection, Check check, long graceSeconds, PrintStream out) throws SQLException {
    List<String> missing = new ArrayList<>();
    for (String table : check.tables().stream().sorted().toList()) {
      if (!tableExists(connection, table)) {
        missing.add(table);
      }
    }
    if (!missing.isEmpty()) {
      out.println("MISSING  " + check.name() + ": no table " + String.join(", ", missing)
        + " in this database (has every component run its migrations here? is --pg-url the marketplace's database?)");
      return false;
    }
    String sql = check.sql().replace("$1", "?");
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      int parameters = sql.length() - sql.replace("?", "").length();
      for (int p = 1; p <= parameters; p++) {
        statement.setLong(p, graceSeconds);
      }
      try (ResultSet rows = statement.executeQuery()) {
        List<String> offending = new ArrayList<>();
        ResultSetMetaData meta = rows.getMetaData();
        while (rows.next()) {
          StringBuilder line = new StringBuilder();
          for (int c = 1; c <= meta.getColumnCount(); c++) {
            line.append(c == 1 ? "" : ", ").append(meta.getColumnLabel(c)).append('=').append(rows.getString(c));
          }
          offending.add(line.toString());
        }
        if (offending.isEmpty()) {
          out.println("ok       " + check.name());
          return true;
        }
        out.println("FAILED   " + check.name() + " (" + offending.size() + " rows)");
        offending.stream().limit(50).forEach(row -> out.println("           " + row));
        return false;
      }
    }
  }

  private static boolean tableExists(Connection connection, String table) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      statement.setString(1, table);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() && rows.getBoolean(1);
      }
    }
  }
}
