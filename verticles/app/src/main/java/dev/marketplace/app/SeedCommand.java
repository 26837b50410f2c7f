package dev.marketplace.app;

import dev.marketplace.catalog.CatalogSeeder;
import dev.marketplace.contracts.Components;
import dev.marketplace.infra.EmbeddedPostgresServer;
import dev.marketplace.platform.config.ConfigLoader;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code marketplace.jar seed --products N}: fills the catalog with generated products (COPY), on
 * a running PostgreSQL ({@code --pg-url}) or on the embedded one's data directory
 * ({@code --data-dir}, default ./data, with the marketplace stopped).
 */
@Command(name = "seed", mixinStandardHelpOptions = true,
  description = "Generates a realistic catalog (Russian and English titles, brands, categories, sellers, prices, attributes).")
final class SeedCommand implements Callable<Integer> {

  @Option(names = "--products", required = true, description = "How many products to add (1..10000000).")
  int products;

  @ArgGroup(exclusive = true)
  Target target = new Target();

  static final class Target {
    @Option(names = "--pg-url", description = "A running PostgreSQL, e.g. postgresql://postgres@127.0.0.1:15432/postgres")
    String pgUrl;

    @Option(names = "--data-dir", description = "The all-in-one's data directory (its embedded PostgreSQL is started here; default ./data).")
    Path dataDir;
  }

  @Option(names = "--random-seed", defaultValue = "42", description = "Seed of the generator: the same seed makes the same catalog (default ${DEFAULT-VALUE}).")
  long randomSeed;

  @Option(names = "--with-availability", description = "Give products a made-up available stock (benchmarks; inventory events overwrite it). "
    + "Without it, seeded products are out of stock until inventory reports stock.")
  boolean withAvailability;

  @Override
  public Integer call() throws Exception {
    if (products < 1 || products > 10_000_000) {
      System.err.println("--products must be between 1 and 10000000");
      return 2;
    }
    EmbeddedPostgresServer embedded = null;
    String pgUrl = target.pgUrl;
    if (pgUrl == null) {
      Path dir = (target.dataDir == null ? Path.of("./data") : target.dataDir).toAbsolutePath().resolve("pg");
      embedded = EmbeddedPostgresServer.start(dir, 0, true);
      pgUrl = embedded.url();
    }
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject config = ConfigLoader.defaults().put("pg", new JsonObject().put("url", pgUrl));
      ServerLifecycle.await(PgSupport.migrate(vertx, config, Components.CATALOG), "migrating the catalog schema");
      PgConnectOptions pg = PgSupport.connectOptions(config);
      System.out.printf("Seeding %d products into %s ...%n", products, pgUrl);
      System.out.flush();
      CatalogSeeder.Report report = CatalogSeeder.seed(PgSupport.jdbcUrl(pg), pg.getUser(), pg.getPassword(),
        products, randomSeed, false, withAvailability);
      System.out.printf(Locale.ROOT, "Seeded %d products in %.1f s (%.0f products/s, including indexes and VACUUM ANALYZE)%n",
        report.products(), report.millis() / 1000.0, report.products() * 1000.0 / Math.max(1, report.millis()));
      return 0;
    } finally {
      ServerLifecycle.await(vertx.close(), "closing Vert.x");
      if (embedded != null) {
        embedded.close();
      }
    }
  }
}
