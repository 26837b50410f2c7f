package dev.marketplace.platform.metrics;

import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

/**
 * How a node builds its {@link Vertx} so that the gateway's {@code GET /metrics} has something to
 * scrape: Micrometer with a Prometheus registry, JVM metrics, and the HTTP server/client, event
 * bus, net and pool (SQL, worker) metrics Vert.x reports by default. The app and the tests build
 * Vert.x the same way:
 * <pre>{@code
 * Vertx vertx = VertxMetrics.builder(new VertxOptions()).build();       // or .buildClustered()
 * }</pre>
 * In platform (not the gateway) so that the launcher builds its Vert.x without reaching into a
 * component; {@link Meters} records into the registry this sets up.
 */
public final class VertxMetrics {

  private VertxMetrics() {
  }

  /** The metrics options: Prometheus on, JVM metrics on, HTTP requests labelled by route. */
  public static MicrometerMetricsOptions options() {
    return new MicrometerMetricsOptions()
      .setEnabled(true)
      .setJvmMetricsEnabled(true)
      // routes are templates ("/api/v1/orders/:id"): low cardinality, unlike raw paths
      .addLabels(Label.HTTP_ROUTE)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
  }

  /**
   * A builder with {@link #options()} set on {@code options} and the Micrometer factory given
   * explicitly, so it works in a shaded jar whatever happened to the service files.
   */
  public static VertxBuilder builder(VertxOptions options) {
    return Vertx.builder()
      .with(options.setMetricsOptions(options()))
      .withMetrics(new MicrometerMetricsFactory());
  }
}
