package dev.marketplace.app;

import dev.marketplace.auth.RoleGrants;
import dev.marketplace.contracts.Components;
import dev.marketplace.infra.EmbeddedPostgresServer;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** Operator actions straight on the database: {@code admin grant EMAIL}. */
@Command(name = "admin", mixinStandardHelpOptions = true,
  description = "Operator actions on accounts, straight on PostgreSQL.",
  subcommands = {AdminCommand.Grant.class})
final class AdminCommand {

  @Command(name = "grant", mixinStandardHelpOptions = true,
    description = "Grants a role (default admin) to the account with EMAIL. It shows in the user's tokens from their next login or refresh.")
  static final class Grant implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "EMAIL", description = "The account's email.")
    String email;

    @Option(names = "--role", defaultValue = "admin", description = "The role to grant: admin, seller or buyer (default ${DEFAULT-VALUE}).")
    String role;

    @Option(names = "--pg-url", description = "PostgreSQL of the marketplace, e.g. postgresql://postgres@127.0.0.1:15432/postgres. "
      + "Without it the embedded PostgreSQL of --data-dir is started briefly.")
    String pgUrl;

    @Option(names = "--data-dir", defaultValue = "./data", description = "The all-in-one run's data dir (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
      EmbeddedPostgresServer embedded = null;
      String url = pgUrl;
      if (url == null) {
        Path pgDir = dataDir.toAbsolutePath().normalize().resolve("pg");
        if (!Files.exists(pgDir.resolve("postgresql.conf"))) {
          System.err.println("No marketplace database under " + pgDir + ": run the marketplace once, or point --pg-url at its PostgreSQL.");
          return 1;
        }
        try {
          embedded = EmbeddedPostgresServer.start(pgDir, 0, true);
        } catch (RuntimeException e) {
          System.err.println("Cannot open the embedded PostgreSQL of " + dataDir + " (" + e.getMessage() + ").");
          System.err.println("If the marketplace is running on it, use its PostgreSQL instead: admin grant " + email
            + " --pg-url=<the PostgreSQL URL the marketplace printed at start>");
          return 1;
        }
        url = embedded.url();
      }
      Vertx vertx = Vertx.vertx();
      try {
        JsonObject config = new JsonObject().put("pg", new JsonObject().put("url", url));
        ServerLifecycle.await(PgSupport.migrate(vertx, config, Components.AUTH), "preparing the auth schema");
        Pool pool = PgSupport.pool(vertx, config, 1);
        Optional<List<String>> roles = ServerLifecycle.await(RoleGrants.grant(pool, email, role), "granting the role");
        pool.close();
        if (roles.isEmpty()) {
          System.err.println("No account with the email " + email.strip() + ".");
          return 1;
        }
        System.out.println("Granted " + role + " to " + email.strip() + " (roles now: " + String.join(", ", roles.get())
          + "). It applies from the user's next login or token refresh.");
        return 0;
      } catch (IllegalStateException e) {
        System.err.println("Granting the role failed: " + e.getMessage());
        return 1;
      } finally {
        ServerLifecycle.await(vertx.close(), "closing");
        if (embedded != null) {
          embedded.close();
        }
      }
    }
  }
}
