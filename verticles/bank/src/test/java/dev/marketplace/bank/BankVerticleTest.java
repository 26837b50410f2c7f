package dev.marketplace.bank;

import dev.marketplace.contracts.bank.BankApi;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The bank simulator over real HTTP, with a local server standing in for the platform's callback route. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class BankVerticleTest {
  private static final String SECRET = "test-secret";
  private Vertx vertx;
  private WebClient client;
  private final List<JsonObject> callbacks = new CopyOnWriteArrayList<>();
  private final AtomicInteger callbackAttempts = new AtomicInteger();
  /** The platform answers 500 to this many callbacks before it accepts one. */
  private volatile int failFirst;

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    BankVerticle bank = new BankVerticle();
    vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
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
      })).listen(0, "127.0.0.1")
      .compose(platform -> {
        JsonObject config = new JsonObject()
          .put("http", new JsonObject().put("port", 1))
          .put("bank", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("shared_secret", SECRET)
            .put("callback_url", "http://127.0.0.1:" + platform.actualPort() + "/cb")
            .put("callback_retry_initial_ms", 50).put("callback_retry_max_ms", 200));
        return vertx.deployVerticle(bank, new DeploymentOptions().setConfig(config));
      })
      .onComplete(ctx.succeeding(id -> {
        client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(bank.actualPort()));
        ctx.completeNow();
      }));
  }

  private Future<JsonObject> create(String reference, long amount, VertxTestContext ctx) {
    return client.post("/api/payments").sendJsonObject(new JsonObject().put("reference", reference)
        .put("order_id", "o-" + reference).put("amount", new JsonObject().put("amount", amount).put("currency", "RUB")))
      .map(resp -> {
        ctx.verify(() -> assertThat(resp.statusCode()).isIn(200, 201));
        return resp.bodyAsJsonObject();
      });
  }

  private Future<HttpResponse<Buffer>> post(String path) {
    return client.post(path).putHeader("Accept", "application/json").send();
  }

  private Future<String> postStatus(String path) {
    return post(path).map(resp -> resp.bodyAsJsonObject().getString("status"));
  }

  private Future<Integer> postCode(String path) {
    return post(path).map(HttpResponse::statusCode);
  }

  @Test
  void createIsIdempotentByReferenceAndHandsOutThe3dsPage(VertxTestContext ctx) {
    create("ref-1", 12_345, ctx).compose(first -> create("ref-1", 12_345, ctx)
        .compose(again -> client.get("/3ds/" + first.getString("id")).send()
          .compose(page -> client.get("/api/payments/" + first.getString("id")).send()
            .map(status -> ctx.verify(() -> {
              assertThat(again.getString("id")).isEqualTo(first.getString("id"));
              assertThat(first.getString("status")).isEqualTo(BankApi.PENDING);
              assertThat(first.getString("confirm_url")).endsWith("/3ds/" + first.getString("id"));
              assertThat(page.bodyAsString()).contains("123.45 RUB", "/confirm", "/decline");
              assertThat(status.bodyAsJsonObject().getString("status")).isEqualTo(BankApi.PENDING);
            })))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void the3dsPageLeadsBackToTheShopPageItWasGivenButOnlyToAWebAddress(VertxTestContext ctx) {
    String back = "http://127.0.0.1:8080/#/orders/o-ref-return";
    create("ref-return", 500, ctx)
      .compose(payment -> client.get("/3ds/" + payment.getString("id")).addQueryParam(BankVerticle.RETURN_URL, back).send()
        .compose(page -> {
          ctx.verify(() -> assertThat(page.bodyAsString()).contains("name=\"return_url\" value=\"" + back + "\""));
          MultiMap form = MultiMap.caseInsensitiveMultiMap().add(BankVerticle.RETURN_URL, back);
          return client.post("/3ds/" + payment.getString("id") + "/confirm").sendForm(form);
        }))
      .compose(settled -> {
        ctx.verify(() -> assertThat(settled.bodyAsString()).contains("Payment captured")
          .contains("<a id=\"return-to-shop\" href=\"" + back + "\">"));
        return create("ref-script", 500, ctx);
      })
      .compose(other -> client.get("/3ds/" + other.getString("id")).addQueryParam(BankVerticle.RETURN_URL, "javascript:alert(1)").send()
        .compose(refused -> {
          ctx.verify(() -> assertThat(refused.bodyAsString()).doesNotContain("return_url").doesNotContain("javascript:"));
          MultiMap quoted = MultiMap.caseInsensitiveMultiMap().add(BankVerticle.RETURN_URL, "http://shop.example/\"><script>x</script>");
          return client.post("/3ds/" + other.getString("id") + "/decline").sendForm(quoted);
        }))
      .map(escaped -> ctx.verify(() -> assertThat(escaped.bodyAsString()).doesNotContain("<script>")))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void confirmCallsThePlatformBackSignedAndRetriesUntilItGets2xx(VertxTestContext ctx) {
    failFirst = 2;
    create("ref-2", 500, ctx).compose(payment -> postStatus("/3ds/" + payment.getString("id") + "/confirm")
        .compose(confirmed -> {
          ctx.verify(() -> assertThat(confirmed).isEqualTo(BankApi.CAPTURED));
          return Eventually.untilTrue(vertx, "the platform accepted a callback", 10_000, () -> !callbacks.isEmpty());
        })
        .compose(v -> {
          ctx.verify(() -> {
            assertThat(callbacks).hasSize(1);
            assertThat(callbackAttempts.get()).isEqualTo(3);
            JsonObject callback = callbacks.get(0);
            assertThat(callback.getString("id")).isEqualTo(payment.getString("id"));
            assertThat(callback.getString("reference")).isEqualTo("ref-2");
            assertThat(callback.getString("status")).isEqualTo(BankApi.CAPTURED);
            assertThat(callback.getJsonObject("amount").getLong("amount")).isEqualTo(500);
          });
          // settling again changes nothing and calls nobody
          return postStatus("/3ds/" + payment.getString("id") + "/decline");
        }))
      .compose(again -> vertx.timer(200).map(again))
      .map(again -> ctx.verify(() -> {
        assertThat(again).isEqualTo(BankApi.CAPTURED);
        assertThat(callbacks).hasSize(1);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aVoidedPaymentCannotBeConfirmedAndOnlyCapturedMoneyIsRefunded(VertxTestContext ctx) {
    create("ref-3", 100, ctx).compose(voided -> {
        String id = voided.getString("id");
        return postCode("/api/payments/" + id + "/refund")
          .compose(refund -> postStatus("/api/payments/" + id + "/void")
            .compose(voidStatus -> postCode("/api/payments/" + id + "/void")
              .compose(voidAgain -> postCode("/3ds/" + id + "/confirm")
                .map(confirm -> ctx.verify(() -> {
                  assertThat(refund).as("refund of a pending payment").isEqualTo(409);
                  assertThat(voidStatus).isEqualTo(BankApi.VOIDED);
                  assertThat(voidAgain).as("void again").isEqualTo(200);
                  assertThat(confirm).as("confirm after the void").isEqualTo(409);
                })))));
      })
      .compose(v -> create("ref-4", 100, ctx))
      .compose(captured -> {
        String id = captured.getString("id");
        return post("/3ds/" + id + "/confirm")
          .compose(confirmed -> postCode("/api/payments/" + id + "/void"))
          .compose(voidCode -> postStatus("/api/payments/" + id + "/refund")
            .compose(refundStatus -> postCode("/api/payments/" + id + "/refund")
              .map(refundAgain -> ctx.verify(() -> {
                assertThat(voidCode).as("void of captured money").isEqualTo(409);
                assertThat(refundStatus).isEqualTo(BankApi.REFUNDED);
                assertThat(refundAgain).as("refund again").isEqualTo(200);
              }))));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void settingsMakeTheBankFailDeclineOrHangAndAreValidated(VertxTestContext ctx) {
    String[] paymentId = new String[1];
    client.put("/api/simulator").sendJsonObject(new JsonObject().put("error_rate", 2))
      .compose(refused -> {
        ctx.verify(() -> assertThat(refused.statusCode()).isEqualTo(400));
        return client.put("/api/simulator").sendJsonObject(new JsonObject().put("error_rate", 1.0));
      })
      .compose(set -> client.post("/api/payments").sendJsonObject(new JsonObject().put("reference", "x")
        .put("amount", new JsonObject().put("amount", 1).put("currency", "RUB"))))
      .compose(failed -> {
        ctx.verify(() -> assertThat(failed.statusCode()).isEqualTo(503));
        return client.put("/api/simulator").sendJsonObject(new JsonObject().put("error_rate", 0.0).put("decline_rate", 1.0));
      })
      .compose(set -> create("ref-5", 100, ctx))
      .compose(payment -> {
        paymentId[0] = payment.getString("id");
        return postStatus("/3ds/" + paymentId[0] + "/confirm");
      })
      .compose(declined -> {
        ctx.verify(() -> assertThat(declined).isEqualTo(BankApi.DECLINED));
        return client.put("/api/simulator").sendJsonObject(new JsonObject().put("decline_rate", 0.0).put("timeout_rate", 1.0));
      })
      .compose(set -> Outcomes.failure(client.get("/api/payments/" + paymentId[0]).timeout(300).send()))
      .compose(hung -> {
        ctx.verify(() -> assertThat(hung).hasMessageContaining("timeout"));
        return client.get("/api/simulator").send();
      })
      .map(settings -> ctx.verify(() -> assertThat(settings.bodyAsJsonObject().getLong("api_requests")).isEqualTo(3)))
      .onComplete(ctx.succeedingThenComplete());
  }
}
