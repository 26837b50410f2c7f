package dev.marketplace.notification;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;

/**
 * Email over SMTP to {@code notification.smtp} ({@code host, port, username?, password?, ssl?,
 * starttls?: DISABLED|OPTIONAL|REQUIRED, from}). Without an SMTP host (the all-in-one default) the
 * message stays in the local outbox: the stored notification is the email, readable through
 * {@code GET /api/v1/notifications}, and counts as delivered there.
 */
final class EmailChannel implements DeliveryChannel {
  static final String DEFAULT_FROM = "Marketplace <no-reply@marketplace.local>";

  private final MailClient client;
  private final String from;

  private EmailChannel(MailClient client, String from) {
    this.client = client;
    this.from = from;
  }

  static EmailChannel create(Vertx vertx, JsonObject smtp, int connectTimeoutMs) {
    if (smtp == null || smtp.getString("host", "").isBlank()) {
      return new EmailChannel(null, DEFAULT_FROM);
    }
    String username = smtp.getString("username");
    MailConfig config = new MailConfig()
      .setHostname(smtp.getString("host"))
      .setPort(smtp.getInteger("port", 25))
      .setSsl(smtp.getBoolean("ssl", false))
      .setStarttls(StartTLSOptions.valueOf(smtp.getString("starttls", "OPTIONAL")))
      .setLogin(username == null ? LoginOption.DISABLED : LoginOption.REQUIRED)
      .setUsername(username)
      .setPassword(smtp.getString("password"))
      .setMaxPoolSize(smtp.getInteger("max_connections", 4))
      .setKeepAlive(true);
    config.setConnectTimeout(connectTimeoutMs);
    return new EmailChannel(MailClient.create(vertx, config), smtp.getString("from", DEFAULT_FROM));
  }

  boolean usesLocalOutbox() {
    return client == null;
  }

  @Override
  public String name() {
    return EMAIL;
  }

  @Override
  public Future<String> send(JsonObject notification) {
    if (client == null) {
      return Future.succeededFuture("local_outbox");
    }
    MailMessage message = new MailMessage()
      .setFrom(from)
      .setTo(notification.getString("recipient"))
      .setSubject(notification.getString("subject"))
      .setText(notification.getString("body"));
    // lets a receiving system recognise a resend after a crash between send and bookkeeping
    message.addHeader("X-Notification-Id", notification.getString("id"));
    return client.sendMail(message).map("smtp");
  }

  @Override
  public Future<Void> close() {
    return client == null ? Future.succeededFuture() : client.close();
  }
}
