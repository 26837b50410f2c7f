package dev.marketplace.app;

import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

/** Every Vert.x the launcher builds has Micrometer metrics with a Prometheus registry (served at /metrics). */
final class MetricsSetup {

  private MetricsSetup() {
  }

  static VertxBuilder builder(VertxOptions options) {
    options.setMetricsOptions(new MicrometerMetricsOptions()
      .setEnabled(true)
      .setJvmMetricsEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(true)));
    return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory());
  }
}
