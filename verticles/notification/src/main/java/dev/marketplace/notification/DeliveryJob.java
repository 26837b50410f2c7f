package dev.marketplace.notification;

import dev.marketplace.platform.jobs.SingleFlightJob;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Works through one channel's queue: claims due deliveries for a lease (so that a job on another
 * node leaves them alone), sends them side by side, and settles each one: SENT, or a retry after
 * a backoff, or PARKED after the last attempt. Runs every {@code poll_interval_ms} and when
 * {@link #kick()}ed; one pass at a time.
 */
final class DeliveryJob {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryJob.class);

  private final Vertx vertx;
  private final NotificationRepository repository;
  private final DeliveryChannel channel;
  private final RetryPolicy retry;
  private final int batchSize;
  private final long sendTimeoutMs;
  private final long leaseMs;
  private final SingleFlightJob job;

  DeliveryJob(Vertx vertx, NotificationRepository repository, DeliveryChannel channel, RetryPolicy retry,
              int batchSize, long sendTimeoutMs, long pollIntervalMs) {
    this.vertx = vertx;
    this.repository = repository;
    this.channel = channel;
    this.retry = retry;
    this.batchSize = batchSize;
    this.sendTimeoutMs = sendTimeoutMs;
    // longer than any send can take, so a claim only lapses when its node is gone
    this.leaseMs = sendTimeoutMs * 3 + 5000;
    this.job = new SingleFlightJob(vertx, channel.name() + " delivery", pollIntervalMs, batchSize, this::pass);
  }

  void start() {
    job.start();
  }

  void stop() {
    job.stop();
  }

  /** Runs a pass now (or right after the current one). */
  void kick() {
    job.kick();
  }

  private Future<Integer> pass() {
    UUID claim = UUID.randomUUID();
    return repository.claimDeliveries(channel.name(), batchSize, claim, leaseMs).compose(batch -> {
      List<Future<Void>> settled = new ArrayList<>();
      for (JsonObject notification : batch) {
        settled.add(deliver(notification, claim));
      }
      return Future.join(settled).map(batch.size());
    });
  }

  private Future<Void> deliver(JsonObject notification, UUID claim) {
    UUID id = UUID.fromString(notification.getString("id"));
    Future<String> sent;
    try {
      sent = channel.send(notification).timeout(sendTimeoutMs, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    return sent.transform(ar -> {
      if (ar.succeeded()) {
        return repository.markSent(id, claim, ar.result()).mapEmpty();
      }
      int attempts = notification.getInteger("attempts") + 1;
      String error = describe(ar.cause());
      return repository.markFailed(id, claim, error, retry.maxAttempts(), retry.delayAfter(attempts)).map(status -> {
        if (status.filter("PARKED"::equals).isPresent()) {
          LOG.warn("Parked {} notification {} after {} attempts: {}", channel.name(), id, attempts, error);
        } else {
          LOG.info("{} notification {} failed (attempt {}), retrying later: {}", channel.name(), id, attempts, error);
        }
        return null;
      });
    });
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    String text = cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    return text.length() > 500 ? text.substring(0, 500) : text;
  }
}
