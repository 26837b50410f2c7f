package dev.marketplace.app;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.core.Future;
import dev.marketplace.platform.metrics.VertxMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Builds clustered Vert.x instances: Hazelcast from conf/cluster.xml with TCP-IP join. */
public final class ClusterSupport {

  private ClusterSupport() {
  }

  /**
   * @param host        the address this node binds and announces (cluster and event bus)
   * @param port        Hazelcast's port; 0 keeps the config's (5701, auto-incremented)
   * @param members     {@code host:port} or {@code host:from-to} entries to join; empty keeps the config's
   * @param clusterName nodes join only clusters of the same name; null keeps the config's
   */
  public static Config hazelcastConfig(String host, int port, List<String> members, String clusterName) {
    Config config;
    try (InputStream in = ClusterSupport.class.getClassLoader().getResourceAsStream("conf/cluster.xml")) {
      if (in == null) {
        throw new IllegalStateException("conf/cluster.xml is missing from the classpath");
      }
      config = new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (clusterName != null && !clusterName.isBlank()) {
      config.setClusterName(clusterName);
    }
    NetworkConfig network = config.getNetworkConfig();
    if (port > 0) {
      network.setPort(port);
    }
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
    if (members != null && !members.isEmpty()) {
      network.getJoin().getTcpIpConfig().setMembers(expandPortRanges(members));
    }
    return config;
  }

  /**
   * {@code 127.0.0.1:5701-5703} becomes three members: Hazelcast's address picker reads a member
   * entry as one address and cannot parse a port range there.
   */
  static List<String> expandPortRanges(List<String> members) {
    List<String> expanded = new java.util.ArrayList<>();
    for (String member : members) {
      String trimmed = member.trim();
      int colon = trimmed.lastIndexOf(':');
      String ports = colon < 0 ? "" : trimmed.substring(colon + 1);
      int dash = ports.indexOf('-');
      if (dash < 0) {
        expanded.add(trimmed);
        continue;
      }
      String host = trimmed.substring(0, colon);
      int from = Integer.parseInt(ports.substring(0, dash));
      int to = Integer.parseInt(ports.substring(dash + 1));
      if (from > to || to - from > 100) {
        throw new IllegalArgumentException("Bad port range in cluster member " + member);
      }
      for (int port = from; port <= to; port++) {
        expanded.add(host + ":" + port);
      }
    }
    return expanded;
  }

  /** A clustered Vert.x whose event bus binds the same host as Hazelcast (no TLS: loopback only). */
  public static Future<Vertx> clusteredVertx(VertxOptions options, Config hazelcast, String host) {
    return clusteredVertx(options, hazelcast, host, java.util.Optional.empty());
  }

  /**
   * A clustered Vert.x whose event bus binds the same host as Hazelcast, over TLS with the shared
   * cluster key when {@code tls} is given ({@link ClusterTls}: mutual authentication, and a
   * Hazelcast cluster name bound to the certificate).
   */
  static Future<Vertx> clusteredVertx(VertxOptions options, Config hazelcast, String host, java.util.Optional<ClusterTls> tls) {
    options.getEventBusOptions().setHost(host).setPort(0);
    tls.ifPresent(t -> {
      t.apply(options.getEventBusOptions());
      hazelcast.setClusterName(t.clusterName(hazelcast.getClusterName()));
    });
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast);
    return VertxMetrics.builder(options).withClusterManager(manager).buildClustered();
  }

  /** This node's id in the cluster, for diagnostics (/ready shows which node answered). */
  public static String nodeId(Vertx vertx) {
    if (vertx instanceof io.vertx.core.internal.VertxInternal internal && internal.clusterManager() != null) {
      return internal.clusterManager().getNodeId();
    }
    return "local";
  }
}
