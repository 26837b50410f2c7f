package dev.marketplace.notification;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

/**
 * SMS through an HTTP provider: {@code POST <notification.sms.url>} with
 * {@code {to, text, reference}} (the reference is the notification id, so a provider can drop a
 * resend); any 2xx is accepted. Without a URL, SMS stay in the local outbox like email.
 */
final class SmsChannel implements DeliveryChannel {
  private final WebClient client;
  private final String url;

  private SmsChannel(WebClient client, String url) {
    this.client = client;
    this.url = url;
  }

  static SmsChannel create(Vertx vertx, JsonObject sms, int timeoutMs) {
    String url = sms == null ? null : sms.getString("url");
    if (url == null || url.isBlank()) {
      return new SmsChannel(null, null);
    }
    WebClient client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs / 1000 + 1));
    return new SmsChannel(client, url);
  }

  @Override
  public String name() {
    return SMS;
  }

  @Override
  public Future<String> send(JsonObject notification) {
    if (client == null) {
      return Future.succeededFuture("local_outbox");
    }
    JsonObject request = new JsonObject()
      .put("to", notification.getString("recipient"))
      .put("text", notification.getString("body"))
      .put("reference", notification.getString("id"));
    return client.postAbs(url).sendJsonObject(request).compose(response -> response.statusCode() / 100 == 2
      ? Future.succeededFuture("sms_gateway")
      : Future.failedFuture("SMS gateway answered HTTP " + response.statusCode()));
  }

  @Override
  public Future<Void> close() {
    if (client != null) {
      client.close();
    }
    return Future.succeededFuture();
  }
}
