package dev.marketplace.catalog;

import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Relevance on a fixed Russian/English corpus: word forms, ё/е, case, typos, and title > brand > description weighting. */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class SearchRelevanceTest {
  private CatalogFixture catalog;
  private final Map<String, String> ids = new HashMap<>();

  @BeforeAll
  void setUp(Vertx vertx, VertxTestContext ctx) {
    String seller = CatalogFixture.newUser();
    CatalogFixture.deploy(vertx, config -> { }).compose(deployed -> {
      catalog = deployed;
      return InOrder.run(
        add(seller, "kettle", "Чайник электрический Bosch", "Быстро кипятит воду", "Bosch", 312),
        add(seller, "teapot", "Чайник заварочный стеклянный", "Для чая", "Glassware", 311),
        add(seller, "tree", "Ёлочная игрушка шар", "Новогоднее украшение", "Festive", 61),
        add(seller, "s24", "Samsung Galaxy S24 смартфон", "Отличная камера", "Samsung", 111),
        add(seller, "case", "Чехол для смартфона", "Силикон", "Samsung", 112),
        add(seller, "hair", "Фен Bosch", "Мощный", "Rowenta", 312),
        add(seller, "grinder", "Кофемолка ручная", "Керамические жернова", "Bosch", 312),
        add(seller, "coffee", "Кофемашина капельная", "Совместима с фильтрами Bosch", "Philips", 312),
        add(seller, "laptops", "Laptops stand aluminium", "Holds any notebook", "Ugreen", 121));
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  void tearDown(VertxTestContext ctx) {
    catalog.close().onComplete(ctx.succeedingThenComplete());
  }

  private Supplier<Future<String>> add(String seller, String key, String title, String description, String brand, int category) {
    return () -> catalog.newProduct(seller, title, description, brand, category, 1_000_00).map(created -> {
      ids.put(key, created.getString("id"));
      return key;
    });
  }

  private List<String> keys(JsonObject page) {
    Map<String, String> byId = new HashMap<>();
    ids.forEach((k, v) -> byId.put(v, k));
    List<String> keys = new ArrayList<>();
    page.getJsonArray("items").forEach(o -> keys.add(byId.getOrDefault(((JsonObject) o).getString("id"), "?")));
    return keys;
  }

  private Supplier<Future<JsonObject>> search(String q) {
    return () -> catalog.ask(CatalogAddresses.SEARCH, new JsonObject().put("q", q), null, null);
  }

  @Test
  void wordFormsCaseAndYoFindTheSameProducts(VertxTestContext ctx) {
    InOrder.run(search("чайники"), search("ЧАЙНИКА"), search("елочные игрушки"), search("ёлочная"), search("смартфонов"), search("laptop"),
        search("stands"))
      .map(pages -> ctx.verify(() -> {
        assertThat(keys(pages.get(0))).containsExactlyInAnyOrder("kettle", "teapot");
        assertThat(keys(pages.get(1))).containsExactlyInAnyOrder("kettle", "teapot");
        assertThat(keys(pages.get(2))).containsExactly("tree");
        assertThat(keys(pages.get(3))).containsExactly("tree");
        assertThat(keys(pages.get(4))).containsExactlyInAnyOrder("s24", "case");
        assertThat(keys(pages.get(5))).containsExactly("laptops");
        assertThat(keys(pages.get(6))).containsExactly("laptops");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void typosAreCorrectedFromTheIndexVocabulary(VertxTestContext ctx) {
    InOrder.run(search("чйник"), search("samsnug"), search("кофемашинна"), search("чайник samsung"))
      .map(pages -> ctx.verify(() -> {
        JsonObject kettles = pages.get(0);
        assertThat(kettles.getString("corrected_query")).isEqualTo("чайник");
        assertThat(keys(kettles)).containsExactlyInAnyOrder("kettle", "teapot");
        JsonObject samsung = pages.get(1);
        assertThat(samsung.getString("corrected_query")).isEqualTo("samsung");
        assertThat(keys(samsung)).containsExactlyInAnyOrder("s24", "case");
        assertThat(keys(pages.get(2))).containsExactly("coffee");
        // right words that match nothing together: no correction, no results
        JsonObject none = pages.get(3);
        assertThat(none.getJsonArray("items")).isEmpty();
        assertThat(none.containsKey("corrected_query")).isFalse();
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aTitleMatchOutranksABrandMatchWhichOutranksADescriptionMatch(VertxTestContext ctx) {
    // kettle: title and brand; hair dryer: title; grinder: brand; coffee machine: description
    InOrder.run(search("bosch"), search("samsung"))
      .map(pages -> ctx.verify(() -> {
        assertThat(keys(pages.get(0))).containsExactly("kettle", "hair", "grinder", "coffee");
        assertThat(keys(pages.get(1))).containsExactly("s24", "case");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }
}
