package dev.marketplace.catalog;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Search over the bus on a small fixed catalog: relevance, filters, sorts, facets, cursors, typos, bad parameters. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CatalogSearchTest {
  private CatalogFixture catalog;
  private final Map<String, String> ids = new HashMap<>();

  @BeforeAll
  void setUp() throws Exception {
    catalog = CatalogFixture.start(config -> { });
    String seller = CatalogFixture.newUser();
    add(seller, "sonyXm5", "Беспроводные наушники Sony WH-1000XM5", "Шумоподавление и 30 часов работы", "Sony", 131, 29_990_00);
    add(seller, "jbl", "Портативная колонка JBL Charge 5", "Громкий звук. Подключите наушники или телефон", "JBL", 132, 14_990_00);
    add(seller, "s24", "Смартфон Samsung Galaxy S24", "Отличная камера", "Samsung", 111, 79_990_00);
    add(seller, "redmi", "Смартфон Xiaomi Redmi Note 13", "Большой экран", "Xiaomi", 111, 21_990_00);
    add(seller, "case", "Чехол для смартфона Samsung Galaxy", "Силиконовый чехол", "Samsung", 112, 990_00);
    add(seller, "thinkpad", "Lenovo ThinkPad X1 Carbon laptop", "Business ultrabook", "Lenovo", 121, 159_990_00);
    add(seller, "bag", "Tucano Bag 14 inch", "Protects your laptop from scratches", "Tucano", 121, 2_990_00);
    add(seller, "nike", "Кроссовки Nike Air Max", "Для бега", "Nike", 231, 12_990_00);
    add(seller, "buds", "Samsung Galaxy Buds наушники", "Беспроводные", "Samsung", 131, 9_990_00);
    add(seller, "mdr", "Sony наушники MDR-ZX110", "Проводные", "Sony", 131, 1_990_00);
    int popularity = 10;
    for (String key : List.of("mdr", "nike", "s24", "case", "jbl", "sonyXm5", "redmi", "bag", "buds", "thinkpad")) {
      catalog.execute("UPDATE catalog.products SET popularity = $1 WHERE id = $2", popularity, UUID.fromString(ids.get(key)));
      popularity += 10;
    }
    catalog.execute("UPDATE catalog.products SET available = 5 WHERE id = ANY($1)",
      (Object) new UUID[] {UUID.fromString(ids.get("s24")), UUID.fromString(ids.get("nike"))});
    catalog.awaitIndexed();
  }

  @AfterAll
  void tearDown() throws Exception {
    catalog.close();
  }

  private void add(String seller, String key, String title, String description, String brand, int category, long price) throws Exception {
    ids.put(key, catalog.create(seller, title, description, brand, category, price).getString("id"));
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

  private JsonObject search(Object... params) throws Exception {
    JsonObject body = new JsonObject();
    for (int i = 0; i < params.length; i += 2) {
      body.put((String) params[i], params[i + 1]);
    }
    return catalog.search(body);
  }

  @Test
  void relevancePutsTheProductWhoseTitleMatchesFirst() throws Exception {
    assertThat(keys(search("q", "беспроводные наушники"))).first().isEqualTo("sonyXm5");
    List<String> headphones = keys(search("q", "наушники"));
    assertThat(headphones).containsExactlyInAnyOrder("sonyXm5", "buds", "mdr", "jbl");
    // only its description mentions headphones: last
    assertThat(headphones).last().isEqualTo("jbl");
    assertThat(keys(search("q", "laptop"))).containsExactly("thinkpad", "bag");
    // brand weighs more than description
    assertThat(keys(search("q", "samsung"))).hasSize(3).doesNotContain("jbl");
  }

  @Test
  void searchUnderstandsRussianAndEnglishWordForms() throws Exception {
    assertThat(keys(search("q", "смартфоны"))).containsExactlyInAnyOrder("s24", "redmi", "case");
    assertThat(keys(search("q", "laptops"))).containsExactlyInAnyOrder("thinkpad", "bag");
    assertThat(keys(search("q", "кроссовок"))).containsExactly("nike");
  }

  @Test
  void categoryFilterIncludesEverySubcategory() throws Exception {
    assertThat(keys(search("category", "11"))).containsExactlyInAnyOrder("s24", "redmi", "case");
    assertThat(keys(search("category", "111"))).containsExactlyInAnyOrder("s24", "redmi");
    assertThat(keys(search("category", "1", "limit", "100"))).hasSize(9).doesNotContain("nike");
    assertThat(keys(search("category", "1", "q", "наушники"))).containsExactlyInAnyOrder("sonyXm5", "buds", "mdr", "jbl");
  }

  @Test
  void brandPriceAndStockFiltersNarrowTheResult() throws Exception {
    assertThat(keys(search("brand", "Samsung"))).containsExactlyInAnyOrder("s24", "case", "buds");
    assertThat(keys(search("price_min", "1000000", "price_max", "3000000")))
      .containsExactlyInAnyOrder("sonyXm5", "jbl", "redmi", "nike");
    assertThat(keys(search("price_max", 99_000))).containsExactly("case");
    assertThat(keys(search("in_stock", "true"))).containsExactlyInAnyOrder("s24", "nike");
    assertThat(keys(search("in_stock", "false", "limit", 100))).hasSizeGreaterThanOrEqualTo(10);
    assertThat(keys(search("q", "наушники", "brand", "Sony", "price_max", "500000"))).containsExactly("mdr");
    JsonObject item = search("q", "кроссовки").getJsonArray("items").getJsonObject(0);
    assertThat(item.getBoolean("in_stock")).isTrue();
    assertThat(item.getInteger("available")).isEqualTo(5);
  }

  @Test
  void everySortOrdersTheWholeResult() throws Exception {
    List<JsonObject> asc = catalog.searchAll(new JsonObject().put("category", "1").put("sort", "price_asc").put("limit", "3"));
    assertThat(asc).extracting(o -> o.getJsonObject("price").getLong("amount")).isSorted().hasSize(9);
    List<JsonObject> desc = catalog.searchAll(new JsonObject().put("category", "1").put("sort", "price_desc").put("limit", "4"));
    assertThat(desc).extracting(o -> -o.getJsonObject("price").getLong("amount")).isSorted().hasSize(9);
    List<JsonObject> popular = catalog.searchAll(new JsonObject().put("category", "1").put("sort", "popular").put("limit", "2"));
    assertThat(popular).extracting(o -> -o.getInteger("popularity")).isSorted().hasSize(9);
    assertThat(popular.get(0).getString("id")).isEqualTo(ids.get("thinkpad"));
    List<JsonObject> newest = catalog.searchAll(new JsonObject().put("category", "1").put("sort", "new").put("limit", "2"));
    assertThat(newest).extracting(o -> o.getString("created_at")).isSortedAccordingTo(java.util.Comparator.reverseOrder());
    assertThat(newest).hasSize(9);
    assertThat(newest.get(0).getString("id")).isEqualTo(ids.get("mdr"));
    List<JsonObject> relevance = catalog.searchAll(new JsonObject().put("q", "наушники").put("limit", "1"));
    assertThat(relevance).extracting(o -> o.getString("id")).doesNotHaveDuplicates().hasSize(4);
    assertThat(relevance.get(3).getString("id")).isEqualTo(ids.get("jbl"));
  }

  @Test
  void facetCountsCountEveryMatch() throws Exception {
    JsonObject facets = search("q", "наушники", "category", "1", "limit", "1").getJsonObject("facets");
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
  }

  @Test
  void cursorPaginationNeitherRepeatsNorSkipsWhileProductsAreAdded() throws Exception {
    String seller = CatalogFixture.newUser();
    java.util.Random random = new java.util.Random(42);
    Set<String> before = new HashSet<>();
    for (int i = 0; i < 12; i++) {
      before.add(catalog.create(seller, "Игрушка номер " + i, "", "PagingToys", 61, 1_000 + random.nextInt(100_000)).getString("id"));
    }
    catalog.awaitIndexed();
    for (String sort : List.of("price_asc", "price_desc", "new", "popular")) {
      List<String> seen = new ArrayList<>();
      String cursor = null;
      int added = 0;
      do {
        JsonObject params = new JsonObject().put("category", "61").put("sort", sort).put("limit", "5");
        if (cursor != null) {
          params.put("cursor", cursor);
        }
        JsonObject page = catalog.search(params);
        page.getJsonArray("items").forEach(o -> seen.add(((JsonObject) o).getString("id")));
        cursor = page.getString("next_cursor");
        // products arrive between pages, priced anywhere in the range
        for (int i = 0; i < 3; i++) {
          catalog.create(seller, "Новая игрушка " + sort + added++, "", "PagingToys", 61, 1_000 + random.nextInt(100_000));
        }
        catalog.awaitIndexed();
      } while (cursor != null);
      assertThat(seen).as(sort).doesNotHaveDuplicates().containsAll(before);
      before.clear();
      before.addAll(catalog.searchAll(new JsonObject().put("category", "61").put("limit", "100"))
        .stream().map(o -> o.getString("id")).toList());
    }
  }

  @Test
  void aQueryWithATypoStillFindsTheProduct() throws Exception {
    JsonObject result = search("q", "наушнеки");
    assertThat(result.getString("corrected_query")).isEqualTo("наушники");
    assertThat(keys(result)).contains("sonyXm5", "mdr");
    assertThat(keys(search("q", "labtop"))).first().isEqualTo("thinkpad");
    assertThat(keys(search("q", "samsng galaxi"))).contains("s24", "buds");
    // no correction when the words are right but nothing matches
    JsonObject nothing = search("q", "наушники", "brand", "Nike");
    assertThat(nothing.getJsonArray("items")).isEmpty();
    assertThat(nothing.containsKey("corrected_query")).isFalse();
  }

  @Test
  void typoCorrectedResultsPageOnWithTheCorrectedQuery() throws Exception {
    JsonObject first = search("q", "наушнеки", "limit", "2");
    assertThat(first.getString("next_cursor")).isNotNull();
    JsonObject second = search("q", "наушнеки", "limit", "2", "cursor", first.getString("next_cursor"));
    List<String> all = new ArrayList<>(keys(first));
    all.addAll(keys(second));
    assertThat(all).containsExactlyInAnyOrder("sonyXm5", "buds", "mdr", "jbl");
  }

  @Test
  void badParametersAreEachAClearValidationFailure() throws Exception {
    assertInvalid(new JsonObject().put("price_min", "-1"), "price_min");
    assertInvalid(new JsonObject().put("price_max", "abc"), "price_max");
    assertInvalid(new JsonObject().put("price_min", "500").put("price_max", "100"), "price_max");
    assertInvalid(new JsonObject().put("limit", "1000000"), "limit");
    assertInvalid(new JsonObject().put("limit", "0"), "limit");
    assertInvalid(new JsonObject().put("q", "x".repeat(10_240)), "q");
    assertInvalid(new JsonObject().put("sort", "cheapest"), "sort");
    assertInvalid(new JsonObject().put("in_stock", "yes"), "in_stock");
    assertInvalid(new JsonObject().put("category", "electronics"), "category");
    assertInvalid(new JsonObject().put("colour", "red"), "colour");
    assertInvalid(new JsonObject().put("brand", new JsonArray().add("a").add("b")), "brand");
    assertInvalid(new JsonObject().put("cursor", "eyJrIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA"), "cursor");
    assertInvalid(new JsonObject().put("cursor", "garbage"), "cursor");
  }

  @Test
  void aCursorIsValidOnlyForItsOwnQueryAndUntouched() throws Exception {
    String cursor = search("category", "1", "limit", "2").getString("next_cursor");
    assertThat(cursor).isNotNull();
    assertThat(search("category", "1", "limit", "5", "cursor", cursor).getJsonArray("items")).hasSize(5);
    assertInvalid(new JsonObject().put("category", "2").put("cursor", cursor), "cursor");
    assertInvalid(new JsonObject().put("category", "1").put("sort", "new").put("cursor", cursor), "cursor");
    char last = cursor.charAt(3);
    String tampered = cursor.substring(0, 3) + (last == 'A' ? 'B' : 'A') + cursor.substring(4);
    assertInvalid(new JsonObject().put("category", "1").put("cursor", tampered), "cursor");
  }

  @Test
  void categoriesComeAsATree() throws Exception {
    JsonArray roots = catalog.request(CatalogAddresses.CATEGORIES, new JsonObject(), null, null).getJsonArray("categories");
    JsonObject electronics = roots.getJsonObject(0);
    assertThat(electronics.getString("slug")).isEqualTo("electronics");
    JsonObject phones = electronics.getJsonArray("children").getJsonObject(0);
    assertThat(phones.getJsonArray("children")).extracting(o -> ((JsonObject) o).getString("slug"))
      .containsExactly("smartphones", "phone-accessories");
  }

  private void assertInvalid(JsonObject params, String field) throws Exception {
    ServiceFailure failure = catalog.failure(CatalogAddresses.SEARCH, params, null, null);
    assertThat(failure.code()).as(params.encode()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(failure.extra().getJsonArray("errors")).extracting(o -> ((JsonObject) o).getString("field")).contains(field);
  }
}
