package dev.marketplace.catalog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.Collector;
import org.apache.lucene.search.CollectorManager;
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreMode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Exact facet counts of every match, in the same pass that finds the page: brand (per-segment
 * ordinals of the brand doc values, merged by name at the end), category (by id) and price
 * ranges. One collector per search; not thread-safe.
 */
final class FacetCounts implements Collector {
  static final int MAX_BRANDS = 30;
  /** Price range bounds in minor units (kopecks): under 1,000 ₽, 1,000–5,000 ₽, ... */
  static final long[] PRICE_BOUNDS = {1_000_00L, 5_000_00L, 20_000_00L, 50_000_00L};

  private final Categories categories;
  private final Map<Integer, long[]> categoryCounts = new HashMap<>();
  private final long[] priceCounts = new long[PRICE_BOUNDS.length + 1];
  private final List<SegmentBrands> segments = new ArrayList<>();

  private record SegmentBrands(SortedDocValues values, int[] counts) {
  }

  FacetCounts(Categories categories) {
    this.categories = categories;
  }

  static CollectorManager<FacetCounts, FacetCounts> manager(Categories categories) {
    return new CollectorManager<>() {
      @Override
      public FacetCounts newCollector() {
        return new FacetCounts(categories);
      }

      @Override
      public FacetCounts reduce(Collection<FacetCounts> collectors) {
        // searches run on one thread (no executor): one collector
        return collectors.iterator().next();
      }
    };
  }

  @Override
  public LeafCollector getLeafCollector(LeafReaderContext context) throws IOException {
    SortedDocValues brands = DocValues.getSorted(context.reader(), ProductDocuments.BRAND);
    NumericDocValues category = DocValues.getNumeric(context.reader(), ProductDocuments.CATEGORY_ID);
    NumericDocValues price = DocValues.getNumeric(context.reader(), ProductDocuments.PRICE);
    int[] brandCounts = new int[brands.getValueCount()];
    segments.add(new SegmentBrands(brands, brandCounts));
    return new LeafCollector() {
      private int lastCategory = -1;
      private long[] lastCategoryCount;

      @Override
      public void setScorer(Scorable scorer) {
      }

      @Override
      public void collect(int doc) throws IOException {
        if (brands.advanceExact(doc)) {
          brandCounts[brands.ordValue()]++;
        }
        if (category.advanceExact(doc)) {
          int id = (int) category.longValue();
          if (id != lastCategory) {
            lastCategory = id;
            lastCategoryCount = categoryCounts.computeIfAbsent(id, k -> new long[1]);
          }
          lastCategoryCount[0]++;
        }
        if (price.advanceExact(doc)) {
          long amount = price.longValue();
          int bucket = 0;
          while (bucket < PRICE_BOUNDS.length && amount >= PRICE_BOUNDS[bucket]) {
            bucket++;
          }
          priceCounts[bucket]++;
        }
      }
    };
  }

  @Override
  public ScoreMode scoreMode() {
    return ScoreMode.COMPLETE_NO_SCORES;
  }

  /** {@code {brand:[{value, count}], category:[{value, name, count}], price:[{min, max, count}], exact:true}}. */
  JsonObject toJson() throws IOException {
    Map<String, Long> brandTotals = new HashMap<>();
    for (SegmentBrands segment : segments) {
      int[] counts = segment.counts();
      for (int ord = 0; ord < counts.length; ord++) {
        if (counts[ord] > 0) {
          brandTotals.merge(segment.values().lookupOrd(ord).utf8ToString(), (long) counts[ord], Long::sum);
        }
      }
    }
    List<JsonObject> brands = new ArrayList<>();
    brandTotals.forEach((name, count) -> brands.add(new JsonObject().put("value", name).put("count", count)));
    List<JsonObject> cats = new ArrayList<>();
    categoryCounts.forEach((id, count) -> cats.add(new JsonObject().put("value", id).put("name", categories.name(id)).put("count", count[0])));
    Comparator<JsonObject> byCount = Comparator.<JsonObject>comparingLong(o -> o.getLong("count")).reversed()
      .thenComparing(o -> String.valueOf(o.getValue("value")));
    brands.sort(byCount);
    cats.sort(byCount);
    JsonArray prices = new JsonArray();
    for (int i = 0; i < priceCounts.length; i++) {
      prices.add(new JsonObject()
        .put("min", i == 0 ? 0L : PRICE_BOUNDS[i - 1])
        .put("max", i < PRICE_BOUNDS.length ? PRICE_BOUNDS[i] : null)
        .put("count", priceCounts[i]));
    }
    return new JsonObject()
      .put("brand", new JsonArray(new ArrayList<>(brands.subList(0, Math.min(brands.size(), MAX_BRANDS)))))
      .put("category", new JsonArray(new ArrayList<>(cats)))
      .put("price", prices)
      .put("exact", true);
  }
}
