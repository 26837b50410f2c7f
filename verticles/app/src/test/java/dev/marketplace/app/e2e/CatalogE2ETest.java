package dev.marketplace.app.e2e;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The public catalog through real HTTP on the whole marketplace, with a seeded sample catalog. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class CatalogE2ETest {
  private static final int SAMPLE = 120;
  private static MarketplaceHarness market;

  @BeforeAll
  static void up(VertxTestContext ctx) {
    MarketplaceHarness.start(config -> config.getJsonObject("catalog")
        .put("seed_sample_products", SAMPLE).put("cursor_secret", "e2e-secret"))
      .onSuccess(started -> market = started)
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    MarketplaceHarness.close(market).onComplete(ctx.succeedingThenComplete());
  }

  private static Future<HttpResponse<Buffer>> get(String uri) {
    return market.http.get(uri).send();
  }

  @Test
  void aNewcomerBrowsesTheSampleCatalogPageByPage(VertxTestContext ctx) {
    List<String> seen = new ArrayList<>();
    String uri = "/api/v1/catalog/products?sort=price_asc&limit=50";
    get("/api/v1/catalog/categories")
      .map(resp -> ctx.verify(() -> assertThat(resp.bodyAsJsonObject().getJsonArray("categories")).isNotEmpty()))
      .compose(v -> get(uri))
      .compose(first -> {
        JsonObject page = first.bodyAsJsonObject();
        long brandTotal = page.getJsonObject("facets").getJsonArray("category").stream()
          .mapToLong(o -> ((JsonObject) o).getLong("count")).sum();
        ctx.verify(() -> assertThat(brandTotal).isEqualTo(SAMPLE));
        return pagesFrom(page, uri, seen);
      })
      .map(v -> ctx.verify(() -> assertThat(seen).hasSize(SAMPLE).doesNotHaveDuplicates()))
      .compose(v -> get("/api/v1/catalog/products/" + seen.get(0)))
      .map(resp -> ctx.verify(() -> {
        JsonObject product = resp.bodyAsJsonObject();
        assertThat(product.getString("id")).isEqualTo(seen.get(0));
        assertThat(product.getJsonObject("price").getString("currency")).isEqualTo("RUB");
        // nothing in stock until inventory reports stock
        assertThat(product.getBoolean("in_stock")).isFalse();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** Collects the ids of this page and of every page after it, following next_cursor one page after the other. */
  private static Future<Void> pagesFrom(JsonObject page, String uri, List<String> seen) {
    page.getJsonArray("items").forEach(o -> seen.add(((JsonObject) o).getString("id")));
    String next = page.getString("next_cursor");
    if (next == null) {
      return Future.succeededFuture();
    }
    return get(uri + "&cursor=" + next).compose(resp -> pagesFrom(resp.bodyAsJsonObject(), uri, seen));
  }

  @Test
  void aSearchByAWordOfATitleFindsThatProduct(VertxTestContext ctx) {
    get("/api/v1/catalog/products?limit=1&sort=new").compose(first -> {
      JsonObject any = first.bodyAsJsonObject().getJsonArray("items").getJsonObject(0);
      // its longest word: never a stop word such as "The"
      String firstWord = java.util.Arrays.stream(any.getString("title").split(" "))
        .max(java.util.Comparator.comparingInt(String::length)).orElseThrow();
      return market.http.get("/api/v1/catalog/products").addQueryParam("q", firstWord)
        .addQueryParam("category", String.valueOf(any.getJsonObject("category").getInteger("id"))).addQueryParam("limit", "100").send()
        .map(resp -> ctx.verify(() -> {
          assertThat(resp.statusCode()).isEqualTo(200);
          assertThat(resp.bodyAsJsonObject().getJsonArray("items")).extracting(o -> ((JsonObject) o).getString("id")).contains(any.getString("id"));
        }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void badSearchParametersAndAnonymousSellersAreClearProblems(VertxTestContext ctx) {
    get("/api/v1/catalog/products?price_min=-5&limit=1000000")
      .map(negative -> ctx.verify(() -> {
        assertThat(negative.statusCode()).isEqualTo(400);
        assertThat(negative.getHeader("Content-Type")).isEqualTo("application/problem+json");
        assertThat(negative.bodyAsJsonObject().getJsonArray("errors")).extracting(o -> ((JsonObject) o).getString("field"))
          .containsExactlyInAnyOrder("price_min", "limit");
      }))
      .compose(v -> get("/api/v1/catalog/products?cursor=eyJrIjoxLCJpIjoieCJ9.AAAAAAAAAAAAAAAAAAAAAA"))
      .map(forged -> ctx.verify(() -> {
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(forged.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("cursor");
      }))
      .compose(v -> get("/api/v1/catalog/products?q=" + "я".repeat(2000)))
      .map(huge -> ctx.verify(() -> {
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(huge.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("q");
      }))
      .compose(v -> get("/api/v1/catalog/suggest?q=%D1%87%D0%B0%D0%B9&limit=500"))
      .map(badSuggest -> ctx.verify(() -> {
        assertThat(badSuggest.statusCode()).isEqualTo(400);
        assertThat(badSuggest.getHeader("Content-Type")).isEqualTo("application/problem+json");
        assertThat(badSuggest.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("limit");
      }))
      .compose(v -> get("/api/v1/catalog/suggest?limit=5"))
      .map(noPrefix -> ctx.verify(() -> {
        assertThat(noPrefix.statusCode()).isEqualTo(400);
        assertThat(noPrefix.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("q");
      }))
      .compose(v -> market.http.post("/api/v1/seller/products").sendJsonObject(new JsonObject().put("title", "x")))
      .map(anonymous -> ctx.verify(() -> assertThat(anonymous.statusCode()).isEqualTo(401)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void suggestionsCompleteAPrefixAndACardIsRevalidatedByItsETag(VertxTestContext ctx) {
    get("/api/v1/catalog/products?limit=1&sort=popular").compose(first -> {
      JsonObject any = first.bodyAsJsonObject().getJsonArray("items").getJsonObject(0);
      // its longest word of letters only (not a model code)
      String word = java.util.Arrays.stream(any.getString("title").split(" "))
        .filter(w -> w.length() >= 4 && w.chars().allMatch(Character::isLetter))
        .max(java.util.Comparator.comparingInt(String::length)).orElseThrow().toLowerCase(java.util.Locale.ROOT);
      return market.http.get("/api/v1/catalog/suggest").addQueryParam("q", word.substring(0, 3)).addQueryParam("limit", "10").send()
        .map(suggested -> ctx.verify(() -> {
          assertThat(suggested.statusCode()).isEqualTo(200);
          JsonArray suggestions = suggested.bodyAsJsonObject().getJsonArray("suggestions");
          assertThat(suggestions).isNotEmpty().hasSizeLessThanOrEqualTo(10);
          assertThat(suggestions).allSatisfy(o -> assertThat(((JsonObject) o).getString("kind")).isIn("query", "product", "brand", "category"));
          assertThat(suggestions).anySatisfy(o -> assertThat(((JsonObject) o).getString("text").toLowerCase(java.util.Locale.ROOT))
            .contains(word.substring(0, 3)));
        }))
        .compose(v -> get("/api/v1/catalog/products/" + any.getString("id")))
        .compose(card -> {
          String etag = card.getHeader("ETag");
          ctx.verify(() -> {
            assertThat(card.statusCode()).isEqualTo(200);
            assertThat(etag).startsWith("\"");
          });
          return market.http.get("/api/v1/catalog/products/" + any.getString("id")).putHeader("If-None-Match", etag).send();
        })
        .map(again -> ctx.verify(() -> {
          assertThat(again.statusCode()).isEqualTo(304);
          assertThat(again.body() == null || again.body().length() == 0).isTrue();
        }))
        .compose(v -> market.http.get("/api/v1/catalog/products/" + any.getString("id")).putHeader("If-None-Match", "\"not-this-one\"").send())
        .map(stale -> ctx.verify(() -> {
          assertThat(stale.statusCode()).isEqualTo(200);
          assertThat(stale.bodyAsJsonObject().getString("id")).isEqualTo(any.getString("id"));
        }));
    }).onComplete(ctx.succeedingThenComplete());
  }

  private static Future<String> sellerToken() {
    String email = "seller-" + java.util.UUID.randomUUID() + "@example.com";
    String password = "Correct-Horse-9";
    return market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
        .put("email", email).put("password", password).put("name", "Продавец").put("role", "seller"))
      .compose(registered -> {
        assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
        return market.http.post("/api/v1/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", password));
      })
      .map(login -> {
        assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
        return login.bodyAsJsonObject().getString("access_token");
      });
  }

  @Test
  void aSellerListsAProductThatBuyersFindAndOnlyThatSellerMayChange(VertxTestContext ctx) {
    JsonObject listing = new JsonObject().put("title", "Термокружка Zebrafox Traveller").put("description", "Держит тепло 8 часов")
      .put("brand", "Zebrafox").put("category_id", 53).put("price", new JsonObject().put("amount", 1_490_00).put("currency", "RUB"))
      .put("attributes", new JsonObject().put("volume", "450 мл"));
    JsonObject change = listing.copy().put("title", "Термокружка Zebrafox Traveller 2");
    sellerToken().compose(seller -> sellerToken().compose(rival -> market.http.post("/api/v1/seller/products").bearerTokenAuthentication(seller)
      .sendJsonObject(listing)
      .compose(created -> {
        ctx.verify(() -> assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201));
        String id = created.bodyAsJsonObject().getString("id");
        return get("/api/v1/catalog/products?q=zebrafox")
          .map(found -> ctx.verify(() -> assertThat(found.bodyAsJsonObject().getJsonArray("items"))
            .extracting(o -> ((JsonObject) o).getString("id")).containsExactly(id)))
          .compose(v -> market.http.get("/api/v1/catalog/products").addQueryParam("q", "термокржка zebrafx").send())
          .map(resp -> ctx.verify(() -> {
            JsonObject typo = resp.bodyAsJsonObject();
            assertThat(typo.getString("corrected_query")).isEqualTo("термокружка zebrafox");
            assertThat(typo.getJsonArray("items")).extracting(o -> ((JsonObject) o).getString("id")).contains(id);
          }))
          .compose(v -> market.http.put("/api/v1/seller/products/" + id).bearerTokenAuthentication(rival).sendJsonObject(change))
          .map(foreign -> ctx.verify(() -> assertThat(foreign.statusCode()).isEqualTo(404)))
          .compose(v -> market.http.delete("/api/v1/seller/products/" + id).bearerTokenAuthentication(rival).send())
          .map(foreignDelete -> ctx.verify(() -> assertThat(foreignDelete.statusCode()).isEqualTo(404)))
          .compose(v -> market.http.put("/api/v1/seller/products/" + id).bearerTokenAuthentication(seller).sendJsonObject(change))
          .map(own -> ctx.verify(() -> {
            assertThat(own.statusCode()).isEqualTo(200);
            assertThat(own.bodyAsJsonObject().getString("title")).isEqualTo("Термокружка Zebrafox Traveller 2");
          }))
          .compose(v -> market.http.delete("/api/v1/seller/products/" + id).bearerTokenAuthentication(seller).send())
          .map(deleted -> ctx.verify(() -> assertThat(deleted.statusCode()).isEqualTo(204)))
          .compose(v -> get("/api/v1/catalog/products/" + id))
          .map(gone -> ctx.verify(() -> assertThat(gone.statusCode()).isEqualTo(404)));
      })))
      .onComplete(ctx.succeedingThenComplete());
  }
}
