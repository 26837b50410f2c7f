package dev.marketplace.bank;

import dev.marketplace.contracts.bank.BankApi;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The bank simulator over real HTTP, with a local server standing in for the platform's callback route. */
class BankVerticleTest {
  private static final String SECRET = "test-secret";
  private Vertx vertx;
  private WebClient client;
  private final List<JsonObject> callbacks = new CopyOnWriteArrayList<>();
  private final AtomicInteger callbackAttempts = new AtomicInteger();
  /** The platform answers 500 to this many callbacks before it accepts one. */
  private volatile int failFirst;

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    HttpServer platform = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      callbackAttempts.incrementAndGet();
      boolean signed = BankApi.verify(SECRET, body.getBytes(), req.getHeader(BankApi.SIGNATURE_HEADER));
      if (!signed) {
        req.response().setStatusCode(401).end();
      } else if (failFirst > 0) {
        failFirst--;
        req.response().setStatusCode(500).end();
      } else {
        callbacks.add(body.toJsonObject());
        req.response().setStatusCode(200).end();
      }
    })).listen(0, "127.0.0.1"));
    BankVerticle bank = new BankVerticle();
    JsonObject config = new JsonObject()
      .put("http", new JsonObject().put("port", 1))
      .put("bank", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("shared_secret", SECRET)
        .put("callback_url", "http://127.0.0.1:" + platform.actualPort() + "/cb")
        .put("callback_retry_initial_ms", 50).put("callback_retry_max_ms", 200));
    await(vertx.deployVerticle(bank, new DeploymentOptions().setConfig(config)));
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(bank.actualPort()));
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  private JsonObject create(String reference, long amount) throws Exception {
    HttpResponse<Buffer> resp = await(client.post("/api/payments").sendJsonObject(new JsonObject().put("reference", reference)
      .put("order_id", "o-" + reference).put("amount", new JsonObject().put("amount", amount).put("currency", "RUB"))));
    assertThat(resp.statusCode()).isIn(200, 201);
    return resp.bodyAsJsonObject();
  }

  private HttpResponse<Buffer> post(String path) throws Exception {
    return await(client.post(path).putHeader("Accept", "application/json").send());
  }

  @Test
  void createIsIdempotentByReferenceAndHandsOutThe3dsPage() throws Exception {
    JsonObject first = create("ref-1", 12_345);
    JsonObject again = create("ref-1", 12_345);

    assertThat(again.getString("id")).isEqualTo(first.getString("id"));
    assertThat(first.getString("status")).isEqualTo(BankApi.PENDING);
    assertThat(first.getString("confirm_url")).endsWith("/3ds/" + first.getString("id"));
    String page = await(client.get("/3ds/" + first.getString("id")).send()).bodyAsString();
    assertThat(page).contains("123.45 RUB", "/confirm", "/decline");
    assertThat(await(client.get("/api/payments/" + first.getString("id")).send()).bodyAsJsonObject().getString("status"))
      .isEqualTo(BankApi.PENDING);
  }

  @Test
  void the3dsPageLeadsBackToTheShopPageItWasGivenButOnlyToAWebAddress() throws Exception {
    JsonObject payment = create("ref-return", 500);
    String back = "http://127.0.0.1:8080/#/orders/o-ref-return";
    String page = await(client.get("/3ds/" + payment.getString("id"))
      .addQueryParam(BankVerticle.RETURN_URL, back).send()).bodyAsString();
    assertThat(page).contains("name=\"return_url\" value=\"" + back + "\"");

    io.vertx.core.MultiMap form = io.vertx.core.MultiMap.caseInsensitiveMultiMap().add(BankVerticle.RETURN_URL, back);
    String settled = await(client.post("/3ds/" + payment.getString("id") + "/confirm").sendForm(form)).bodyAsString();
    assertThat(settled).contains("Payment captured").contains("<a id=\"return-to-shop\" href=\"" + back + "\">");

    JsonObject other = create("ref-script", 500);
    String refused = await(client.get("/3ds/" + other.getString("id"))
      .addQueryParam(BankVerticle.RETURN_URL, "javascript:alert(1)").send()).bodyAsString();
    assertThat(refused).doesNotContain("return_url").doesNotContain("javascript:");
    io.vertx.core.MultiMap quoted = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
      .add(BankVerticle.RETURN_URL, "http://shop.example/\"><script>x</script>");
    String escaped = await(client.post("/3ds/" + other.getString("id") + "/decline").sendForm(quoted)).bodyAsString();
    assertThat(escaped).doesNotContain("<script>");
  }

  @Test
  void confirmCallsThePlatformBackSignedAndRetriesUntilItGets2xx() throws Exception {
    failFirst = 2;
    JsonObject payment = create("ref-2", 500);

    assertThat(post("/3ds/" + payment.getString("id") + "/confirm").bodyAsJsonObject().getString("status")).isEqualTo(BankApi.CAPTURED);

    long deadline = System.currentTimeMillis() + 10_000;
    while (callbacks.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(callbacks).hasSize(1);
    assertThat(callbackAttempts.get()).isEqualTo(3);
    JsonObject callback = callbacks.get(0);
    assertThat(callback.getString("id")).isEqualTo(payment.getString("id"));
    assertThat(callback.getString("reference")).isEqualTo("ref-2");
    assertThat(callback.getString("status")).isEqualTo(BankApi.CAPTURED);
    assertThat(callback.getJsonObject("amount").getLong("amount")).isEqualTo(500);
    // settling again changes nothing and calls nobody
    assertThat(post("/3ds/" + payment.getString("id") + "/decline").bodyAsJsonObject().getString("status")).isEqualTo(BankApi.CAPTURED);
    Thread.sleep(200);
    assertThat(callbacks).hasSize(1);
  }

  @Test
  void aVoidedPaymentCannotBeConfirmedAndOnlyCapturedMoneyIsRefunded() throws Exception {
    JsonObject voided = create("ref-3", 100);
    assertThat(post("/api/payments/" + voided.getString("id") + "/refund").statusCode()).isEqualTo(409);
    assertThat(post("/api/payments/" + voided.getString("id") + "/void").bodyAsJsonObject().getString("status")).isEqualTo(BankApi.VOIDED);
    assertThat(post("/api/payments/" + voided.getString("id") + "/void").statusCode()).isEqualTo(200);
    assertThat(post("/3ds/" + voided.getString("id") + "/confirm").statusCode()).isEqualTo(409);

    JsonObject captured = create("ref-4", 100);
    post("/3ds/" + captured.getString("id") + "/confirm");
    assertThat(post("/api/payments/" + captured.getString("id") + "/void").statusCode()).isEqualTo(409);
    assertThat(post("/api/payments/" + captured.getString("id") + "/refund").bodyAsJsonObject().getString("status")).isEqualTo(BankApi.REFUNDED);
    assertThat(post("/api/payments/" + captured.getString("id") + "/refund").statusCode()).isEqualTo(200);
  }

  @Test
  void settingsMakeTheBankFailDeclineOrHangAndAreValidated() throws Exception {
    assertThat(await(client.put("/api/simulator").sendJsonObject(new JsonObject().put("error_rate", 2))).statusCode()).isEqualTo(400);

    await(client.put("/api/simulator").sendJsonObject(new JsonObject().put("error_rate", 1.0)));
    HttpResponse<Buffer> failed = await(client.post("/api/payments").sendJsonObject(new JsonObject().put("reference", "x")
      .put("amount", new JsonObject().put("amount", 1).put("currency", "RUB"))));
    assertThat(failed.statusCode()).isEqualTo(503);

    await(client.put("/api/simulator").sendJsonObject(new JsonObject().put("error_rate", 0.0).put("decline_rate", 1.0)));
    JsonObject payment = create("ref-5", 100);
    assertThat(post("/3ds/" + payment.getString("id") + "/confirm").bodyAsJsonObject().getString("status")).isEqualTo(BankApi.DECLINED);

    await(client.put("/api/simulator").sendJsonObject(new JsonObject().put("decline_rate", 0.0).put("timeout_rate", 1.0)));
    Future<HttpResponse<Buffer>> hanging = client.get("/api/payments/" + payment.getString("id")).timeout(300).send();
    assertThat(hanging.toCompletionStage().toCompletableFuture().handle((r, err) -> err).get(5, TimeUnit.SECONDS))
      .hasMessageContaining("timeout");
    assertThat(await(client.get("/api/simulator").send()).bodyAsJsonObject().getLong("api_requests")).isEqualTo(3);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
