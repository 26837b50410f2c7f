package dev.marketplace.catalog;

import org.apache.lucene.search.similarities.BasicStats;
import org.apache.lucene.search.similarities.SimilarityBase;

/**
 * Relevance that depends on the product alone: BM25's term-frequency saturation and length
 * normalisation against a fixed average length, without the index-wide statistics (idf, average
 * field length) that differ between instances with different merge histories and deleted
 * documents. Every catalog instance then scores a product the same, so pages and relevance
 * cursors agree across nodes. Field weights come from the query's boosts; every word must match
 * anyway, so idf would mostly reorder equally good matches.
 */
final class ProductSimilarity extends SimilarityBase {
  private static final double K1 = 1.2;
  private static final double B = 0.5;
  /** Typical words per field of a product (a title has six or seven). */
  private static final double TYPICAL_LENGTH = 8;

  @Override
  protected double score(BasicStats stats, double freq, double docLen) {
    double norm = K1 * (1 - B + B * docLen / TYPICAL_LENGTH);
    return stats.getBoost() * freq * (K1 + 1) / (freq + norm);
  }

  @Override
  public String toString() {
    return "ProductSimilarity";
  }
}
