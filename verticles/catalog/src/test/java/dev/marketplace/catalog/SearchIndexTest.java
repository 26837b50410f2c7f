package dev.marketplace.catalog;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

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
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lucene index as a read model: every filter, sort and facet against a brute-force reference
 * over the same rows, paging while products change, freshness, a restart that catches up, a
 * rebuild while serving, and two instances that answer alike.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class SearchIndexTest {
  private static final String[] BRANDS = {"Alpha", "Beta", "Gamma", "Delta", "Epsilon"};
  private static final int[] CATEGORIES = {111, 112, 121, 131, 132, 231};
  private static final String[] NOUNS = {"Чехол", "Кабель", "Держатель", "Адаптер"};
  private static final int PRODUCTS = 400;

  private CatalogFixture catalog;
  private Path indexDir;
  /** The Vert.x of a second instance that runs beside {@link #catalog}, closed after the class (not from its own event loop). */
  private Vertx otherNode;

  private record Product(String id, String title, String brand, int category, long price, int popularity, int available,
                         OffsetDateTime created) {
  }

  @BeforeAll
  void setUp(Vertx vertx, VertxTestContext ctx) throws Exception {
    indexDir = Files.createTempDirectory("search-index-test-");
    Random random = new Random(7);
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < PRODUCTS; i++) {
      rows.add(new Object[] {UUID.randomUUID(), NOUNS[random.nextInt(NOUNS.length)] + " модель " + i,
        BRANDS[random.nextInt(BRANDS.length)], CATEGORIES[random.nextInt(CATEGORIES.length)],
        (long) (100_00 + random.nextInt(60_000) * 100L), random.nextInt(50), random.nextInt(3) == 0 ? 0 : random.nextInt(20),
        OffsetDateTime.of(2025, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC).plusMinutes(random.nextInt(500_000))});
    }
    CatalogFixture.deploy(vertx, config -> config.getJsonObject("catalog").put("index_dir", indexDir.toString()))
      .compose(deployed -> {
        catalog = deployed;
        List<Supplier<Future<Void>>> inserts = new ArrayList<>();
        for (String brand : BRANDS) {
          inserts.add(() -> catalog.execute("INSERT INTO catalog.brands (name) VALUES ($1) ON CONFLICT DO NOTHING", brand));
        }
        for (Object[] r : rows) {
          inserts.add(() -> catalog.execute("INSERT INTO catalog.products (id, seller_id, title, brand, category_id, price_amount, currency,"
            + " popularity, available, created_at, updated_at) VALUES ($1, 'seed', $2, $3, $4, $5, 'RUB', $6, $7, $8, $8)", r));
        }
        return InOrder.run(inserts);
      })
      .compose(v -> catalog.indexed())
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  void tearDown(Vertx vertx, VertxTestContext ctx) {
    Future<Void> other = otherNode == null ? Future.succeededFuture() : otherNode.close();
    Future.all(other, catalog.close().compose(v -> CatalogFixture.deleteIndex(vertx, indexDir))).onComplete(ctx.succeedingThenComplete());
  }

  /** Every live product (also those other tests of this class add: the reference holds whatever their order). */
  private Future<List<Product>> table() {
    return catalog.query("SELECT id, title, brand, category_id, price_amount, popularity, available, created_at"
      + " FROM catalog.products WHERE deleted_at IS NULL").map(rows -> {
        List<Product> products = new ArrayList<>();
        for (Row row : rows) {
          products.add(new Product(row.getUUID("id").toString(), row.getString("title"), row.getString("brand"),
            row.getInteger("category_id"), row.getLong("price_amount"), row.getInteger("popularity"), row.getInteger("available"),
            row.getOffsetDateTime("created_at")));
        }
        return products;
      });
  }

  private static int[] subtree(int category) {
    return switch (category) {
      case 1 -> new int[] {1, 11, 111, 112, 12, 121, 122, 123, 13, 131, 132};
      case 11 -> new int[] {11, 111, 112};
      default -> new int[] {category};
    };
  }

  @Test
  void everyFilterSortAndFacetMatchesABruteForceReference(VertxTestContext ctx) {
    int[] checked = {0};
    table().compose(all -> {
        // the 64 combinations one after the other, each with its sorts, relevance and facets
        Future<Void> chain = Future.succeededFuture();
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
                    chain = chain.compose(v -> catalog.searchAll(params.copy().put("sort", sort.getKey())))
                      .map(found -> ctx.verify(() -> assertThat(found.stream().map(o -> o.getString("id")).toList())
                        .as(params.encode() + " " + sort.getKey())
                        .containsExactlyElementsOf(expected.stream().sorted(sort.getValue()).map(Product::id).toList())))
                      .mapEmpty();
                  }
                  if (q != null) {
                    chain = chain.compose(v -> catalog.searchAll(params.copy().put("sort", "relevance")))
                      .map(found -> ctx.verify(() -> assertThat(found.stream().map(o -> o.getString("id")).toList())
                        .as(params.encode() + " relevance").containsExactlyInAnyOrderElementsOf(expected.stream().map(Product::id).toList())))
                      .mapEmpty();
                  }
                  chain = chain.compose(v -> catalog.search(params))
                    .map(page -> {
                      ctx.verify(() -> assertFacets(page.getJsonObject("facets"), expected, params.encode()));
                      checked[0]++;
                      return null;
                    });
                }
              }
            }
          }
        }
        return chain;
      })
      .map(v -> ctx.verify(() -> assertThat(checked[0]).isEqualTo(64)))
      .onComplete(ctx.succeedingThenComplete());
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
  void pagingNeitherRepeatsNorSkipsAProductWhileOthersChange(VertxTestContext ctx) {
    String seller = CatalogFixture.newUser();
    List<String> movers = new ArrayList<>();
    List<Supplier<Future<String>>> creations = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      int n = i;
      creations.add(() -> catalog.newProduct(seller, "Держатель подвижный " + n, "", "Zeta", 112, 500_00 + n * 3_000_00L)
        .map(created -> created.getString("id")));
    }
    Set<String> untouched = new HashSet<>();
    Random random = new Random(3);
    Future<Void> chain = InOrder.run(creations)
      .compose(created -> {
        movers.addAll(created);
        return catalog.searchAll(new JsonObject().put("category", "11").put("limit", "100"));
      })
      .map(found -> {
        found.forEach(o -> untouched.add(o.getString("id")));
        untouched.removeAll(movers);
        return null;
      });
    for (String sort : List.of("price_asc", "price_desc", "popular", "new")) {
      chain = chain.compose(v -> pageWhileChanging(sort, seller, movers, random, null, new ArrayList<>(), new int[] {0}))
        .map(seen -> ctx.verify(() -> {
          List<String> untouchedSeen = seen.stream().filter(untouched::contains).toList();
          assertThat(untouchedSeen).as(sort).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(untouched);
        }))
        .mapEmpty();
    }
    chain.onComplete(ctx.succeedingThenComplete());
  }

  /** Pages through category 11 in {@code sort}; between pages movers are repriced anywhere, new products arrive, stock changes. */
  private Future<List<String>> pageWhileChanging(String sort, String seller, List<String> movers, Random random, String cursor,
                                                 List<String> seen, int[] page) {
    JsonObject params = new JsonObject().put("category", "11").put("sort", sort).put("limit", "17");
    if (cursor != null) {
      params.put("cursor", cursor);
    }
    return catalog.search(params).compose(result -> {
      result.getJsonArray("items").forEach(o -> seen.add(((JsonObject) o).getString("id")));
      String next = result.getString("next_cursor");
      String mover = movers.get(random.nextInt(movers.size()));
      long price = 100_00L + random.nextInt(60_000) * 100L;
      int popularity = random.nextInt(50);
      return catalog.execute("UPDATE catalog.products SET price_amount = $1, popularity = $2 WHERE id = $3", price, popularity, UUID.fromString(mover))
        .compose(v -> catalog.newProduct(seller, "Держатель новый " + sort + page[0]++, "", "Zeta", 111, 100_00L + random.nextInt(60_000) * 100L))
        .compose(v -> catalog.indexed())
        .compose(v -> next == null ? Future.succeededFuture(seen) : pageWhileChanging(sort, seller, movers, random, next, seen, page));
    });
  }

  @Test
  void changesAreSearchableAtOnceHereAndStockChangesSoonAfter(Vertx vertx, VertxTestContext ctx) {
    String seller = CatalogFixture.newUser();
    JsonObject query = new JsonObject().put("q", "quokkafresh");
    catalog.newProduct(seller, "Термокружка quokkafresh", "", "Omega", 311, 1_500_00).map(created -> created.getString("id"))
      .compose(id -> {
        JsonObject change = new JsonObject().put("id", id).put("product", new JsonObject().put("title", "Термокружка quokkafresh")
          .put("brand", "Omega").put("category_id", 311).put("price", new JsonObject().put("amount", 1_234_00).put("currency", "RUB")));
        long[] before = {0};
        // read your writes: the reply comes once this instance's index has the product
        return catalog.search(query)
          .map(found -> ctx.verify(() -> assertThat(found.getJsonArray("items")).hasSize(1)))
          .compose(v -> card(catalog, id))
          .map(card -> ctx.verify(() -> assertThat(card.getJsonObject("price").getLong("amount")).isEqualTo(1_500_00L)))
          .compose(v -> catalog.ask(CatalogAddresses.UPDATE, change, seller, "seller"))
          .compose(v -> catalog.search(query))
          .map(found -> ctx.verify(() -> assertThat(found.getJsonArray("items").getJsonObject(0)
            .getJsonObject("price").getLong("amount")).isEqualTo(1_234_00L)))
          .compose(v -> card(catalog, id))
          .map(card -> ctx.verify(() -> assertThat(card.getJsonObject("price").getLong("amount")).isEqualTo(1_234_00L)))
          // catalog's copy of stock changes under the index (as the inventory.events consumer does it);
          // how soon it shows is measured by scripts/bench-search.sh, not asserted here: both within 10 s of the change
          .compose(v -> {
            before[0] = System.nanoTime();
            return catalog.execute("UPDATE catalog.products SET available = 9 WHERE id = $1", UUID.fromString(id));
          })
          .compose(v -> Eventually.until(vertx, "stock becomes searchable", 10_000,
            () -> catalog.search(query.copy().put("in_stock", "true")).map(found -> !found.getJsonArray("items").isEmpty())))
          .compose(v -> Eventually.until(vertx, "stock reaches the card", Math.max(0, 10_000 - (System.nanoTime() - before[0]) / 1_000_000),
            () -> card(catalog, id).map(card -> card.getInteger("available") == 9)))
          .compose(v -> catalog.ask(CatalogAddresses.DELETE, new JsonObject().put("id", id), seller, "seller"))
          .compose(v -> catalog.search(query))
          .map(found -> ctx.verify(() -> assertThat(found.getJsonArray("items")).isEmpty()))
          .compose(v -> catalog.refusal(CatalogAddresses.GET, new JsonObject().put("id", id), null, null))
          .map(gone -> ctx.verify(() -> assertThat(gone.code()).isEqualTo(ErrorCode.NOT_FOUND)));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void twoInstancesAnswerAlikeAndAcceptEachOthersCursors(Vertx vertx, VertxTestContext ctx) throws Exception {
    JsonObject otherConfig = catalog.config.copy();
    Path otherDir = Files.createTempDirectory("search-index-other-");
    otherConfig.getJsonObject("catalog").put("index_dir", otherDir.toString());
    List<JsonObject> queries = List.of(new JsonObject().put("q", "чехол").put("limit", "10"),
      new JsonObject().put("category", "1").put("sort", "price_desc").put("limit", "25"),
      new JsonObject().put("brand", "Gamma").put("in_stock", "true").put("sort", "new"),
      new JsonObject().put("q", "кабель модель").put("price_max", "2000000"));
    otherNode = Vertx.vertx();
    CatalogFixture.on(otherNode, otherConfig).compose(other -> catalog.indexed()
        .compose(v -> other.indexed())
        .compose(v -> {
          Future<Void> chain = Future.succeededFuture();
          for (JsonObject params : queries) {
            chain = chain.compose(v2 -> catalog.search(params)).compose(here -> other.search(params).compose(there -> {
              ctx.verify(() -> {
                assertThat(ids(there)).as(params.encode()).isEqualTo(ids(here));
                assertThat(there.getJsonObject("facets")).as(params.encode()).isEqualTo(here.getJsonObject("facets"));
              });
              if (here.getString("next_cursor") == null) {
                return Future.succeededFuture();
              }
              JsonObject next = params.copy().put("cursor", here.getString("next_cursor"));
              return other.search(next).compose(otherSecond -> catalog.search(next).map(hereSecond -> ctx.verify(() ->
                assertThat(ids(otherSecond)).as(params.encode() + " page 2").isEqualTo(ids(hereSecond))))).mapEmpty();
            }));
          }
          return chain;
        })
        .compose(v -> followsTheOtherInstance(vertx, other))
        .eventually(other::close))
      .eventually(() -> CatalogFixture.deleteIndex(vertx, otherDir))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** A seller's change through one instance reaches the other's search and cards through its own feed. */
  private Future<Void> followsTheOtherInstance(Vertx vertx, CatalogFixture other) {
    String seller = CatalogFixture.newUser();
    JsonObject query = new JsonObject().put("q", "numbatflask");
    return catalog.newProduct(seller, "Фляга numbatflask", "", "Omega", 53, 700_00).map(created -> created.getString("id"))
      .compose(id -> {
        JsonObject change = new JsonObject().put("id", id).put("product", new JsonObject().put("title", "Фляга numbatflask")
          .put("brand", "Omega").put("category_id", 53).put("price", new JsonObject().put("amount", 650_00).put("currency", "RUB")));
        return eventually(vertx, "the other instance finds the new product", () -> other.search(query).map(found -> prices(found).equals(List.of(700_00L))))
          .compose(v -> eventually(vertx, "the other instance's card",
            () -> card(other, id).map(card -> card.getJsonObject("price").getLong("amount") == 700_00L)))
          .compose(v -> catalog.ask(CatalogAddresses.UPDATE, change, seller, "seller"))
          .compose(v -> eventually(vertx, "the other instance finds the new price",
            () -> other.search(query).map(found -> prices(found).equals(List.of(650_00L)))))
          .compose(v -> eventually(vertx, "the other instance's card shows the new price",
            () -> card(other, id).map(card -> card.getJsonObject("price").getLong("amount") == 650_00L)))
          // stock lands in the table (as the inventory.events consumer of either instance writes it)
          .compose(v -> catalog.execute("UPDATE catalog.products SET available = 6 WHERE id = $1", UUID.fromString(id)))
          .compose(v -> eventually(vertx, "the other instance shows the stock", () -> other.search(query.copy().put("in_stock", "true"))
            .compose(found -> card(other, id).map(card -> found.getJsonArray("items").size() == 1 && card.getInteger("available") == 6))))
          .compose(v -> catalog.ask(CatalogAddresses.DELETE, new JsonObject().put("id", id), seller, "seller"))
          .compose(v -> eventually(vertx, "the other instance forgets the deleted product",
            () -> other.search(query).map(found -> found.getJsonArray("items").isEmpty())))
          .compose(v -> eventually(vertx, "the other instance's card of the deleted product is gone",
            () -> other.refusal(CatalogAddresses.GET, new JsonObject().put("id", id), null, null).map(gone -> gone.code() == ErrorCode.NOT_FOUND)));
      });
  }

  /** Up to 10 s for {@code check}; how soon is measured by scripts/bench-search.sh, not asserted here. */
  private static Future<Void> eventually(Vertx vertx, String what, Supplier<Future<Boolean>> check) {
    return Eventually.until(vertx, what, 10_000, check);
  }

  private static Future<JsonObject> card(CatalogFixture instance, String id) {
    return instance.ask(CatalogAddresses.GET, new JsonObject().put("id", id), null, null);
  }

  private static List<Long> prices(JsonObject page) {
    List<Long> prices = new ArrayList<>();
    page.getJsonArray("items").forEach(o -> prices.add(((JsonObject) o).getJsonObject("price").getLong("amount")));
    return prices;
  }

  @Test
  void aRebuildRunsWhileSearchesGoOnAndTakesOver(Vertx vertx, VertxTestContext ctx) {
    JsonObject params = new JsonObject().put("category", "1").put("sort", "price_asc").put("limit", "50");
    String seller = CatalogFixture.newUser();
    catalog.search(params).map(SearchIndexTest::ids).compose(before -> catalog.indexStatus().map(status -> status.getLong("generation"))
        .compose(generation -> SearchReindex.request(catalog.sql).compose(requested -> {
          ctx.verify(() -> assertThat(requested).isGreaterThan(generation));
          // changes while the new index is built: in its scan or in its feed, either way in the index that takes over
          return catalog.newProduct(seller, "Фляга rebuildcheck", "", "Omega", 53, 800_00).map(created -> created.getString("id"))
            .compose(added -> catalog.execute("UPDATE catalog.products SET price_amount = 810000, available = 3 WHERE id = $1", UUID.fromString(added))
              .compose(v -> whileRebuilding(vertx, params, before, requested, System.currentTimeMillis() + 20_000, false))
              .compose(sawRebuilding -> catalog.indexStatus().map(status -> ctx.verify(() ->
                assertThat(sawRebuilding || status.containsKey("last_build_ms")).isTrue())))
              .compose(v -> catalog.search(params))
              .map(page -> ctx.verify(() -> assertThat(ids(page)).isEqualTo(before)))
              .compose(v -> catalog.indexed())
              .compose(v -> catalog.search(new JsonObject().put("q", "rebuildcheck").put("in_stock", "true")))
              .map(rebuilt -> ctx.verify(() -> {
                assertThat(ids(rebuilt)).containsExactly(added);
                assertThat(prices(rebuilt)).containsExactly(8_100_00L);
              })))
            .compose(v -> vertx.executeBlocking(() -> {
              try (var dirs = Files.list(indexDir)) {
                return dirs.map(p -> p.getFileName().toString()).toList();
              }
            }))
            .map(dirs -> ctx.verify(() -> assertThat(dirs).contains(Long.toString(requested))));
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  /**
   * Until the index of generation {@code requested} serves: whether a status showed "rebuilding" meanwhile. Searches never
   * fail nor change meanwhile; an assertion stops the watch at once (it fails the future as it is).
   */
  private Future<Boolean> whileRebuilding(Vertx vertx, JsonObject params, List<String> before, long requested, long deadline, boolean sawRebuilding) {
    return catalog.indexStatus().compose(status -> {
      if (status.getLong("generation") >= requested) {
        return Future.succeededFuture(sawRebuilding);
      }
      return catalog.indexStatus().compose(again -> catalog.search(params).map(page -> {
          assertThat(ids(page)).isEqualTo(before);
          assertThat(System.currentTimeMillis()).as("rebuild finished").isLessThan(deadline);
          return sawRebuilding || "rebuilding".equals(again.getString("state"));
        }))
        .compose(saw -> vertx.timer(5).compose(t -> whileRebuilding(vertx, params, before, requested, deadline, saw)));
    });
  }

  @Test
  void suggestionsCompleteCorrectAndWeighByPopularity(VertxTestContext ctx) {
    String seller = CatalogFixture.newUser();
    Map<String, String> titles = new HashMap<>();
    List<Supplier<Future<Void>>> creations = new ArrayList<>();
    for (String[] p : new String[][] {{"Чайник электрический Kettlex", "Kettlex"}, {"Чайник заварочный", "Glassy"},
      {"Чай зеленый", "Teaco"}}) {
      creations.add(() -> catalog.newProduct(seller, p[0], "", p[1], 311, 990_00).map(created -> {
        titles.put(created.getString("id"), p[0]);
        return null;
      }));
    }
    InOrder.run(creations)
      .compose(v -> catalog.indexed())
      .compose(v -> InOrder.run(() -> suggest("чай"), () -> suggest("kettlx"), () -> suggest("смартфо"), () -> suggest("чай", "2")))
      .map(answers -> ctx.verify(() -> {
        JsonArray tea = answers.get(0).getJsonArray("suggestions");
        assertThat(tea).extracting(o -> ((JsonObject) o).getString("kind")).contains("query", "product");
        assertThat(tea).extracting(o -> ((JsonObject) o).getString("text")).contains("чайник", "чай");
        // a product suggestion names the product: its title and id
        List<JsonObject> products = tea.stream().map(o -> (JsonObject) o).filter(o -> "product".equals(o.getString("kind"))).toList();
        assertThat(products).isNotEmpty().allSatisfy(o -> assertThat(o.getString("text")).isEqualTo(titles.get(o.getString("id"))));
        // a typo in the brand's prefix
        assertThat(answers.get(1).getJsonArray("suggestions")).extracting(o -> ((JsonObject) o).getString("text")).contains("Kettlex");
        JsonArray phones = answers.get(2).getJsonArray("suggestions");
        assertThat(phones).anySatisfy(o -> {
          assertThat(((JsonObject) o).getString("kind")).isEqualTo("category");
          assertThat(((JsonObject) o).getInteger("id")).isIn(11, 111);
        });
        assertThat(answers.get(3).getJsonArray("suggestions")).hasSize(2);
      }))
      .compose(v -> catalog.refusal(CatalogAddresses.SUGGEST, new JsonObject().put("q", "чай").put("limit", "500"), null, null))
      .map(tooMany -> ctx.verify(() -> assertThat(tooMany.code()).isEqualTo(ErrorCode.VALIDATION_FAILED)))
      .compose(v -> catalog.refusal(CatalogAddresses.SUGGEST, new JsonObject(), null, null))
      .map(noQuery -> ctx.verify(() -> assertThat(noQuery.code()).isEqualTo(ErrorCode.VALIDATION_FAILED)))
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<JsonObject> suggest(String q, String... limit) {
    JsonObject body = new JsonObject().put("q", q);
    if (limit.length > 0) {
      body.put("limit", limit[0]);
    }
    return catalog.ask(CatalogAddresses.SUGGEST, body, null, null);
  }

  private static List<String> ids(JsonObject page) {
    List<String> ids = new ArrayList<>();
    page.getJsonArray("items").forEach(o -> ids.add(((JsonObject) o).getString("id")));
    return ids;
  }
}
