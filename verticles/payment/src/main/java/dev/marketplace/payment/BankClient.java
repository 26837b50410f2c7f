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
import io.vertx.core.Promise;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The bank's HTTP API ({@code dev.marketplace.contracts.bank.BankApi}) with retries and a circuit
 * breaker. The bank hiccups (a 5xx, a request that never answers, a refused connection): each
 * operation is retried, every attempt with its own timeout ({@code bank_timeout_ms}, 2000), with a
 * short jittered backoff, until it gets an answer or its budget is spent ({@code start_budget_ms},
 * 6500, for a payment's creation: below checkout's {@code payment_timeout_ms}; {@code bank_retry_budget_ms},
 * 4000, for the others). Every call is safe to repeat: the bank's create is idempotent by
 * {@code reference}, status is a read, a void or refund of a voided or refunded payment answers as
 * before. The breaker counts operations, not attempts: only after {@code breaker_max_failures}
 * operations failed with all their retries (within 10 s) do calls fail at once for
 * {@code breaker_reset_ms}, so hiccups never open it and an outage does.
 * A 4xx is the bank's answer, not a failure of the bank: it is returned as a {@link BankReply}.
 */
final class BankClient {
  private final WebClient client;
  private final CircuitBreaker breaker;
  private final String baseUrl;
  private final Vertx vertx;
  private final long timeoutMs;
  private final long startBudgetMs;
  private final long retryBudgetMs;

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
    this.vertx = vertx;
    this.timeoutMs = payment.getLong("bank_timeout_ms", 2_000L);
    this.startBudgetMs = payment.getLong("start_budget_ms", 6_500L);
    this.retryBudgetMs = payment.getLong("bank_retry_budget_ms", 4_000L);
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
    return call(() -> client.postAbs(baseUrl + "/api/payments"), request, startBudgetMs);
  }

  Future<BankReply> status(String bankPaymentId) {
    return call(() -> client.getAbs(baseUrl + "/api/payments/" + bankPaymentId), null, retryBudgetMs);
  }

  Future<BankReply> voidPayment(String bankPaymentId) {
    return call(() -> client.postAbs(baseUrl + "/api/payments/" + bankPaymentId + "/void"), new JsonObject(), retryBudgetMs);
  }

  Future<BankReply> refund(String bankPaymentId) {
    return call(() -> client.postAbs(baseUrl + "/api/payments/" + bankPaymentId + "/refund"), new JsonObject(), retryBudgetMs);
  }

  /** Attempts made (retries included) since start; for tests. */
  long attempts() {
    return attempts;
  }

  private long attempts;
  private boolean closed;

  void close() {
    closed = true;
    breaker.close();
    client.close();
  }

  private Future<BankReply> call(Supplier<HttpRequest<Buffer>> request, JsonObject body, long budgetMs) {
    long deadline = System.currentTimeMillis() + budgetMs;
    return breaker.<BankReply>execute(() -> withRetries(request, body, deadline, 0))
      .recover(err -> Future.failedFuture(err instanceof BankUnavailable
        ? err
        : new BankUnavailable("The bank is unavailable: " + err.getMessage(), err)));
  }

  /** One attempt, then (on a failure of the bank, with budget left) another after a short pause. */
  private Future<BankReply> withRetries(Supplier<HttpRequest<Buffer>> request, JsonObject body, long deadline, int attempt) {
    long left = deadline - System.currentTimeMillis();
    return send(request.get(), body, Math.max(MIN_ATTEMPT_MS, Math.min(timeoutMs, left))).recover(err -> {
      long pause = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS << Math.min(attempt, 10));
      pause = pause / 2 + ThreadLocalRandom.current().nextLong(pause / 2 + 1);
      long remaining = deadline - System.currentTimeMillis() - pause;
      if (remaining < MIN_ATTEMPT_MS || closed) {
        return Future.failedFuture(err);
      }
      Promise<BankReply> again = Promise.promise();
      vertx.setTimer(pause, id -> (closed ? Future.<BankReply>failedFuture(err) : withRetries(request, body, deadline, attempt + 1))
        .onComplete(again));
      return again.future();
    });
  }

  private static final long MIN_ATTEMPT_MS = 250;
  private static final long FIRST_PAUSE_MS = 50;
  private static final long MAX_PAUSE_MS = 400;

  private Future<BankReply> send(HttpRequest<Buffer> request, JsonObject body, long attemptTimeoutMs) {
    attempts++;
    request.timeout(attemptTimeoutMs);
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
    }, err -> Future.failedFuture(new BankUnavailable("The bank is unavailable: " + err.getMessage(), err)));
  }
}
