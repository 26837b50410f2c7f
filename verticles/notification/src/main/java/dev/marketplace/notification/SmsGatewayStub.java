package dev.marketplace.notification;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A stand-in for an SMS provider, like the bank simulator stands in for a bank: {@code POST /sms}
 * with {@code {to, text, reference}} answers 202 {@code {message_id}} and keeps the message (a
 * repeated reference is accepted again without a second message); {@code GET /sms} lists what it
 * received. Started by the notification verticle when {@code notification.sms_gateway_stub.port}
 * is set, and by tests.
 */
public final class SmsGatewayStub {
  private static final Logger LOG = LoggerFactory.getLogger(SmsGatewayStub.class);
  private static final int MAX_KEPT = 1000;

  private final Map<String, JsonObject> byReference = new LinkedHashMap<>();
  private HttpServer server;

  public Future<SmsGatewayStub> start(Vertx vertx, String host, int port) {
    return vertx.createHttpServer().requestHandler(request -> {
      if ("/sms".equals(request.path()) && request.method().name().equals("GET")) {
        request.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("messages", new JsonArray(messages())).encode());
        return;
      }
      if (!"/sms".equals(request.path()) || !request.method().name().equals("POST")) {
        request.response().setStatusCode(404).end();
        return;
      }
      request.body().onSuccess(buffer -> {
        JsonObject sms;
        try {
          sms = buffer.toJsonObject();
        } catch (DecodeException | ClassCastException e) {
          request.response().setStatusCode(400).end();
          return;
        }
        if (sms.getString("to") == null || sms.getString("text") == null) {
          request.response().setStatusCode(400).end();
          return;
        }
        JsonObject kept = accept(sms);
        request.response().setStatusCode(202).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("message_id", kept.getString("message_id")).encode());
      });
    }).listen(port, host).map(s -> {
      server = s;
      LOG.info("SMS gateway stand-in listening on port {}", s.actualPort());
      return this;
    });
  }

  private synchronized JsonObject accept(JsonObject sms) {
    String reference = sms.getString("reference", UUID.randomUUID().toString());
    return byReference.computeIfAbsent(reference, r -> {
      if (byReference.size() >= MAX_KEPT) {
        byReference.remove(byReference.keySet().iterator().next());
      }
      LOG.info("SMS to {}: {}", sms.getString("to"), sms.getString("text"));
      return sms.copy().put("message_id", UUID.randomUUID().toString());
    });
  }

  /** The messages received so far, oldest first. */
  public synchronized List<JsonObject> messages() {
    return new ArrayList<>(byReference.values());
  }

  public int port() {
    return server == null ? -1 : server.actualPort();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
