package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The catalog routes against a fake catalog on the bus that echoes what it was asked and by whom. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class CatalogRoutesTest {
  private static final String OWNED = "11111111-1111-1111-1111-111111111111";

  /** Test-only credentials: "Bearer <user>:<role>,<role>". */
  private static final Authenticator FAKE_TOKENS = FakeTokens.AUTHENTICATOR;

  private GatewayFixture gateway;

  @BeforeEach
  void setUp(Vertx vertx, VertxTestContext ctx) {
    // on the JUnit thread: the first call starts the shared PostgreSQL and Kafka, which blocks
    JsonObject config = GatewayFixture.config();
    List<Future<Void>> registered = new ArrayList<>();
    registered.add(vertx.eventBus().<JsonObject>consumer(CatalogAddresses.CARD, msg -> {
      if (!OWNED.equals(msg.body().getString("id"))) {
        msg.fail(ErrorCode.NOT_FOUND.code(), ServiceFailure.of(ErrorCode.NOT_FOUND, "No such resource.").toReplyException().getMessage());
        return;
      }
      msg.reply(Buffer.buffer(new JsonObject().put("id", OWNED).put("received", msg.body()).encode()),
        new io.vertx.core.eventbus.DeliveryOptions().addHeader(CatalogAddresses.ETAG_HEADER, "\"card-v1\""));
    }).completion());
    for (String address : List.of(CatalogAddresses.CATEGORIES, CatalogAddresses.SEARCH, CatalogAddresses.SUGGEST, CatalogAddresses.GET,
      CatalogAddresses.CREATE, CatalogAddresses.UPDATE, CatalogAddresses.DELETE)) {
      registered.add(vertx.eventBus().<JsonObject>consumer(address, msg -> {
        JsonObject body = msg.body();
        String user = msg.headers().get(BusHeaders.USER_ID);
        if (body.containsKey("id") && !OWNED.equals(body.getString("id"))) {
          msg.fail(ErrorCode.NOT_FOUND.code(), ServiceFailure.of(ErrorCode.NOT_FOUND, "No such resource.").toReplyException().getMessage());
          return;
        }
        if ("bad".equals(body.getString("q"))) {
          msg.fail(ErrorCode.VALIDATION_FAILED.code(), ServiceFailure.invalidField("q", "is bad").getMessage());
          return;
        }
        msg.reply(new JsonObject().put("address", address).put("id", OWNED).put("received", body)
          .put("user", user).put("roles", msg.headers().get(BusHeaders.ROLES)));
      }).completion());
    }
    Future.all(registered)
      .compose(all -> GatewayFixture.deploy(vertx, config, List.of(), FAKE_TOKENS))
      .onComplete(ctx.succeeding(deployed -> {
        gateway = deployed;
        ctx.completeNow();
      }));
  }

  private Future<HttpResponse<Buffer>> get(String uri) {
    return gateway.client.get(uri).send();
  }

  @Test
  void searchRelaysTheQueryParametersToTheCatalog(VertxTestContext ctx) {
    get("/api/v1/catalog/products?q=%D0%BD%D0%B0%D1%83%D1%88%D0%BD%D0%B8%D0%BA%D0%B8&category=13&price_min=100&brand=A&brand=B")
      .map(resp -> ctx.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        JsonObject received = resp.bodyAsJsonObject().getJsonObject("received");
        assertThat(received).isEqualTo(new JsonObject().put("q", "наушники").put("category", "13").put("price_min", "100")
          .put("brand", new JsonArray().add("A").add("B")));
        assertThat(resp.bodyAsJsonObject().getString("user")).isNull();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aSearchTheCatalogRefusesIsA400Problem(VertxTestContext ctx) {
    get("/api/v1/catalog/products?q=bad")
      .map(resp -> ctx.verify(() -> {
        JsonObject problem = assertProblem(resp, 400, "VALIDATION_FAILED");
        assertThat(problem.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("q");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aTenKilobyteQueryReachesTheCatalogAndIsAProblemNotAConnectionError(VertxTestContext ctx) {
    get("/api/v1/catalog/products?q=" + "x".repeat(10_240))
      .map(resp -> ctx.verify(() -> {
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.bodyAsJsonObject().getJsonObject("received").getString("q")).hasSize(10_240);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void suggestRelaysTheQueryParametersToTheCatalog(VertxTestContext ctx) {
    InOrder.run(() -> get("/api/v1/catalog/suggest?q=%D1%87%D0%B0%D0%B9&limit=5"), () -> get("/api/v1/catalog/suggest?q=bad"))
      .map(resps -> ctx.verify(() -> {
        HttpResponse<Buffer> resp = resps.get(0);
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.bodyAsJsonObject().getString("address")).isEqualTo(CatalogAddresses.SUGGEST);
        assertThat(resp.bodyAsJsonObject().getJsonObject("received")).isEqualTo(new JsonObject().put("q", "чай").put("limit", "5"));
        assertProblem(resps.get(1), 400, "VALIDATION_FAILED");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aProductCardCarriesItsETagAndAnUnchangedOneIs304(VertxTestContext ctx) {
    InOrder.run(
        () -> get("/api/v1/catalog/products/" + OWNED),
        () -> gateway.client.get("/api/v1/catalog/products/" + OWNED).putHeader("If-None-Match", "\"other\", W/\"card-v1\"").send(),
        () -> gateway.client.get("/api/v1/catalog/products/" + OWNED).putHeader("If-None-Match", "\"card-v0\"").send())
      .map(resps -> ctx.verify(() -> {
        HttpResponse<Buffer> card = resps.get(0);
        assertThat(card.statusCode()).isEqualTo(200);
        assertThat(card.getHeader("ETag")).isEqualTo("\"card-v1\"");
        assertThat(card.getHeader("Cache-Control")).isEqualTo("public, no-cache");
        assertThat(card.getHeader("Content-Type")).isEqualTo("application/json");
        HttpResponse<Buffer> same = resps.get(1);
        assertThat(same.statusCode()).isEqualTo(304);
        assertThat(same.body()).isNull();
        assertThat(same.getHeader("ETag")).isEqualTo("\"card-v1\"");
        HttpResponse<Buffer> changed = resps.get(2);
        assertThat(changed.statusCode()).isEqualTo(200);
        assertThat(changed.bodyAsJsonObject().getString("id")).isEqualTo(OWNED);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void productAndCategoriesAreOpenToAnyone(VertxTestContext ctx) {
    InOrder.run(() -> get("/api/v1/catalog/products/" + OWNED), () -> get("/api/v1/catalog/products/someone-elses"),
        () -> get("/api/v1/catalog/categories"))
      .map(resps -> ctx.verify(() -> {
        HttpResponse<Buffer> product = resps.get(0);
        assertThat(product.statusCode()).isEqualTo(200);
        assertThat(product.bodyAsJsonObject().getJsonObject("received")).isEqualTo(new JsonObject().put("id", OWNED));
        assertProblem(resps.get(1), 404, "NOT_FOUND");
        HttpResponse<Buffer> categories = resps.get(2);
        assertThat(categories.bodyAsJsonObject().getString("address")).isEqualTo(CatalogAddresses.CATEGORIES);
        assertThat(categories.getHeader("Cache-Control")).contains("max-age");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void sellerRoutesNeedTheSellerRole(VertxTestContext ctx) {
    JsonObject listing = new JsonObject().put("title", "T");
    InOrder.run(
        () -> gateway.client.post("/api/v1/seller/products").sendJsonObject(listing),
        () -> gateway.client.post("/api/v1/seller/products").putHeader("Authorization", "Bearer b1:buyer").sendJsonObject(listing),
        () -> gateway.client.put("/api/v1/seller/products/" + OWNED).putHeader("Authorization", "Bearer b1:buyer").sendJsonObject(listing),
        () -> gateway.client.delete("/api/v1/seller/products/" + OWNED).send())
      .map(resps -> ctx.verify(() -> {
        assertProblem(resps.get(0), 401, "UNAUTHORIZED");
        assertProblem(resps.get(1), 403, "FORBIDDEN");
        assertProblem(resps.get(2), 403, "FORBIDDEN");
        assertProblem(resps.get(3), 401, "UNAUTHORIZED");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aSellerCreatesUpdatesAndDeletesAsThemselves(VertxTestContext ctx) {
    JsonObject listing = new JsonObject().put("title", "Ноутбук");
    InOrder.run(
        () -> gateway.client.post("/api/v1/seller/products").putHeader("Authorization", "Bearer s1:seller").sendJsonObject(listing),
        () -> gateway.client.put("/api/v1/seller/products/" + OWNED).putHeader("Authorization", "Bearer s1:seller").sendJsonObject(listing),
        () -> gateway.client.delete("/api/v1/seller/products/" + OWNED).putHeader("Authorization", "Bearer s1:seller").send())
      .map(resps -> ctx.verify(() -> {
        HttpResponse<Buffer> created = resps.get(0);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.getHeader("Location")).isEqualTo("/api/v1/catalog/products/" + OWNED);
        assertThat(created.bodyAsJsonObject().getJsonObject("received")).isEqualTo(new JsonObject().put("product", listing));
        assertThat(created.bodyAsJsonObject().getString("user")).isEqualTo("s1");
        assertThat(created.bodyAsJsonObject().getString("roles")).isEqualTo("seller");
        HttpResponse<Buffer> updated = resps.get(1);
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(updated.bodyAsJsonObject().getJsonObject("received")).isEqualTo(new JsonObject().put("id", OWNED).put("product", listing));
        HttpResponse<Buffer> deleted = resps.get(2);
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isNull();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anotherSellersProductIsNotFoundAndBadBodiesAre400(VertxTestContext ctx) {
    String other = "22222222-2222-2222-2222-222222222222";
    InOrder.run(
        () -> gateway.client.put("/api/v1/seller/products/" + other).putHeader("Authorization", "Bearer s1:seller").sendJsonObject(new JsonObject()),
        () -> gateway.client.delete("/api/v1/seller/products/" + other).putHeader("Authorization", "Bearer s1:seller").send(),
        () -> gateway.client.post("/api/v1/seller/products").putHeader("Authorization", "Bearer s1:seller")
          .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{not json")),
        () -> gateway.client.post("/api/v1/seller/products").putHeader("Authorization", "Bearer s1:seller")
          .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("[1,2]")))
      .map(resps -> ctx.verify(() -> {
        assertProblem(resps.get(0), 404, "NOT_FOUND");
        assertProblem(resps.get(1), 404, "NOT_FOUND");
        assertProblem(resps.get(2), 400, "MALFORMED_REQUEST");
        assertProblem(resps.get(3), 400, "MALFORMED_REQUEST");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }
}
