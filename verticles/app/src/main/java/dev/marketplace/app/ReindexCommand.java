package dev.marketplace.app;

import dev.marketplace.catalog.SearchReindex;
import dev.marketplace.contracts.Components;
import dev.marketplace.infra.EmbeddedPostgresServer;
import dev.marketplace.platform.config.ConfigLoader;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code marketplace.jar reindex}: asks every catalog instance to rebuild its search index from
 * PostgreSQL, by raising the index generation in {@code catalog.search_index}. Running instances
 * notice within a poll interval, build the new index next to the one they serve, and switch when
 * it has caught up; an instance that is down builds it when it starts. Works on a running
 * PostgreSQL ({@code --pg-url}) or on the all-in-one's data directory ({@code --data-dir}, with the
 * marketplace stopped: the rebuild then happens on its next start).
 */
@Command(name = "reindex", mixinStandardHelpOptions = true,
  description = "Rebuilds the search index of every catalog instance from PostgreSQL (while they keep serving).")
final class ReindexCommand implements Callable<Integer> {

  @ArgGroup(exclusive = true)
  Target target = new Target();

  static final class Target {
    @Option(names = "--pg-url", description = "A running PostgreSQL, e.g. postgresql://postgres@127.0.0.1:15432/postgres")
    String pgUrl;

    @Option(names = "--data-dir", description = "The all-in-one's data directory, marketplace stopped (default ./data).")
    Path dataDir;
  }

  @Override
  public Integer call() throws Exception {
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
      Pool pool = PgSupport.pool(vertx, config, 1);
      long generation = ServerLifecycle.await(SearchReindex.request(pool), "requesting a rebuild");
      ServerLifecycle.await(pool.close(), "closing the pool");
      System.out.printf("Search index generation %d requested: every running catalog instance builds it from PostgreSQL "
        + "while it serves the current one and switches when done; an instance that is down builds it on start.%n", generation);
      return 0;
    } finally {
      ServerLifecycle.await(vertx.close(), "closing Vert.x");
      if (embedded != null) {
        embedded.close();
      }
    }
  }
}
