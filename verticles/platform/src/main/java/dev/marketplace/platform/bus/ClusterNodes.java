package dev.marketplace.platform.bus;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;

import java.util.Set;

/**
 * Who is in the cluster, as the cluster manager (Hazelcast) sees it now: a node that died is gone
 * from {@link #liveNodes} once it is noticed (seconds: see {@code conf/cluster.xml}), long before
 * any lease it held runs out. For a plain, non-clustered Vert.x both answer null.
 */
public final class ClusterNodes {
  private ClusterNodes() {
  }

  /** This node's id in the cluster, or null when not clustered. */
  public static String localNodeId(Vertx vertx) {
    ClusterManager manager = manager(vertx);
    return manager == null ? null : manager.getNodeId();
  }

  /** The ids of the live members, or null when not clustered. */
  public static Set<String> liveNodes(Vertx vertx) {
    ClusterManager manager = manager(vertx);
    return manager == null ? null : Set.copyOf(manager.getNodes());
  }

  private static ClusterManager manager(Vertx vertx) {
    return vertx.isClustered() && vertx instanceof VertxInternal internal ? internal.clusterManager() : null;
  }
}
