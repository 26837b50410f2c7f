package dev.marketplace.contracts.notification;

/**
 * The notification component's event bus operations. Every operation reads the caller from the
 * {@code x-user-id} / {@code x-roles} headers; an anonymous caller gets UNAUTHORIZED. Bodies and
 * replies are JSON objects; instants are ISO-8601 strings.
 *
 * <p>A notification as returned by {@link #LIST} and {@link #PARKED_LIST}:
 * <pre>{@code
 * {id, event_id, event_type, template, order_id, channel: "email"|"sms"|"push", language: "ru"|"en",
 *  recipient, subject, body, status: "PENDING"|"SENT"|"PARKED", attempts,
 *  delivered_via: "smtp"|"local_outbox"|"sms_gateway"|"event_bus"|null,
 *  created_at, sent_at?}
 * }</pre>
 * The admin view adds {@code user_id}, {@code last_error} and {@code parked_at}. Templates:
 * {@code order_placed, order_paid, order_cancelled, order_refunded, order_shipped}.
 */
public final class NotificationAddresses {

  /**
   * The caller's notification history, newest first, every channel (so it is also the local
   * email outbox when no SMTP server is configured). Body {@code {limit?: 1..200 (default 50),
   * cursor?: string, channel?: "email"|"sms"|"push"}} → {@code {items: [notification], next_cursor}}
   * ({@code next_cursor} null on the last page). VALIDATION_FAILED for a bad field.
   */
  public static final String LIST = "notification.list";

  /**
   * The caller's preferences. Body {@code {}} → {@code {language: "ru"|"en", channels: {email,
   * sms, push}}}. A user who never saved any gets the defaults: the language auth knows for the
   * user (ru when unknown), email and push on, sms off.
   */
  public static final String PREFERENCES_GET = "notification.preferences.get";

  /**
   * Replaces the caller's preferences. Body {@code {language: "ru"|"en", channels: {email: bool,
   * sms: bool, push: bool}}} (all fields required, unknown fields refused) → the saved
   * preferences. Idempotent. Applies to events handled after the change.
   */
  public static final String PREFERENCES_PUT = "notification.preferences.put";

  /**
   * Admin only (FORBIDDEN otherwise): deliveries that failed every retry, newest first.
   * Body {@code {limit?: 1..200}} → {@code {items: [notification + user_id, last_error, parked_at]}}.
   */
  public static final String PARKED_LIST = "notification.parked.list";

  /**
   * Admin only: puts a parked delivery back in its channel's queue with a fresh set of retries.
   * Body {@code {notification_id}} → the notification (status PENDING). NOT_FOUND for an unknown
   * id, ILLEGAL_STATE when it is not parked (a delivery is never sent twice by a replay).
   */
  public static final String REPLAY = "notification.replay";

  /**
   * Live push: the component <em>publishes</em> each push notification to
   * {@code notification.push.<user_id>} with the notification as body (no reply). Only that
   * user's live streams listen there; nothing is kept for a user who is not connected (the
   * history has it).
   */
  public static String push(String userId) {
    return "notification.push." + userId;
  }

  private NotificationAddresses() {
  }
}
