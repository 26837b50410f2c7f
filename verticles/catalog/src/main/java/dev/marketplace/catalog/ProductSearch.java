package dev.marketplace.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.marketplace.catalog.SearchRequest.Sort;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.DisjunctionMaxQuery;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MultiCollectorManager;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.search.spell.DirectSpellChecker;
import org.apache.lucene.search.spell.SuggestMode;
import org.apache.lucene.search.spell.SuggestWord;
import org.apache.lucene.util.BytesRef;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One search over an index searcher (blocking): the text query, the filters, the sort with its
 * {@code searchAfter} key, the page and the facets in one pass, and "did you mean" from the index's
 * own vocabulary. Thread-safe.
 *
 * <p>Text: every word of {@code q} must match (stemmed) in title, brand, description or
 * attributes, weighted in that order ({@link ProductDocuments#TEXT_FIELDS}); the best field of a
 * word counts. The fuzzy variant lets each word differ by one or two edits (by length).
 */
final class ProductSearch {
  private static final float TIE_BREAKER = 0.1f;

  private final Categories categories;
  private final Analyzer text = ProductAnalyzers.text();
  private final Analyzer words = ProductAnalyzers.words();
  private final DirectSpellChecker spelling = new DirectSpellChecker();
  /** Facets by index reader (a refresh or a new generation makes new keys), query and filters. */
  private final Cache<FacetKey, JsonObject> facetCache = Caffeine.newBuilder().maximumSize(20_000).build();

  private record FacetKey(Object reader, String query, boolean fuzzy) {
  }

  /**
   * Items as JSON by segment and document: a document of a segment never changes (a changed
   * product is a new document elsewhere), so an entry is exact for as long as its segment lives;
   * the items of popular pages are parsed once, not on every request.
   */
  private final Cache<ItemKey, JsonObject> itemCache;

  private record ItemKey(Object segment, int doc) {
  }

  /** "Did you mean" by index reader and query: the vocabulary of one reader never changes. */
  private final Cache<CorrectionKey, String> corrections = Caffeine.newBuilder().maximumSize(10_000).build();

  private record CorrectionKey(Object reader, String q) {
  }

  /** A page: items, the sort key of the last one, whether more follow, and the facets of every match. */
  record Page(JsonArray items, FieldDoc last, boolean more, JsonObject facets) {
  }

  ProductSearch(Categories categories, long itemCacheSize) {
    this.categories = categories;
    this.itemCache = Caffeine.newBuilder().maximumSize(itemCacheSize).build();
    spelling.setMaxEdits(2);
    spelling.setMinPrefix(1);
    spelling.setMinQueryLength(3);
    spelling.setAccuracy(0.5f);
  }

  Page run(IndexSearcher searcher, SearchRequest request, boolean fuzzy, FieldDoc after) throws IOException {
    Query textQuery = null;
    if (request.q() != null) {
      textQuery = fuzzy ? fuzzyQuery(request.q()) : strictQuery(request.q());
      if (textQuery == null) {
        // only stop words: nothing can match
        return new Page(new JsonArray(), null, false, new FacetCounts(categories).toJson());
      }
    }
    BooleanQuery.Builder query = new BooleanQuery.Builder();
    query.add(textQuery == null ? new MatchAllDocsQuery() : textQuery, Occur.MUST);
    if (request.categoryId() != null) {
      query.add(new TermQuery(new Term(ProductDocuments.CATEGORY, request.categoryId().toString())), Occur.FILTER);
    }
    if (request.brand() != null) {
      query.add(new TermQuery(new Term(ProductDocuments.BRAND, request.brand())), Occur.FILTER);
    }
    if (request.priceMin() != null || request.priceMax() != null) {
      query.add(LongPoint.newRangeQuery(ProductDocuments.PRICE,
        request.priceMin() == null ? Long.MIN_VALUE : request.priceMin(),
        request.priceMax() == null ? Long.MAX_VALUE : request.priceMax()), Occur.FILTER);
    }
    if (request.inStock()) {
      query.add(new TermQuery(new Term(ProductDocuments.IN_STOCK, "1")), Occur.FILTER);
    }
    // facets of the same matches on the same reader are the same: later pages reuse the first page's
    FacetKey facetKey = new FacetKey(searcher.getIndexReader().getReaderCacheHelper().getKey(), request.facetKey(), fuzzy);
    JsonObject facets = facetCache.getIfPresent(facetKey);
    TopFieldDocs docs;
    if (facets != null) {
      // the page alone: the sort may skip blocks that cannot compete
      docs = searcher.search(query.build(), top(request, after, true));
    } else {
      // with the facets every match is visited anyway: a sort that looks for blocks to skip (a
      // points intersection whenever its weakest hit changes) would only burn CPU
      Object[] results = searcher.search(query.build(),
        new MultiCollectorManager(top(request, after, false), FacetCounts.manager(categories)));
      docs = (TopFieldDocs) results[0];
      facets = ((FacetCounts) results[1]).toJson();
      facetCache.put(facetKey, facets);
    }
    int shown = Math.min(docs.scoreDocs.length, request.limit());
    int[] hits = new int[shown];
    for (int i = 0; i < shown; i++) {
      hits[i] = docs.scoreDocs[i].doc;
    }
    JsonArray items = items(searcher.getIndexReader(), hits);
    FieldDoc last = shown == 0 ? null : (FieldDoc) docs.scoreDocs[shown - 1];
    return new Page(items, last, docs.scoreDocs.length > request.limit(), facets);
  }

  /**
   * The JSON of each hit, from the item cache or the index. Shared objects: nothing may change
   * them (replies are copied or encoded on the event bus, never changed in place).
   */
  private JsonArray items(IndexReader reader, int[] hits) throws IOException {
    List<LeafReaderContext> leaves = reader.leaves();
    JsonObject[] found = new JsonObject[hits.length];
    ItemKey[] keys = new ItemKey[hits.length];
    int misses = 0;
    for (int i = 0; i < hits.length; i++) {
      LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(hits[i], leaves));
      IndexReader.CacheHelper core = leaf.reader().getCoreCacheHelper();
      if (core == null) {
        continue;
      }
      keys[i] = new ItemKey(core.getKey(), hits[i] - leaf.docBase);
      found[i] = itemCache.getIfPresent(keys[i]);
      if (found[i] == null) {
        misses++;
      }
    }
    if (misses > 0) {
      int[] missing = new int[misses];
      int[] at = new int[misses];
      for (int i = 0, m = 0; i < hits.length; i++) {
        if (found[i] == null) {
          missing[m] = hits[i];
          at[m++] = i;
        }
      }
      byte[][] sources = ProductDocuments.sources(reader, missing);
      for (int m = 0; m < misses; m++) {
        JsonObject item = new JsonObject(Buffer.buffer(sources[m]));
        found[at[m]] = item;
        if (keys[at[m]] != null) {
          itemCache.put(keys[at[m]], item);
        }
      }
    }
    JsonArray items = new JsonArray(new ArrayList<>(hits.length));
    for (JsonObject item : found) {
      items.add(item);
    }
    return items;
  }

  private static TopFieldCollectorManager top(SearchRequest request, FieldDoc after, boolean skipping) {
    org.apache.lucene.search.Sort sort = sort(request.sort());
    if (!skipping) {
      SortField[] fields = sort.getSort().clone();
      for (int i = 0; i < fields.length; i++) {
        if (fields[i].getType() == SortField.Type.LONG) {
          SortField plain = new SortField(fields[i].getField(), SortField.Type.LONG, fields[i].getReverse());
          plain.setOptimizeSortWithIndexedData(false);
          fields[i] = plain;
        }
      }
      sort = new org.apache.lucene.search.Sort(fields);
    }
    return new TopFieldCollectorManager(sort, request.limit() + 1, after, request.limit() + 1);
  }

  /** The sort and its tie-breakers; the product id last, so every key is unique. */
  static org.apache.lucene.search.Sort sort(Sort sort) {
    SortField[] id = ProductDocuments.idSort(sort != Sort.PRICE_ASC);
    return switch (sort) {
      case RELEVANCE -> new org.apache.lucene.search.Sort(SortField.FIELD_SCORE,
        new SortField(ProductDocuments.POPULARITY, SortField.Type.LONG, true), id[0], id[1]);
      case POPULAR -> new org.apache.lucene.search.Sort(new SortField(ProductDocuments.POPULARITY, SortField.Type.LONG, true), id[0], id[1]);
      case PRICE_ASC -> new org.apache.lucene.search.Sort(new SortField(ProductDocuments.PRICE, SortField.Type.LONG, false), id[0], id[1]);
      case PRICE_DESC -> new org.apache.lucene.search.Sort(new SortField(ProductDocuments.PRICE, SortField.Type.LONG, true), id[0], id[1]);
      case NEW -> new org.apache.lucene.search.Sort(new SortField(ProductDocuments.CREATED, SortField.Type.LONG, true), id[0], id[1]);
    };
  }

  /** Every stemmed word must match in some field; {@code null} when the query has only stop words. */
  Query strictQuery(String q) {
    return allWords(q, false);
  }

  Query fuzzyQuery(String q) {
    return allWords(q, true);
  }

  private Query allWords(String q, boolean fuzzy) {
    List<String> terms = ProductAnalyzers.terms(text, ProductDocuments.TITLE, q);
    if (terms.isEmpty()) {
      return null;
    }
    BooleanQuery.Builder all = new BooleanQuery.Builder();
    for (String term : terms) {
      List<Query> perField = new ArrayList<>();
      for (Map.Entry<String, Float> field : ProductDocuments.TEXT_FIELDS.entrySet()) {
        Term t = new Term(field.getKey(), term);
        int edits = term.length() <= 3 ? 0 : term.length() <= 6 ? 1 : 2;
        Query one = fuzzy && edits > 0 ? new FuzzyQuery(t, edits, 1) : new TermQuery(t);
        perField.add(new BoostQuery(one, field.getValue()));
      }
      all.add(new DisjunctionMaxQuery(perField, TIE_BREAKER), Occur.MUST);
    }
    return all.build();
  }

  /**
   * "Did you mean": each word the index does not know replaced by the closest word of its
   * vocabulary (titles and brands, by edit distance, then frequency); {@code null} when no word
   * changes.
   */
  String correct(IndexReader reader, String q) throws IOException {
    IndexReader.CacheHelper helper = reader.getReaderCacheHelper();
    if (helper == null) {
      return correctNow(reader, q);
    }
    CorrectionKey key = new CorrectionKey(helper.getKey(), q);
    String cached = corrections.getIfPresent(key);
    if (cached == null) {
      String corrected = correctNow(reader, q);
      cached = corrected == null ? "" : corrected;
      corrections.put(key, cached);
    }
    return cached.isEmpty() ? null : cached;
  }

  private String correctNow(IndexReader reader, String q) throws IOException {
    List<String> original = ProductAnalyzers.terms(words, ProductDocuments.WORDS, q);
    List<String> corrected = new ArrayList<>();
    boolean changed = false;
    for (String word : original) {
      if (word.length() < 3 || word.chars().allMatch(Character::isDigit) || known(reader, word)) {
        corrected.add(word);
        continue;
      }
      SuggestWord[] best = spelling.suggestSimilar(new Term(ProductDocuments.WORDS, word), 1, reader,
        SuggestMode.SUGGEST_WHEN_NOT_IN_INDEX);
      if (best.length > 0) {
        corrected.add(best[0].string);
        changed = true;
      } else {
        corrected.add(word);
      }
    }
    return changed ? String.join(" ", corrected) : null;
  }

  /** Whether some word of {@code q} (other than numbers and words under 3 letters) is in no product at all. */
  boolean hasUnknownWord(IndexReader reader, String q) throws IOException {
    for (String word : ProductAnalyzers.terms(words, ProductDocuments.WORDS, q)) {
      if (word.length() >= 3 && !word.chars().allMatch(Character::isDigit) && !known(reader, word)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the word, or its stem, is in a title, brand, description or attributes. */
  private boolean known(IndexReader reader, String word) throws IOException {
    if (reader.docFreq(new Term(ProductDocuments.WORDS, word)) > 0) {
      return true;
    }
    for (String stem : ProductAnalyzers.terms(text, ProductDocuments.TITLE, word)) {
      for (String field : ProductDocuments.TEXT_FIELDS.keySet()) {
        if (reader.docFreq(new Term(field, stem)) > 0) {
          return true;
        }
      }
    }
    // a stop word: nothing to correct
    return ProductAnalyzers.terms(text, ProductDocuments.TITLE, word).isEmpty();
  }

  /** The cursor key of a hit: its sort values without the trailing id keys. */
  static JsonArray keyOf(FieldDoc doc) {
    JsonArray key = new JsonArray();
    for (int i = 0; i < doc.fields.length - 2; i++) {
      Object value = doc.fields[i];
      key.add(value instanceof Float f ? (Object) f.doubleValue() : value);
    }
    return key;
  }

  static String idOf(FieldDoc doc) {
    return ProductDocuments.id((Long) doc.fields[doc.fields.length - 2], (Long) doc.fields[doc.fields.length - 1]);
  }

  /** The {@code searchAfter} position of a cursor's key; throws IllegalArgumentException when it does not fit the sort. */
  static FieldDoc after(Sort sort, JsonArray key, String id) {
    int expected = sort == Sort.RELEVANCE ? 2 : 1;
    if (key == null || key.size() != expected || id == null) {
      throw new IllegalArgumentException("a key of the wrong shape");
    }
    Object[] fields = new Object[expected + 2];
    for (int i = 0; i < expected; i++) {
      Object value = key.getValue(i);
      if (!(value instanceof Number n)) {
        throw new IllegalArgumentException("a key that is not a number");
      }
      fields[i] = sort == Sort.RELEVANCE && i == 0 ? (Object) n.floatValue() : (Object) n.longValue();
    }
    long[] idKeys = ProductDocuments.idKeys(id);
    fields[expected] = idKeys[0];
    fields[expected + 1] = idKeys[1];
    // doc MAX_VALUE: a hit with the very same key (the same product) counts as already shown
    return new FieldDoc(Integer.MAX_VALUE, Float.NaN, fields);
  }
}
