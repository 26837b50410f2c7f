package dev.marketplace.app;

import dev.marketplace.contracts.Components;
import dev.marketplace.platform.config.ConfigLoader;
import dev.marketplace.platform.metrics.VertxMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code java -jar marketplace.jar [command]}. Without a command: the whole marketplace in one
 * JVM on an embedded PostgreSQL and Kafka. Picocli gives typed options, subcommands and help text
 * for free; the Vert.x launcher is built around one main verticle, which is not what this is.
 */
@Command(name = "marketplace", mixinStandardHelpOptions = true, version = "marketplace 0.1.0",
  description = "Runs the marketplace: everything in one JVM (no command), one cluster node, or the embedded infrastructure.",
  subcommands = {NodeCommand.class, InfraCommand.class, AdminCommand.class, SeedCommand.class, ReindexCommand.class, BankCommand.class, AuditCommand.class, CommandLine.HelpCommand.class})
public final class MarketplaceCli implements Callable<Integer> {

  @Option(names = "--http-port", description = "Port of the storefront gateway (default ${DEFAULT-VALUE}).", defaultValue = "8080")
  int httpPort;

  @Option(names = "--bank-port", description = "Port of the bank simulator (default ${DEFAULT-VALUE}).", defaultValue = "8089")
  int bankPort;

  @Option(names = "--bridge-port", description = "Port of the TCP event bus bridge (default: config bridge.port, 7000).")
  Integer bridgePort;

  @Option(names = "--data-dir", description = "Where PostgreSQL and Kafka keep their data (default ${DEFAULT-VALUE}).", defaultValue = "./data")
  Path dataDir;

  @Option(names = "--ephemeral", description = "Throwaway run: data in a temp dir, deleted on exit.")
  boolean ephemeral;

  @Option(names = "--pg-port", description = "Port of the embedded PostgreSQL (default: a free one).", defaultValue = "0")
  int pgPort;

  @Option(names = "--kafka-port", description = "Port of the embedded Kafka broker (default: a free one).", defaultValue = "0")
  int kafkaPort;

  @Option(names = "--config", description = "A JSON config file read over the defaults (env MARKETPLACE_<SECTION>_<KEY> and flags win over it).")
  Path configFile;

  public static void main(String[] args) {
    int code = new CommandLine(new MarketplaceCli()).execute(args);
    if (code != ServerLifecycle.KEEP_RUNNING) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() throws Exception {
    ServerLifecycle lifecycle = new ServerLifecycle();
    long started = System.nanoTime();
    // a first start (or a throwaway one) gets a sample catalog in stock; a restart keeps what the shop has
    boolean firstStart = ephemeral || !java.nio.file.Files.exists(dataDir.toAbsolutePath().resolve("pg"));
    EmbeddedInfrastructure infra = EmbeddedInfrastructure.start(ephemeral ? null : dataDir.toAbsolutePath(), pgPort, kafkaPort);
    lifecycle.onStop(infra::close);

    JsonObject overrides = new JsonObject()
      .put("pg", new JsonObject().put("url", infra.pgUrl()))
      .put("kafka", new JsonObject().put("bootstrap_servers", infra.bootstrapServers()))
      .put("http", new JsonObject().put("port", httpPort))
      .put("bank", new JsonObject().put("port", bankPort))
      // the token signing key lives with the data; a throwaway run keeps it in its throwaway database
      .put("auth", new JsonObject().put("key_dir", ephemeral ? "" : dataDir.toAbsolutePath().resolve("keys").toString()))
      // a first start shows a small catalog (seeded only while the catalog is empty)
      // the search index is kept with the data (a throwaway run rebuilds it in a temp dir)
      .put("catalog", new JsonObject().put("seed_sample_products", 300)
        .put("index_dir", ephemeral ? "" : dataDir.toAbsolutePath().resolve("index").toString()));
    if (bridgePort != null) {
      overrides.put("bridge", new JsonObject().put("port", bridgePort));
    }
    // the bank's callback secret and the cursor secret: generated once per data dir, never a default;
    // the in-process bank signs with the same one payment checks
    JsonObject config = DataDirSecrets.apply(ConfigLoader.load(configFile, System.getenv(), overrides),
      ephemeral ? null : dataDir.toAbsolutePath().resolve("keys"));

    Vertx vertx = VertxMetrics.builder(new VertxOptions()).build();
    lifecycle.onStop(() -> ServerLifecycle.await(vertx.close(), "closing Vert.x"));
    try {
      ServerLifecycle.await(Marketplace.deploy(vertx, config, Components.ALL), "deploying the marketplace");
      if (firstStart) {
        int stocked = ServerLifecycle.await(SampleStock.stockEverything(vertx, 42), "stocking the sample catalog");
        System.out.printf("Sample catalog: %d products, most of them in stock%n", stocked);
      }
    } catch (Exception e) {
      System.err.println("The marketplace failed to start: " + e.getMessage());
      lifecycle.stopNow();
      return 1;
    }
    long ms = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("%nMarketplace is up in %d ms%n", ms);
    System.out.printf("  Storefront:  http://localhost:%d/%n", httpPort);
    System.out.printf("  API:         http://localhost:%d/api/v1%n", httpPort);
    System.out.printf("  Health:      http://localhost:%d/health  /ready  /metrics%n", httpPort);
    JsonObject bridge = config.getJsonObject("bridge", new JsonObject());
    if (bridge.getBoolean("enabled", true)) {
      System.out.printf("  Bridges:     tcp://localhost:%d  (TCP event bus bridge), http://localhost:%d/eventbus (SockJS)%n",
        bridge.getInteger("port", 7000), httpPort);
    }
    System.out.printf("  API docs:    http://localhost:%d/docs  (OpenAPI: /openapi.json)%n", httpPort);
    System.out.printf("  Bank (3DS):  http://localhost:%d/%n", bankPort);
    System.out.printf("  PostgreSQL:  %s%n", infra.pgUrl());
    System.out.printf("  Kafka:       %s%n", infra.bootstrapServers());
    System.out.printf("  Data:        %s%n%n", ephemeral ? "(ephemeral)" : dataDir.toAbsolutePath());
    System.out.flush();
    lifecycle.awaitStop();
    return ServerLifecycle.KEEP_RUNNING;
  }
}
