package dev.marketplace.platform.batch;

import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Group commit against a real PostgreSQL table: requests that arrive while a batch runs share the
 * next transaction; a request that fails inside a batch fails alone; a batch whose transaction
 * dies (its connection killed, as when the node dies) leaves none of its rows behind.
 */
class GroupCommitTest {
  private static Vertx vertx;
  private static Pool pool;
  private static JsonObject config;
  private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
  private final AtomicInteger singles = new AtomicInteger();

  @BeforeAll
  static void up() {
    vertx = Vertx.vertx();
    config = TestInfra.shared().config();
    pool = PgSupport.pool(vertx, config, 4);
    await(pool.query("CREATE TABLE item (id INT PRIMARY KEY, label TEXT NOT NULL CHECK (length(label) <= 8))").execute());
  }

  @AfterAll
  static void down() {
    await(pool.close());
    await(vertx.close());
  }

  @BeforeEach
  void empty() {
    await(pool.query("TRUNCATE item").execute());
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private record Item(int id, String label) {
  }

  /** Inserts the batch in one transaction with one multi-row statement; a failure rolls it all back. */
  private Future<List<Object>> insertAll(List<Item> items) {
    batchSizes.add(items.size());
    Tuple args = Tuple.tuple().addValue(items.stream().map(Item::id).toArray(Integer[]::new))
      .addValue(items.stream().map(Item::label).toArray(String[]::new));
    return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO item SELECT * FROM unnest($1::int[], $2::text[])").execute(args))
      .map(rows -> {
        List<Object> out = new ArrayList<>();
        items.forEach(i -> out.add("ok " + i.id()));
        return out;
      });
  }

  private Future<String> insertOne(Item item) {
    return insertOne(pool, item);
  }

  private Future<String> insertOne(Pool on, Item item) {
    singles.incrementAndGet();
    return on.preparedQuery("INSERT INTO item VALUES ($1, $2)").execute(Tuple.of(item.id(), item.label())).map("ok " + item.id());
  }

  private long rows(String where) {
    return await(pool.query("SELECT count(*) FROM item WHERE " + where).execute()).iterator().next().getLong(0);
  }

  /** Submits every item on one event loop context (group commit is not thread-safe), in order. */
  private List<Future<String>> submitAll(GroupCommit<Item, String> commits, List<Item> items) {
    Context context = vertx.getOrCreateContext();
    CompletableFuture<List<Future<String>>> submitted = new CompletableFuture<>();
    context.runOnContext(x -> {
      List<Future<String>> replies = new ArrayList<>();
      items.forEach(item -> replies.add(commits.submit(item)));
      submitted.complete(replies);
    });
    List<Future<String>> replies = submitted.join();
    await(Future.join(replies).transform(ar -> Future.succeededFuture()));
    return replies;
  }

  private static List<Item> items(int from, int count) {
    List<Item> items = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      items.add(new Item(i, "i" + i));
    }
    return items;
  }

  @Test
  void requestsThatArriveWhileABatchRunsShareTheNextTransaction() {
    GroupCommit<Item, String> commits = new GroupCommit<>("test.share", 64, 1, this::insertAll, this::insertOne);

    List<Future<String>> replies = submitAll(commits, items(1, 30));

    for (int i = 0; i < 30; i++) {
      assertThat(replies.get(i).result()).isEqualTo("ok " + (i + 1));
    }
    // the first one runs at once and alone; the other 29 waited for it and went together
    assertThat(singles.get()).isEqualTo(1);
    assertThat(batchSizes).containsExactly(29);
    assertThat(rows("true")).isEqualTo(30);
  }

  @Test
  void batchesNeverExceedTheirMaximum() {
    GroupCommit<Item, String> commits = new GroupCommit<>("test.max", 10, 1, this::insertAll, this::insertOne);

    List<Future<String>> replies = submitAll(commits, items(1, 31));

    assertThat(replies).allSatisfy(r -> assertThat(r.succeeded()).isTrue());
    assertThat(batchSizes).containsExactly(10, 10, 10);
    assertThat(rows("true")).isEqualTo(31);
  }

  @Test
  void aRequestThatBreaksTheBatchsTransactionFailsAloneAndTheOthersAreCommitted() {
    GroupCommit<Item, String> commits = new GroupCommit<>("test.bad", 64, 1, this::insertAll, this::insertOne);
    List<Item> items = items(1, 20);
    // one label the CHECK refuses, one duplicate key inside the batch
    items.set(7, new Item(8, "far-too-long"));
    items.add(new Item(15, "again"));

    List<Future<String>> replies = submitAll(commits, items);

    for (int i = 0; i < items.size(); i++) {
      Future<String> reply = replies.get(i);
      if (i == 7) {
        assertThat(((PgException) reply.cause()).getSqlState()).isEqualTo("23514");
      } else if (i != 14 && i != 20) {
        assertThat(reply.result()).as("request %d", i).isEqualTo("ok " + items.get(i).id());
      }
    }
    // of the two requests for id 15 (each alone now, side by side) one wins, the other is the duplicate
    List<Future<String>> fifteen = List.of(replies.get(14), replies.get(20));
    assertThat(fifteen).filteredOn(Future::succeeded).hasSize(1);
    assertThat(fifteen).filteredOn(Future::failed)
      .allSatisfy(f -> assertThat(((PgException) f.cause()).getSqlState()).isEqualTo("23505")).hasSize(1);
    assertThat(rows("true")).isEqualTo(19);
    assertThat(rows("id = 15")).isEqualTo(1);
    assertThat(rows("id = 8")).isZero();
  }

  @Test
  void aFailureTheBatchAnswersForOneRequestFailsThatOneAndTheRestOfTheTransactionCommits() {
    IllegalStateException refused = new IllegalStateException("refused");
    Function<List<Item>, Future<List<Object>>> batch = items -> {
      List<Item> good = items.stream().filter(i -> i.id() % 5 != 0).toList();
      return insertAll(good).map(done -> {
        List<Object> out = new ArrayList<>();
        items.forEach(i -> out.add(i.id() % 5 == 0 ? refused : "ok " + i.id()));
        return out;
      });
    };
    GroupCommit<Item, String> commits = new GroupCommit<>("test.refuse", 64, 1, batch, this::insertOne);

    List<Future<String>> replies = submitAll(commits, items(1, 20));

    for (int i = 1; i < 20; i++) {
      int id = i + 1;
      if (id % 5 == 0) {
        assertThat(replies.get(i).cause()).isSameAs(refused);
      } else {
        assertThat(replies.get(i).result()).isEqualTo("ok " + id);
      }
    }
    // no request ran a second time on its own
    assertThat(singles.get()).isEqualTo(1);
    assertThat(rows("id % 5 = 0 AND id > 1")).isZero();
    assertThat(rows("true")).isEqualTo(1 + 15);
  }

  @Test
  void aBatchWhoseConnectionDiesLeavesNoneOfItsRowsAndEachRequestIsThenAnsweredAlone() {
    // the batch writes its rows, then waits for a lock another session holds: the node "dies" there
    Function<List<Item>, Future<List<Object>>> slowBatch = items -> {
      batchSizes.add(items.size());
      Tuple args = Tuple.tuple().addValue(items.stream().map(Item::id).toArray(Integer[]::new))
      .addValue(items.stream().map(Item::label).toArray(String[]::new));
      return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO item SELECT * FROM unnest($1::int[], $2::text[])").execute(args)
          .compose(v -> conn.query("LOCK TABLE held_elsewhere IN EXCLUSIVE MODE").execute()))
        .map(v -> new ArrayList<Object>(items.stream().map(i -> "ok " + i.id()).toList()));
    };
    await(pool.query("CREATE TABLE IF NOT EXISTS held_elsewhere (x INT)").execute());
    Promise<Void> firstGoes = Promise.promise();
    // the single path waits until the batch is known to be dead, then writes one row per request; on
    // connections of their own (as a caller's retry on a live node would: the pool may hand the dead
    // batch's connection out once more before it notices the kill)
    Pool retries = PgSupport.pool(vertx, config, 4);
    Function<Item, Future<String>> single = item -> item.id() == 1
      ? insertOne(item)
      : firstGoes.future().compose(v -> insertOne(retries, item));
    GroupCommit<Item, String> commits = new GroupCommit<>("test.crash", 64, 1, slowBatch, single);
    SqlConnection blocker = await(pool.getConnection());
    await(blocker.query("BEGIN").execute());
    await(blocker.query("LOCK TABLE held_elsewhere IN EXCLUSIVE MODE").execute());

    Context context = vertx.getOrCreateContext();
    CompletableFuture<List<Future<String>>> submitted = new CompletableFuture<>();
    context.runOnContext(x -> {
      List<Future<String>> replies = new ArrayList<>();
      items(1, 10).forEach(item -> replies.add(commits.submit(item)));
      submitted.complete(replies);
    });
    List<Future<String>> replies = submitted.join();
    Integer victim = null;
    long deadline = System.currentTimeMillis() + 10_000;
    while (victim == null && System.currentTimeMillis() < deadline) {
      var waiting = await(pool.query("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE held%'")
        .execute());
      victim = waiting.size() == 0 ? null : waiting.iterator().next().getInteger("pid");
    }
    assertThat(victim).as("the batch of nine waits inside its transaction").isNotNull();
    assertThat(batchSizes).containsExactly(9);
    await(pool.preparedQuery("SELECT pg_terminate_backend($1)").execute(Tuple.of(victim)));
    // the dead transaction's rows are gone: only the first (alone, before the batch) is there
    long deadline2 = System.currentTimeMillis() + 10_000;
    while (rows("true") != 1 && System.currentTimeMillis() < deadline2) {
      Thread.onSpinWait();
    }
    List<Row> left = await(pool.query("SELECT id FROM item").execute()).stream().toList();
    assertThat(left).extracting(r -> r.getInteger("id")).containsExactly(1);
    await(blocker.query("ROLLBACK").execute());
    await(blocker.close());
    context.runOnContext(x -> firstGoes.complete());
    await(Future.join(replies).transform(ar -> Future.succeededFuture()));

    // each request of the dead batch was answered alone, once
    assertThat(replies).allSatisfy(r -> assertThat(r.succeeded()).as("%s", r.cause()).isTrue());
    assertThat(singles.get()).isEqualTo(10);
    assertThat(rows("true")).isEqualTo(10);
    await(retries.close());
  }
}
