package dev.marketplace.platform.batch;

import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.LockedTable;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
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
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class GroupCommitTest {
  private static Vertx vertx;
  private static Pool pool;
  private static JsonObject config;
  private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
  private final AtomicInteger singles = new AtomicInteger();

  @BeforeAll
  static void up(Vertx shared, VertxTestContext ctx) {
    vertx = shared;
    config = TestInfra.shared().config();
    pool = PgSupport.pool(vertx, config, 4);
    pool.query("CREATE TABLE item (id INT PRIMARY KEY, label TEXT NOT NULL CHECK (length(label) <= 8))").execute()
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    pool.close().onComplete(ctx.succeedingThenComplete());
  }

  @BeforeEach
  void empty(VertxTestContext ctx) {
    pool.query("TRUNCATE item").execute().onComplete(ctx.succeedingThenComplete());
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

  private static Future<Long> rows(String where) {
    return pool.query("SELECT count(*) FROM item WHERE " + where).execute().map(rows -> rows.iterator().next().getLong(0));
  }

  /** The counts of rows {@code where} each condition holds, in order. */
  private static Future<List<Long>> rows(String... wheres) {
    List<Future<Long>> counts = new ArrayList<>();
    for (String where : wheres) {
      counts.add(rows(where));
    }
    return Future.all(counts).map(all -> all.<Long>list());
  }

  /** Submits every item on one event loop context (group commit is not thread-safe), in order. */
  private static List<Future<String>> submit(Context context, GroupCommit<Item, String> commits, List<Item> items) {
    List<Future<String>> replies = new ArrayList<>();
    for (Item item : items) {
      replies.add(commits.submit(item));
    }
    return replies;
  }

  /** {@link #submit} from a fresh context; completes with the replies once all of them ended, failed or not. */
  private Future<List<Future<String>>> submitAll(GroupCommit<Item, String> commits, List<Item> items) {
    Context context = vertx.getOrCreateContext();
    Promise<List<Future<String>>> submitted = Promise.promise();
    context.runOnContext(x -> submitted.complete(submit(context, commits, items)));
    return submitted.future().compose(replies -> Future.join(replies).transform(ar -> Future.succeededFuture(replies)));
  }

  private static List<Item> items(int from, int count) {
    List<Item> items = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      items.add(new Item(i, "i" + i));
    }
    return items;
  }

  @Test
  void requestsThatArriveWhileABatchRunsShareTheNextTransaction(VertxTestContext ctx) {
    GroupCommit<Item, String> commits = new GroupCommit<>("test.share", 64, 1, this::insertAll, this::insertOne);

    submitAll(commits, items(1, 30)).compose(replies -> rows("true").map(rows -> ctx.verify(() -> {
      for (int i = 0; i < 30; i++) {
        assertThat(replies.get(i).result()).isEqualTo("ok " + (i + 1));
      }
      // the first one runs at once and alone; the other 29 waited for it and went together
      assertThat(singles.get()).isEqualTo(1);
      assertThat(batchSizes).containsExactly(29);
      assertThat(rows).isEqualTo(30);
    }))).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void batchesNeverExceedTheirMaximum(VertxTestContext ctx) {
    GroupCommit<Item, String> commits = new GroupCommit<>("test.max", 10, 1, this::insertAll, this::insertOne);

    submitAll(commits, items(1, 31)).compose(replies -> rows("true").map(rows -> ctx.verify(() -> {
      assertThat(replies).allSatisfy(r -> assertThat(r.succeeded()).isTrue());
      assertThat(batchSizes).containsExactly(10, 10, 10);
      assertThat(rows).isEqualTo(31);
    }))).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aRequestThatBreaksTheBatchsTransactionFailsAloneAndTheOthersAreCommitted(VertxTestContext ctx) {
    GroupCommit<Item, String> commits = new GroupCommit<>("test.bad", 64, 1, this::insertAll, this::insertOne);
    List<Item> items = items(1, 20);
    // one label the CHECK refuses, one duplicate key inside the batch
    items.set(7, new Item(8, "far-too-long"));
    items.add(new Item(15, "again"));

    submitAll(commits, items).compose(replies -> rows("true", "id = 15", "id = 8").map(rows -> ctx.verify(() -> {
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
      assertThat(rows).containsExactly(19L, 1L, 0L);
    }))).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aFailureTheBatchAnswersForOneRequestFailsThatOneAndTheRestOfTheTransactionCommits(VertxTestContext ctx) {
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

    submitAll(commits, items(1, 20)).compose(replies -> rows("id % 5 = 0 AND id > 1", "true").map(rows -> ctx.verify(() -> {
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
      assertThat(rows).containsExactly(0L, 1L + 15);
    }))).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aBatchWhoseConnectionDiesLeavesNoneOfItsRowsAndEachRequestIsThenAnsweredAlone(VertxTestContext ctx) {
    // the batch writes its rows, then waits for a lock another session holds: the node "dies" there
    Function<List<Item>, Future<List<Object>>> slowBatch = items -> {
      batchSizes.add(items.size());
      Tuple args = Tuple.tuple().addValue(items.stream().map(Item::id).toArray(Integer[]::new))
      .addValue(items.stream().map(Item::label).toArray(String[]::new));
      return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO item SELECT * FROM unnest($1::int[], $2::text[])").execute(args)
          .compose(v -> conn.query("LOCK TABLE held_elsewhere IN EXCLUSIVE MODE").execute()))
        .map(v -> new ArrayList<Object>(items.stream().map(i -> "ok " + i.id()).toList()));
    };
    Context context = vertx.getOrCreateContext();
    Promise<Void> firstGoes = Promise.promise();
    // the single path waits until the batch is known to be dead, then writes one row per request; on
    // connections of their own (as a caller's retry on a live node would: the pool may hand the dead
    // batch's connection out once more before it notices the kill)
    Pool retries = PgSupport.pool(vertx, config, 4);
    Function<Item, Future<String>> single = item -> item.id() == 1
      ? insertOne(item)
      : firstGoes.future().compose(v -> insertOne(retries, item));
    GroupCommit<Item, String> commits = new GroupCommit<>("test.crash", 64, 1, slowBatch, single);
    List<Future<String>> replies = new ArrayList<>();

    pool.query("CREATE TABLE IF NOT EXISTS held_elsewhere (x INT)").execute()
      .compose(v -> LockedTable.lock(pool, "held_elsewhere"))
      .compose(held -> {
        Promise<Void> submitted = Promise.promise();
        context.runOnContext(x -> {
          replies.addAll(submit(context, commits, items(1, 10)));
          submitted.complete();
        });
        return submitted.future()
          .compose(v -> held.killFirstWaiter("LOCK TABLE held%", 10_000))
          .map(victim -> ctx.verify(() -> assertThat(batchSizes).as("the batch of nine waited inside its transaction").containsExactly(9)))
          // the dead transaction's rows are gone: only the first (alone, before the batch) is there
          .compose(v -> Eventually.until(vertx, "the dead batch's rows are gone", 10_000, () -> rows("true").map(n -> n == 1)))
          .compose(v -> pool.query("SELECT id FROM item").execute())
          .map(left -> ctx.verify(() -> assertThat(left.stream().toList()).extracting(r -> r.getInteger("id")).containsExactly(1)))
          .eventually(held::release);
      })
      .compose(v -> {
        context.runOnContext(x -> firstGoes.complete());
        return Future.join(replies).transform(ar -> rows("true"));
      })
      .map(rows -> ctx.verify(() -> {
        // each request of the dead batch was answered alone, once
        assertThat(replies).allSatisfy(r -> assertThat(r.succeeded()).as("%s", r.cause()).isTrue());
        assertThat(singles.get()).isEqualTo(10);
        assertThat(rows).isEqualTo(10);
      }))
      .eventually(retries::close)
      .onComplete(ctx.succeedingThenComplete());
  }
}
