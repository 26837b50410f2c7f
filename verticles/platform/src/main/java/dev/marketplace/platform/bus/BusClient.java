package dev.marketplace.platform.bus;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The one client of every component contract over the event bus: it encodes an {@link Operation}'s
 * request, sends it with a timeout and the caller's headers, and decodes the reply. Failures are
 * the receiver's coded {@code ReplyException} as it came (callers read them with
 * {@code ServiceFailure.from}). Immutable: each {@code with...} answers a new client.
 *
 * <pre>{@code
 * InventoryApi inventory = InventoryApi.over(BusClient.of(vertx, timeoutMs).propagating(msg));
 * inventory.availability(ids).map(...)
 * }</pre>
 */
public final class BusClient implements Invoker {
  private final Vertx vertx;
  private final long timeoutMs;
  /** Per-attempt timeout of a repeated request ({@link RetryingRequest}); 0: one attempt of {@link #timeoutMs}. */
  private final long attemptTimeoutMs;
  /** The addresses whose requests are repeated when {@link #attemptTimeoutMs} is set; null: every address. */
  private final Set<String> retriedAddresses;
  private final Map<String, String> headers;

  private BusClient(Vertx vertx, long timeoutMs, long attemptTimeoutMs, Set<String> retriedAddresses,
                    Map<String, String> headers) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
    this.attemptTimeoutMs = attemptTimeoutMs;
    this.retriedAddresses = retriedAddresses;
    this.headers = headers;
  }

  /** One attempt per request, failing after {@code timeoutMs}. */
  public static BusClient of(Vertx vertx, long timeoutMs) {
    return new BusClient(vertx, timeoutMs, 0, null, Map.of());
  }

  /**
   * Requests that survive the death of the node they went to: attempts of {@code attemptTimeoutMs},
   * repeated on a timeout or a missing handler until the timeout is spent. Only for reads and for
   * writes idempotent by a key in their body (see {@link RetryingRequest}).
   */
  public BusClient retrying(long attemptTimeoutMs) {
    return new BusClient(vertx, timeoutMs, attemptTimeoutMs, null, headers);
  }

  /**
   * The same, but only for the operations at {@code addresses} (the writes a caller knows to be
   * idempotent); a request to any other address gets one attempt of the whole timeout.
   */
  public BusClient retrying(long attemptTimeoutMs, Set<String> addresses) {
    return new BusClient(vertx, timeoutMs, attemptTimeoutMs, Set.copyOf(addresses), headers);
  }

  public BusClient timeout(long timeoutMs) {
    return new BusClient(vertx, timeoutMs, attemptTimeoutMs, retriedAddresses, headers);
  }

  public BusClient withHeader(String name, String value) {
    if (value == null) {
      return this;
    }
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new BusClient(vertx, timeoutMs, attemptTimeoutMs, retriedAddresses, Map.copyOf(more));
  }

  /** With every header of {@code options} (the gateway's per-request headers: correlation id, caller). */
  public BusClient withHeaders(DeliveryOptions options) {
    BusClient client = this;
    if (options.getHeaders() != null) {
      for (Map.Entry<String, String> header : options.getHeaders()) {
        client = client.withHeader(header.getKey(), header.getValue());
      }
    }
    return client;
  }

  /** On behalf of the user (a component acting for a buyer, a job acting for a seller). */
  public BusClient asUser(String userId, String roles) {
    return withHeader(BusHeaders.USER_ID, userId).withHeader(BusHeaders.ROLES, roles);
  }

  /** With the identity and correlation id of the message being handled (as {@link Bus#propagate}). */
  public BusClient propagating(Message<?> from) {
    BusClient client = this;
    for (String header : new String[] {BusHeaders.USER_ID, BusHeaders.ROLES, BusHeaders.CORRELATION_ID}) {
      client = client.withHeader(header, from.headers().get(header));
    }
    return client;
  }

  @Override
  public <Req, Rep> Future<Rep> call(Operation<Req, Rep> operation, Req request) {
    JsonObject body;
    try {
      body = operation.request().encode(request);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return this.<JsonObject>message(operation.address(), body).map(reply -> operation.reply().decode(reply.body()));
  }

  /**
   * A request with this client's timeout, headers and retries whose reply is no JSON object, so no
   * {@link Operation}: the whole reply message, headers included (catalog's product card is JSON
   * bytes with an ETag header).
   */
  public <T> Future<Message<T>> message(String address, JsonObject body) {
    DeliveryOptions options = Bus.options(timeoutMs);
    headers.forEach(options::addHeader);
    boolean repeated = attemptTimeoutMs > 0 && (retriedAddresses == null || retriedAddresses.contains(address));
    return repeated
      ? RetryingRequest.message(vertx, address, body, options, attemptTimeoutMs, timeoutMs)
      : vertx.eventBus().request(address, body, options);
  }
}
