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
    HttpResponse<Buffer> anonymous = await(market.http.post("/api/v1/seller/products").sendJsonObject(new JsonObject().put("title", "x")));
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }
}
