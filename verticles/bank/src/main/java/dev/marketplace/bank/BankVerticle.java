package dev.marketplace.bank;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.bank.BankApi;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.security.Secrets;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The external bank's stand-in, on its own HTTP port ({@code bank.port}, default 8089). It is not
 * part of the platform: the payment component only ever talks HTTP to it ({@link BankApi}), and it
 * keeps its payments in memory (a restarted simulator has forgotten them, as a test double may).
 *
 * <p>Config ({@code bank} section): {@code host} (default 127.0.0.1), {@code port}, {@code public_url} (base of the 3DS
 * URLs, default {@code http://127.0.0.1:<port>}), {@code shared_secret} (required, no default), {@code callback_url}
 * (default {@code http://127.0.0.1:<http.port>/api/v1/payments/callback}; a request never chooses
 * its own), {@code max_payments} (100000: the oldest are forgotten past that), and the misbehaviour
 * knobs {@code latency_ms}, {@code decline_rate}, {@code error_rate}, {@code timeout_rate}, {@code drop_callbacks}
 * (fractions 0..1; also changeable at run time with {@code PUT /api/simulator}),
 * {@code callback_retry_initial_ms}, {@code callback_retry_max_ms}.
 */
public class BankVerticle extends ComponentVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(BankVerticle.class);
  /** The 3DS page's optional parameter (and hidden form field): the shop page the buyer returns to. */
  static final String RETURN_URL = "return_url";

  /** Oldest first: past {@code bank.max_payments} the oldest are forgotten, so memory stays bounded. */
  private final LinkedHashMap<String, BankPayment> payments = new LinkedHashMap<>();
  private final Map<String, String> idByReference = new HashMap<>();
  private HttpServer server;
  private WebClient client;
  private SimulatorSettings settings;
  private String publicUrl;
  private String defaultCallbackUrl;
  private String secret;
  private long retryInitialMs;
  private long retryMaxMs;
  private int maxPayments;
  private boolean stopping;
  /** API calls received (3DS pages excluded), so tests can tell whether the platform called at all. */
  private long apiRequests;

  @Override
  protected String name() {
    return Components.BANK;
  }

  @Override
  protected boolean ownsSchema() {
    return false;
  }

  /** The port the bank listens on (useful when configured with port 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  protected Future<?> startComponent() {
    JsonObject bank = section();
    settings = SimulatorSettings.from(bank);
    // no default: whoever knows the secret can sign a CAPTURED for any order
    secret = Secrets.require(config(), "bank", "shared_secret");
    maxPayments = bank.getInteger("max_payments", 100_000);
    retryInitialMs = bank.getLong("callback_retry_initial_ms", 200L);
    retryMaxMs = bank.getLong("callback_retry_max_ms", 10_000L);
    int httpPort = config().getJsonObject("http", new JsonObject()).getInteger("port", 8080);
    String configuredCallback = bank.getString("callback_url", "");
    defaultCallbackUrl = configuredCallback.isBlank()
      ? "http://127.0.0.1:" + httpPort + "/api/v1/payments/callback"
      : configuredCallback;
    // callbacks at checkout rates need more than the default 5 keep-alive connections
    client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true),
      new io.vertx.core.http.PoolOptions().setHttp1MaxSize(bank.getInteger("callback_pool_size", 64)));
    server = vertx.createHttpServer();
    Router router = router();
    return server.requestHandler(router)
      // loopback unless told otherwise: its API refunds and its knobs are not for the network
      .listen(bank.getInteger("port", 8089), bank.getString("host", "127.0.0.1"))
      .onSuccess(s -> {
        String configuredUrl = bank.getString("public_url", "");
        publicUrl = configuredUrl.isBlank() ? "http://127.0.0.1:" + s.actualPort() : configuredUrl.replaceAll("/+$", "");
        LOG.info("Bank simulator listening on port {}, callbacks to {}", s.actualPort(), defaultCallbackUrl);
      });
  }

  @Override
  protected Future<?> stopComponent() {
    stopping = true;
    if (client != null) {
      client.close();
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(16_384));
    router.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/").handler(ctx -> html(ctx, 200, "<h1>Bank simulator</h1><p>" + payments.size() + " payments.</p>"));
    router.post("/api/payments").handler(ctx -> misbehave(ctx, this::create));
    router.get("/api/payments/:id").handler(ctx -> misbehave(ctx, this::status));
    router.post("/api/payments/:id/void").handler(ctx -> misbehave(ctx, this::voidPayment));
    router.post("/api/payments/:id/refund").handler(ctx -> misbehave(ctx, this::refund));
    router.get("/api/simulator").handler(ctx -> json(ctx, 200, settings.toJson().put("api_requests", apiRequests)));
    router.put("/api/simulator").handler(this::changeSettings);
    router.get("/3ds/:id").handler(this::threeDsPage);
    router.post("/3ds/:id/confirm").handler(ctx -> settle(ctx, true));
    router.post("/3ds/:id/decline").handler(ctx -> settle(ctx, false));
    return router;
  }

  /** The API calls suffer the configured latency, errors and hangs; the buyer's 3DS pages do not. */
  private void misbehave(RoutingContext ctx, java.util.function.Consumer<RoutingContext> handler) {
    apiRequests++;
    SimulatorSettings s = settings;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (s.timeoutRate() > 0 && random.nextDouble() < s.timeoutRate()) {
      // never answer: the caller's timeout is what is being tested
      return;
    }
    Runnable answer = () -> {
      if (s.errorRate() > 0 && random.nextDouble() < s.errorRate()) {
        json(ctx, 503, new JsonObject().put("error", "bank temporarily unavailable"));
      } else {
        handler.accept(ctx);
      }
    };
    if (s.latencyMs() > 0) {
      vertx.setTimer(s.latencyMs(), id -> answer.run());
    } else {
      answer.run();
    }
  }

  private void create(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return;
    }
    String reference = body.getValue("reference") instanceof String s ? s : null;
    JsonObject amount = body.getValue("amount") instanceof JsonObject a ? a : null;
    if (reference == null || reference.isBlank() || reference.length() > 128 || amount == null
      || !(amount.getValue("amount") instanceof Number n) || n.longValue() <= 0
      || !(amount.getValue("currency") instanceof String currency) || !currency.matches("[A-Z]{3}")
      || (body.getValue("order_id") != null && !(body.getValue("order_id") instanceof String o && o.length() <= 64))) {
      json(ctx, 400, new JsonObject().put("error", "reference and amount {amount > 0, currency} are required"));
      return;
    }
    String existing = idByReference.get(reference);
    if (existing != null) {
      json(ctx, 200, payments.get(existing).toJson());
      return;
    }
    // the callback always goes to the configured URL: a request naming its own would make the
    // bank POST wherever a caller likes
    String id = UUID.randomUUID().toString();
    BankPayment payment = new BankPayment(id, reference, body.getString("order_id"),
      amount.getLong("amount"), amount.getString("currency"), defaultCallbackUrl, publicUrl + "/3ds/" + id);
    payments.put(id, payment);
    idByReference.put(reference, id);
    forgetOldest();
    json(ctx, 201, payment.toJson());
  }

  /** Keeps at most {@code max_payments}: the oldest go first (and their pending callbacks with them). */
  private void forgetOldest() {
    Iterator<BankPayment> oldest = payments.values().iterator();
    while (payments.size() > maxPayments && oldest.hasNext()) {
      BankPayment gone = oldest.next();
      oldest.remove();
      idByReference.remove(gone.reference);
      gone.forgotten = true;
    }
  }

  private void status(RoutingContext ctx) {
    BankPayment payment = payments.get(ctx.pathParam("id"));
    if (payment == null) {
      json(ctx, 404, new JsonObject().put("error", "no such payment"));
      return;
    }
    json(ctx, 200, payment.toJson());
  }

  private void voidPayment(RoutingContext ctx) {
    BankPayment payment = payments.get(ctx.pathParam("id"));
    if (payment == null) {
      json(ctx, 404, new JsonObject().put("error", "no such payment"));
      return;
    }
    if (payment.status.equals(BankApi.PENDING)) {
      payment.status = BankApi.VOIDED;
    }
    if (payment.status.equals(BankApi.VOIDED) || payment.status.equals(BankApi.DECLINED)) {
      json(ctx, 200, payment.toJson());
    } else {
      json(ctx, 409, payment.toJson().put("error", "a " + payment.status + " payment cannot be voided"));
    }
  }

  private void refund(RoutingContext ctx) {
    BankPayment payment = payments.get(ctx.pathParam("id"));
    if (payment == null) {
      json(ctx, 404, new JsonObject().put("error", "no such payment"));
      return;
    }
    if (payment.status.equals(BankApi.CAPTURED)) {
      payment.status = BankApi.REFUNDED;
    }
    if (payment.status.equals(BankApi.REFUNDED)) {
      json(ctx, 200, payment.toJson());
    } else {
      json(ctx, 409, payment.toJson().put("error", "a " + payment.status + " payment cannot be refunded"));
    }
  }

  private void changeSettings(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return;
    }
    try {
      settings = settings.with(body);
    } catch (IllegalArgumentException e) {
      json(ctx, 400, new JsonObject().put("error", e.getMessage()));
      return;
    }
    LOG.info("Bank simulator settings now {}", settings.toJson().encode());
    json(ctx, 200, settings.toJson());
  }

  private void threeDsPage(RoutingContext ctx) {
    BankPayment payment = payments.get(ctx.pathParam("id"));
    if (payment == null) {
      html(ctx, 404, "<h1>Unknown payment</h1>");
      return;
    }
    String amount = String.format("%d.%02d %s", payment.amount / 100, payment.amount % 100, escape(payment.currency));
    String returnUrl = returnUrl(ctx.request().getParam(RETURN_URL));
    String returnField = returnUrl == null ? "" : "<input type=\"hidden\" name=\"" + RETURN_URL + "\" value=\"" + escape(returnUrl) + "\">";
    String page = "<!doctype html><html><head><meta charset=\"utf-8\"><title>3-D Secure</title></head><body>"
      + "<h1>3-D Secure confirmation</h1>"
      + "<p>Order " + escape(String.valueOf(payment.orderId)) + ": <strong>" + amount + "</strong></p>"
      + "<p>Status: " + payment.status + "</p>"
      + (payment.status.equals(BankApi.PENDING)
        ? "<form method=\"post\" action=\"/3ds/" + payment.id + "/confirm\">" + returnField + "<button type=\"submit\">Confirm</button></form>"
        + "<form method=\"post\" action=\"/3ds/" + payment.id + "/decline\">" + returnField + "<button type=\"submit\">Decline</button></form>"
        : returnLink(returnUrl))
      + "</body></html>";
    html(ctx, 200, page);
  }

  /** The buyer's answer on the 3DS page; a configured decline rate may turn a confirm into a decline. */
  private void settle(RoutingContext ctx, boolean confirmed) {
    BankPayment payment = payments.get(ctx.pathParam("id"));
    if (payment == null) {
      respondSettled(ctx, 404, null, "Unknown payment");
      return;
    }
    if (payment.status.equals(BankApi.PENDING)) {
      boolean declinedByBank = confirmed && settings.declineRate() > 0 && ThreadLocalRandom.current().nextDouble() < settings.declineRate();
      payment.status = confirmed && !declinedByBank ? BankApi.CAPTURED : BankApi.DECLINED;
      sendCallback(payment, new JsonObject()
        .put("event_id", UUID.randomUUID().toString())
        .put("id", payment.id)
        .put("reference", payment.reference)
        .put("order_id", payment.orderId)
        .put("status", payment.status)
        .put("amount", new JsonObject().put("amount", payment.amount).put("currency", payment.currency))
        .put("occurred_at", Instant.now().toString()), retryInitialMs);
      respondSettled(ctx, 200, payment, null);
    } else if (payment.status.equals(BankApi.VOIDED)) {
      respondSettled(ctx, 409, payment, "This payment was cancelled by the merchant.");
    } else {
      respondSettled(ctx, 200, payment, null);
    }
  }

  private void respondSettled(RoutingContext ctx, int status, BankPayment payment, String error) {
    String accept = ctx.request().getHeader("Accept");
    if (accept != null && accept.contains("application/json")) {
      JsonObject body = payment == null ? new JsonObject() : payment.toJson();
      if (error != null) {
        body.put("error", error);
      }
      json(ctx, status, body);
    } else {
      String returnUrl = returnUrl(ctx.request().getFormAttribute(RETURN_URL));
      html(ctx, status, "<!doctype html><html><head><meta charset=\"utf-8\"><title>3-D Secure</title></head><body><h1>"
        + escape(error != null ? error : "Payment " + payment.status.toLowerCase())
        + "</h1>" + (returnUrl == null ? "<p>You may return to the shop.</p>" : returnLink(returnUrl)) + "</body></html>");
    }
  }

  /** POSTs the signed result; retries with doubling delays (capped) until the platform answers 2xx. */
  private void sendCallback(BankPayment payment, JsonObject event, long delayMs) {
    if (stopping || settings.dropCallbacks() || payment.forgotten) {
      return;
    }
    Buffer body = event.toBuffer();
    client.postAbs(payment.callbackUrl)
      .putHeader("Content-Type", "application/json")
      .putHeader(BankApi.SIGNATURE_HEADER, BankApi.sign(secret, body.getBytes()))
      .timeout(5_000)
      .sendBuffer(body)
      .onComplete(ar -> {
        if (ar.succeeded() && ar.result().statusCode() / 100 == 2) {
          return;
        }
        String why = ar.succeeded() ? "HTTP " + ar.result().statusCode() : ar.cause().toString();
        LOG.warn("Callback for bank payment {} failed ({}); retrying in {} ms", payment.id, why, delayMs);
        if (!stopping) {
          vertx.setTimer(delayMs, id -> sendCallback(payment, event, Math.min(delayMs * 2, retryMaxMs)));
        }
      });
  }

  private static JsonObject jsonBody(RoutingContext ctx) {
    try {
      Buffer buffer = ctx.body().buffer();
      return buffer == null || buffer.length() == 0 ? new JsonObject() : new JsonObject(buffer);
    } catch (DecodeException | ClassCastException e) {
      json(ctx, 400, new JsonObject().put("error", "the body must be a JSON object"));
      return null;
    }
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /**
   * The shop's page to come back to, as the 3DS page's {@code return_url} parameter gave it: only an
   * absolute http(s) URL is taken (never {@code javascript:} or the like); shown as a link, never
   * followed by the bank itself.
   */
  private static String returnUrl(String candidate) {
    if (candidate == null || candidate.length() > 2048) {
      return null;
    }
    try {
      java.net.URI uri = new java.net.URI(candidate);
      String scheme = uri.getScheme();
      boolean web = "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
      return web && uri.getHost() != null ? candidate : null;
    } catch (java.net.URISyntaxException e) {
      return null;
    }
  }

  private static String returnLink(String returnUrl) {
    return returnUrl == null ? "" : "<p><a id=\"return-to-shop\" href=\"" + escape(returnUrl) + "\">Return to the shop</a></p>";
  }

  private static void html(RoutingContext ctx, int status, String page) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8").end(page);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  /** One payment as the bank knows it. */
  private static final class BankPayment {
    final String id;
    final String reference;
    final String orderId;
    final long amount;
    final String currency;
    final String callbackUrl;
    final String confirmUrl;
    String status = BankApi.PENDING;
    /** Evicted past {@code max_payments}: its callback retries stop. */
    boolean forgotten;

    BankPayment(String id, String reference, String orderId, long amount, String currency, String callbackUrl, String confirmUrl) {
      this.id = id;
      this.reference = reference;
      this.orderId = orderId;
      this.amount = amount;
      this.currency = currency;
      this.callbackUrl = callbackUrl;
      this.confirmUrl = confirmUrl;
    }

    JsonObject toJson() {
      return new JsonObject()
        .put("id", id)
        .put("reference", reference)
        .put("order_id", orderId)
        .put("status", status)
        .put("amount", new JsonObject().put("amount", amount).put("currency", currency))
        .put("confirm_url", confirmUrl);
    }
  }
}
