package dev.marketplace.app.e2e;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The public catalog through real HTTP on the whole marketplace, with a seeded sample catalog. */
class CatalogE2ETest {
  private static final int SAMPLE = 120;
  private static MarketplaceHarness market;

  @BeforeAll
  static void up() throws Exception {
    market = MarketplaceHarness.start(config -> config.getJsonObject("catalog")
      .put("seed_sample_products", SAMPLE).put("cursor_secret", "e2e-secret"));
  }

  @AfterAll
  static void down() throws Exception {
    market.close();
  }

  private static HttpResponse<Buffer> get(String uri) throws Exception {
    return await(market.http.get(uri).send());
  }

  @Test
  void aNewcomerBrowsesTheSampleCatalogPageByPage() throws Exception {
    JsonArray categories = get("/api/v1/catalog/categories").bodyAsJsonObject().getJsonArray("categories");
    assertThat(categories).isNotEmpty();

    List<String> seen = new ArrayList<>();
    String uri = "/api/v1/catalog/products?sort=price_asc&limit=50";
    JsonObject page = get(uri).bodyAsJsonObject();
    long brandTotal = page.getJsonObject("facets").getJsonArray("category").stream()
      .mapToLong(o -> ((JsonObject) o).getLong("count")).sum();
    assertThat(brandTotal).isEqualTo(SAMPLE);
    while (true) {
      page.getJsonArray("items").forEach(o -> seen.add(((JsonObject) o).getString("id")));
      String next = page.getString("next_cursor");
      if (next == null) {
        break;
      }
      page = get(uri + "&cursor=" + next).bodyAsJsonObject();
    }
    assertThat(seen).hasSize(SAMPLE).doesNotHaveDuplicates();

    JsonObject product = get("/api/v1/catalog/products/" + seen.get(0)).bodyAsJsonObject();
    assertThat(product.getString("id")).isEqualTo(seen.get(0));
    assertThat(product.getJsonObject("price").getString("currency")).isEqualTo("RUB");
    // nothing in stock until inventory reports stock
    assertThat(product.getBoolean("in_stock")).isFalse();
  }

  @Test
  void aSearchByAWordOfATitleFindsThatProduct() throws Exception {
    JsonObject any = get("/api/v1/catalog/products?limit=1&sort=new").bodyAsJsonObject().getJsonArray("items").getJsonObject(0);
    // its longest word: never a stop word such as "The"
    String firstWord = java.util.Arrays.stream(any.getString("title").split(" "))
      .max(java.util.Comparator.comparingInt(String::length)).orElseThrow();
    HttpResponse<Buffer> resp = await(market.http.get("/api/v1/catalog/products").addQueryParam("q", firstWord)
      .addQueryParam("category", String.valueOf(any.getJsonObject("category").getInteger("id"))).addQueryParam("limit", "100").send());
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.bodyAsJsonObject().getJsonArray("items")).extracting(o -> ((JsonObject) o).getString("id")).contains(any.getString("id"));
  }

  @Test
  void badSearchParametersAndAnonymousSellersAreClearProblems() throws Exception {
    HttpResponse<Buffer> negative = get("/api/v1/catalog/products?price_min=-5&limit=1000000");
    assertThat(negative.statusCode()).isEqualTo(400);
    assertThat(negative.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(negative.bodyAsJsonObject().getJsonArray("errors")).extracting(o -> ((JsonObject) o).getString("field"))
      .containsExactlyInAnyOrder("price_min", "limit");
    HttpResponse<Buffer> forged = get("/api/v1/catalog/products?cursor=eyJrIjoxLCJpIjoieCJ9.AAAAAAAAAAAAAAAAAAAAAA");
    assertThat(forged.statusCode()).isEqualTo(400);
    assertThat(forged.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("cursor");
    HttpResponse<Buffer> huge = get("/api/v1/catalog/products?q=" + "я".repeat(2000));
    assertThat(huge.statusCode()).isEqualTo(400);
    assertThat(huge.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("q");
    HttpResponse<Buffer> badSuggest = get("/api/v1/catalog/suggest?q=%D1%87%D0%B0%D0%B9&limit=500");
    assertThat(badSuggest.statusCode()).isEqualTo(400);
    assertThat(badSuggest.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(badSuggest.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("limit");
    HttpResponse<Buffer> noPrefix = get("/api/v1/catalog/suggest?limit=5");
    assertThat(noPrefix.statusCode()).isEqualTo(400);
    assertThat(noPrefix.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("q");
    HttpResponse<Buffer> anonymous = await(market.http.post("/api/v1/seller/products").sendJsonObject(new JsonObject().put("title", "x")));
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  @Test
  void suggestionsCompleteAPrefixAndACardIsRevalidatedByItsETag() throws Exception {
    JsonObject any = get("/api/v1/catalog/products?limit=1&sort=popular").bodyAsJsonObject().getJsonArray("items").getJsonObject(0);
    // its longest word of letters only (not a model code)
    String word = java.util.Arrays.stream(any.getString("title").split(" "))
      .filter(w -> w.length() >= 4 && w.chars().allMatch(Character::isLetter))
      .max(java.util.Comparator.comparingInt(String::length)).orElseThrow().toLowerCase(java.util.Locale.ROOT);
    HttpResponse<Buffer> suggested = await(market.http.get("/api/v1/catalog/suggest").addQueryParam("q", word.substring(0, 3))
      .addQueryParam("limit", "10").send());
    assertThat(suggested.statusCode()).isEqualTo(200);
    JsonArray suggestions = suggested.bodyAsJsonObject().getJsonArray("suggestions");
    assertThat(suggestions).isNotEmpty().hasSizeLessThanOrEqualTo(10);
    assertThat(suggestions).allSatisfy(o -> assertThat(((JsonObject) o).getString("kind")).isIn("query", "product", "brand", "category"));
    assertThat(suggestions).anySatisfy(o -> assertThat(((JsonObject) o).getString("text").toLowerCase(java.util.Locale.ROOT))
      .contains(word.substring(0, 3)));

    HttpResponse<Buffer> card = get("/api/v1/catalog/products/" + any.getString("id"));
    assertThat(card.statusCode()).isEqualTo(200);
    String etag = card.getHeader("ETag");
    assertThat(etag).startsWith("\"");
    HttpResponse<Buffer> again = await(market.http.get("/api/v1/catalog/products/" + any.getString("id"))
      .putHeader("If-None-Match", etag).send());
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body() == null || again.body().length() == 0).isTrue();
    HttpResponse<Buffer> stale = await(market.http.get("/api/v1/catalog/products/" + any.getString("id"))
      .putHeader("If-None-Match", "\"not-this-one\"").send());
    assertThat(stale.statusCode()).isEqualTo(200);
    assertThat(stale.bodyAsJsonObject().getString("id")).isEqualTo(any.getString("id"));
  }

  private static String sellerToken() throws Exception {
    String email = "seller-" + java.util.UUID.randomUUID() + "@example.com";
    String password = "Correct-Horse-9";
    HttpResponse<Buffer> registered = await(market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
      .put("email", email).put("password", password).put("name", "Продавец").put("role", "seller")));
    assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> login = await(market.http.post("/api/v1/auth/login")
      .sendJsonObject(new JsonObject().put("email", email).put("password", password)));
    assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
    return login.bodyAsJsonObject().getString("access_token");
  }

  @Test
  void aSellerListsAProductThatBuyersFindAndOnlyThatSellerMayChange() throws Exception {
    String seller = sellerToken();
    String rival = sellerToken();
    JsonObject listing = new JsonObject().put("title", "Термокружка Zebrafox Traveller").put("description", "Держит тепло 8 часов")
      .put("brand", "Zebrafox").put("category_id", 53).put("price", new JsonObject().put("amount", 1_490_00).put("currency", "RUB"))
      .put("attributes", new JsonObject().put("volume", "450 мл"));
    HttpResponse<Buffer> created = await(market.http.post("/api/v1/seller/products").bearerTokenAuthentication(seller).sendJsonObject(listing));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");

    JsonObject found = get("/api/v1/catalog/products?q=zebrafox").bodyAsJsonObject();
    assertThat(found.getJsonArray("items")).extracting(o -> ((JsonObject) o).getString("id")).containsExactly(id);
    JsonObject typo = await(market.http.get("/api/v1/catalog/products").addQueryParam("q", "термокржка zebrafx").send()).bodyAsJsonObject();
    assertThat(typo.getString("corrected_query")).isEqualTo("термокружка zebrafox");
    assertThat(typo.getJsonArray("items")).extracting(o -> ((JsonObject) o).getString("id")).contains(id);

    JsonObject change = listing.copy().put("title", "Термокружка Zebrafox Traveller 2");
    HttpResponse<Buffer> foreign = await(market.http.put("/api/v1/seller/products/" + id).bearerTokenAuthentication(rival).sendJsonObject(change));
    assertThat(foreign.statusCode()).isEqualTo(404);
    HttpResponse<Buffer> foreignDelete = await(market.http.delete("/api/v1/seller/products/" + id).bearerTokenAuthentication(rival).send());
    assertThat(foreignDelete.statusCode()).isEqualTo(404);
    HttpResponse<Buffer> own = await(market.http.put("/api/v1/seller/products/" + id).bearerTokenAuthentication(seller).sendJsonObject(change));
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(own.bodyAsJsonObject().getString("title")).isEqualTo("Термокружка Zebrafox Traveller 2");
    HttpResponse<Buffer> deleted = await(market.http.delete("/api/v1/seller/products/" + id).bearerTokenAuthentication(seller).send());
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(get("/api/v1/catalog/products/" + id).statusCode()).isEqualTo(404);
  }
}
