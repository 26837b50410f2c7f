package dev.marketplace.payment;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.core.buffer.Buffer;

/**
 * The bank's HTTP API ({@code dev.marketplace.contracts.bank.BankApi}) behind a timeout and a
 * circuit breaker: after {@code breaker_max_failures} consecutive failures (5xx, timeouts,
 * refused connections) calls fail at once for {@code breaker_reset_ms}, then one trial call decides.
 * A 4xx is the bank's answer, not a failure of the bank: it is returned as a {@link BankReply}.
 */
final class BankClient {
  private final WebClient client;
  private final CircuitBreaker breaker;
  private final String baseUrl;
  private final long timeoutMs;

  /** The bank's answer to a call: its HTTP status and JSON body. */
  record BankReply(int status, JsonObject body) {
    boolean ok() {
      return status / 100 == 2;
    }
  }

  /** The bank failed (5xx, timeout, connection) or the circuit is open. */
  static final class BankUnavailable extends RuntimeException {
    BankUnavailable(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  BankClient(Vertx vertx, JsonObject config) {
    JsonObject payment = config.getJsonObject("payment", new JsonObject());
    JsonObject bank = config.getJsonObject("bank", new JsonObject());
    String configured = payment.getString("bank_url", "");
    this.baseUrl = configured.isBlank()
      ? "http://127.0.0.1:" + bank.getInteger("port", 8089)
      : configured.replaceAll("/+$", "");
    this.timeoutMs = payment.getLong("bank_timeout_ms", 3_000L);
    // keep-alive connections enough for the load: every checkout and refund is a call
    this.client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true),
      new io.vertx.core.http.PoolOptions().setHttp1MaxSize(payment.getInteger("bank_pool_size", 64)));
    this.breaker = CircuitBreaker.create("bank", vertx, new CircuitBreakerOptions()
      .setMaxFailures(payment.getInteger("breaker_max_failures", 5))
      .setResetTimeout(payment.getLong("breaker_reset_ms", 10_000L))
      // the request has its own timeout; the breaker only counts
      .setTimeout(-1)
      .setNotificationAddress(null));
  }

  String baseUrl() {
    return baseUrl;
  }

  CircuitBreakerState state() {
    return breaker.state();
  }

  Future<BankReply> createPayment(JsonObject request) {
    return call(client.postAbs(baseUrl + "/api/payments"), request);
  }

  Future<BankReply> status(String bankPaymentId) {
    return call(client.getAbs(baseUrl + "/api/payments/" + bankPaymentId), null);
  }

  Future<BankReply> voidPayment(String bankPaymentId) {
    return call(client.postAbs(baseUrl + "/api/payments/" + bankPaymentId + "/void"), new JsonObject());
  }

  Future<BankReply> refund(String bankPaymentId) {
    return call(client.postAbs(baseUrl + "/api/payments/" + bankPaymentId + "/refund"), new JsonObject());
  }

  void close() {
    breaker.close();
    client.close();
  }

  private Future<BankReply> call(HttpRequest<Buffer> request, JsonObject body) {
    return breaker.<BankReply>execute(() -> {
      request.timeout(timeoutMs);
      Future<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendJsonObject(body);
      return sent.compose(resp -> {
        if (resp.statusCode() >= 500) {
          return Future.failedFuture(new BankUnavailable("The bank answered HTTP " + resp.statusCode(), null));
        }
        JsonObject json;
        try {
          json = resp.body() == null || resp.body().length() == 0 ? new JsonObject() : resp.bodyAsJsonObject();
        } catch (RuntimeException e) {
          return Future.failedFuture(new BankUnavailable("The bank's answer is not JSON", e));
        }
        return Future.succeededFuture(new BankReply(resp.statusCode(), json));
      });
    }).recover(err -> Future.failedFuture(err instanceof BankUnavailable
      ? err
      : new BankUnavailable("The bank is unavailable: " + err.getMessage(), err)));
  }
}
