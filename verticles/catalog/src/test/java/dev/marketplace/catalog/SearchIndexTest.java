package dev.marketplace.catalog;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lucene index as a read model: every filter, sort and facet against a brute-force reference
 * over the same rows, paging while products change, freshness, a restart that catches up, a
 * rebuild while serving, and two instances that answer alike.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SearchIndexTest {
  private static final String[] BRANDS = {"Alpha", "Beta", "Gamma", "Delta", "Epsilon"};
  private static final int[] CATEGORIES = {111, 112, 121, 131, 132, 231};
  private static final String[] NOUNS = {"Чехол", "Кабель", "Держатель", "Адаптер"};
  private static final int PRODUCTS = 400;

  private CatalogFixture catalog;
  private Path indexDir;

  private record Product(String id, String title, String brand, int category, long price, int popularity, int available,
                         OffsetDateTime created) {
  }

  @BeforeAll
  void setUp() throws Exception {
    indexDir = Files.createTempDirectory("search-index-test-");
    catalog = CatalogFixture.start(config -> config.getJsonObject("catalog").put("index_dir", indexDir.toString()));
    Random random = new Random(7);
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < PRODUCTS; i++) {
      rows.add(new Object[] {UUID.randomUUID(), NOUNS[random.nextInt(NOUNS.length)] + " модель " + i,
        BRANDS[random.nextInt(BRANDS.length)], CATEGORIES[random.nextInt(CATEGORIES.length)],
        (long) (100_00 + random.nextInt(60_000) * 100L), random.nextInt(50), random.nextInt(3) == 0 ? 0 : random.nextInt(20),
        OffsetDateTime.of(2025, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC).plusMinutes(random.nextInt(500_000))});
    }
    for (String brand : BRANDS) {
      catalog.execute("INSERT INTO catalog.brands (name) VALUES ($1) ON CONFLICT DO NOTHING", brand);
    }
    for (Object[] r : rows) {
      catalog.execute("INSERT INTO catalog.products (id, seller_id, title, brand, category_id, price_amount, currency, popularity,"
        + " available, created_at, updated_at) VALUES ($1, 'seed', $2, $3, $4, $5, 'RUB', $6, $7, $8, $8)", r);
    }
    catalog.awaitIndexed();
  }

  @AfterAll
  void tearDown() throws Exception {
    catalog.close();
    IndexGeneration.deleteTree(indexDir);
  }

  /** Every live product (also those other tests of this class add: the reference holds whatever their order). */
  private List<Product> table() throws Exception {
    List<Product> products = new ArrayList<>();
    for (Row row : catalog.query("SELECT id, title, brand, category_id, price_amount, popularity, available, created_at"
      + " FROM catalog.products WHERE deleted_at IS NULL")) {
      products.add(new Product(row.getUUID("id").toString(), row.getString("title"), row.getString("brand"),
        row.getInteger("category_id"), row.getLong("price_amount"), row.getInteger("popularity"), row.getInteger("available"),
        row.getOffsetDateTime("created_at")));
    }
    return products;
  }

  private static int[] subtree(int category) {
    return switch (category) {
      case 1 -> new int[] {1, 11, 111, 112, 12, 121, 122, 123, 13, 131, 132};
      case 11 -> new int[] {11, 111, 112};
      default -> new int[] {category};
    };
  }

  @Test
  void everyFilterSortAndFacetMatchesABruteForceReference() throws Exception {
    List<Product> all = table();
    int checked = 0;
    for (String q : new String[] {null, "чехол"}) {
      for (Integer category : new Integer[] {null, 1, 11, 131}) {
        for (String brand : new String[] {null, "Beta"}) {
          for (long[] price : new long[][] {null, {1_000_00, 20_000_00}}) {
            for (boolean inStock : new boolean[] {false, true}) {
              Predicate<Product> matches = p -> (q == null || p.title().toLowerCase().startsWith(q))
                && (category == null || java.util.Arrays.stream(subtree(category)).anyMatch(c -> c == p.category()))
                && (brand == null || brand.equals(p.brand()))
                && (price == null || (p.price() >= price[0] && p.price() <= price[1]))
                && (!inStock || p.available() > 0);
              List<Product> expected = all.stream().filter(matches).toList();
              JsonObject params = new JsonObject().put("limit", "37");
              if (q != null) {
                params.put("q", q);
              }
              if (category != null) {
                params.put("category", category.toString());
              }
              if (brand != null) {
                params.put("brand", brand);
              }
              if (price != null) {
                params.put("price_min", Long.toString(price[0])).put("price_max", Long.toString(price[1]));
              }
              params.put("in_stock", Boolean.toString(inStock));
              Map<String, Comparator<Product>> sorts = Map.of(
                "popular", Comparator.comparingInt(Product::popularity).thenComparing(Product::id).reversed(),
                "price_asc", Comparator.comparingLong(Product::price).thenComparing(Product::id),
                "price_desc", Comparator.comparingLong(Product::price).thenComparing(Product::id).reversed(),
                "new", Comparator.comparing(Product::created).thenComparing(Product::id).reversed());
              for (Map.Entry<String, Comparator<Product>> sort : sorts.entrySet()) {
                List<String> got = catalog.searchAll(params.copy().put("sort", sort.getKey())).stream().map(o -> o.getString("id")).toList();
                assertThat(got).as(params.encode() + " " + sort.getKey())
                  .containsExactlyElementsOf(expected.stream().sorted(sort.getValue()).map(Product::id).toList());
              }
              if (q != null) {
                List<String> relevance = catalog.searchAll(params.copy().put("sort", "relevance")).stream().map(o -> o.getString("id")).toList();
                assertThat(relevance).as(params.encode() + " relevance").containsExactlyInAnyOrderElementsOf(expected.stream().map(Product::id).toList());
              }
              assertFacets(catalog.search(params).getJsonObject("facets"), expected, params.encode());
              checked++;
            }
          }
        }
      }
    }
    assertThat(checked).isEqualTo(64);
  }

  private static void assertFacets(JsonObject facets, List<Product> expected, String what) {
    Map<String, Long> brands = new TreeMap<>();
    Map<Integer, Long> categories = new TreeMap<>();
    long[] prices = new long[FacetCounts.PRICE_BOUNDS.length + 1];
    for (Product p : expected) {
      brands.merge(p.brand(), 1L, Long::sum);
      categories.merge(p.category(), 1L, Long::sum);
      int bucket = 0;
      while (bucket < FacetCounts.PRICE_BOUNDS.length && p.price() >= FacetCounts.PRICE_BOUNDS[bucket]) {
        bucket++;
      }
      prices[bucket]++;
    }
    Map<String, Long> brandFacet = new TreeMap<>();
    facets.getJsonArray("brand").forEach(o -> brandFacet.put(((JsonObject) o).getString("value"), ((JsonObject) o).getLong("count")));
    Map<Integer, Long> categoryFacet = new TreeMap<>();
    facets.getJsonArray("category").forEach(o -> categoryFacet.put(((JsonObject) o).getInteger("value"), ((JsonObject) o).getLong("count")));
    assertThat(brandFacet).as(what + " brands").isEqualTo(brands);
    assertThat(categoryFacet).as(what + " categories").isEqualTo(categories);
    assertThat(facets.getJsonArray("price")).as(what + " prices").extracting(o -> ((JsonObject) o).getLong("count"))
      .containsExactlyElementsOf(java.util.Arrays.stream(prices).boxed().toList());
    assertThat(facets.getBoolean("exact")).isTrue();
  }

  @Test
  void pagingNeitherRepeatsNorSkipsAProductWhileOthersChange() throws Exception {
    String seller = CatalogFixture.newUser();
    List<String> movers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      movers.add(catalog.create(seller, "Держатель подвижный " + i, "", "Zeta", 112, 500_00 + i * 3_000_00L).getString("id"));
    }
    Set<String> untouched = new HashSet<>();
    catalog.searchAll(new JsonObject().put("category", "11").put("limit", "100")).forEach(o -> untouched.add(o.getString("id")));
    untouched.removeAll(movers);
    Random random = new Random(3);
    for (String sort : List.of("price_asc", "price_desc", "popular", "new")) {
      List<String> seen = new ArrayList<>();
      String cursor = null;
      int page = 0;
      do {
        JsonObject params = new JsonObject().put("category", "11").put("sort", sort).put("limit", "17");
        if (cursor != null) {
          params.put("cursor", cursor);
        }
        JsonObject result = catalog.search(params);
        result.getJsonArray("items").forEach(o -> seen.add(((JsonObject) o).getString("id")));
        cursor = result.getString("next_cursor");
        // between pages: movers are repriced anywhere, new products arrive, stock changes
        String mover = movers.get(random.nextInt(movers.size()));
        catalog.execute("UPDATE catalog.products SET price_amount = $1, popularity = $2 WHERE id = $3",
          100_00L + random.nextInt(60_000) * 100L, random.nextInt(50), UUID.fromString(mover));
        catalog.create(seller, "Держатель новый " + sort + page++, "", "Zeta", 111, 100_00L + random.nextInt(60_000) * 100L);
        catalog.awaitIndexed();
      } while (cursor != null);
      List<String> untouchedSeen = seen.stream().filter(untouched::contains).toList();
      assertThat(untouchedSeen).as(sort).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(untouched);
    }
  }

  @Test
  void changesAreSearchableAtOnceHereAndStockChangesSoonAfter() throws Exception {
    String seller = CatalogFixture.newUser();
    JsonObject created = catalog.create(seller, "Термокружка quokkafresh", "", "Omega", 311, 1_500_00);
    String id = created.getString("id");
    // read your writes: the reply comes once this instance's index has the product
    assertThat(catalog.search(new JsonObject().put("q", "quokkafresh")).getJsonArray("items")).hasSize(1);
    JsonObject card = catalog.request(CatalogAddresses.GET, new JsonObject().put("id", id), null, null);
    assertThat(card.getJsonObject("price").getLong("amount")).isEqualTo(1_500_00L);

    JsonObject change = new JsonObject().put("id", id).put("product", new JsonObject().put("title", "Термокружка quokkafresh")
      .put("brand", "Omega").put("category_id", 311).put("price", new JsonObject().put("amount", 1_234_00).put("currency", "RUB")));
    catalog.request(CatalogAddresses.UPDATE, change, seller, "seller");
    assertThat(catalog.search(new JsonObject().put("q", "quokkafresh")).getJsonArray("items").getJsonObject(0)
      .getJsonObject("price").getLong("amount")).isEqualTo(1_234_00L);
    assertThat(catalog.request(CatalogAddresses.GET, new JsonObject().put("id", id), null, null)
      .getJsonObject("price").getLong("amount")).isEqualTo(1_234_00L);

    // catalog's copy of stock changes under the index (as the inventory.events consumer does it);
    // how soon it shows is measured by scripts/bench-search.sh, not asserted here
    long before = System.nanoTime();
    catalog.execute("UPDATE catalog.products SET available = 9 WHERE id = $1", UUID.fromString(id));
    while (catalog.search(new JsonObject().put("q", "quokkafresh").put("in_stock", "true")).getJsonArray("items").isEmpty()) {
      assertThat((System.nanoTime() - before) / 1_000_000).as("stock becomes searchable").isLessThan(10_000);
      Thread.sleep(10);
    }
    while (catalog.request(CatalogAddresses.GET, new JsonObject().put("id", id), null, null).getInteger("available") != 9) {
      assertThat((System.nanoTime() - before) / 1_000_000).as("stock reaches the card").isLessThan(10_000);
      Thread.sleep(10);
    }

    catalog.request(CatalogAddresses.DELETE, new JsonObject().put("id", id), seller, "seller");
    assertThat(catalog.search(new JsonObject().put("q", "quokkafresh")).getJsonArray("items")).isEmpty();
    assertThat(catalog.failure(CatalogAddresses.GET, new JsonObject().put("id", id), null, null).code()).isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void twoInstancesAnswerAlikeAndAcceptEachOthersCursors() throws Exception {
    JsonObject otherConfig = catalog.config.copy();
    Path otherDir = Files.createTempDirectory("search-index-other-");
    otherConfig.getJsonObject("catalog").put("index_dir", otherDir.toString());
    try (CatalogFixture other = CatalogFixture.on(otherConfig)) {
      catalog.awaitIndexed();
      other.awaitIndexed();
      for (JsonObject params : List.of(new JsonObject().put("q", "чехол").put("limit", "10"),
        new JsonObject().put("category", "1").put("sort", "price_desc").put("limit", "25"),
        new JsonObject().put("brand", "Gamma").put("in_stock", "true").put("sort", "new"),
        new JsonObject().put("q", "кабель модель").put("price_max", "2000000"))) {
        JsonObject here = catalog.search(params);
        JsonObject there = other.search(params);
        assertThat(ids(there)).as(params.encode()).isEqualTo(ids(here));
        assertThat(there.getJsonObject("facets")).as(params.encode()).isEqualTo(here.getJsonObject("facets"));
        if (here.getString("next_cursor") != null) {
          JsonObject next = params.copy().put("cursor", here.getString("next_cursor"));
          assertThat(ids(other.search(next))).as(params.encode() + " page 2").isEqualTo(ids(catalog.search(next)));
        }
      }

      // a seller's change through one instance reaches the other's search and cards through its own feed
      String seller = CatalogFixture.newUser();
      String id = catalog.create(seller, "Фляга numbatflask", "", "Omega", 53, 700_00).getString("id");
      JsonObject query = new JsonObject().put("q", "numbatflask");
      eventually("the other instance finds the new product", () -> prices(other.search(query)).equals(List.of(700_00L)));
      eventually("the other instance's card", () -> card(other, id).getJsonObject("price").getLong("amount") == 700_00L);
      JsonObject change = new JsonObject().put("id", id).put("product", new JsonObject().put("title", "Фляга numbatflask")
        .put("brand", "Omega").put("category_id", 53).put("price", new JsonObject().put("amount", 650_00).put("currency", "RUB")));
      catalog.request(CatalogAddresses.UPDATE, change, seller, "seller");
      eventually("the other instance finds the new price", () -> prices(other.search(query)).equals(List.of(650_00L)));
      eventually("the other instance's card shows the new price",
        () -> card(other, id).getJsonObject("price").getLong("amount") == 650_00L);
      // stock lands in the table (as the inventory.events consumer of either instance writes it)
      catalog.execute("UPDATE catalog.products SET available = 6 WHERE id = $1", UUID.fromString(id));
      eventually("the other instance shows the stock", () -> other.search(query.copy().put("in_stock", "true"))
        .getJsonArray("items").size() == 1 && card(other, id).getInteger("available") == 6);
      catalog.request(CatalogAddresses.DELETE, new JsonObject().put("id", id), seller, "seller");
      eventually("the other instance forgets the deleted product", () -> other.search(query).getJsonArray("items").isEmpty());
      eventually("the other instance's card of the deleted product is gone", () ->
        other.failure(CatalogAddresses.GET, new JsonObject().put("id", id), null, null).code() == ErrorCode.NOT_FOUND);
    } finally {
      IndexGeneration.deleteTree(otherDir);
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean holds() throws Exception;
  }

  /** Waits (up to 10 s) for {@code check}; how soon is measured by scripts/bench-search.sh, not asserted here. */
  private static void eventually(String what, Check check) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!check.holds()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(what + ": not within 10 s");
      }
      Thread.sleep(20);
    }
  }

  private static JsonObject card(CatalogFixture instance, String id) throws Exception {
    return instance.request(CatalogAddresses.GET, new JsonObject().put("id", id), null, null);
  }

  private static List<Long> prices(JsonObject page) {
    List<Long> prices = new ArrayList<>();
    page.getJsonArray("items").forEach(o -> prices.add(((JsonObject) o).getJsonObject("price").getLong("amount")));
    return prices;
  }

  @Test
  void aRebuildRunsWhileSearchesGoOnAndTakesOver() throws Exception {
    JsonObject params = new JsonObject().put("category", "1").put("sort", "price_asc").put("limit", "50");
    List<String> before = ids(catalog.search(params));
    long generation = catalog.indexStatus().getLong("generation");
    long requested = CatalogFixture.await(SearchReindex.request(catalog.sql));
    assertThat(requested).isGreaterThan(generation);
    // changes while the new index is built: in its scan or in its feed, either way in the index that takes over
    String seller = CatalogFixture.newUser();
    String added = catalog.create(seller, "Фляга rebuildcheck", "", "Omega", 53, 800_00).getString("id");
    catalog.execute("UPDATE catalog.products SET price_amount = 810000, available = 3 WHERE id = $1", UUID.fromString(added));
    long deadline = System.currentTimeMillis() + 20_000;
    boolean sawRebuilding = false;
    while (catalog.indexStatus().getLong("generation") < requested) {
      sawRebuilding |= "rebuilding".equals(catalog.indexStatus().getString("state"));
      // searches never fail meanwhile
      assertThat(ids(catalog.search(params))).isEqualTo(before);
      assertThat(System.currentTimeMillis()).as("rebuild finished").isLessThan(deadline);
      Thread.sleep(5);
    }
    assertThat(sawRebuilding || catalog.indexStatus().containsKey("last_build_ms")).isTrue();
    assertThat(ids(catalog.search(params))).isEqualTo(before);
    catalog.awaitIndexed();
    JsonObject rebuilt = catalog.search(new JsonObject().put("q", "rebuildcheck").put("in_stock", "true"));
    assertThat(ids(rebuilt)).containsExactly(added);
    assertThat(prices(rebuilt)).containsExactly(8_100_00L);
    try (var dirs = Files.list(indexDir)) {
      assertThat(dirs.map(p -> p.getFileName().toString()).toList()).contains(Long.toString(requested));
    }
  }

  @Test
  void suggestionsCompleteCorrectAndWeighByPopularity() throws Exception {
    String seller = CatalogFixture.newUser();
    Map<String, String> titles = new HashMap<>();
    for (String[] p : new String[][] {{"Чайник электрический Kettlex", "Kettlex"}, {"Чайник заварочный", "Glassy"},
      {"Чай зеленый", "Teaco"}}) {
      titles.put(catalog.create(seller, p[0], "", p[1], 311, 990_00).getString("id"), p[0]);
    }
    catalog.awaitIndexed();
    JsonArray tea = suggest("чай").getJsonArray("suggestions");
    assertThat(tea).extracting(o -> ((JsonObject) o).getString("kind")).contains("query", "product");
    assertThat(tea).extracting(o -> ((JsonObject) o).getString("text")).contains("чайник", "чай");
    // a product suggestion names the product: its title and id
    List<JsonObject> products = tea.stream().map(o -> (JsonObject) o).filter(o -> "product".equals(o.getString("kind"))).toList();
    assertThat(products).isNotEmpty().allSatisfy(o -> assertThat(o.getString("text")).isEqualTo(titles.get(o.getString("id"))));
    // a typo in the brand's prefix
    assertThat(suggest("kettlx").getJsonArray("suggestions")).extracting(o -> ((JsonObject) o).getString("text")).contains("Kettlex");
    JsonArray phones = suggest("смартфо").getJsonArray("suggestions");
    assertThat(phones).anySatisfy(o -> {
      assertThat(((JsonObject) o).getString("kind")).isEqualTo("category");
      assertThat(((JsonObject) o).getInteger("id")).isIn(11, 111);
    });
    assertThat(suggest("чай", "2").getJsonArray("suggestions")).hasSize(2);
    assertThat(catalog.failure(CatalogAddresses.SUGGEST, new JsonObject().put("q", "чай").put("limit", "500"), null, null).code())
      .isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(catalog.failure(CatalogAddresses.SUGGEST, new JsonObject(), null, null).code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
  }

  private JsonObject suggest(String q, String... limit) throws Exception {
    JsonObject body = new JsonObject().put("q", q);
    if (limit.length > 0) {
      body.put("limit", limit[0]);
    }
    return catalog.request(CatalogAddresses.SUGGEST, body, null, null);
  }

  private static List<String> ids(JsonObject page) {
    List<String> ids = new ArrayList<>();
    page.getJsonArray("items").forEach(o -> ids.add(((JsonObject) o).getString("id")));
    return ids;
  }
}
