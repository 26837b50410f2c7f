package dev.marketplace.catalog;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Search over the bus on a small fixed catalog: relevance, filters, sorts, facets, cursors, typos, bad parameters. */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class CatalogSearchTest {
  private CatalogFixture catalog;
  private final Map<String, String> ids = new HashMap<>();

  @BeforeAll
  void setUp(Vertx vertx, VertxTestContext ctx) {
    String seller = CatalogFixture.newUser();
    CatalogFixture.deploy(vertx, config -> { }).compose(deployed -> {
        catalog = deployed;
        // one after the other: "new" sorts by creation
        return InOrder.run(
          add(seller, "sonyXm5", "Беспроводные наушники Sony WH-1000XM5", "Шумоподавление и 30 часов работы", "Sony", 131, 29_990_00),
          add(seller, "jbl", "Портативная колонка JBL Charge 5", "Громкий звук. Подключите наушники или телефон", "JBL", 132, 14_990_00),
          add(seller, "s24", "Смартфон Samsung Galaxy S24", "Отличная камера", "Samsung", 111, 79_990_00),
          add(seller, "redmi", "Смартфон Xiaomi Redmi Note 13", "Большой экран", "Xiaomi", 111, 21_990_00),
          add(seller, "case", "Чехол для смартфона Samsung Galaxy", "Силиконовый чехол", "Samsung", 112, 990_00),
          add(seller, "thinkpad", "Lenovo ThinkPad X1 Carbon laptop", "Business ultrabook", "Lenovo", 121, 159_990_00),
          add(seller, "bag", "Tucano Bag 14 inch", "Protects your laptop from scratches", "Tucano", 121, 2_990_00),
          add(seller, "nike", "Кроссовки Nike Air Max", "Для бега", "Nike", 231, 12_990_00),
          add(seller, "buds", "Samsung Galaxy Buds наушники", "Беспроводные", "Samsung", 131, 9_990_00),
          add(seller, "mdr", "Sony наушники MDR-ZX110", "Проводные", "Sony", 131, 1_990_00));
      })
      .compose(added -> {
        List<Supplier<Future<Void>>> popularities = new ArrayList<>();
        int popularity = 10;
        for (String key : List.of("mdr", "nike", "s24", "case", "jbl", "sonyXm5", "redmi", "bag", "buds", "thinkpad")) {
          int value = popularity;
          popularities.add(() -> catalog.execute("UPDATE catalog.products SET popularity = $1 WHERE id = $2", value, UUID.fromString(ids.get(key))));
          popularity += 10;
        }
        return InOrder.run(popularities);
      })
      .compose(v -> catalog.execute("UPDATE catalog.products SET available = 5 WHERE id = ANY($1)",
        (Object) new UUID[] {UUID.fromString(ids.get("s24")), UUID.fromString(ids.get("nike"))}))
      .compose(v -> catalog.indexed())
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  void tearDown(VertxTestContext ctx) {
    catalog.close().onComplete(ctx.succeedingThenComplete());
  }

  private Supplier<Future<String>> add(String seller, String key, String title, String description, String brand, int category, long price) {
    return () -> catalog.newProduct(seller, title, description, brand, category, price).map(created -> {
      ids.put(key, created.getString("id"));
      return key;
    });
  }

  private List<String> keys(JsonObject page) {
    Map<String, String> byId = new HashMap<>();
    ids.forEach((k, v) -> byId.put(v, k));
    List<String> keys = new ArrayList<>();
    for (Object o : page.getJsonArray("items")) {
      keys.add(byId.getOrDefault(((JsonObject) o).getString("id"), "?"));
    }
    return keys;
  }

  private static JsonObject params(Object... params) {
    JsonObject body = new JsonObject();
    for (int i = 0; i < params.length; i += 2) {
      body.put((String) params[i], params[i + 1]);
    }
    return body;
  }

  private Future<JsonObject> search(Object... params) {
    return catalog.search(params(params));
  }

  /** A search to run in its turn ({@link InOrder}). */
  private Supplier<Future<JsonObject>> page(Object... params) {
    return () -> search(params);
  }

  private Supplier<Future<List<JsonObject>>> everyPage(JsonObject params) {
    return () -> catalog.searchAll(params);
  }

  @Test
  void relevancePutsTheProductWhoseTitleMatchesFirst(VertxTestContext ctx) {
    InOrder.run(page("q", "беспроводные наушники"), page("q", "наушники"), page("q", "laptop"), page("q", "samsung"))
      .map(pages -> ctx.verify(() -> {
        assertThat(keys(pages.get(0))).first().isEqualTo("sonyXm5");
        List<String> headphones = keys(pages.get(1));
        assertThat(headphones).containsExactlyInAnyOrder("sonyXm5", "buds", "mdr", "jbl");
        // only its description mentions headphones: last
        assertThat(headphones).last().isEqualTo("jbl");
        assertThat(keys(pages.get(2))).containsExactly("thinkpad", "bag");
        // brand weighs more than description
        assertThat(keys(pages.get(3))).hasSize(3).doesNotContain("jbl");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void searchUnderstandsRussianAndEnglishWordForms(VertxTestContext ctx) {
    InOrder.run(page("q", "смартфоны"), page("q", "laptops"), page("q", "кроссовок"))
      .map(pages -> ctx.verify(() -> {
        assertThat(keys(pages.get(0))).containsExactlyInAnyOrder("s24", "redmi", "case");
        assertThat(keys(pages.get(1))).containsExactlyInAnyOrder("thinkpad", "bag");
        assertThat(keys(pages.get(2))).containsExactly("nike");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void categoryFilterIncludesEverySubcategory(VertxTestContext ctx) {
    InOrder.run(page("category", "11"), page("category", "111"), page("category", "1", "limit", "100"), page("category", "1", "q", "наушники"))
      .map(pages -> ctx.verify(() -> {
        assertThat(keys(pages.get(0))).containsExactlyInAnyOrder("s24", "redmi", "case");
        assertThat(keys(pages.get(1))).containsExactlyInAnyOrder("s24", "redmi");
        assertThat(keys(pages.get(2))).hasSize(9).doesNotContain("nike");
        assertThat(keys(pages.get(3))).containsExactlyInAnyOrder("sonyXm5", "buds", "mdr", "jbl");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void brandPriceAndStockFiltersNarrowTheResult(VertxTestContext ctx) {
    InOrder.run(page("brand", "Samsung"), page("price_min", "1000000", "price_max", "3000000"), page("price_max", 99_000),
        page("in_stock", "true"), page("in_stock", "false", "limit", 100), page("q", "наушники", "brand", "Sony", "price_max", "500000"),
        page("q", "кроссовки"))
      .map(pages -> ctx.verify(() -> {
        assertThat(keys(pages.get(0))).containsExactlyInAnyOrder("s24", "case", "buds");
        assertThat(keys(pages.get(1))).containsExactlyInAnyOrder("sonyXm5", "jbl", "redmi", "nike");
        assertThat(keys(pages.get(2))).containsExactly("case");
        assertThat(keys(pages.get(3))).containsExactlyInAnyOrder("s24", "nike");
        assertThat(keys(pages.get(4))).hasSizeGreaterThanOrEqualTo(10);
        assertThat(keys(pages.get(5))).containsExactly("mdr");
        JsonObject item = pages.get(6).getJsonArray("items").getJsonObject(0);
        assertThat(item.getBoolean("in_stock")).isTrue();
        assertThat(item.getInteger("available")).isEqualTo(5);
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void everySortOrdersTheWholeResult(VertxTestContext ctx) {
    InOrder.run(everyPage(new JsonObject().put("category", "1").put("sort", "price_asc").put("limit", "3")),
        everyPage(new JsonObject().put("category", "1").put("sort", "price_desc").put("limit", "4")),
        everyPage(new JsonObject().put("category", "1").put("sort", "popular").put("limit", "2")),
        everyPage(new JsonObject().put("category", "1").put("sort", "new").put("limit", "2")),
        everyPage(new JsonObject().put("q", "наушники").put("limit", "1")))
      .map(results -> ctx.verify(() -> {
        List<JsonObject> asc = results.get(0);
        assertThat(asc).extracting(o -> o.getJsonObject("price").getLong("amount")).isSorted().hasSize(9);
        List<JsonObject> desc = results.get(1);
        assertThat(desc).extracting(o -> -o.getJsonObject("price").getLong("amount")).isSorted().hasSize(9);
        List<JsonObject> popular = results.get(2);
        assertThat(popular).extracting(o -> -o.getInteger("popularity")).isSorted().hasSize(9);
        assertThat(popular.get(0).getString("id")).isEqualTo(ids.get("thinkpad"));
        List<JsonObject> newest = results.get(3);
        assertThat(newest).extracting(o -> o.getString("created_at")).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(newest).hasSize(9);
        assertThat(newest.get(0).getString("id")).isEqualTo(ids.get("mdr"));
        List<JsonObject> relevance = results.get(4);
        assertThat(relevance).extracting(o -> o.getString("id")).doesNotHaveDuplicates().hasSize(4);
        assertThat(relevance.get(3).getString("id")).isEqualTo(ids.get("jbl"));
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void facetCountsCountEveryMatch(VertxTestContext ctx) {
    search("q", "наушники", "category", "1", "limit", "1").map(page -> ctx.verify(() -> {
        JsonObject facets = page.getJsonObject("facets");
        Map<String, Long> brandFacet = new HashMap<>();
        facets.getJsonArray("brand").forEach(o -> brandFacet.put(((JsonObject) o).getString("value"), ((JsonObject) o).getLong("count")));
        Map<Integer, Long> categoryFacet = new HashMap<>();
        facets.getJsonArray("category").forEach(o -> categoryFacet.put(((JsonObject) o).getInteger("value"), ((JsonObject) o).getLong("count")));
        assertThat(brandFacet).isEqualTo(Map.of("Sony", 2L, "Samsung", 1L, "JBL", 1L));
        assertThat(categoryFacet).isEqualTo(Map.of(131, 3L, 132, 1L));
        assertThat(facets.getJsonArray("category").getJsonObject(0).getString("name")).isEqualTo("Наушники");
        // price ranges: mdr 1,990 ₽ (1,000–5,000), buds 9,990 ₽ and jbl 14,990 ₽ (5,000–20,000), Sony 29,990 ₽ (20,000–50,000)
        assertThat(facets.getJsonArray("price")).extracting(o -> ((JsonObject) o).getLong("count")).containsExactly(0L, 1L, 2L, 1L, 0L);
        assertThat(facets.getBoolean("exact")).isTrue();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void cursorPaginationNeitherRepeatsNorSkipsWhileProductsAreAdded(VertxTestContext ctx) {
    String seller = CatalogFixture.newUser();
    java.util.Random random = new java.util.Random(42);
    Set<String> before = new HashSet<>();
    List<Supplier<Future<Void>>> toys = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      int n = i;
      toys.add(() -> catalog.newProduct(seller, "Игрушка номер " + n, "", "PagingToys", 61, 1_000 + random.nextInt(100_000))
        .map(created -> {
          before.add(created.getString("id"));
          return null;
        }));
    }
    Future<Void> chain = InOrder.run(toys).compose(v -> catalog.indexed());
    for (String sort : List.of("price_asc", "price_desc", "new", "popular")) {
      chain = chain.compose(v -> pageWhileAdding(sort, seller, random, null, new ArrayList<>(), new int[] {0}))
        .compose(seen -> {
          ctx.verify(() -> assertThat(seen).as(sort).doesNotHaveDuplicates().containsAll(before));
          return catalog.searchAll(new JsonObject().put("category", "61").put("limit", "100"));
        })
        .map(all -> {
          before.clear();
          before.addAll(all.stream().map(o -> o.getString("id")).toList());
          return null;
        });
    }
    chain.onComplete(ctx.succeedingThenComplete());
  }

  /** Pages through category 61 in {@code sort}; three products arrive between pages, priced anywhere in the range. */
  private Future<List<String>> pageWhileAdding(String sort, String seller, java.util.Random random, String cursor, List<String> seen, int[] added) {
    JsonObject params = new JsonObject().put("category", "61").put("sort", sort).put("limit", "5");
    if (cursor != null) {
      params.put("cursor", cursor);
    }
    return catalog.search(params).compose(page -> {
      page.getJsonArray("items").forEach(o -> seen.add(((JsonObject) o).getString("id")));
      String next = page.getString("next_cursor");
      Future<Void> arrivals = Future.succeededFuture();
      for (int i = 0; i < 3; i++) {
        arrivals = arrivals.compose(v -> catalog.newProduct(seller, "Новая игрушка " + sort + added[0]++, "", "PagingToys", 61,
          1_000 + random.nextInt(100_000)).mapEmpty());
      }
      return arrivals.compose(v -> catalog.indexed())
        .compose(v -> next == null ? Future.succeededFuture(seen) : pageWhileAdding(sort, seller, random, next, seen, added));
    });
  }

  @Test
  void aQueryWithATypoStillFindsTheProduct(VertxTestContext ctx) {
    InOrder.run(page("q", "наушнеки"), page("q", "labtop"), page("q", "samsng galaxi"), page("q", "наушники", "brand", "Nike"))
      .map(pages -> ctx.verify(() -> {
        JsonObject result = pages.get(0);
        assertThat(result.getString("corrected_query")).isEqualTo("наушники");
        assertThat(keys(result)).contains("sonyXm5", "mdr");
        assertThat(keys(pages.get(1))).first().isEqualTo("thinkpad");
        assertThat(keys(pages.get(2))).contains("s24", "buds");
        // no correction when the words are right but nothing matches
        JsonObject nothing = pages.get(3);
        assertThat(nothing.getJsonArray("items")).isEmpty();
        assertThat(nothing.containsKey("corrected_query")).isFalse();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void typoCorrectedResultsPageOnWithTheCorrectedQuery(VertxTestContext ctx) {
    search("q", "наушнеки", "limit", "2").compose(first -> {
        ctx.verify(() -> assertThat(first.getString("next_cursor")).isNotNull());
        return search("q", "наушнеки", "limit", "2", "cursor", first.getString("next_cursor")).map(second -> ctx.verify(() -> {
          List<String> all = new ArrayList<>(keys(first));
          all.addAll(keys(second));
          assertThat(all).containsExactlyInAnyOrder("sonyXm5", "buds", "mdr", "jbl");
        }));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void badParametersAreEachAClearValidationFailure(VertxTestContext ctx) {
    invalid(ctx, new JsonObject().put("price_min", "-1"), "price_min")
      .compose(v -> invalid(ctx, new JsonObject().put("price_max", "abc"), "price_max"))
      .compose(v -> invalid(ctx, new JsonObject().put("price_min", "500").put("price_max", "100"), "price_max"))
      .compose(v -> invalid(ctx, new JsonObject().put("limit", "1000000"), "limit"))
      .compose(v -> invalid(ctx, new JsonObject().put("limit", "0"), "limit"))
      .compose(v -> invalid(ctx, new JsonObject().put("q", "x".repeat(10_240)), "q"))
      .compose(v -> invalid(ctx, new JsonObject().put("sort", "cheapest"), "sort"))
      .compose(v -> invalid(ctx, new JsonObject().put("in_stock", "yes"), "in_stock"))
      .compose(v -> invalid(ctx, new JsonObject().put("category", "electronics"), "category"))
      .compose(v -> invalid(ctx, new JsonObject().put("colour", "red"), "colour"))
      .compose(v -> invalid(ctx, new JsonObject().put("brand", new JsonArray().add("a").add("b")), "brand"))
      .compose(v -> invalid(ctx, new JsonObject().put("cursor", "eyJrIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA"), "cursor"))
      .compose(v -> invalid(ctx, new JsonObject().put("cursor", "garbage"), "cursor"))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aCursorIsValidOnlyForItsOwnQueryAndUntouched(VertxTestContext ctx) {
    search("category", "1", "limit", "2").map(page -> page.getString("next_cursor")).compose(cursor -> {
        ctx.verify(() -> assertThat(cursor).isNotNull());
        char last = cursor.charAt(3);
        String tampered = cursor.substring(0, 3) + (last == 'A' ? 'B' : 'A') + cursor.substring(4);
        return search("category", "1", "limit", "5", "cursor", cursor)
          .map(next -> ctx.verify(() -> assertThat(next.getJsonArray("items")).hasSize(5)))
          .compose(v -> invalid(ctx, new JsonObject().put("category", "2").put("cursor", cursor), "cursor"))
          .compose(v -> invalid(ctx, new JsonObject().put("category", "1").put("sort", "new").put("cursor", cursor), "cursor"))
          .compose(v -> invalid(ctx, new JsonObject().put("category", "1").put("cursor", tampered), "cursor"));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void categoriesComeAsATree(VertxTestContext ctx) {
    catalog.ask(CatalogAddresses.CATEGORIES, new JsonObject(), null, null).map(tree -> ctx.verify(() -> {
        JsonArray roots = tree.getJsonArray("categories");
        JsonObject electronics = roots.getJsonObject(0);
        assertThat(electronics.getString("slug")).isEqualTo("electronics");
        JsonObject phones = electronics.getJsonArray("children").getJsonObject(0);
        assertThat(phones.getJsonArray("children")).extracting(o -> ((JsonObject) o).getString("slug"))
          .containsExactly("smartphones", "phone-accessories");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** Expects the search with {@code params} to be refused as a validation failure naming {@code field}. */
  private Future<Void> invalid(VertxTestContext ctx, JsonObject params, String field) {
    return catalog.refusal(CatalogAddresses.SEARCH, params, null, null).map(failure -> {
      ctx.verify(() -> {
        assertThat(failure.code()).as(params.encode()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(failure.extra().getJsonArray("errors")).extracting(o -> ((JsonObject) o).getString("field")).contains(field);
      });
      return null;
    });
  }
}
