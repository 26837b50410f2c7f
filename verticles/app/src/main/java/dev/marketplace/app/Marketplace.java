package dev.marketplace.app;

import dev.marketplace.contracts.Components;
import dev.marketplace.platform.config.ConfigLoader;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The embeddable entry point: deploys the whole marketplace, or some of its components, on a
 * Vert.x instance the caller owns (clustered or not). The CLI uses exactly this.
 *
 * <pre>{@code
 * Marketplace.deploy(vertx, Marketplace.defaultConfig(), "catalog", "gateway")
 *   .onSuccess(deployment -> ...);
 * }</pre>
 *
 * The back-end components start first (in parallel), then the bank simulator, then the gateway,
 * so the gateway never serves before what it fronts answers. A failure undeploys whatever had
 * started and fails the future.
 */
public final class Marketplace {

  private Marketplace() {
  }

  /** The bundled default configuration (conf/marketplace.json). */
  public static JsonObject defaultConfig() {
    return ConfigLoader.defaults();
  }

  /** Every component name that {@link #deploy} accepts. */
  public static Set<String> componentNames() {
    return ComponentRegistry.VERTICLES.keySet();
  }

  public static Future<Deployment> deployAll(Vertx vertx, JsonObject config) {
    return deploy(vertx, config, Components.ALL);
  }

  public static Future<Deployment> deploy(Vertx vertx, JsonObject config, String... components) {
    return deploy(vertx, config, Arrays.asList(components));
  }

  public static Future<Deployment> deploy(Vertx vertx, JsonObject config, Collection<String> components) {
    Set<String> wanted = new LinkedHashSet<>(components);
    for (String name : wanted) {
      if (!ComponentRegistry.VERTICLES.containsKey(name)) {
        return Future.failedFuture(new IllegalArgumentException(
          "Unknown component '" + name + "'; known: " + String.join(",", componentNames())));
      }
    }
    JsonObject effective = config.copy();
    JsonObject node = effective.getJsonObject("node", new JsonObject());
    if (!node.containsKey("id")) {
      effective.put("node", node.copy().put("id", ClusterSupport.nodeId(vertx)));
    }
    List<String> backend = wanted.stream().filter(Components.BACKEND::contains).toList();
    Deployment deployment = new Deployment(vertx);
    return deployment.addAll(backend.stream().map(c -> deployOne(vertx, effective, c)).toList())
      .compose(v -> wanted.contains(Components.BANK)
        ? deployment.addAll(List.of(deployOne(vertx, effective, Components.BANK)))
        : Future.succeededFuture())
      .compose(v -> wanted.contains(Components.GATEWAY)
        ? deployment.addAll(List.of(deployOne(vertx, effective, Components.GATEWAY)))
        : Future.succeededFuture())
      .map(v -> deployment)
      .recover(err -> deployment.undeploy().transform(x -> Future.failedFuture(err)));
  }

  private static Future<String> deployOne(Vertx vertx, JsonObject config, String component) {
    int instances = config.getJsonObject(component, new JsonObject()).getInteger("instances", 1);
    DeploymentOptions options = new DeploymentOptions().setConfig(config).setInstances(instances);
    return vertx.deployVerticle(ComponentRegistry.VERTICLES.get(component), options)
      .recover(err -> Future.failedFuture(new IllegalStateException("Component " + component + " failed to start: " + err.getMessage(), err)));
  }

  /** What {@link #deploy} started; {@link #undeploy()} stops it in reverse order. */
  public static final class Deployment {
    private final Vertx vertx;
    private final List<String> deploymentIds = new ArrayList<>();

    private Deployment(Vertx vertx) {
      this.vertx = vertx;
    }

    public List<String> deploymentIds() {
      return List.copyOf(deploymentIds);
    }

    /** Waits for all of them; keeps the ids of those that started even when one failed. */
    private Future<Void> addAll(List<Future<String>> deployments) {
      return Future.join(deployments).transform(ar -> {
        for (Future<String> f : deployments) {
          if (f.succeeded()) {
            deploymentIds.add(f.result());
          }
        }
        return ar.succeeded() ? Future.succeededFuture() : Future.failedFuture(ar.cause());
      });
    }

    public Future<Void> undeploy() {
      Future<Void> chain = Future.succeededFuture();
      List<String> reversed = new ArrayList<>(deploymentIds);
      java.util.Collections.reverse(reversed);
      for (String id : reversed) {
        chain = chain.transform(x -> vertx.undeploy(id));
      }
      deploymentIds.clear();
      return chain;
    }
  }
}
