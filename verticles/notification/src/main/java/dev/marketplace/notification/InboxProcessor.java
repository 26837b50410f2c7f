package dev.marketplace.notification;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.notification.NotificationRepository.InboxEvent;
import dev.marketplace.notification.NotificationRepository.NewNotification;
import dev.marketplace.contracts.auth.AuthApi;
import dev.marketplace.contracts.json.JsonValidator;
import dev.marketplace.platform.bus.BusClient;
import dev.marketplace.platform.jobs.SingleFlightJob;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns stored events into notifications: asks auth for the buyer's contact, applies the buyer's
 * preferences, renders each enabled channel's message and stores them with the event marked done,
 * in one transaction. When auth cannot answer, the event waits and is tried again with a backoff
 * (never dropped); a user auth does not know ends the event as NO_RECIPIENT.
 */
final class InboxProcessor {
  private static final Logger LOG = LoggerFactory.getLogger(InboxProcessor.class);
  static final String USER_CONTACT = AuthContract.USER_CONTACT;

  private final Vertx vertx;
  private final NotificationRepository repository;
  private final RetryPolicy retry;
  private final long busTimeoutMs;
  private final SingleFlightJob job;
  private final int batchSize;
  private final Runnable onNotificationsCreated;

  InboxProcessor(Vertx vertx, NotificationRepository repository, RetryPolicy retry, long busTimeoutMs,
                 long pollIntervalMs, int batchSize, Runnable onNotificationsCreated) {
    this.vertx = vertx;
    this.repository = repository;
    this.retry = retry;
    this.busTimeoutMs = busTimeoutMs;
    this.job = new SingleFlightJob(vertx, "notification inbox", pollIntervalMs, batchSize, this::pass);
    this.batchSize = batchSize;
    this.onNotificationsCreated = onNotificationsCreated;
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
    // the lease outlasts a pass whose contact look-ups time out: orders go side by side, the few
    // events of one order one after another. It is also how long the events a node claimed wait when
    // that node dies (it was batch size x bus timeout, over 4 minutes: chaos.sh kill-node found an
    // order_paid made 4 min 20 s late). A pass that outlasts it only lets another node do the same
    // events again, which makes nothing twice (ON CONFLICT DO NOTHING on both keys).
    long leaseMs = busTimeoutMs * 2 + 5000;
    return repository.claimInbox(batchSize, leaseMs).compose(events -> {
      // orders side by side; the events of one order one after another, so its messages keep their order
      Map<String, List<InboxEvent>> byOrder = new LinkedHashMap<>();
      for (InboxEvent event : events) {
        byOrder.computeIfAbsent(event.orderId(), k -> new ArrayList<>()).add(event);
      }
      List<Future<Integer>> orders = new ArrayList<>();
      for (List<InboxEvent> ofOneOrder : byOrder.values()) {
        Future<Integer> chain = Future.succeededFuture(0);
        for (InboxEvent event : ofOneOrder) {
          chain = chain.compose(created -> handle(event).map(n -> created + n));
        }
        orders.add(chain);
      }
      return Future.join(orders).transform(ar -> {
        int created = orders.stream().filter(Future::succeeded).mapToInt(Future::result).sum();
        if (created > 0) {
          onNotificationsCreated.run();
        }
        return ar.succeeded() ? Future.succeededFuture(events.size()) : Future.failedFuture(ar.cause());
      });
    });
  }

  private Future<Integer> handle(InboxEvent event) {
    Future<AuthApi.Contact> contact = contact(vertx, busTimeoutMs, event.userId());
    Future<Optional<JsonObject>> saved = repository.preferences(event.userId());
    return Future.all(contact, saved)
      .compose(both -> repository.completeInbox(event, notifications(event, contact.result(), saved.result())))
      .recover(err -> {
        if (contact.failed() && ServiceFailure.from(contact.cause()).code() == ErrorCode.NOT_FOUND) {
          LOG.warn("Event {} ({}) is for user {} whom auth does not know; nobody to notify", event.eventId(), event.eventType(), event.userId());
          return repository.finishInbox(event.eventId(), "NO_RECIPIENT", "auth does not know the user").map(0);
        }
        long delay = retry.delayAfter(event.attempts() + 1);
        String reason = contact.failed() ? "contact look-up failed: " + ServiceFailure.from(contact.cause()).detail() : String.valueOf(err);
        LOG.info("Event {} waits {} ms before another try: {}", event.eventId(), delay, reason);
        return repository.retryInbox(event.eventId(), delay, reason).map(0);
      });
  }

  /** Where auth says the user is reached; a user id that is no UUID is refused as auth would refuse it. */
  static Future<AuthApi.Contact> contact(Vertx vertx, long timeoutMs, String userId) {
    UUID id = JsonValidator.parseUuid(userId);
    return id == null
      ? Future.failedFuture(ServiceFailure.invalidField("user_id", "must be a UUID"))
      : AuthApi.over(BusClient.of(vertx, timeoutMs)).userContact(id);
  }

  /** The messages this event gives, one per channel the user wants and can be reached on. */
  static List<NewNotification> notifications(InboxEvent event, AuthApi.Contact contact, Optional<JsonObject> saved) {
    JsonObject preferences = saved.orElseGet(() -> Preferences.defaults(contact.language()));
    String language = preferences.getString("language");
    Templates.Message message = Templates.render(event.template(), language, contact.name(), event.orderId(), event.data());
    List<NewNotification> out = new ArrayList<>();
    String email = contact.email();
    if (Preferences.enabled(preferences, DeliveryChannel.EMAIL) && email != null && !email.isBlank()) {
      out.add(new NewNotification(event, DeliveryChannel.EMAIL, language, email, message.subject(), message.text()));
    }
    String phone = contact.phone();
    if (Preferences.enabled(preferences, DeliveryChannel.SMS) && phone != null && !phone.isBlank()) {
      out.add(new NewNotification(event, DeliveryChannel.SMS, language, phone, message.subject(), message.shortText()));
    }
    if (Preferences.enabled(preferences, DeliveryChannel.PUSH)) {
      out.add(new NewNotification(event, DeliveryChannel.PUSH, language, event.userId(), message.subject(), message.shortText()));
    }
    return out;
  }
}
