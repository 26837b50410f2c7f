package dev.marketplace.notification;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.notification.NotificationAddresses;
import dev.marketplace.contracts.notification.NotificationApi;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.bus.Access;
import dev.marketplace.platform.jobs.RetentionJob;
import dev.marketplace.platform.kafka.ConsumeLoop;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The notification component: order and payment events become email, SMS and live push, exactly
 * once per event and channel.
 *
 * <p>Pipeline: the platform's consume loop (Kafka, group {@code notification}) hands batches to
 * {@link EventIntake}, which stores relevant events in the inbox; the loop commits after that; {@link InboxProcessor} asks auth for the buyer's contact and makes
 * one notification per enabled channel; one {@link DeliveryJob} per channel sends them with
 * retries and parks what keeps failing.
 *
 * <p>Config section {@code notification}: {@code consumer_group} ("notification"), {@code topics}
 * (orders and payments events), {@code poll_interval_ms} (500), {@code batch_size} (50),
 * {@code send_timeout_ms} (30000), {@code retry} (see {@link RetryPolicy}), {@code smtp} (see
 * {@link EmailChannel}; absent: local outbox), {@code sms.url} (absent: local outbox),
 * {@code sms_gateway_stub.port} / {@code .host} (starts the SMS provider stand-in).
 */
public class NotificationVerticle extends ComponentVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(NotificationVerticle.class);

  private final Map<String, DeliveryJob> deliveryJobs = new LinkedHashMap<>();
  private final List<DeliveryChannel> channels = new ArrayList<>();
  private InboxProcessor inbox;
  private SmsGatewayStub smsStub;

  @Override
  protected Class<?> api() {
    return NotificationApi.class;
  }

  @Override
  protected String name() {
    return Components.NOTIFICATION;
  }

  @Override
  protected Future<?> startComponent() {
    JsonObject section = section();
    NotificationRepository repository = new NotificationRepository(pool);
    RetryPolicy retry = RetryPolicy.from(section);
    long pollIntervalMs = section.getLong("poll_interval_ms", 500L);
    int batchSize = section.getInteger("batch_size", 50);
    int sendTimeoutMs = section.getInteger("send_timeout_ms", 30_000);

    EmailChannel email = EmailChannel.create(vertx, section.getJsonObject("smtp"), sendTimeoutMs);
    if (email.usesLocalOutbox()) {
      LOG.info("No notification.smtp configured: email goes to the local outbox (GET /api/v1/notifications)");
    }
    channels.add(email);
    channels.add(SmsChannel.create(vertx, section.getJsonObject("sms"), sendTimeoutMs));
    channels.add(new PushChannel(vertx));
    for (DeliveryChannel channel : channels) {
      deliveryJobs.put(channel.name(), new DeliveryJob(vertx, repository, channel, retry, batchSize, sendTimeoutMs, pollIntervalMs));
    }
    inbox = new InboxProcessor(vertx, repository, retry, busTimeoutMs(), pollIntervalMs, batchSize,
      () -> deliveryJobs.values().forEach(DeliveryJob::kick));

    NotificationService service = new NotificationService(vertx, repository, busTimeoutMs(), this::kick);
    // the caller is checked before the body is read
    serve(NotificationApi.LIST, Access.USER, service::list);
    serve(NotificationApi.PREFERENCES_GET, Access.USER, (none, msg) -> service.getPreferences(msg));
    serve(NotificationApi.PREFERENCES_PUT, Access.USER, service::putPreferences);
    serve(NotificationApi.PARKED_LIST, Access.role("admin"), (request, msg) -> service.listParked(request));
    serve(NotificationApi.REPLAY, Access.role("admin"), (request, msg) -> service.replay(request));

    EventIntake intake = new EventIntake(repository);
    return startSmsStub(section.getJsonObject("sms_gateway_stub"))
      .compose(v -> consume(ConsumeLoop.builder(vertx, config(), section.getString("consumer_group", Components.NOTIFICATION), topics(section))
        .batchHandler(intake::store)
        .afterBatch(inbox::kick)))
      .onSuccess(v -> {
        inbox.start();
        deliveryJobs.values().forEach(DeliveryJob::start);
      });
  }

  private void kick(String channel) {
    DeliveryJob job = deliveryJobs.get(channel);
    if (job != null) {
      job.kick();
    }
  }

  private static List<String> topics(JsonObject section) {
    JsonArray configured = section.getJsonArray("topics");
    if (configured == null || configured.isEmpty()) {
      return List.of(Topics.ORDERS_EVENTS, Topics.PAYMENTS_EVENTS);
    }
    List<String> topics = new ArrayList<>();
    configured.forEach(t -> topics.add(String.valueOf(t)));
    return topics;
  }

  private Future<Void> startSmsStub(JsonObject stub) {
    if (stub == null || stub.getInteger("port") == null) {
      return Future.succeededFuture();
    }
    smsStub = new SmsGatewayStub();
    return smsStub.start(vertx, stub.getString("host", "127.0.0.1"), stub.getInteger("port")).mapEmpty();
  }

  @Override
  protected List<RetentionJob.Purge> retentionPurges() {
    return InboxRetention.purges(pool, config());
  }

  @Override
  protected Future<?> stopComponent() {
    if (inbox != null) {
      inbox.stop();
    }
    deliveryJobs.values().forEach(DeliveryJob::stop);
    List<Future<?>> closing = new ArrayList<>();
    channels.forEach(channel -> closing.add(channel.close()));
    if (smsStub != null) {
      closing.add(smsStub.close());
    }
    return Future.join(closing);
  }
}
