package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.payment.PaymentAddresses;
import dev.marketplace.gateway.security.ClientAddress;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.bus.BusClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Set;
import java.util.function.Function;

/**
 * What a {@link RouteModule} needs from the gateway: the config, bus requests that carry the
 * request's correlation id and caller identity, and the JSON in/out conventions.
 *
 * <p>Typical handler: a component's typed client over {@link #client}, its reply shown by the
 * operation's reply codec, a function to JSON, or as it came for a document reply:
 * <pre>{@code
 * router.post(GatewayContext.API + "/seller/shipments/:id/ship").handler(ctx ->
 *   gateway.relay(ctx, OrdersApi.over(gateway.client(ctx)).ship(id), 200));
 * }</pre>
 * A route that passes on a client's input which the component validates reads it with the
 * operation's own codec first ({@code Operation.decodeRequest}), so a bad field is the
 * component's own VALIDATION_FAILED:
 * <pre>{@code
 * OrdersApi.Page page = OrdersApi.LIST.decodeRequest(query);
 * }</pre>
 */
public final class GatewayContext {
  /** The prefix of the public API. */
  public static final String API = "/api/v1";
  public static final String JSON = "application/json";

  private final Vertx vertx;
  private final JsonObject config;
  /** Writes that are safe to repeat (the payment callback: replays are harmless by design). */
  private static final Set<String> IDEMPOTENT_WRITES = Set.of(PaymentAddresses.CALLBACK);

  private final long busTimeoutMs;
  private final long attemptTimeoutMs;

  private final ClientAddress clientAddress;

  GatewayContext(Vertx vertx, JsonObject config, ClientAddress clientAddress) {
    this.vertx = vertx;
    this.config = config;
    this.clientAddress = clientAddress;
    this.busTimeoutMs = config.getJsonObject("bus", new JsonObject()).getLong("timeout_ms", 5000L);
    this.attemptTimeoutMs = config.getJsonObject("bus", new JsonObject()).getLong("attempt_timeout_ms", 1500L);
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The full configuration the gateway was deployed with. */
  public JsonObject config() {
    return config;
  }

  /** The client's address: the peer's, or from {@code X-Forwarded-For} when the peer is a trusted proxy. */
  public String clientAddress(RoutingContext ctx) {
    return clientAddress.of(ctx);
  }

  /** The default timeout of requests to components ({@code bus.timeout_ms}). */
  public long busTimeoutMs() {
    return busTimeoutMs;
  }

  /**
   * The headers of a request to a component on behalf of this HTTP request, with the default
   * timeout: {@code x-correlation-id} and, for an authenticated caller ({@link Identity#attach}),
   * {@code x-user-id} and {@code x-roles}.
   */
  private DeliveryOptions deliveryOptions(RoutingContext ctx) {
    DeliveryOptions options = Bus.options(busTimeoutMs).addHeader(BusHeaders.CORRELATION_ID, Correlation.id(ctx));
    Identity.of(ctx).ifPresent(identity -> identity.busHeaders().forEach(options::addHeader));
    return options;
  }

  /**
   * The per-attempt timeout of requests that may be repeated ({@code bus.attempt_timeout_ms}, 1500):
   * a request in flight to a node that died is sent again to another node after it.
   */
  public long attemptTimeoutMs() {
    return attemptTimeoutMs;
  }

  /**
   * The typed client of components on behalf of this HTTP request: the headers of
   * {@code x-correlation-id}, and {@code x-user-id} / {@code x-roles} for an authenticated
   * caller ({@link Identity#attach}), the default timeout, and the gateway's retry policy: for a read (GET, HEAD) every
   * operation, for a write only the ones known to be idempotent, is sent again in attempts of
   * {@link #attemptTimeoutMs()} within {@link #busTimeoutMs()} (on no answer, a missing handler, or
   * after a pause on a transient SERVICE_UNAVAILABLE: {@code RetryingRequest}). A route adds what it needs
   * ({@code .withHeader(...)}, {@code .timeout(...)}, {@code .retrying(...)}) on the answer.
   */
  public BusClient client(RoutingContext ctx) {
    BusClient client = BusClient.of(vertx, busTimeoutMs).withHeaders(deliveryOptions(ctx));
    HttpMethod method = ctx.request().method();
    return method == HttpMethod.GET || method == HttpMethod.HEAD
      ? client.retrying(attemptTimeoutMs)
      : client.retrying(attemptTimeoutMs, IDEMPOTENT_WRITES);
  }

  /**
   * Answers the HTTP request with a typed call's reply, shown as JSON by {@code view} (an
   * operation's reply codec: {@code Operation.reply()}), with {@code successStatus}; or with the
   * problem its failure maps to.
   */
  public <Rep> void relay(RoutingContext ctx, Future<Rep> reply, Codec<Rep> view, int successStatus) {
    relay(ctx, reply, (Function<Rep, JsonObject>) view::encode, successStatus);
  }

  /** The same with a function from the reply to its JSON. */
  public <Rep> void relay(RoutingContext ctx, Future<Rep> reply, Function<? super Rep, JsonObject> view, int successStatus) {
    reply.map(view).onComplete(ar -> {
      if (ar.succeeded()) {
        sendJson(ctx, successStatus, ar.result());
      } else {
        ProblemResponses.send(ctx, ar.cause());
      }
    });
  }

  /** The same for a reply that is already the HTTP JSON (a {@code Codec.DOCUMENT} reply). */
  public void relay(RoutingContext ctx, Future<JsonObject> reply, int successStatus) {
    relay(ctx, reply, Function.identity(), successStatus);
  }


  /**
   * The request body as a JSON object. Throws a MALFORMED_REQUEST failure (400) when it is
   * missing, not JSON or not an object; thrown from a route handler, that becomes the problem
   * response by itself.
   */
  public static JsonObject jsonBody(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw ErrorCode.MALFORMED_REQUEST.failure("A JSON object body is required.");
    }
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      // the parser's message quotes the input back; the client gets a plain sentence instead
      throw ErrorCode.MALFORMED_REQUEST.failure("The request body must be a JSON object.");
    }
  }

  public static void sendJson(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
      .setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
      .end(body.encode());
  }
}
