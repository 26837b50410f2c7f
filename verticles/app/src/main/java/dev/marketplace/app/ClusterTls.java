package dev.marketplace.app;

import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * TLS for the clustered event bus: every node holds the same cluster key and certificate (PEM,
 * {@code cluster.tls_key_pem} and {@code cluster.tls_cert_pem}, paths; env
 * {@code MARKETPLACE_CLUSTER_TLS_KEY_PEM} / {@code _CERT_PEM}), presents it and trusts only it,
 * both ways ({@link ClientAuth#REQUIRED}): a process without the key can neither send to a
 * member's handlers nor receive what members send. Required whenever the cluster host is not a
 * loopback address; optional (used when given) on loopback.
 *
 * <p>Make the pair once and copy it to every node, e.g.
 * {@code openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650
 * -subj /CN=marketplace-cluster -keyout cluster-key.pem -out cluster-cert.pem}.
 *
 * <p>Hazelcast's own membership traffic is not encrypted by this (TLS there is a Hazelcast
 * Enterprise feature): with TLS on, the Hazelcast cluster name gets the certificate's fingerprint
 * appended ({@link #clusterName}), so nodes with another certificate form a cluster of their own,
 * and a stranger who joins Hazelcast anyway still cannot exchange a single event bus message.
 */
record ClusterTls(Path keyPem, Path certPem) {

  /** The pair from config, empty when none is configured. Fails when only one half is given or a file is missing. */
  static Optional<ClusterTls> fromConfig(JsonObject config) {
    JsonObject cluster = config.getJsonObject("cluster", new JsonObject());
    String key = cluster.getString("tls_key_pem", "");
    String cert = cluster.getString("tls_cert_pem", "");
    if (key.isBlank() && cert.isBlank()) {
      return Optional.empty();
    }
    if (key.isBlank() || cert.isBlank()) {
      throw new IllegalArgumentException("cluster TLS needs both cluster.tls_key_pem and cluster.tls_cert_pem");
    }
    for (String file : new String[] {key, cert}) {
      if (!Files.isReadable(Path.of(file))) {
        throw new IllegalArgumentException("cluster TLS file not readable: " + file);
      }
    }
    return Optional.of(new ClusterTls(Path.of(key), Path.of(cert)));
  }

  /**
   * What a node on {@code host} must do: TLS when configured; a non-loopback host without it is
   * refused (the event bus would obey anyone who can reach it).
   */
  static Optional<ClusterTls> required(JsonObject config, String host) {
    Optional<ClusterTls> tls = fromConfig(config);
    if (tls.isEmpty() && !isLoopback(host)) {
      throw new IllegalArgumentException("the cluster host " + host + " is not a loopback address: the clustered event bus "
        + "needs TLS with the shared cluster key (cluster.tls_key_pem and cluster.tls_cert_pem, or "
        + "MARKETPLACE_CLUSTER_TLS_KEY_PEM and MARKETPLACE_CLUSTER_TLS_CERT_PEM)");
    }
    return tls;
  }

  static boolean isLoopback(String host) {
    try {
      // literal addresses only: a name is not resolved (and so not trusted to be loopback)
      return "localhost".equalsIgnoreCase(host)
        || (ClusterTlsHost.isLiteral(host) && InetAddress.getByName(host).isLoopbackAddress());
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Event bus over TLS: our key and certificate, trust in that certificate alone, client certificates required. */
  EventBusOptions apply(EventBusOptions options) {
    return options.setSsl(true)
      .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(keyPem.toString()).setCertPath(certPem.toString()))
      .setTrustOptions(new PemTrustOptions().addCertPath(certPem.toString()))
      .setClientAuth(ClientAuth.REQUIRED);
  }

  /** The Hazelcast cluster name for this certificate: {@code <name>-<first 12 hex of its SHA-256>}. */
  String clusterName(String name) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(certPem));
      return name + "-" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
