package dev.marketplace.catalog;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.CompiledAutomaton;
import org.apache.lucene.util.automaton.LevenshteinAutomata;
import org.apache.lucene.util.automaton.Operations;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Search-as-you-type over the index itself (no second index to build or keep current): the last
 * word of the input is a prefix, matched against the index's vocabulary (title and brand words),
 * brands and category names through a Levenshtein automaton that allows one edit from 4 letters
 * and two from 7 (the first letter must be right); the words before it must be whole words.
 * Weighted by popularity: query completions by how many products contain the word, brands by
 * their number of products, products by {@code popularity}.
 *
 * <p>Reply {@code {suggestions:[{text, kind:"query"|"brand"|"category"|"product", id?}]}}: up to 4
 * query completions, 2 brands, 2 categories, then products.
 */
final class Suggestions {
  static final int MAX_LIMIT = 20;
  static final int DEFAULT_LIMIT = 10;
  private static final int MAX_TERMS_VISITED = 20_000;
  private static final int MAX_QUERIES = 4;
  private static final int MAX_BRANDS = 2;
  private static final int MAX_CATEGORIES = 2;

  private static final JsonFactory JSON = new JsonFactory();

  private final Categories categories;
  private final Analyzer words = ProductAnalyzers.words();
  /** The words of each category's Russian and English names (the categories do not change while running). */
  private final Map<Integer, List<String>> categoryWords = new LinkedHashMap<>();
  /**
   * Compiled prefix automata by prefix: compiling one costs far more than running it over the
   * vocabulary, and people type the same prefixes. Immutable and thread-safe.
   */
  private final Cache<String, CompiledAutomaton> automata = Caffeine.newBuilder().maximumSize(20_000).build();

  Suggestions(Categories categories) {
    this.categories = categories;
    for (int id : categories.ids()) {
      Set<String> names = new LinkedHashSet<>();
      names.addAll(ProductAnalyzers.terms(words, ProductDocuments.WORDS, categories.name(id)));
      names.addAll(ProductAnalyzers.terms(words, ProductDocuments.WORDS, categories.englishName(id)));
      categoryWords.put(id, List.copyOf(names));
    }
  }

  private CompiledAutomaton automaton(String prefix) {
    return automata.get(prefix, Suggestions::prefixAutomaton);
  }

  record Input(String q, int limit) {
  }

  static Input parse(JsonObject body) {
    JsonValidator v = JsonValidator.of(body).allowOnly("q", "limit");
    Object q = body.getValue("q");
    String text = null;
    if (!(q instanceof String s) || s.isBlank()) {
      v.error("q", "is required");
    } else if (s.length() > 100) {
      v.error("q", "must be at most 100 characters");
    } else {
      text = s.strip();
    }
    int limit = DEFAULT_LIMIT;
    Object l = body.getValue("limit");
    if (l != null) {
      String ls = l.toString().strip();
      if (!(l instanceof String || l instanceof Number) || !ls.matches("\\d{1,3}")
        || Integer.parseInt(ls) < 1 || Integer.parseInt(ls) > MAX_LIMIT) {
        v.error("limit", "must be between 1 and " + MAX_LIMIT);
      } else {
        limit = Integer.parseInt(ls);
      }
    }
    v.throwIfInvalid();
    return new Input(text, limit);
  }

  private record Scored(String text, double weight) {
  }

  JsonObject suggest(IndexSearcher searcher, Input input) throws IOException {
    IndexReader reader = searcher.getIndexReader();
    List<String> typed = ProductAnalyzers.terms(words, ProductDocuments.WORDS, input.q());
    JsonArray out = new JsonArray();
    if (typed.isEmpty()) {
      return new JsonObject().put("suggestions", out);
    }
    String prefix = typed.get(typed.size() - 1);
    List<String> head = typed.subList(0, typed.size() - 1);
    String headText = head.isEmpty() ? "" : String.join(" ", head) + " ";

    List<Scored> completions = terms(reader, ProductDocuments.WORDS, prefix, 10);
    List<Scored> brands = head.isEmpty()
      ? brands(reader, ProductAnalyzers.normalizeWord(input.q()))
      : List.of();
    List<Scored> cats = head.isEmpty() ? categories(reader, prefix) : List.of();

    Set<String> seen = new HashSet<>();
    int queries = 0;
    for (Scored c : completions) {
      if (queries >= Math.min(MAX_QUERIES, input.limit()) || c.text().chars().allMatch(Character::isDigit)) {
        continue;
      }
      String text = headText + c.text();
      if (seen.add("q:" + text)) {
        out.add(new JsonObject().put("text", text).put("kind", "query"));
        queries++;
      }
    }
    for (Scored b : brands.subList(0, Math.min(brands.size(), MAX_BRANDS))) {
      if (out.size() < input.limit()) {
        out.add(new JsonObject().put("text", b.text()).put("kind", "brand"));
      }
    }
    for (Scored c : cats.subList(0, Math.min(cats.size(), MAX_CATEGORIES))) {
      if (out.size() < input.limit()) {
        int id = Integer.parseInt(c.text());
        out.add(new JsonObject().put("text", categories.name(id)).put("kind", "category").put("id", id));
      }
    }
    int room = input.limit() - out.size();
    if (room > 0 && !completions.isEmpty()) {
      BooleanQuery.Builder query = new BooleanQuery.Builder();
      for (String word : head) {
        query.add(new TermQuery(new Term(ProductDocuments.WORDS, word)), Occur.FILTER);
      }
      BooleanQuery.Builder last = new BooleanQuery.Builder();
      for (Scored c : completions) {
        last.add(new TermQuery(new Term(ProductDocuments.WORDS, c.text())), Occur.SHOULD);
      }
      query.add(last.build(), Occur.FILTER);
      SortField[] id = ProductDocuments.idSort(true);
      TopFieldDocs top = searcher.search(query.build(), room,
        new Sort(new SortField(ProductDocuments.POPULARITY, SortField.Type.LONG, true), id[0], id[1]));
      int[] hits = new int[top.scoreDocs.length];
      for (int i = 0; i < hits.length; i++) {
        hits[i] = top.scoreDocs[i].doc;
      }
      for (byte[] source : ProductDocuments.sources(reader, hits)) {
        String[] idAndTitle = idAndTitle(source);
        out.add(new JsonObject().put("text", idAndTitle[1]).put("kind", "product").put("id", idAndTitle[0]));
      }
    }
    // fewer brands, categories and products than room: more completions
    for (Scored c : completions) {
      if (out.size() >= input.limit()) {
        break;
      }
      String text = headText + c.text();
      if (!c.text().chars().allMatch(Character::isDigit) && seen.add("q:" + text)) {
        out.add(new JsonObject().put("text", text).put("kind", "query"));
      }
    }
    return new JsonObject().put("suggestions", out);
  }

  /**
   * The id and title of a product's JSON, read up to them (they come first) rather than parsed
   * whole: parsing the whole product was the most expensive part of a product suggestion.
   */
  static String[] idAndTitle(byte[] json) throws IOException {
    String id = null;
    String title = null;
    try (JsonParser parser = JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("a product source that is not a JSON object");
      }
      while ((id == null || title == null) && parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("id".equals(name)) {
          id = parser.getValueAsString();
        } else if ("title".equals(name)) {
          title = parser.getValueAsString();
        } else if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
          parser.skipChildren();
        }
      }
    }
    return new String[] {id, title};
  }

  /** Terms of {@code field} that (nearly) start with {@code prefix}, best first; exact prefixes weigh ten times more. */
  private List<Scored> terms(IndexReader reader, String field, String prefix, int max) throws IOException {
    Terms terms = MultiTerms.getTerms(reader, field);
    if (terms == null) {
      return List.of();
    }
    TermsEnum matching = automaton(prefix).getTermsEnum(terms);
    List<Scored> found = new ArrayList<>();
    int visited = 0;
    for (BytesRef term = matching.next(); term != null && visited < MAX_TERMS_VISITED; term = matching.next(), visited++) {
      String text = term.utf8ToString();
      double weight = matching.docFreq() * (text.startsWith(prefix) ? 10.0 : 1.0);
      found.add(new Scored(text, weight));
    }
    found.sort(Comparator.comparingDouble(Scored::weight).reversed().thenComparing(Scored::text));
    return found.subList(0, Math.min(max, found.size()));
  }

  private List<Scored> brands(IndexReader reader, String typed) throws IOException {
    List<Scored> keys = terms(reader, ProductDocuments.BRAND_KEY, typed, MAX_BRANDS * 4);
    List<Scored> brands = new ArrayList<>();
    for (Scored key : keys) {
      int separator = key.text().indexOf(ProductDocuments.BRAND_KEY_SEPARATOR);
      // the automaton may run past the lower-case part; only the part before the separator counts
      if (separator > 0) {
        brands.add(new Scored(key.text().substring(separator + 1), key.weight()));
      }
    }
    return brands;
  }

  private List<Scored> categories(IndexReader reader, String prefix) throws IOException {
    CompiledAutomaton automaton = automaton(prefix);
    List<Scored> found = new ArrayList<>();
    categoryWords.forEach((id, names) -> {
      for (String word : names) {
        BytesRef bytes = new BytesRef(word);
        if (automaton.runAutomaton.run(bytes.bytes, bytes.offset, bytes.length)) {
          found.add(new Scored(Integer.toString(id), word.startsWith(prefix) ? 10.0 : 1.0));
          break;
        }
      }
    });
    List<Scored> weighed = new ArrayList<>();
    for (Scored match : found) {
      int products = reader.docFreq(new Term(ProductDocuments.CATEGORY, match.text()));
      if (products > 0) {
        weighed.add(new Scored(match.text(), products * match.weight()));
      }
    }
    weighed.sort(Comparator.comparingDouble(Scored::weight).reversed().thenComparing(Scored::text));
    return weighed;
  }

  /** Words that start with {@code prefix} give or take a few edits (none below 4 letters); the first letter is kept. */
  static CompiledAutomaton prefixAutomaton(String prefix) {
    int length = prefix.codePointCount(0, prefix.length());
    int edits = length >= 7 ? 2 : length >= 4 ? 1 : 0;
    Automaton start;
    if (edits == 0) {
      start = Automata.makeString(prefix);
    } else {
      int firstLength = Character.charCount(prefix.codePointAt(0));
      start = new LevenshteinAutomata(prefix.substring(firstLength), true).toAutomaton(edits, prefix.substring(0, firstLength));
    }
    Automaton prefixed = Operations.concatenate(start, Automata.makeAnyString());
    // finite=true, though the language is infinite: it only skips computing the common suffix (a
    // reverse and determinize that cost most of a compile; a prefix automaton has none). The
    // term dictionaries (block tree) intersect it without that flag; nothing here runs it
    // through AutomatonTermsEnum, which relies on it.
    return new CompiledAutomaton(prefixed, true, true, Operations.DEFAULT_DETERMINIZE_WORK_LIMIT, false);
  }
}
