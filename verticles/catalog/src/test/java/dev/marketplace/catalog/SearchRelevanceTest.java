package dev.marketplace.catalog;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Relevance on a fixed Russian/English corpus: word forms, ё/е, case, typos, and title > brand > description weighting. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SearchRelevanceTest {
  private CatalogFixture catalog;
  private final Map<String, String> ids = new HashMap<>();

  @BeforeAll
  void setUp() throws Exception {
    catalog = CatalogFixture.start(config -> { });
    String seller = CatalogFixture.newUser();
    add(seller, "kettle", "Чайник электрический Bosch", "Быстро кипятит воду", "Bosch", 312);
    add(seller, "teapot", "Чайник заварочный стеклянный", "Для чая", "Glassware", 311);
    add(seller, "tree", "Ёлочная игрушка шар", "Новогоднее украшение", "Festive", 61);
    add(seller, "s24", "Samsung Galaxy S24 смартфон", "Отличная камера", "Samsung", 111);
    add(seller, "case", "Чехол для смартфона", "Силикон", "Samsung", 112);
    add(seller, "hair", "Фен Bosch", "Мощный", "Rowenta", 312);
    add(seller, "grinder", "Кофемолка ручная", "Керамические жернова", "Bosch", 312);
    add(seller, "coffee", "Кофемашина капельная", "Совместима с фильтрами Bosch", "Philips", 312);
    add(seller, "laptops", "Laptops stand aluminium", "Holds any notebook", "Ugreen", 121);
  }

  @AfterAll
  void tearDown() throws Exception {
    catalog.close();
  }

  private void add(String seller, String key, String title, String description, String brand, int category) throws Exception {
    ids.put(key, catalog.create(seller, title, description, brand, category, 1_000_00).getString("id"));
  }

  private List<String> keys(JsonObject page) {
    Map<String, String> byId = new HashMap<>();
    ids.forEach((k, v) -> byId.put(v, k));
    List<String> keys = new ArrayList<>();
    page.getJsonArray("items").forEach(o -> keys.add(byId.getOrDefault(((JsonObject) o).getString("id"), "?")));
    return keys;
  }

  private JsonObject search(String q) throws Exception {
    return catalog.search(new JsonObject().put("q", q));
  }

  @Test
  void wordFormsCaseAndYoFindTheSameProducts() throws Exception {
    assertThat(keys(search("чайники"))).containsExactlyInAnyOrder("kettle", "teapot");
    assertThat(keys(search("ЧАЙНИКА"))).containsExactlyInAnyOrder("kettle", "teapot");
    assertThat(keys(search("елочные игрушки"))).containsExactly("tree");
    assertThat(keys(search("ёлочная"))).containsExactly("tree");
    assertThat(keys(search("смартфонов"))).containsExactlyInAnyOrder("s24", "case");
    assertThat(keys(search("laptop"))).containsExactly("laptops");
    assertThat(keys(search("stands"))).containsExactly("laptops");
  }

  @Test
  void typosAreCorrectedFromTheIndexVocabulary() throws Exception {
    JsonObject kettles = search("чйник");
    assertThat(kettles.getString("corrected_query")).isEqualTo("чайник");
    assertThat(keys(kettles)).containsExactlyInAnyOrder("kettle", "teapot");
    JsonObject samsung = search("samsnug");
    assertThat(samsung.getString("corrected_query")).isEqualTo("samsung");
    assertThat(keys(samsung)).containsExactlyInAnyOrder("s24", "case");
    assertThat(keys(search("кофемашинна"))).containsExactly("coffee");
    // right words that match nothing together: no correction, no results
    JsonObject none = search("чайник samsung");
    assertThat(none.getJsonArray("items")).isEmpty();
    assertThat(none.containsKey("corrected_query")).isFalse();
  }

  @Test
  void aTitleMatchOutranksABrandMatchWhichOutranksADescriptionMatch() throws Exception {
    // kettle: title and brand; hair dryer: title; grinder: brand; coffee machine: description
    assertThat(keys(search("bosch"))).containsExactly("kettle", "hair", "grinder", "coffee");
    assertThat(keys(search("samsung"))).containsExactly("s24", "case");
  }
}
