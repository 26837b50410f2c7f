package dev.marketplace.catalog;

import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Catalog's search index: a read model of {@code catalog.products} kept in a Lucene index under
 * {@code catalog.index_dir}, one per catalog instance.
 *
 * <p>How it stays current: every write to a product stamps the row with its transaction id (the
 * V4 migration's trigger). A pass, every {@code index_poll_ms} and right after this instance's own
 * changes ({@link #kick}), reads the oldest transaction still running (the horizon), then every row
 * stamped at or after the index's horizon, applies them and moves its horizon there; whatever
 * committed before the new horizon has then been seen, and rows read twice are simply written
 * again. Stock follows because {@code inventory.events} land in the same rows. The horizon is
 * committed with the index, so a restarted instance catches up on what it missed; every instance
 * reads the same rows, so all answer alike.
 *
 * <p>Builds: with no usable index on start, or when {@code catalog.search_index.generation} is
 * raised ({@code marketplace.jar reindex}), a fresh index is built from a scan of the table into a
 * directory of its own while the old one (if any) goes on serving; it then catches up and takes
 * over. Until a first index exists, searches fail SERVICE_UNAVAILABLE and {@link #ready} is false.
 * Lucene work runs on a worker pool, never on the event loop.
 */
final class SearchIndex {
  private static final Logger LOG = LoggerFactory.getLogger(SearchIndex.class);
  private static final String STATE = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon,"
    + " s.generation, s.database_id FROM catalog.search_index s WHERE s.id = 1";
  private static final String FEED_COLUMNS = "SELECT p.change_txid, p.deleted_at IS NOT NULL AS deleted, " + ProductJson.COLUMNS
    + " FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id";
  private static final String CHANGES_FROM = FEED_COLUMNS + " WHERE p.change_txid >= $1 ORDER BY p.change_txid, p.id LIMIT $2";
  private static final String CHANGES_AFTER = FEED_COLUMNS
    + " WHERE (p.change_txid, p.id) > ($1, $2) ORDER BY p.change_txid, p.id LIMIT $3";
  private static final String ALL_LIVE = "SELECT " + ProductJson.COLUMNS
    + " FROM catalog.products p JOIN catalog.categories c ON c.id = p.category_id WHERE p.deleted_at IS NULL";
  private static final int BUILD_CHUNK = 5_000;

  private final Vertx vertx;
  private final Pool pool;
  private final Categories categories;
  private final Path indexDir;
  private final long pollMs;
  private final long commitIntervalMs;
  private final int pageSize;
  private final double ramBufferMb;
  private final double buildRamBufferMb;
  private final int buildThreads;
  private final long applyWaitMs;
  private final WorkerExecutor writes;
  /** Builds index on threads of their own: a rebuild never holds up the serving index's catch-up. */
  private final WorkerExecutor builds;
  private final Consumer<Set<String>> onChanged;

  private volatile IndexGeneration current;
  private String databaseId;
  private IndexGeneration building;
  private boolean buildRunning;
  private IndexGeneration built;
  private long buildStartedNanos;
  private volatile long lastBuildMs = -1;
  private final AtomicLong buildIndexed = new AtomicLong();
  private long lastCommitNanos = System.nanoTime();
  private boolean passRunning;
  private boolean passWanted;
  private long timer = -1;
  private boolean stopped;
  private Future<Void> lastPass = Future.succeededFuture();
  private final List<IndexGeneration> retired = new ArrayList<>();
  /** Callers waiting for a pass that starts after they asked (see {@link #applied}). */
  private List<Promise<Void>> waitingForPass = new ArrayList<>();

  SearchIndex(Vertx vertx, Pool pool, Categories categories, Path indexDir, JsonObject section, Consumer<Set<String>> onChanged) {
    this.vertx = vertx;
    this.pool = pool;
    this.categories = categories;
    this.indexDir = indexDir;
    this.onChanged = onChanged;
    this.pollMs = section.getLong("index_poll_ms", 100L);
    this.commitIntervalMs = section.getLong("index_commit_interval_ms", 5_000L);
    this.pageSize = section.getInteger("index_page_size", 2_000);
    this.ramBufferMb = section.getDouble("index_ram_buffer_mb", 64.0);
    // a quarter of the heap at most: a small heap must not fill up with a build's buffer
    double quarterHeapMb = Runtime.getRuntime().maxMemory() / 4.0 / (1024 * 1024);
    this.buildRamBufferMb = section.getDouble("index_build_ram_buffer_mb", Math.max(ramBufferMb, Math.min(256.0, quarterHeapMb)));
    this.buildThreads = Math.max(1, section.getInteger("index_build_threads", Runtime.getRuntime().availableProcessors()));
    this.applyWaitMs = section.getLong("index_apply_wait_ms", 2_000L);
    String id = UUID.randomUUID().toString();
    this.writes = vertx.createSharedWorkerExecutor("catalog-index-" + id, 2);
    this.builds = vertx.createSharedWorkerExecutor("catalog-index-build-" + id, buildThreads);
  }

  /**
   * Opens the newest usable index under the index directory and catches it up, or starts a build
   * when there is none. Completes once an existing index is current; with none, once the build is
   * done or after {@code waitForBuildMs}, whichever comes first (searches fail SERVICE_UNAVAILABLE
   * until the build is done).
   */
  Future<Void> start(long waitForBuildMs) {
    return pool.query(STATE).execute().compose(rows -> {
      databaseId = rows.iterator().next().getUUID("database_id").toString();
      return writes.executeBlocking(() -> IndexGeneration.openLatest(indexDir, databaseId, ramBufferMb), false);
    }).compose(opened -> {
      current = opened;
      if (opened != null) {
        LOG.info("Search index generation {} opened from {} ({} products); catching up", opened.generation(), opened.path(),
          liveDocs(opened));
      }
      Future<Void> first = runPass();
      if (opened == null && waitForBuildMs > 0) {
        return first.compose(v -> untilReady(waitForBuildMs));
      }
      return first;
    });
  }

  /** A poll of the serving state, not a chain of futures (a long build would make one thousands deep). */
  private Future<Void> untilReady(long maxWaitMs) {
    Promise<Void> ready = Promise.promise();
    long until = System.currentTimeMillis() + maxWaitMs;
    vertx.setPeriodic(20, timerId -> {
      if (current != null || stopped || System.currentTimeMillis() > until) {
        if (current == null && !stopped) {
          LOG.info("The first search index is still being built: starting without it (not ready, searches answer 503 until then)");
        }
        vertx.cancelTimer(timerId);
        ready.tryComplete();
      }
    });
    return ready.future();
  }

  boolean ready() {
    return current != null;
  }

  /** Runs {@code work} on a searcher of the serving index (blocking: call on a worker). */
  <T> T withSearcher(SearcherWork<T> work) throws IOException {
    IndexGeneration serving = current;
    if (serving == null) {
      throw ErrorCode.SERVICE_UNAVAILABLE.failure("The search index is being built (" + buildIndexed.get()
        + " products so far); try again shortly.");
    }
    SearcherManager manager = serving.searchers();
    IndexSearcher searcher = manager.acquire();
    try {
      return work.apply(searcher);
    } finally {
      manager.release(searcher);
    }
  }

  @FunctionalInterface
  interface SearcherWork<T> {
    T apply(IndexSearcher searcher) throws IOException;
  }

  /** A pass now (or right after the one running): this instance just changed products. */
  void kick() {
    if (stopped) {
      return;
    }
    if (passRunning) {
      passWanted = true;
      return;
    }
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    runPass();
  }

  /**
   * Completes once a pass that started after this call has ended: whatever the caller committed
   * before is then searchable here (read your writes on this instance). Never fails; gives up
   * waiting after {@code index_apply_wait_ms} (default 2000).
   */
  Future<Void> applied() {
    Promise<Void> promise = Promise.promise();
    waitingForPass.add(promise);
    kick();
    return promise.future().timeout(applyWaitMs, TimeUnit.MILLISECONDS).recover(err -> Future.succeededFuture());
  }

  JsonObject status() {
    IndexGeneration serving = current;
    JsonObject status = new JsonObject()
      .put("state", serving == null ? "building" : buildRunning || built != null ? "rebuilding" : "ready");
    if (serving != null) {
      status.put("generation", serving.generation()).put("products", liveDocs(serving)).put("horizon", serving.horizon());
    }
    if (building != null || built != null) {
      status.put("build", new JsonObject().put("generation", (building != null ? building : built).generation())
        .put("indexed", buildIndexed.get()));
    }
    if (lastBuildMs >= 0) {
      status.put("last_build_ms", lastBuildMs);
    }
    return status;
  }

  Future<Void> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return lastPass.transform(x -> writes.executeBlocking(() -> {
      IndexGeneration serving = current;
      current = null;
      if (serving != null) {
        serving.commit(false);
        serving.close();
      }
      if (built != null) {
        built.discard();
      }
      if (building != null) {
        building.discard();
      }
      synchronized (retired) {
        for (IndexGeneration old : retired) {
          old.discard();
        }
        retired.clear();
      }
      return null;
    }, false)).transform(x -> {
      writes.close();
      builds.close();
      return Future.succeededFuture();
    });
  }

  private Future<Void> runPass() {
    passRunning = true;
    passWanted = false;
    List<Promise<Void>> served = waitingForPass;
    waitingForPass = new ArrayList<>();
    Future<Void> pass = pass().recover(err -> {
      if (!stopped) {
        LOG.warn("Search index pass failed; trying again in {} ms", pollMs, err);
      }
      return Future.succeededFuture();
    }).onComplete(ar -> {
      passRunning = false;
      served.forEach(Promise::tryComplete);
      if (stopped) {
        return;
      }
      if (passWanted) {
        runPass();
      } else {
        timer = vertx.setTimer(pollMs, t -> {
          timer = -1;
          runPass();
        });
      }
    });
    lastPass = pass;
    return pass;
  }

  private Future<Void> pass() {
    return pool.query(STATE).execute().compose(rows -> {
      Row state = rows.iterator().next();
      long horizon = state.getLong("horizon");
      long requested = state.getLong("generation");
      IndexGeneration serving = current;
      if (!buildRunning && built == null && (serving == null || serving.generation() < requested)) {
        startBuild(requested);
      }
      Future<Void> caughtUp = serving == null ? Future.succeededFuture() : catchUp(serving, horizon);
      return caughtUp.compose(v -> built == null ? Future.succeededFuture() : swap(horizon));
    });
  }

  /** Applies every row stamped at or after the index's horizon, then moves the horizon to {@code horizon}. */
  private Future<Void> catchUp(IndexGeneration target, long horizon) {
    return page(target, pool.preparedQuery(CHANGES_FROM).execute(Tuple.of(target.horizon(), pageSize)))
      .compose(v -> writes.executeBlocking(() -> {
        target.advance(horizon);
        if (System.nanoTime() - lastCommitNanos > commitIntervalMs * 1_000_000L) {
          target.commit(false);
          lastCommitNanos = System.nanoTime();
        }
        return null;
      }, false));
  }

  private Future<Void> page(IndexGeneration target, Future<RowSet<Row>> query) {
    Promise<Void> done = Promise.promise();
    nextPage(target, query, done);
    return done.future();
  }

  /** One page of changes, then the next: a loop of callbacks, so a long backlog builds no deep future chain. */
  private void nextPage(IndexGeneration target, Future<RowSet<Row>> query, Promise<Void> done) {
    query.compose(rows -> {
      List<Row> list = new ArrayList<>(rows.size());
      rows.forEach(list::add);
      if (list.isEmpty()) {
        return Future.succeededFuture(list);
      }
      return writes.executeBlocking(() -> {
        Set<String> changed = new HashSet<>();
        for (Row row : list) {
          String id = row.getUUID("id").toString();
          changed.add(id);
          if (row.getBoolean("deleted")) {
            target.remove(id);
          } else {
            target.put(id, ProductDocuments.of(ProductJson.from(row), categories));
          }
        }
        target.refresh();
        return changed;
      }, false).map(changed -> {
        if (target == current) {
          onChanged.accept(changed);
        }
        return list;
      });
    }).onFailure(done::tryFail).onSuccess(list -> {
      if (list.size() < pageSize || stopped) {
        done.tryComplete();
        return;
      }
      Row last = list.get(list.size() - 1);
      nextPage(target, pool.preparedQuery(CHANGES_AFTER)
        .execute(Tuple.of(last.getLong("change_txid"), last.getUUID("id"), pageSize)), done);
    });
  }

  /** Builds generation {@code generation} from a scan of the table, in the background. */
  private void startBuild(long generation) {
    buildRunning = true;
    buildStartedNanos = System.nanoTime();
    buildIndexed.set(0);
    LOG.info("Building search index generation {} from PostgreSQL in {}", generation, indexDir);
    // a large buffer while building makes few, large segments (fewer flushes and merges); back to normal once built
    writes.executeBlocking(() -> IndexGeneration.create(indexDir, generation, databaseId, buildRamBufferMb), false)
      .compose(gen -> {
        building = gen;
        // everything committed before this horizon is in the scan; later changes come from the feed
        return pool.query(STATE).execute()
          .compose(rows -> {
            gen.advance(rows.iterator().next().getLong("horizon"));
            return pool.withTransaction(conn -> conn.prepare(ALL_LIVE)
              .compose(statement -> scan(statement.cursor(), gen)));
          })
          .compose(v -> writes.executeBlocking(() -> {
            gen.refresh();
            gen.commit(true);
            gen.ramBuffer(ramBufferMb);
            return gen;
          }, false));
      })
      .onSuccess(gen -> {
        lastBuildMs = (System.nanoTime() - buildStartedNanos) / 1_000_000;
        LOG.info("Search index generation {} built: {} products in {} ms", gen.generation(), buildIndexed.get(), lastBuildMs);
        building = null;
        buildRunning = false;
        built = gen;
        kick();
      })
      .onFailure(err -> {
        LOG.error("Building search index generation {} failed; it will be tried again", generation, err);
        IndexGeneration failed = building;
        building = null;
        buildRunning = false;
        if (failed != null && !stopped) {
          writes.executeBlocking(() -> {
            failed.discard();
            return null;
          }, false);
        }
      });
  }

  /**
   * Reads the table in chunks; up to {@code index_build_threads} chunks (default: one per core)
   * are indexed at once while the next one is read (the writer takes documents from many threads).
   */
  private Future<Void> scan(Cursor cursor, IndexGeneration gen) {
    Promise<Void> done = Promise.promise();
    nextChunk(cursor, gen, new ArrayDeque<>(), done);
    return done.future();
  }

  private void nextChunk(Cursor cursor, IndexGeneration gen, Deque<Future<Void>> inFlight, Promise<Void> done) {
    if (stopped) {
      done.tryFail("stopping");
      return;
    }
    if (done.future().isComplete()) {
      return; // a chunk failed: the build is over
    }
    cursor.read(BUILD_CHUNK).onFailure(done::tryFail).onSuccess(rows -> {
      List<Row> list = new ArrayList<>(rows.size());
      rows.forEach(list::add);
      Future<Void> mine = builds.executeBlocking(() -> {
        for (Row row : list) {
          gen.add(ProductDocuments.of(ProductJson.from(row), categories));
        }
        buildIndexed.addAndGet(list.size());
        return null;
      }, false);
      mine.onFailure(done::tryFail);
      inFlight.addLast(mine);
      if (!cursor.hasMore()) {
        Future.all(new ArrayList<>(inFlight)).compose(v -> cursor.close()).onComplete(done);
        return;
      }
      // the next read once fewer chunks than threads are in the works
      Future<Void> room = inFlight.size() < buildThreads ? Future.succeededFuture() : inFlight.removeFirst();
      room.onSuccess(v -> {
        inFlight.removeIf(Future::isComplete);
        nextChunk(cursor, gen, inFlight, done);
      });
    });
  }

  /** The built index catches up and takes over; the old one goes once searches still on it are done. */
  private Future<Void> swap(long horizon) {
    IndexGeneration next = built;
    return catchUp(next, horizon).compose(v -> writes.executeBlocking(() -> {
      next.commit(false);
      return null;
    }, false)).map(v -> {
      IndexGeneration old = current;
      current = next;
      built = null;
      onChanged.accept(null);
      LOG.info("Search index generation {} now serves ({} products)", next.generation(), liveDocs(next));
      if (old != null) {
        synchronized (retired) {
          retired.add(old);
        }
        vertx.setTimer(30_000, t -> {
          synchronized (retired) {
            if (stopped || !retired.remove(old)) {
              return;
            }
          }
          writes.executeBlocking(() -> {
            old.discard();
            return null;
          }, false);
        });
      }
      return null;
    });
  }

  private static int liveDocs(IndexGeneration gen) {
    try {
      return gen.liveDocs();
    } catch (IOException e) {
      return -1;
    }
  }
}
