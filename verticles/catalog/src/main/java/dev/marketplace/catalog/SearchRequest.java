package dev.marketplace.catalog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.eventbus.ReplyException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The parameters of a search, checked one by one (every problem reported at once). Values may
 * arrive as strings (query parameters relayed by the gateway) or as JSON numbers/booleans.
 */
record SearchRequest(String q, Integer categoryId, String brand, Long priceMin, Long priceMax,
                     boolean inStock, Sort sort, int limit, String cursor) {
  static final int MAX_QUERY_CHARS = 200;
  static final int MAX_LIMIT = 100;
  static final int DEFAULT_LIMIT = 20;
  static final long MAX_PRICE = 1_000_000_000_000L;
  private static final Set<String> FIELDS = Set.of("q", "category", "brand", "price_min", "price_max", "in_stock", "sort", "limit", "cursor");

  enum Sort {
    RELEVANCE, POPULAR, PRICE_ASC, PRICE_DESC, NEW;

    String param() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static SearchRequest parse(JsonObject body) {
    List<JsonObject> errors = new ArrayList<>();
    for (String name : body.fieldNames()) {
      if (!FIELDS.contains(name)) {
        errors.add(error(name, "is not a known parameter"));
      }
    }
    String q = text(body, "q", MAX_QUERY_CHARS, errors);
    if (q != null && q.codePoints().noneMatch(Character::isLetterOrDigit)) {
      q = null; // nothing searchable in it: the same as no query
    }
    Long category = number(body, "category", 1, Integer.MAX_VALUE, errors);
    String brand = text(body, "brand", 100, errors);
    Long priceMin = number(body, "price_min", 0, MAX_PRICE, errors);
    Long priceMax = number(body, "price_max", 0, MAX_PRICE, errors);
    if (priceMin != null && priceMax != null && priceMin > priceMax) {
      errors.add(error("price_max", "must not be less than price_min"));
    }
    boolean inStock = false;
    String inStockText = text(body, "in_stock", 5, errors);
    if (inStockText != null) {
      if (!inStockText.equals("true") && !inStockText.equals("false")) {
        errors.add(error("in_stock", "must be true or false"));
      } else {
        inStock = Boolean.parseBoolean(inStockText);
      }
    }
    Sort sort = q == null ? Sort.POPULAR : Sort.RELEVANCE;
    String sortText = text(body, "sort", 20, errors);
    if (sortText != null) {
      try {
        sort = Sort.valueOf(sortText.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        errors.add(error("sort", "must be one of relevance, popular, price_asc, price_desc, new"));
      }
    }
    if (sort == Sort.RELEVANCE && q == null) {
      sort = Sort.POPULAR; // nothing to be relevant to
    }
    Long limit = number(body, "limit", 1, MAX_LIMIT, errors);
    String cursor = text(body, "cursor", CursorCodec.MAX_LENGTH, errors);
    if (!errors.isEmpty()) {
      throw invalid(errors);
    }
    return new SearchRequest(q, category == null ? null : category.intValue(), brand, priceMin, priceMax,
      inStock, sort, limit == null ? DEFAULT_LIMIT : limit.intValue(), cursor);
  }

  /** What a cursor is bound to: the query, the filters and the sort (not the limit). */
  String fingerprint() {
    return String.join("\u0001", String.valueOf(q), String.valueOf(categoryId), String.valueOf(brand),
      String.valueOf(priceMin), String.valueOf(priceMax), String.valueOf(inStock), sort.name());
  }

  /** The key of the facets: the query and the filters (not the sort or the page). */
  String facetKey() {
    return String.join("\u0001", String.valueOf(q), String.valueOf(categoryId), String.valueOf(brand),
      String.valueOf(priceMin), String.valueOf(priceMax), String.valueOf(inStock));
  }

  SearchRequest withQuery(String newQ) {
    return new SearchRequest(newQ, categoryId, brand, priceMin, priceMax, inStock, sort, limit, cursor);
  }

  static ReplyException invalid(List<JsonObject> errors) {
    return ErrorCode.VALIDATION_FAILED.failure("The search parameters are not valid.",
      new JsonObject().put("errors", new JsonArray(new ArrayList<>(errors))));
  }

  static JsonObject error(String field, String message) {
    return new JsonObject().put("field", field).put("message", message);
  }

  private static String text(JsonObject body, String field, int maxChars, List<JsonObject> errors) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (value instanceof Number || value instanceof Boolean) {
      value = value.toString();
    }
    if (!(value instanceof String s)) {
      errors.add(error(field, "must be a single value"));
      return null;
    }
    if (s.length() > maxChars) {
      errors.add(error(field, "must be at most " + maxChars + " characters"));
      return null;
    }
    String stripped = s.strip();
    return stripped.isEmpty() ? null : stripped;
  }

  private static Long number(JsonObject body, String field, long min, long max, List<JsonObject> errors) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (value instanceof JsonArray) {
      errors.add(error(field, "must be a single value"));
      return null;
    }
    long n;
    if (value instanceof Integer || value instanceof Long) {
      n = ((Number) value).longValue();
    } else if (value instanceof String s && s.strip().matches("-?\\d{1,19}")) {
      try {
        n = Long.parseLong(s.strip());
      } catch (NumberFormatException e) {
        errors.add(error(field, "must be between " + min + " and " + max));
        return null;
      }
    } else if (value instanceof String s && s.isBlank()) {
      return null;
    } else {
      errors.add(error(field, "must be an integer"));
      return null;
    }
    if (n < min || n > max) {
      errors.add(error(field, "must be between " + min + " and " + max));
      return null;
    }
    return n;
  }
}
