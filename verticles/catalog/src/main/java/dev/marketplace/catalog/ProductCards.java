package dev.marketplace.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.marketplace.platform.bus.Caller;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import java.util.function.Function;

/**
 * Product cards from memory: a product's JSON and its ETag, read from the search index's stored
 * copy and kept in a bounded cache ({@code catalog.card_cache_size}, default 100,000 cards). The
 * index's change feed invalidates a card as soon as it has applied a change to the product, so a
 * card is as fresh as search (stock at most about {@code index_poll_ms} behind the table).
 */
final class ProductCards {
  /** A card: the product as JSON bytes and a strong ETag of exactly those bytes. */
  record Card(Buffer json, String etag) {
  }

  /** A product deleted here whose deletion the index has not applied yet. */
  private static final Card GONE = new Card(Buffer.buffer(), "");

  private final SearchIndex index;
  private final WorkerExecutor workers;
  private final Function<String, Future<JsonObject>> fromDatabase;
  private final Cache<String, Card> cache;
  private final Object lock = new Object();
  private long invalidations;

  /** {@code fromDatabase}: the product from PostgreSQL ({@code null} when none), for products the index does not have yet. */
  ProductCards(SearchIndex index, WorkerExecutor workers, long maxCards, Function<String, Future<JsonObject>> fromDatabase) {
    this.index = index;
    this.workers = workers;
    this.fromDatabase = fromDatabase;
    this.cache = Caffeine.newBuilder().maximumSize(maxCards).build();
  }

  /** The card of a live product; fails NOT_FOUND for an unknown or deleted one. */
  Future<Card> card(String id) {
    Card cached = cache.getIfPresent(id);
    if (cached == GONE) {
      return Future.failedFuture(Caller.notFound());
    }
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    long seen;
    synchronized (lock) {
      seen = invalidations;
    }
    return workers.executeBlocking(() -> {
      Card card = index.withSearcher(searcher -> {
        TopDocs found = searcher.search(new TermQuery(ProductDocuments.idTerm(id)), 1);
        if (found.scoreDocs.length == 0) {
          return null;
        }
        byte[] json = ProductDocuments.sources(searcher.getIndexReader(), new int[] {found.scoreDocs[0].doc})[0];
        return new Card(Buffer.buffer(json), etag(json));
      });
      if (card != null) {
        synchronized (lock) {
          // a change applied while this card was read: the card may predate it, so it is not kept
          if (seen == invalidations) {
            cache.put(id, card);
          }
        }
      }
      return card;
    }, false).compose(card -> card != null ? Future.succeededFuture(card)
      // listed a moment ago (maybe through another instance): the table has it before the index does
      : fromDatabase.apply(id).map(product -> {
        if (product == null) {
          throw Caller.notFound();
        }
        byte[] json = product.toBuffer().getBytes();
        return new Card(Buffer.buffer(json), etag(json));
      }));
  }

  /** This instance just wrote the product: its card is the new version at once (read your writes). */
  void written(JsonObject product) {
    byte[] json = product.toBuffer().getBytes();
    synchronized (lock) {
      invalidations++;
      cache.put(product.getString("id"), new Card(Buffer.buffer(json), etag(json)));
    }
  }

  /** This instance just deleted the product: it is gone for readers here before the index applies it. */
  void deleted(String id) {
    synchronized (lock) {
      invalidations++;
      cache.put(id, GONE);
    }
  }

  /** Forgets the cards of {@code ids} ({@code null}: every card). */
  void invalidate(Set<String> ids) {
    synchronized (lock) {
      invalidations++;
      if (ids == null) {
        cache.invalidateAll();
      } else {
        cache.invalidateAll(ids);
      }
    }
  }

  static String etag(byte[] json) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(json);
      return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 12)) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
