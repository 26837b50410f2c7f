package dev.marketplace.gateway.bridge;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.catalog.CatalogApi;
import dev.marketplace.contracts.orders.OrdersApi;
import dev.marketplace.gateway.Authenticator;
import dev.marketplace.gateway.Identity;
import dev.marketplace.gateway.security.RateLimiter;
import dev.marketplace.platform.bus.BusClient;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What the bridge's {@code send} addresses do: the same component requests, with the same bodies,
 * as the HTTP routes behind them ({@code CatalogRoutes}, {@code OrderRoutes}), so a reply is the
 * JSON the route answers and a failure the same coded failure (the bridge turns its code into the
 * route's HTTP status). The caller comes only from the {@code authorization} header, checked by
 * the gateway's {@link Authenticator}; nothing else a client puts in its frame becomes a header.
 */
final class BridgeApi {
  private final Vertx vertx;
  private final Authenticator authenticator;
  private final long timeoutMs;
  private final long attemptTimeoutMs;
  private final RateLimiter limits;

  /**
   * @param timeoutMs        the budget of a request ({@code bus.timeout_ms})
   * @param attemptTimeoutMs the per-attempt timeout ({@code bus.attempt_timeout_ms}): every address
   *                         open to clients is a read, sent again as the HTTP routes' reads are
   */
  BridgeApi(Vertx vertx, Authenticator authenticator, long timeoutMs, long attemptTimeoutMs, RateLimiter limits) {
    this.vertx = vertx;
    this.authenticator = authenticator;
    this.timeoutMs = timeoutMs;
    this.attemptTimeoutMs = attemptTimeoutMs;
    this.limits = limits;
  }

  /** The rate-limit group of the HTTP route an address mirrors. */
  static RateLimiter.Group group(String address) {
    return address.startsWith("bridge.catalog.") ? RateLimiter.Group.SEARCH : RateLimiter.Group.DEFAULT;
  }

  /** @param body the frame's body (null when it had none); {@code authorization} the frame header, if any */
  Future<JsonObject> handle(String address, JsonObject body, String authorization) {
    JsonObject in = body == null ? new JsonObject() : body;
    // a validation failure thrown inside compose fails the future with its coded failure
    return switch (address) {
      case BridgeAddresses.CATALOG_SEARCH -> anyone(address, authorization, caller -> search(in, caller));
      case BridgeAddresses.CATALOG_PRODUCT -> anyone(address, authorization, caller -> product(in, caller));
      case BridgeAddresses.ORDERS_LIST -> user(address, authorization, caller -> ordersList(in, caller));
      case BridgeAddresses.ORDERS_GET -> user(address, authorization, caller -> ordersGet(in, caller));
      default -> Future.failedFuture(ErrorCode.FORBIDDEN.failure("This address is not open to bridge clients."));
    };
  }

  /**
   * Query parameters travel to the catalog as text (a repeated one as a list), exactly as the HTTP
   * route passes them on, so the catalog's validation and answers are the same: {@code true} and
   * {@code 10} become {@code "true"} and {@code "10"}; a nested object is no query parameter at all.
   */
  private Future<JsonObject> search(JsonObject in, Optional<Identity> caller) {
    JsonObject query = new JsonObject();
    for (String name : in.fieldNames()) {
      Object value = in.getValue(name);
      if (value instanceof JsonArray values) {
        List<String> texts = new ArrayList<>();
        for (Object v : values) {
          texts.add(queryText(name, v));
        }
        query.put(name, texts.size() == 1 ? texts.get(0) : new JsonArray(texts));
      } else {
        query.put(name, queryText(name, value));
      }
    }
    return CatalogApi.over(client(caller)).search(query);
  }

  private static String queryText(String name, Object value) {
    if (value instanceof String || value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    throw ServiceFailure.invalidField(name, "must be a string, a number or a boolean");
  }

  private Future<JsonObject> product(JsonObject in, Optional<Identity> caller) {
    JsonValidator.of(in).allowOnly("id").throwIfInvalid();
    if (!(in.getValue("id") instanceof String id)) {
      throw ServiceFailure.invalidField("id", "is required (a product id)");
    }
    // an id that is no UUID is catalog's own VALIDATION_FAILED, as catalog would answer it
    return CatalogApi.over(client(caller)).get(CatalogApi.ProductRef.of(id).id());
  }

  private Future<JsonObject> ordersList(JsonObject in, Optional<Identity> caller) {
    JsonValidator.of(in).allowOnly("limit", "cursor").throwIfInvalid();
    JsonObject page = new JsonObject();
    if (in.containsKey("limit")) {
      page.put("limit", in.getValue("limit"));
    }
    if (in.containsKey("cursor")) {
      page.put("cursor", in.getValue("cursor"));
    }
    // read as orders reads it: a bad limit or cursor is orders' own VALIDATION_FAILED
    return OrdersApi.over(client(caller)).list(OrdersApi.LIST.decodeRequest(page));
  }

  /** As {@code GET /orders/{id}}: an id that is no UUID names no order (404). */
  private Future<JsonObject> ordersGet(JsonObject in, Optional<Identity> caller) {
    JsonValidator.of(in).allowOnly("id").throwIfInvalid();
    UUID id = in.getValue("id") instanceof String text ? JsonValidator.parseUuid(text) : null;
    if (id == null) {
      return Future.failedFuture(ErrorCode.NOT_FOUND.failure("No such resource."));
    }
    return OrdersApi.over(client(caller)).view(id).map(OrdersApi.Order::json);
  }

  private Future<JsonObject> anyone(String address, String authorization, java.util.function.Function<Optional<Identity>, Future<JsonObject>> then) {
    return authenticator.authenticate(authorization).compose(caller -> perUser(address, caller)).compose(then::apply);
  }

  private Future<JsonObject> user(String address, String authorization, java.util.function.Function<Optional<Identity>, Future<JsonObject>> then) {
    return authenticator.authenticate(authorization).compose(caller -> caller.isEmpty()
      ? Future.failedFuture(ErrorCode.UNAUTHORIZED.failure("Authentication is required."))
      : perUser(address, caller).compose(then::apply));
  }

  /** A signed-in caller also spends from their own bucket, as over HTTP. */
  private Future<Optional<Identity>> perUser(String address, Optional<Identity> caller) {
    if (caller.isPresent()) {
      RateLimiter.Decision decision = limits.tryUser(group(address), caller.get().userId());
      if (!decision.allowed()) {
        return Future.failedFuture(BridgeCore.rateLimited(decision).toReplyException());
      }
    }
    return Future.succeededFuture(caller);
  }

  /** The typed client for one frame: a new correlation id, the caller's identity, retried as reads are. */
  private BusClient client(Optional<Identity> caller) {
    BusClient client = BusClient.of(vertx, timeoutMs).retrying(attemptTimeoutMs)
      .withHeader(BusHeaders.CORRELATION_ID, UUID.randomUUID().toString());
    for (Map.Entry<String, String> header : caller.map(Identity::busHeaders).orElse(Map.of()).entrySet()) {
      client = client.withHeader(header.getKey(), header.getValue());
    }
    return client;
  }
}
