package dev.marketplace.catalog;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;

import java.io.IOException;
import java.util.List;

/**
 * {@code catalog.products.search}: parameters and cursors checked here, the search itself on the
 * search worker pool over the instance's index ({@link ProductSearch}).
 *
 * <p>When a text query finds nothing, its unknown words are replaced by the closest words of the
 * index's vocabulary and, if that changes the query, it runs again and the reply names the
 * {@code corrected_query}; if that finds nothing either and some word is in no product, the words
 * may differ by an edit or two (fuzzy). A cursor carries which of these answered, so every page answers the same way.
 */
final class SearchService {
  private final SearchIndex index;
  private final ProductSearch search;
  private final CursorCodec cursors;
  private final WorkerExecutor workers;

  SearchService(SearchIndex index, ProductSearch search, CursorCodec cursors, WorkerExecutor workers) {
    this.index = index;
    this.search = search;
    this.cursors = cursors;
    this.workers = workers;
  }

  Future<JsonObject> search(JsonObject body) {
    SearchRequest request = SearchRequest.parse(body);
    JsonObject after = null;
    if (request.cursor() != null) {
      after = cursors.decode(request.cursor(), request.fingerprint());
      if (after == null) {
        throw SearchRequest.invalid(List.of(SearchRequest.error("cursor",
          "is not a cursor this catalog issued for this query, filters and sort")));
      }
    }
    FieldDoc afterDoc = after == null ? null : afterDoc(request, after);
    String corrected = after == null ? null : after.getString("c");
    boolean fuzzy = after != null && after.getBoolean("z", false);
    boolean firstPage = after == null;
    return workers.executeBlocking(() -> index.withSearcher(searcher ->
      answer(searcher, request, corrected, fuzzy, afterDoc, firstPage)), false);
  }

  private JsonObject answer(IndexSearcher searcher, SearchRequest request, String corrected, boolean fuzzy, FieldDoc after,
                            boolean firstPage) throws IOException {
    SearchRequest effective = corrected == null ? request : request.withQuery(corrected);
    ProductSearch.Page page = search.run(searcher, effective, fuzzy, after);
    if (firstPage && request.q() != null && page.items().isEmpty()) {
      String better = search.correct(searcher.getIndexReader(), request.q());
      if (better != null) {
        ProductSearch.Page retried = search.run(searcher, request.withQuery(better), false, null);
        if (!retried.items().isEmpty()) {
          return reply(request, retried, better, false);
        }
      }
      // words that differ by an edit or two: only when a word is in no product (when every word is
      // known, the words together or the filters are what exclude everything)
      if (search.hasUnknownWord(searcher.getIndexReader(), request.q())) {
        ProductSearch.Page loose = search.run(searcher, request, true, null);
        if (!loose.items().isEmpty()) {
          return reply(request, loose, null, true);
        }
      }
    }
    return reply(request, page, corrected, fuzzy);
  }

  /** Cursors are bound to what the client asked, also when a corrected query answers it. */
  private JsonObject reply(SearchRequest request, ProductSearch.Page page, String corrected, boolean fuzzy) {
    String next = null;
    if (page.more()) {
      JsonObject key = new JsonObject().put("k", ProductSearch.keyOf(page.last())).put("i", ProductSearch.idOf(page.last()));
      if (corrected != null) {
        key.put("c", corrected);
      }
      if (fuzzy) {
        key.put("z", true);
      }
      next = cursors.encode(key, request.fingerprint());
    }
    JsonObject reply = new JsonObject().put("items", page.items()).put("facets", page.facets()).put("next_cursor", next);
    if (corrected != null) {
      reply.put("corrected_query", corrected);
    }
    return reply;
  }

  private static FieldDoc afterDoc(SearchRequest request, JsonObject after) {
    try {
      Object key = after.getValue("k");
      return ProductSearch.after(request.sort(), key instanceof JsonArray a ? a : null, after.getString("i"));
    } catch (ClassCastException | IllegalArgumentException e) {
      throw SearchRequest.invalid(List.of(SearchRequest.error("cursor", "is not a valid cursor")));
    }
  }
}
