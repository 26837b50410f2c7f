package dev.marketplace.catalog;

import dev.marketplace.catalog.SearchRequest.Sort;
import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Full-text search with filters, facets and keyset pagination over {@code catalog.products}.
 *
 * <p>Two statements per search, run side by side: the page ({@code limit + 1} rows in the sort
 * order, after the cursor's key) and the facets (one scan, {@code GROUPING SETS} by brand and by
 * category; over at most {@code facetRowLimit} matches, beyond which they are a sample and say
 * so with {@code exact:false}). The SQL is assembled from constant fragments only; every value is a {@code $n}
 * parameter. Facets of the same query and filters are reused for {@code facetCacheMs} (deep pages
 * and popular queries pay for them once).
 */
final class SearchService {
  static final int MAX_BRAND_FACETS = 30;
  private static final String QUERY_CANCELED = "57014";
  private static final String TS_QUERY = "websearch_to_tsquery('russian', $%d)";

  private final Pool pool;
  private final CursorCodec cursors;
  private final Categories categories;
  private final long facetCacheMs;
  private final int facetRowLimit;
  private final Map<String, CachedFacets> facetCache = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, CachedFacets> eldest) {
      return size() > 1000;
    }
  };

  private record CachedFacets(JsonObject facets, long expiresAtMs) {
  }

  SearchService(Pool pool, CursorCodec cursors, Categories categories, long facetCacheMs, int facetRowLimit) {
    this.pool = pool;
    this.facetRowLimit = facetRowLimit;
    this.cursors = cursors;
    this.categories = categories;
    this.facetCacheMs = facetCacheMs;
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
    // a cursor issued after a typo correction carries the corrected query on
    String corrected = after == null ? null : after.getString("c");
    SearchRequest effective = corrected == null ? request : request.withQuery(corrected);
    Object[] afterKey = after == null ? null : cursorKey(request.sort(), after);
    // cursors are bound to what the client asked, also when a corrected query answers it
    String fingerprint = request.fingerprint();
    Future<JsonObject> firstTry = run(effective, afterKey, corrected, fingerprint);
    if (request.q() == null || after != null) {
      return firstTry;
    }
    return firstTry.compose(result -> result.getJsonArray("items").isEmpty()
      ? correct(request.q()).compose(better -> better == null
        ? Future.succeededFuture(result)
        : run(request.withQuery(better), null, better, fingerprint))
      : Future.succeededFuture(result));
  }

  private Future<JsonObject> run(SearchRequest request, Object[] afterKey, String corrected, String fingerprint) {
    Future<List<Row>> page = page(request, afterKey);
    Future<JsonObject> facets = facets(request);
    return Future.all(page, facets).map(done -> {
      List<Row> rows = page.result();
      JsonArray items = new JsonArray();
      for (int i = 0; i < Math.min(rows.size(), request.limit()); i++) {
        items.add(ProductJson.from(rows.get(i)));
      }
      String next = null;
      if (rows.size() > request.limit()) {
        Row last = rows.get(request.limit() - 1);
        JsonObject key = new JsonObject().put("k", keyOf(request.sort(), last)).put("i", last.getUUID("id").toString());
        if (corrected != null) {
          key.put("c", corrected);
        }
        next = cursors.encode(key, fingerprint);
      }
      JsonObject reply = new JsonObject().put("items", items).put("facets", facets.result()).put("next_cursor", next);
      if (corrected != null) {
        reply.put("corrected_query", corrected);
      }
      return reply;
    });
  }

  private Future<List<Row>> page(SearchRequest request, Object[] afterKey) {
    List<Object> params = new ArrayList<>();
    // browsing a category without a text query: one ordered index range per (sub)category, merged
    boolean perCategory = request.q() == null && request.categoryId() != null;
    StringBuilder where = conditions(request, params, !perCategory);
    String key = sortKey(request, params);
    boolean descending = request.sort() != Sort.PRICE_ASC;
    String direction = descending ? " DESC" : " ASC";
    if (afterKey != null) {
      params.add(afterKey[0]);
      params.add(afterKey[1]);
      where.append(" AND (").append(key).append(", p.id) ").append(descending ? "<" : ">")
        .append(" ($").append(params.size() - 1).append(", $").append(params.size()).append(")");
    }
    params.add(request.limit() + 1);
    String limit = " LIMIT $" + params.size();
    String matches;
    if (perCategory) {
      params.add(categories.subtree(request.categoryId()));
      matches = "SELECT x.id, x.sort_key FROM unnest($" + params.size() + "::int[]) AS cat(id) CROSS JOIN LATERAL ("
        + "SELECT p.id, " + key + " AS sort_key FROM catalog.products p WHERE p.category_id = cat.id AND " + where
        + " ORDER BY sort_key" + direction + ", p.id" + direction + limit + ") x";
    } else {
      matches = "SELECT p.id, " + key + " AS sort_key FROM catalog.products p WHERE " + where;
      if (request.q() != null || request.brand() != null) {
        // a text query or a brand is selective: find the matches through their indexes first, then
        // sort them (OFFSET 0 keeps the planner from walking a sort index and filtering row by row,
        // which reads the whole table when few or no rows match)
        matches = "SELECT f.id, f.sort_key FROM (" + matches + " OFFSET 0) f";
      }
    }
    // the inner query finds the page with narrow rows (id and key); only the page's rows are then
    // read whole and joined with their category
    String sql = "SELECT " + ProductJson.COLUMNS + ", s.sort_key FROM ("
      + matches + " ORDER BY sort_key" + direction + ", id" + direction + limit
      + ") s JOIN catalog.products p ON p.id = s.id JOIN catalog.categories c ON c.id = p.category_id"
      + " ORDER BY s.sort_key" + direction + ", s.id" + direction;
    return pool.preparedQuery(sql).execute(Tuple.from(params)).map(SearchService::rows).recover(SearchService::tooSlow);
  }

  /** A search the statement timeout cut short is the client's to narrow down, not an internal error. */
  private static <T> Future<T> tooSlow(Throwable err) {
    if (err instanceof PgException pg && QUERY_CANCELED.equals(pg.getSqlState())) {
      return Future.failedFuture(ErrorCode.TIMEOUT.failure("The search took too long; add filters or a more specific query."));
    }
    return Future.failedFuture(err);
  }

  private Future<JsonObject> facets(SearchRequest request) {
    String cacheKey = request.facetKey();
    long now = System.currentTimeMillis();
    if (facetCacheMs > 0) {
      CachedFacets cached = facetCache.get(cacheKey);
      if (cached != null && cached.expiresAtMs() > now) {
        return Future.succeededFuture(cached.facets());
      }
    }
    List<Object> params = new ArrayList<>();
    String where = conditions(request, params, true).toString();
    String sql;
    if (facetRowLimit > 0) {
      // counting stops after facetRowLimit + 1 matches: past that the counts describe a sample
      params.add(facetRowLimit + 1);
      sql = "SELECT s.brand, s.category_id, count(*) AS n FROM (SELECT p.brand, p.category_id FROM catalog.products p WHERE "
        + where + " LIMIT $" + params.size() + ") s GROUP BY GROUPING SETS ((s.brand), (s.category_id))";
    } else {
      sql = "SELECT p.brand, p.category_id, count(*) AS n FROM catalog.products p WHERE " + where
        + " GROUP BY GROUPING SETS ((p.brand), (p.category_id))";
    }
    return pool.preparedQuery(sql).execute(Tuple.from(params)).recover(SearchService::tooSlow).map(rowSet -> {
      List<JsonObject> brands = new ArrayList<>();
      List<JsonObject> cats = new ArrayList<>();
      long counted = 0;
      for (Row row : rowSet) {
        long count = row.getLong("n");
        if (row.getString("brand") != null) {
          brands.add(new JsonObject().put("value", row.getString("brand")).put("count", count));
        } else if (row.getInteger("category_id") != null) {
          int id = row.getInteger("category_id");
          cats.add(new JsonObject().put("value", id).put("name", categories.name(id)).put("count", count));
          counted += count;
        }
      }
      Comparator<JsonObject> byCount = Comparator.<JsonObject>comparingLong(o -> o.getLong("count")).reversed()
        .thenComparing(o -> String.valueOf(o.getValue("value")));
      brands.sort(byCount);
      cats.sort(byCount);
      JsonObject facets = new JsonObject()
        .put("brand", new JsonArray(new ArrayList<>(brands.subList(0, Math.min(brands.size(), MAX_BRAND_FACETS)))))
        .put("category", new JsonArray(new ArrayList<>(cats)))
        .put("exact", facetRowLimit <= 0 || counted <= facetRowLimit);
      if (facetCacheMs > 0) {
        facetCache.put(cacheKey, new CachedFacets(facets, System.currentTimeMillis() + facetCacheMs));
      }
      return facets;
    });
  }

  /** The WHERE clause of the query and the filters; appends their values to {@code params}. */
  private StringBuilder conditions(SearchRequest request, List<Object> params, boolean withCategory) {
    StringBuilder where = new StringBuilder("p.deleted_at IS NULL");
    if (request.q() != null) {
      params.add(request.q());
      where.append(" AND p.search @@ ").append(String.format(Locale.ROOT, TS_QUERY, params.size()));
    }
    if (withCategory && request.categoryId() != null) {
      // the category and its subcategories as a list of ids, so that PostgreSQL can combine the
      // category index with the text index (BitmapAnd) instead of filtering every text match
      params.add(categories.subtree(request.categoryId()));
      where.append(" AND p.category_id = ANY($").append(params.size()).append("::int[])");
    }
    if (request.brand() != null) {
      params.add(request.brand());
      where.append(" AND p.brand = $").append(params.size());
    }
    if (request.priceMin() != null) {
      params.add(request.priceMin());
      where.append(" AND p.price_amount >= $").append(params.size());
    }
    if (request.priceMax() != null) {
      params.add(request.priceMax());
      where.append(" AND p.price_amount <= $").append(params.size());
    }
    if (request.inStock()) {
      where.append(" AND p.available > 0");
    }
    return where;
  }

  /** The sort key expression; the relevance one reuses the query's parameter. */
  private String sortKey(SearchRequest request, List<Object> params) {
    return switch (request.sort()) {
      // q is always the first parameter when present
      case RELEVANCE -> "ts_rank(p.search, " + String.format(Locale.ROOT, TS_QUERY, 1) + ")::float8";
      case POPULAR -> "p.popularity";
      case PRICE_ASC, PRICE_DESC -> "p.price_amount";
      case NEW -> "p.created_at";
    };
  }

  private static Object keyOf(Sort sort, Row row) {
    return switch (sort) {
      case RELEVANCE -> row.getDouble("sort_key");
      case POPULAR -> row.getInteger("sort_key");
      case PRICE_ASC, PRICE_DESC -> row.getLong("sort_key");
      case NEW -> row.getOffsetDateTime("sort_key").toString();
    };
  }

  private static Object[] cursorKey(Sort sort, JsonObject after) {
    try {
      Object key = switch (sort) {
        case RELEVANCE -> after.getDouble("k");
        case POPULAR -> after.getInteger("k");
        case PRICE_ASC, PRICE_DESC -> after.getLong("k");
        case NEW -> OffsetDateTime.parse(after.getString("k"));
      };
      UUID id = UUID.fromString(after.getString("i"));
      if (key == null) {
        throw new IllegalArgumentException("no key");
      }
      return new Object[] {key, id};
    } catch (ClassCastException | IllegalArgumentException | NullPointerException | DateTimeParseException e) {
      throw SearchRequest.invalid(List.of(SearchRequest.error("cursor", "is not a valid cursor")));
    }
  }

  /**
   * Each word of the query replaced by the closest word of titles and brands (trigram
   * similarity); {@code null} when that changes nothing.
   */
  private Future<String> correct(String q) {
    List<String> words = new ArrayList<>();
    for (String word : q.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!word.isEmpty()) {
        words.add(word);
      }
    }
    if (words.isEmpty()) {
      return Future.succeededFuture(null);
    }
    String sql = "SELECT t.ord, (SELECT w.word FROM catalog.search_words w WHERE w.word % t.word"
      + " ORDER BY w.word <-> t.word, w.word LIMIT 1) AS best"
      + " FROM unnest($1::text[]) WITH ORDINALITY AS t(word, ord) ORDER BY t.ord";
    return pool.preparedQuery(sql).execute(Tuple.of(words.toArray(new String[0]))).map(rowSet -> {
      List<String> corrected = new ArrayList<>();
      boolean changed = false;
      int i = 0;
      for (Row row : rowSet) {
        String best = row.getString("best");
        String original = words.get(i++);
        if (best != null && !best.equals(original)) {
          changed = true;
          corrected.add(best);
        } else {
          corrected.add(original);
        }
      }
      return changed ? String.join(" ", corrected) : null;
    });
  }

  private static List<Row> rows(RowSet<Row> rowSet) {
    List<Row> rows = new ArrayList<>(rowSet.size());
    rowSet.forEach(rows::add);
    return rows;
  }
}
