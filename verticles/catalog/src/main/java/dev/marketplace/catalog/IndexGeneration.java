package dev.marketplace.catalog;

import io.vertx.core.json.JsonObject;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.NRTCachingDirectory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One built index in its own directory ({@code <index_dir>/<generation>}): a writer, the
 * near-real-time searchers over it, and how far it has read the change feed ({@link #horizon()}).
 * A commit records the generation, the horizon and whether the first build finished; an index
 * whose build never finished, or of another document layout, is never opened again. Blocking: call off the event loop.
 */
final class IndexGeneration implements Closeable {
  private static final String GENERATION = "generation";
  private static final String HORIZON = "horizon";
  private static final String COMPLETE = "complete";
  private static final String DATABASE = "database";
  /**
   * The document layout ({@link ProductDocuments}); an index of another layout is not opened (a
   * fresh one is built). 2: numeric id sort keys, the source in binary doc values.
   */
  private static final String FORMAT = "format";
  static final String CURRENT_FORMAT = "2";
  static final ProductSimilarity SIMILARITY = new ProductSimilarity();

  private final long generation;
  private final String databaseId;
  private final Path path;
  private final Directory directory;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private volatile long horizon;
  private volatile boolean complete;
  private volatile long committedHorizon = -1;

  private IndexGeneration(long generation, String databaseId, Path path, Directory directory, IndexWriter writer, long horizon,
                          boolean complete) throws IOException {
    this.generation = generation;
    this.databaseId = databaseId;
    this.path = path;
    this.directory = directory;
    this.writer = writer;
    this.horizon = horizon;
    this.complete = complete;
    this.searchers = new SearcherManager(writer, true, false, new SearcherFactory() {
      @Override
      public IndexSearcher newSearcher(IndexReader reader, IndexReader previousReader) {
        IndexSearcher searcher = new IndexSearcher(reader);
        searcher.setSimilarity(SIMILARITY);
        return searcher;
      }
    });
  }

  /** A new, empty index for a build. */
  static IndexGeneration create(Path indexDir, long generation, String databaseId, double ramBufferMb) throws IOException {
    Path path = indexDir.resolve(Long.toString(generation));
    deleteTree(path);
    Files.createDirectories(path);
    Directory directory = directory(path);
    IndexWriter writer = new IndexWriter(directory, config(ramBufferMb).setOpenMode(IndexWriterConfig.OpenMode.CREATE));
    return new IndexGeneration(generation, databaseId, path, directory, writer, 0, false);
  }

  /**
   * The newest complete index of database {@code databaseId} under {@code indexDir}, or
   * {@code null}; directories of older or unfinished builds, or of another database, are deleted.
   */
  static IndexGeneration openLatest(Path indexDir, String databaseId, double ramBufferMb) throws IOException {
    Files.createDirectories(indexDir);
    List<Path> candidates;
    try (Stream<Path> dirs = Files.list(indexDir)) {
      candidates = dirs.filter(Files::isDirectory).filter(p -> p.getFileName().toString().matches("\\d{1,18}"))
        .sorted(Comparator.comparingLong((Path p) -> Long.parseLong(p.getFileName().toString())).reversed()).toList();
    }
    IndexGeneration found = null;
    for (Path candidate : candidates) {
      if (found == null) {
        found = tryOpen(candidate, databaseId, ramBufferMb);
        if (found != null) {
          continue;
        }
      }
      deleteTree(candidate);
    }
    return found;
  }

  private static IndexGeneration tryOpen(Path path, String databaseId, double ramBufferMb) throws IOException {
    Directory directory = directory(path);
    try {
      if (!DirectoryReader.indexExists(directory)) {
        directory.close();
        return null;
      }
      List<IndexCommit> commits = DirectoryReader.listCommits(directory);
      Map<String, String> data = commits.get(commits.size() - 1).getUserData();
      if (!"true".equals(data.get(COMPLETE)) || !databaseId.equals(data.get(DATABASE)) || !CURRENT_FORMAT.equals(data.get(FORMAT))) {
        directory.close();
        return null;
      }
      IndexWriter writer = new IndexWriter(directory, config(ramBufferMb).setOpenMode(IndexWriterConfig.OpenMode.APPEND));
      IndexGeneration opened = new IndexGeneration(Long.parseLong(data.get(GENERATION)), databaseId, path, directory, writer,
        Long.parseLong(data.get(HORIZON)), true);
      opened.committedHorizon = opened.horizon;
      return opened;
    } catch (IOException | RuntimeException e) {
      directory.close();
      return null;
    }
  }

  /**
   * The small segments every near-real-time refresh makes stay in memory until merged or
   * committed: a refresh every 100 ms then never waits for the disk.
   */
  private static Directory directory(Path path) throws IOException {
    return new NRTCachingDirectory(FSDirectory.open(path), 8.0, 64.0);
  }

  private static IndexWriterConfig config(double ramBufferMb) {
    TieredMergePolicy merges = new TieredMergePolicy();
    return new IndexWriterConfig(ProductDocuments.analyzer())
      .setSimilarity(SIMILARITY)
      .setRAMBufferSizeMB(ramBufferMb)
      .setUseCompoundFile(false)
      .setMergePolicy(merges)
      .setCommitOnClose(false);
  }

  long generation() {
    return generation;
  }

  long horizon() {
    return horizon;
  }

  boolean complete() {
    return complete;
  }

  Path path() {
    return path;
  }

  SearcherManager searchers() {
    return searchers;
  }

  int liveDocs() throws IOException {
    IndexSearcher searcher = searchers.acquire();
    try {
      return searcher.getIndexReader().numDocs();
    } finally {
      searchers.release(searcher);
    }
  }

  /** A product of the first build (no older copy of it can be in this index). */
  void add(Document doc) throws IOException {
    writer.addDocument(doc);
  }

  /** A product as it now is: replaces what the index had. */
  void put(String id, Document doc) throws IOException {
    writer.updateDocument(ProductDocuments.idTerm(id), doc);
  }

  void remove(String id) throws IOException {
    writer.deleteDocuments(ProductDocuments.idTerm(id));
  }

  /** How much the writer buffers before it flushes a segment. */
  void ramBuffer(double mb) {
    writer.getConfig().setRAMBufferSizeMB(mb);
  }

  /** Makes everything written so far visible to searches. */
  void refresh() throws IOException {
    searchers.maybeRefreshBlocking();
  }

  void advance(long newHorizon) {
    horizon = Math.max(horizon, newHorizon);
  }

  /** Durable up to the current horizon; {@code complete} marks the end of the first build. */
  void commit(boolean markComplete) throws IOException {
    if (markComplete) {
      complete = true;
    }
    long at = horizon;
    if (at == committedHorizon && !markComplete) {
      return;
    }
    Map<String, String> data = new HashMap<>();
    data.put(GENERATION, Long.toString(generation));
    data.put(HORIZON, Long.toString(at));
    data.put(COMPLETE, Boolean.toString(complete));
    data.put(DATABASE, databaseId);
    data.put(FORMAT, CURRENT_FORMAT);
    writer.setLiveCommitData(data.entrySet());
    writer.commit();
    committedHorizon = at;
  }

  JsonObject status() throws IOException {
    return new JsonObject().put("generation", generation).put("products", liveDocs()).put("horizon", horizon);
  }

  @Override
  public void close() throws IOException {
    try {
      searchers.close();
    } finally {
      try {
        writer.close();
      } finally {
        directory.close();
      }
    }
  }

  /** Closes and deletes the directory. */
  void discard() throws IOException {
    try {
      close();
    } finally {
      deleteTree(path);
    }
  }

  static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
