package dev.marketplace.catalog;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

/**
 * Asks every catalog instance for a fresh search index: raises the index generation, which each
 * instance's change feed reads on its next pass (see {@link SearchIndex}). For
 * {@code marketplace.jar reindex} and operators; the catalog schema must be migrated.
 */
public final class SearchReindex {
  private static final String REQUEST_REBUILD = "UPDATE catalog.search_index SET generation = generation + 1,"
    + " requested_at = now() WHERE id = 1 RETURNING generation";

  private SearchReindex() {
  }

  /** The generation now requested. */
  public static Future<Long> request(Pool pool) {
    return pool.query(REQUEST_REBUILD).execute().map(rows -> rows.iterator().next().getLong("generation"));
  }
}
