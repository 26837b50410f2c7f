package dev.marketplace.catalog;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Past facet_row_limit matches, facets count a sample and say so; below it they are exact. */
class FacetSamplingTest {

  @Test
  void facetsOfMoreMatchesThanTheLimitAreMarkedInexact() throws Exception {
    try (CatalogFixture catalog = CatalogFixture.start(config -> config.getJsonObject("catalog").put("facet_row_limit", 3))) {
      String seller = CatalogFixture.newUser();
      for (int i = 0; i < 5; i++) {
        catalog.create(seller, "Плед номер " + i, "", i % 2 == 0 ? "Togas" : "Ikea", 33, 1_000_00 + i);
      }
      JsonObject all = catalog.search(new JsonObject().put("q", "плед")).getJsonObject("facets");
      assertThat(all.getBoolean("exact")).isFalse();
      assertThat(all.getJsonArray("category").getJsonObject(0).getLong("count")).isEqualTo(4L);
      JsonObject few = catalog.search(new JsonObject().put("q", "плед").put("brand", "Ikea")).getJsonObject("facets");
      assertThat(few.getBoolean("exact")).isTrue();
      assertThat(few.getJsonArray("brand").getJsonObject(0)).isEqualTo(new JsonObject().put("value", "Ikea").put("count", 2L));
    }
  }
}
