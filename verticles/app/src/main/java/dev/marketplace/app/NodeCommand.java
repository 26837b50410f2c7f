package dev.marketplace.app;

import dev.marketplace.platform.config.ConfigLoader;
import dev.marketplace.platform.security.Secrets;
import io.vertx.core.Future;
import dev.marketplace.platform.metrics.VertxMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** One node of a cluster: some components, an existing PostgreSQL and Kafka, Hazelcast membership. */
@Command(name = "node", mixinStandardHelpOptions = true,
  description = "Runs some components as one node; with --cluster it joins other nodes over Hazelcast (TCP-IP).")
final class NodeCommand implements Callable<Integer> {

  @Option(names = "--cluster", description = "Join a cluster (clustered event bus over Hazelcast).")
  boolean cluster;

  @Option(names = "--components", split = ",", required = true,
    description = "Components to run here, comma-separated: auth, catalog, cart, inventory, orders, payment, notification, checkout, bank, gateway.")
  List<String> components;

  @Option(names = "--pg-url", description = "PostgreSQL, e.g. postgresql://postgres@127.0.0.1:15432/postgres")
  String pgUrl;

  @Option(names = "--kafka", description = "Kafka bootstrap servers, e.g. 127.0.0.1:19092")
  String kafka;

  @Option(names = "--cluster-host", defaultValue = "127.0.0.1", description = "Address this node binds and announces (default ${DEFAULT-VALUE}).")
  String clusterHost;

  @Option(names = "--cluster-port", defaultValue = "0", description = "Hazelcast port (default: 5701, next free).")
  int clusterPort;

  @Option(names = "--cluster-members", split = ",", description = "Members to join, host:port or host:from-to (default: 127.0.0.1:5701-5710).")
  List<String> clusterMembers;

  @Option(names = "--cluster-name", description = "Only nodes with the same name form a cluster (default: marketplace).")
  String clusterName;

  @Option(names = "--http-port", description = "Gateway port, when this node runs the gateway.")
  Integer httpPort;

  @Option(names = "--bridge-port", description = "TCP event bus bridge port, when this node runs the gateway (default: config bridge.port, 7000).")
  Integer bridgePort;

  @Option(names = "--bank-port", description = "Bank simulator port, when this node runs the bank.")
  Integer bankPort;

  @Option(names = "--config", description = "A JSON config file read over the defaults.")
  Path configFile;

  @Option(names = "--dev", description = "Local development: allow missing or known development secrets (bank.shared_secret, catalog.cursor_secret).")
  boolean dev;

  @Override
  public Integer call() {
    for (String component : components) {
      if (!Marketplace.componentNames().contains(component)) {
        System.err.println("Unknown component '" + component + "'; known: " + String.join(",", Marketplace.componentNames()));
        return 2;
      }
    }
    JsonObject overrides = new JsonObject();
    if (pgUrl != null) {
      overrides.put("pg", new JsonObject().put("url", pgUrl));
    }
    if (kafka != null) {
      overrides.put("kafka", new JsonObject().put("bootstrap_servers", kafka));
    }
    if (httpPort != null) {
      overrides.put("http", new JsonObject().put("port", httpPort));
    }
    if (bridgePort != null) {
      overrides.put("bridge", new JsonObject().put("port", bridgePort));
    }
    if (bankPort != null) {
      overrides.put("bank", new JsonObject().put("port", bankPort));
    }
    JsonObject config = ConfigLoader.load(configFile, System.getenv(), overrides);
    List<String> refused = checkSecrets(config, components, dev);
    if (!refused.isEmpty()) {
      refused.forEach(problem -> System.err.println("Refusing to start: " + problem));
      System.err.println("Give each node the same real secrets (config file or MARKETPLACE_BANK_SHARED_SECRET, "
        + "MARKETPLACE_CATALOG_CURSOR_SECRET), e.g. from `openssl rand -base64 32`; --dev allows development values on a local cluster.");
      return 2;
    }

    java.util.Optional<ClusterTls> tls;
    try {
      tls = cluster ? ClusterTls.required(config, clusterHost) : java.util.Optional.empty();
    } catch (IllegalArgumentException e) {
      System.err.println("Refusing to start: " + e.getMessage());
      return 2;
    }
    ServerLifecycle lifecycle = new ServerLifecycle();
    try {
      Vertx vertx = ServerLifecycle.await(buildVertx(tls), "joining the cluster");
      lifecycle.onStop(() -> ServerLifecycle.await(vertx.close(), "leaving the cluster"));
      ServerLifecycle.await(Marketplace.deploy(vertx, config, components), "deploying " + components);
      System.out.printf("Node %s is up with %s%n", ClusterSupport.nodeId(vertx), String.join(",", components));
      System.out.flush();
      lifecycle.awaitStop();
      return ServerLifecycle.KEEP_RUNNING;
    } catch (Exception e) {
      System.err.println("The node failed to start: " + e.getMessage());
      lifecycle.stopNow();
      return 1;
    }
  }

  /** Which components need which shared secret. */
  private static final Map<String, List<String>> SECRET_USERS = Map.of(
    "bank.shared_secret", List.of("payment", "bank"),
    "catalog.cursor_secret", List.of("catalog"));

  /**
   * The secrets the node's components need, checked: what is wrong with them, one line each
   * (empty: may start). With {@code dev} nothing is refused: a missing secret becomes
   * {@link Secrets#DEVELOPMENT_VALUE} (the same on every dev node), with a warning.
   */
  static List<String> checkSecrets(JsonObject config, List<String> components, boolean dev) {
    List<String> problems = new ArrayList<>();
    SECRET_USERS.forEach((name, users) -> {
      if (users.stream().noneMatch(components::contains)) {
        return;
      }
      String[] path = name.split("\\.");
      String value = Secrets.get(config, path[0], path[1]);
      Secrets.weakness(value).ifPresent(weakness -> {
        if (!dev) {
          problems.add(name + " " + weakness + " (needed by " + String.join(",", users.stream().filter(components::contains).toList()) + ")");
          return;
        }
        System.err.println("WARNING (--dev): " + name + " " + weakness + "; using a development value. Never do this outside a local cluster.");
        if (value == null || value.isBlank()) {
          JsonObject section = config.getJsonObject(path[0]);
          if (section == null) {
            section = new JsonObject();
            config.put(path[0], section);
          }
          section.put(path[1], Secrets.DEVELOPMENT_VALUE);
        }
      });
    });
    problems.sort(null);
    return problems;
  }

  private Future<Vertx> buildVertx(java.util.Optional<ClusterTls> tls) {
    if (!cluster) {
      return Future.succeededFuture(VertxMetrics.builder(new VertxOptions()).build());
    }
    if (tls.isPresent()) {
      System.out.println("Clustered event bus over TLS (shared cluster certificate, client authentication required)");
    }
    return ClusterSupport.clusteredVertx(new VertxOptions(),
      ClusterSupport.hazelcastConfig(clusterHost, clusterPort, clusterMembers, clusterName), clusterHost, tls);
  }

}
