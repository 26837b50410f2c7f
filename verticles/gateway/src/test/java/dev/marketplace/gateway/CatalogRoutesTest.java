package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The catalog routes against a fake catalog on the bus that echoes what it was asked and by whom. */
class CatalogRoutesTest {
  private static final String OWNED = "11111111-1111-1111-1111-111111111111";

  /** Test-only credentials: "Bearer <user>:<role>,<role>". */
  private static final Authenticator FAKE_TOKENS = FakeTokens.AUTHENTICATOR;

  private Vertx vertx;
  private GatewayFixture gateway;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    vertx.eventBus().<JsonObject>consumer(CatalogAddresses.CARD, msg -> {
      if (!OWNED.equals(msg.body().getString("id"))) {
        msg.fail(ErrorCode.NOT_FOUND.code(), ServiceFailure.of(ErrorCode.NOT_FOUND, "No such resource.").toReplyException().getMessage());
        return;
      }
      msg.reply(Buffer.buffer(new JsonObject().put("id", OWNED).put("received", msg.body()).encode()),
        new io.vertx.core.eventbus.DeliveryOptions().addHeader(CatalogAddresses.ETAG_HEADER, "\"card-v1\""));
    }).completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    for (String address : List.of(CatalogAddresses.CATEGORIES, CatalogAddresses.SEARCH, CatalogAddresses.SUGGEST, CatalogAddresses.GET,
      CatalogAddresses.CREATE, CatalogAddresses.UPDATE, CatalogAddresses.DELETE)) {
      vertx.eventBus().<JsonObject>consumer(address, msg -> {
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
      }).completion().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
    gateway = await(GatewayFixture.deploy(vertx, GatewayFixture.config(), List.of(), FAKE_TOKENS));
  }

  @AfterEach
  void tearDown() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void searchRelaysTheQueryParametersToTheCatalog() throws Exception {
    HttpResponse<Buffer> resp = await(gateway.client.get("/api/v1/catalog/products?q=%D0%BD%D0%B0%D1%83%D1%88%D0%BD%D0%B8%D0%BA%D0%B8&category=13&price_min=100&brand=A&brand=B").send());
    assertThat(resp.statusCode()).isEqualTo(200);
    JsonObject received = resp.bodyAsJsonObject().getJsonObject("received");
    assertThat(received).isEqualTo(new JsonObject().put("q", "наушники").put("category", "13").put("price_min", "100")
      .put("brand", new JsonArray().add("A").add("B")));
    assertThat(resp.bodyAsJsonObject().getString("user")).isNull();
  }

  @Test
  void aSearchTheCatalogRefusesIsA400Problem() throws Exception {
    HttpResponse<Buffer> resp = await(gateway.client.get("/api/v1/catalog/products?q=bad").send());
    JsonObject problem = assertProblem(resp, 400, "VALIDATION_FAILED");
    assertThat(problem.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("q");
  }

  @Test
  void aTenKilobyteQueryReachesTheCatalogAndIsAProblemNotAConnectionError() throws Exception {
    HttpResponse<Buffer> resp = await(gateway.client.get("/api/v1/catalog/products?q=" + "x".repeat(10_240)).send());
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.bodyAsJsonObject().getJsonObject("received").getString("q")).hasSize(10_240);
  }

  @Test
  void suggestRelaysTheQueryParametersToTheCatalog() throws Exception {
    HttpResponse<Buffer> resp = await(gateway.client.get("/api/v1/catalog/suggest?q=%D1%87%D0%B0%D0%B9&limit=5").send());
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.bodyAsJsonObject().getString("address")).isEqualTo(CatalogAddresses.SUGGEST);
    assertThat(resp.bodyAsJsonObject().getJsonObject("received")).isEqualTo(new JsonObject().put("q", "чай").put("limit", "5"));
    assertProblem(await(gateway.client.get("/api/v1/catalog/suggest?q=bad").send()), 400, "VALIDATION_FAILED");
  }

  @Test
  void aProductCardCarriesItsETagAndAnUnchangedOneIs304() throws Exception {
    HttpResponse<Buffer> card = await(gateway.client.get("/api/v1/catalog/products/" + OWNED).send());
    assertThat(card.statusCode()).isEqualTo(200);
    assertThat(card.getHeader("ETag")).isEqualTo("\"card-v1\"");
    assertThat(card.getHeader("Cache-Control")).isEqualTo("public, no-cache");
    assertThat(card.getHeader("Content-Type")).isEqualTo("application/json");
    HttpResponse<Buffer> same = await(gateway.client.get("/api/v1/catalog/products/" + OWNED)
      .putHeader("If-None-Match", "\"other\", W/\"card-v1\"").send());
    assertThat(same.statusCode()).isEqualTo(304);
    assertThat(same.body()).isNull();
    assertThat(same.getHeader("ETag")).isEqualTo("\"card-v1\"");
    HttpResponse<Buffer> changed = await(gateway.client.get("/api/v1/catalog/products/" + OWNED)
      .putHeader("If-None-Match", "\"card-v0\"").send());
    assertThat(changed.statusCode()).isEqualTo(200);
    assertThat(changed.bodyAsJsonObject().getString("id")).isEqualTo(OWNED);
  }

  @Test
  void productAndCategoriesAreOpenToAnyone() throws Exception {
    HttpResponse<Buffer> product = await(gateway.client.get("/api/v1/catalog/products/" + OWNED).send());
    assertThat(product.statusCode()).isEqualTo(200);
    assertThat(product.bodyAsJsonObject().getJsonObject("received")).isEqualTo(new JsonObject().put("id", OWNED));
    assertProblem(await(gateway.client.get("/api/v1/catalog/products/someone-elses").send()), 404, "NOT_FOUND");
    HttpResponse<Buffer> categories = await(gateway.client.get("/api/v1/catalog/categories").send());
    assertThat(categories.bodyAsJsonObject().getString("address")).isEqualTo(CatalogAddresses.CATEGORIES);
    assertThat(categories.getHeader("Cache-Control")).contains("max-age");
  }

  @Test
  void sellerRoutesNeedTheSellerRole() throws Exception {
    JsonObject listing = new JsonObject().put("title", "T");
    assertProblem(await(gateway.client.post("/api/v1/seller/products").sendJsonObject(listing)), 401, "UNAUTHORIZED");
    assertProblem(await(gateway.client.post("/api/v1/seller/products").putHeader("Authorization", "Bearer b1:buyer")
      .sendJsonObject(listing)), 403, "FORBIDDEN");
    assertProblem(await(gateway.client.put("/api/v1/seller/products/" + OWNED).putHeader("Authorization", "Bearer b1:buyer")
      .sendJsonObject(listing)), 403, "FORBIDDEN");
    assertProblem(await(gateway.client.delete("/api/v1/seller/products/" + OWNED).send()), 401, "UNAUTHORIZED");
  }

  @Test
  void aSellerCreatesUpdatesAndDeletesAsThemselves() throws Exception {
    JsonObject listing = new JsonObject().put("title", "Ноутбук");
    HttpResponse<Buffer> created = await(gateway.client.post("/api/v1/seller/products")
      .putHeader("Authorization", "Bearer s1:seller").sendJsonObject(listing));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/catalog/products/" + OWNED);
    assertThat(created.bodyAsJsonObject().getJsonObject("received")).isEqualTo(new JsonObject().put("product", listing));
    assertThat(created.bodyAsJsonObject().getString("user")).isEqualTo("s1");
    assertThat(created.bodyAsJsonObject().getString("roles")).isEqualTo("seller");

    HttpResponse<Buffer> updated = await(gateway.client.put("/api/v1/seller/products/" + OWNED)
      .putHeader("Authorization", "Bearer s1:seller").sendJsonObject(listing));
    assertThat(updated.statusCode()).isEqualTo(200);
    assertThat(updated.bodyAsJsonObject().getJsonObject("received")).isEqualTo(new JsonObject().put("id", OWNED).put("product", listing));

    HttpResponse<Buffer> deleted = await(gateway.client.delete("/api/v1/seller/products/" + OWNED)
      .putHeader("Authorization", "Bearer s1:seller").send());
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(deleted.body()).isNull();
  }

  @Test
  void anotherSellersProductIsNotFoundAndBadBodiesAre400() throws Exception {
    String other = "22222222-2222-2222-2222-222222222222";
    assertProblem(await(gateway.client.put("/api/v1/seller/products/" + other)
      .putHeader("Authorization", "Bearer s1:seller").sendJsonObject(new JsonObject())), 404, "NOT_FOUND");
    assertProblem(await(gateway.client.delete("/api/v1/seller/products/" + other)
      .putHeader("Authorization", "Bearer s1:seller").send()), 404, "NOT_FOUND");
    assertProblem(await(gateway.client.post("/api/v1/seller/products").putHeader("Authorization", "Bearer s1:seller")
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{not json"))), 400, "MALFORMED_REQUEST");
    assertProblem(await(gateway.client.post("/api/v1/seller/products").putHeader("Authorization", "Bearer s1:seller")
      .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("[1,2]"))), 400, "MALFORMED_REQUEST");
  }
}
