package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static dev.marketplace.inventory.InventorySql.*;

/**
 * Reservations: reserve (all lines or none), commit, release, expiry and the release of a
 * cancelled order's stock. Each runs in one transaction that takes its locks in one global order
 * (reservation row, then buyer usage rows by product, then stock buckets by product and bucket),
 * so concurrent ones never deadlock; every change of stock writes StockChanged outbox rows in the
 * same transaction.
 */
final class Reservations {
  /** A line to reserve. */
  record Line(UUID productId, int quantity) {
  }

  /** A validated reserve request; {@code lines} sorted by product id, one line per product. */
  record ReserveRequest(UUID reservationId, UUID orderId, UUID buyerId, List<Line> lines, int ttlSeconds) {
  }

  private record Allocation(UUID productId, int bucket, int quantity) {
  }

  private final Pool pool;
  private final int buckets;
  private final int batchParallelism;
  private final Runnable afterChange;

  /**
   * @param buckets          how many buckets a product's stock is split into (where reserves start looking)
   * @param batchParallelism how many batches of one product may run at once (each locks its share of buckets)
   * @param afterChange called after a committed change (kicks the outbox relay)
   */
  Reservations(Pool pool, int buckets, int batchParallelism, Runnable afterChange) {
    this.pool = pool;
    this.buckets = buckets;
    this.batchParallelism = batchParallelism;
    this.afterChange = afterChange;
  }

  // ---------------------------------------------------------------- reserve

  /**
   * Reserves, first on the fast path (a free bucket per line, skipping locked ones). When a line's
   * product has the units but only in buckets others hold locked, the transaction is rolled back
   * and run once more locking every bucket of each product in (product, bucket) order: waiting for
   * a lock while holding one taken out of that order could deadlock.
   */
  Future<JsonObject> reserve(ReserveRequest request) {
    if (request.lines().size() == 1) {
      return reserveAtOnce(request).compose(reply -> reply != null
        ? Future.succeededFuture(reply)
        : reserveInTransaction(request));
    }
    return reserveInTransaction(request);
  }

  /** The one-statement fast path of a single-line reserve; {@code null} when the general path must decide. */
  private Future<JsonObject> reserveAtOnce(ReserveRequest request) {
    Line line = request.lines().get(0);
    Tuple args = Tuple.tuple().addValue(request.reservationId()).addValue(request.orderId()).addValue(request.buyerId())
      .addValue(line.productId()).addValue(line.quantity()).addValue(request.ttlSeconds())
      .addValue(ThreadLocalRandom.current().nextInt(buckets));
    return pool.preparedQuery(RESERVE_ONE_LINE_AT_ONCE).execute(args)
      .map(rows -> {
        if (rows.size() == 0) {
          return (JsonObject) null;
        }
        afterChange.run();
        return reply(request.reservationId(), "HELD", rows.iterator().next().getOffsetDateTime("reserved_until"));
      })
      // the id exists already: the general path answers it as it is
      .recover(err -> isUniqueViolation(err) ? Future.succeededFuture(null) : Future.failedFuture(err));
  }

  private static boolean isUniqueViolation(Throwable err) {
    return err instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState());
  }

  private Future<JsonObject> reserveInTransaction(ReserveRequest request) {
    return reserve(request, false).recover(err -> err instanceof Contended || isDeadlock(err)
      ? reserve(request, true)
      : Future.failedFuture(err));
  }

  /** A fast-path reserve met locked buckets only; rolls the transaction back. */
  private static final class Contended extends RuntimeException {
    Contended() {
      super("contended", null, false, false);
    }
  }

  private static boolean isDeadlock(Throwable err) {
    return err instanceof io.vertx.pgclient.PgException pg && "40P01".equals(pg.getSqlState());
  }

  private Future<JsonObject> reserve(ReserveRequest request, boolean inOrder) {
    return pool.withTransaction(conn -> conn.preparedQuery(INSERT_RESERVATION)
        .execute(Tuple.of(request.reservationId(), request.orderId(), request.buyerId(), request.ttlSeconds()))
        .compose(rows -> {
          if (rows.size() == 0) {
            return existing(conn, request.reservationId());
          }
          OffsetDateTime until = rows.iterator().next().getOffsetDateTime("reserved_until");
          return holdAll(conn, request, inOrder).map(v -> reply(request.reservationId(), "HELD", until));
        }))
      .onSuccess(reply -> afterChange.run());
  }

  /** A reserve with an id seen before: the reservation as it is, or ILLEGAL_STATE. */
  private Future<JsonObject> existing(SqlConnection conn, UUID reservationId) {
    return conn.preparedQuery(SELECT_RESERVATION).execute(Tuple.of(reservationId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("The order of this reservation was cancelled."));
      }
      Row row = rows.iterator().next();
      String status = row.getString("status");
      if (status.equals("HELD") || status.equals("COMMITTED")) {
        return Future.succeededFuture(reply(reservationId, status, row.getOffsetDateTime("reserved_until")));
      }
      return Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("This reservation was released (" + status.toLowerCase() + ")."));
    });
  }

  private Future<Void> holdAll(SqlConnection conn, ReserveRequest request, boolean inOrder) {
    UUID[] productIds = request.lines().stream().map(Line::productId).toArray(UUID[]::new);
    return conn.preparedQuery(SELECT_LIMITS).execute(Tuple.of(productIds))
      .compose(rows -> {
        Map<UUID, Integer> limits = new HashMap<>();
        rows.forEach(row -> limits.put(row.getUUID("product_id"), row.getInteger("per_buyer")));
        return countUsage(conn, request, limits).map(v -> limits);
      })
      .compose(limits -> holdLines(conn, request, inOrder).compose(allocations -> finish(conn, request, limits, allocations)));
  }

  /** Adds the lines of limited products to the buyer's usage, one product after the other. */
  private Future<Void> countUsage(SqlConnection conn, ReserveRequest request, Map<UUID, Integer> limits) {
    Future<Void> chain = Future.succeededFuture();
    for (Line line : request.lines()) {
      Integer limit = limits.get(line.productId());
      if (limit == null) {
        continue;
      }
      chain = chain.compose(v -> {
        if (line.quantity() > limit) {
          return Future.failedFuture(limitExceeded(line.productId(), limit));
        }
        return conn.preparedQuery(ADD_USAGE)
          .execute(Tuple.of(request.buyerId(), line.productId(), line.quantity(), limit))
          .compose(rows -> rows.size() == 0
            ? Future.failedFuture(limitExceeded(line.productId(), limit))
            : Future.succeededFuture());
      });
    }
    return chain;
  }

  private static RuntimeException limitExceeded(UUID productId, int limit) {
    return ErrorCode.PURCHASE_LIMIT_EXCEEDED.failure("A buyer may have at most " + limit + " of this product.",
      new JsonObject().put("product_ids", new JsonArray().add(productId.toString())));
  }

  /** Holds every line (in product order) or fails with OUT_OF_STOCK naming the short lines. */
  private Future<List<Allocation>> holdLines(SqlConnection conn, ReserveRequest request, boolean inOrder) {
    List<Allocation> allocations = new ArrayList<>();
    Future<Line> chain = Future.succeededFuture(null);
    for (Line line : request.lines()) {
      chain = chain.compose(failed -> failed != null ? Future.succeededFuture(failed) : holdLine(conn, line, inOrder).map(held -> {
        if (held == null) {
          return line;
        }
        allocations.addAll(held);
        return null;
      }));
    }
    return chain.compose(failed -> failed == null
      ? Future.succeededFuture(allocations)
      : outOfStock(conn, request, failed));
  }

  /** Names the line that could not be held and, of the lines not tried yet, those short too. */
  private Future<List<Allocation>> outOfStock(SqlConnection conn, ReserveRequest request, Line failed) {
    List<Line> untried = request.lines().subList(request.lines().indexOf(failed) + 1, request.lines().size());
    UUID[] productIds = untried.stream().map(Line::productId).toArray(UUID[]::new);
    Future<RowSet<Row>> rows = untried.isEmpty()
      ? Future.succeededFuture(null)
      : conn.preparedQuery(AVAILABLE).execute(Tuple.of(productIds));
    return rows.compose(available -> {
      Map<UUID, Integer> free = new HashMap<>();
      if (available != null) {
        available.forEach(row -> free.put(row.getUUID("product_id"), row.getInteger("available")));
      }
      JsonArray shortLines = new JsonArray().add(failed.productId().toString());
      for (Line line : untried) {
        if (free.getOrDefault(line.productId(), 0) < line.quantity()) {
          shortLines.add(line.productId().toString());
        }
      }
      return Future.failedFuture(ErrorCode.OUT_OF_STOCK.failure("Not enough stock for every line.",
        new JsonObject().put("product_ids", shortLines)));
    });
  }

  /**
   * One line. Fast path: one free bucket that has the units, skipping buckets others hold locked.
   * In order (or on the retry): units from several buckets under locks on all of them.
   * {@code null} when the product has not got the units.
   */
  private Future<List<Allocation>> holdLine(SqlConnection conn, Line line, boolean inOrder) {
    if (inOrder) {
      return holdAcrossBuckets(conn, line);
    }
    int start = ThreadLocalRandom.current().nextInt(buckets);
    return conn.preparedQuery(HOLD_IN_FREE_BUCKET).execute(Tuple.of(line.productId(), line.quantity(), start))
      .compose(rows -> {
        if (rows.size() > 0) {
          return Future.succeededFuture(single(line, rows));
        }
        return conn.preparedQuery(AVAILABLE).execute(Tuple.of(new UUID[] {line.productId()})).compose(available -> {
          int free = available.size() == 0 ? 0 : available.iterator().next().getInteger("available");
          return free < line.quantity()
            ? Future.succeededFuture(null)
            : Future.failedFuture(new Contended());
        });
      });
  }

  private static List<Allocation> single(Line line, RowSet<Row> rows) {
    return List.of(new Allocation(line.productId(), rows.iterator().next().getInteger("bucket"), line.quantity()));
  }

  private Future<List<Allocation>> holdAcrossBuckets(SqlConnection conn, Line line) {
    return conn.preparedQuery(LOCK_BUCKETS).execute(Tuple.of(line.productId())).compose(rows -> {
      List<Allocation> taken = new ArrayList<>();
      int needed = line.quantity();
      for (Row row : rows) {
        int free = row.getInteger("on_hand") - row.getInteger("held") - row.getInteger("sold");
        int take = Math.min(free, needed);
        if (take > 0) {
          taken.add(new Allocation(line.productId(), row.getInteger("bucket"), take));
          needed -= take;
        }
      }
      if (needed > 0) {
        return Future.succeededFuture(null);
      }
      Tuple args = Tuple.tuple().addValue(line.productId())
        .addValue(taken.stream().map(Allocation::bucket).toArray(Integer[]::new))
        .addValue(taken.stream().map(Allocation::quantity).toArray(Integer[]::new));
      return conn.preparedQuery(HOLD_IN_BUCKETS).execute(args).map(done -> taken);
    });
  }

  private Future<Void> finish(SqlConnection conn, ReserveRequest request, Map<UUID, Integer> limits, List<Allocation> allocations) {
    List<Line> lines = request.lines();
    Tuple args = Tuple.tuple()
      .addValue(request.reservationId())
      .addValue(lines.stream().map(Line::productId).toArray(UUID[]::new))
      .addValue(lines.stream().map(Line::quantity).toArray(Integer[]::new))
      .addValue(lines.stream().map(l -> limits.containsKey(l.productId())).toArray(Boolean[]::new))
      .addValue(allocations.stream().map(Allocation::productId).toArray(UUID[]::new))
      .addValue(allocations.stream().map(Allocation::bucket).toArray(Integer[]::new))
      .addValue(allocations.stream().map(Allocation::quantity).toArray(Integer[]::new));
    return conn.preparedQuery(FINISH_RESERVATION).execute(args).mapEmpty();
  }

  // ---------------------------------------------------------------- batched reserves

  /**
   * Reserves many single-line requests for one product in one transaction: one insert of the
   * reservations, one usage upsert, one lock of the free buckets (skipping locked ones), one update,
   * one insert of lines and allocations with one StockChanged event. Each request is still all or
   * nothing. The outcome per request, in order: the reply, a failure, or {@code null} when the
   * request needs a transaction of its own (its id was seen before, its order was cancelled, a
   * buyer appears twice, or the units may be in buckets others hold locked).
   */
  Future<List<Object>> reserveBatch(UUID productId, List<ReserveRequest> requests) {
    Object[] outcome = new Object[requests.size()];
    return pool.withTransaction(conn -> conn.preparedQuery(BATCH_LIMIT_AND_AVAILABLE).execute(Tuple.of(productId))
      .compose(rows -> {
        Row row = rows.iterator().next();
        Integer limit = row.getInteger("per_buyer");
        int available = row.getInteger("available");
        // one request per id and (with a limit) per buyer in a batch; the others go alone
        List<Integer> members = new ArrayList<>();
        java.util.Set<UUID> ids = new java.util.HashSet<>();
        java.util.Set<UUID> buyers = new java.util.HashSet<>();
        for (int i = 0; i < requests.size(); i++) {
          ReserveRequest r = requests.get(i);
          if (ids.add(r.reservationId()) && (limit == null || buyers.add(r.buyerId()))) {
            members.add(i);
          }
        }
        if (available == 0) {
          return soldOut(conn, requests, members, outcome);
        }
        Future<List<Integer>> claimed = claim(conn, requests, members, outcome);
        if (limit == null) {
          // no usage rows to lock first: the bucket lock goes out in the same round trip (pipelined)
          Future<RowSet<Row>> freeBuckets = conn.preparedQuery(BATCH_LOCK_FREE_BUCKETS).execute(bucketShare(productId));
          return claimed.compose(accepted -> freeBuckets.compose(buckets ->
            holdBatch(conn, productId, requests, accepted, false, available, buckets, outcome)));
        }
        return claimed
          .compose(c -> countBatchUsage(conn, productId, requests, c, limit, outcome))
          .compose(accepted -> conn.preparedQuery(BATCH_LOCK_FREE_BUCKETS).execute(bucketShare(productId))
            .compose(buckets -> holdBatch(conn, productId, requests, accepted, true, available, buckets, outcome)));
      })
      .map(v -> java.util.Arrays.asList(outcome)))
      .onSuccess(x -> afterChange.run());
  }

  /** The buckets one of {@code batchParallelism} concurrent batches of a product locks. */
  private Tuple bucketShare(UUID productId) {
    int share = Math.max(1, (buckets + batchParallelism - 1) / batchParallelism);
    return Tuple.of(productId, share, ThreadLocalRandom.current().nextInt(buckets));
  }

  /** Nothing free: new requests are OUT_OF_STOCK at once; known ids and cancelled orders go alone. */
  private Future<Void> soldOut(SqlConnection conn, List<ReserveRequest> requests, List<Integer> members, Object[] outcome) {
    Tuple args = Tuple.tuple()
      .addValue(members.stream().map(i -> requests.get(i).reservationId()).toArray(UUID[]::new))
      .addValue(members.stream().map(i -> requests.get(i).orderId()).toArray(UUID[]::new));
    return conn.preparedQuery(BATCH_KNOWN).execute(args).map(rows -> {
      java.util.Set<UUID> known = new java.util.HashSet<>();
      rows.forEach(r -> known.add(r.getUUID("id")));
      for (int i : members) {
        if (!known.contains(requests.get(i).reservationId())) {
          outcome[i] = outOfStock(requests.get(i).lines().get(0).productId());
        }
      }
      return null;
    });
  }

  private static RuntimeException outOfStock(UUID productId) {
    return ErrorCode.OUT_OF_STOCK.failure("Not enough stock for every line.",
      new JsonObject().put("product_ids", new JsonArray().add(productId.toString())));
  }

  /** Inserts the members' reservations; the indexes of those claimed, with their reserved_until in outcome. */
  private Future<List<Integer>> claim(SqlConnection conn, List<ReserveRequest> requests, List<Integer> members, Object[] outcome) {
    Tuple args = Tuple.tuple()
      .addValue(members.stream().map(i -> requests.get(i).reservationId()).toArray(UUID[]::new))
      .addValue(members.stream().map(i -> requests.get(i).orderId()).toArray(UUID[]::new))
      .addValue(members.stream().map(i -> requests.get(i).buyerId()).toArray(UUID[]::new))
      .addValue(members.stream().map(i -> requests.get(i).ttlSeconds()).toArray(Integer[]::new));
    return conn.preparedQuery(BATCH_INSERT_RESERVATIONS).execute(args).map(rows -> {
      Map<UUID, OffsetDateTime> until = new HashMap<>();
      rows.forEach(r -> until.put(r.getUUID("id"), r.getOffsetDateTime("reserved_until")));
      List<Integer> claimed = new ArrayList<>();
      for (int i : members) {
        OffsetDateTime at = until.get(requests.get(i).reservationId());
        if (at != null) {
          claimed.add(i);
          outcome[i] = reply(requests.get(i).reservationId(), "HELD", at);
        }
      }
      return claimed;
    });
  }

  /** With a limit, counts the claimed requests' units per buyer; those past it are refused (and undone later). */
  private Future<List<Integer>> countBatchUsage(SqlConnection conn, UUID productId, List<ReserveRequest> requests,
                                                List<Integer> claimed, Integer limit, Object[] outcome) {
    if (limit == null || claimed.isEmpty()) {
      return Future.succeededFuture(claimed);
    }
    // buyer order: concurrent batches lock usage rows in one order
    List<Integer> byBuyer = new ArrayList<>(claimed);
    byBuyer.sort(java.util.Comparator.comparing(i -> requests.get(i).buyerId()));
    Tuple args = Tuple.tuple().addValue(productId)
      .addValue(byBuyer.stream().map(i -> requests.get(i).buyerId()).toArray(UUID[]::new))
      .addValue(byBuyer.stream().map(i -> requests.get(i).lines().get(0).quantity()).toArray(Integer[]::new))
      .addValue(limit);
    return conn.preparedQuery(BATCH_ADD_USAGE).execute(args).map(rows -> {
      java.util.Set<UUID> counted = new java.util.HashSet<>();
      rows.forEach(r -> counted.add(r.getUUID("buyer_id")));
      List<Integer> accepted = new ArrayList<>();
      for (int i : claimed) {
        if (counted.contains(requests.get(i).buyerId())) {
          accepted.add(i);
        } else {
          outcome[i] = limitExceeded(productId, limit);
        }
      }
      return accepted;
    });
  }

  private Future<Void> holdBatch(SqlConnection conn, UUID productId, List<ReserveRequest> requests, List<Integer> accepted,
                                 boolean counted, int availableBefore, RowSet<Row> rows, Object[] outcome) {
    if (accepted.isEmpty()) {
      return undo(conn, productId, requests, List.of(), counted, outcome);
    }
    {
      List<int[]> free = new ArrayList<>();
      int freeTotal = 0;
      for (Row row : rows) {
        free.add(new int[] {row.getInteger("bucket"), row.getInteger("free")});
        freeTotal += row.getInteger("free");
      }
      // nothing free in buckets others hold locked (as far as the snapshot before the locks tells)
      boolean definitive = freeTotal >= availableBefore;
      List<Integer> held = new ArrayList<>();
      List<Integer> notHeld = new ArrayList<>();
      List<UUID> allocReservation = new ArrayList<>();
      List<Integer> allocBucket = new ArrayList<>();
      List<Integer> allocQuantity = new ArrayList<>();
      Map<Integer, Integer> perBucket = new java.util.TreeMap<>();
      int cursor = 0;
      for (int i : accepted) {
        int needed = requests.get(i).lines().get(0).quantity();
        int left = free.stream().skip(cursor).mapToInt(b -> b[1]).sum();
        if (needed > left) {
          notHeld.add(i);
          continue;
        }
        while (needed > 0) {
          int[] bucket = free.get(cursor);
          int take = Math.min(bucket[1], needed);
          if (take > 0) {
            bucket[1] -= take;
            needed -= take;
            allocReservation.add(requests.get(i).reservationId());
            allocBucket.add(bucket[0]);
            allocQuantity.add(take);
            perBucket.merge(bucket[0], take, Integer::sum);
          }
          if (bucket[1] == 0) {
            cursor++;
          }
        }
        held.add(i);
      }
      for (int i : notHeld) {
        outcome[i] = definitive ? outOfStock(productId) : null;
      }
      Future<Void> undone = undo(conn, productId, requests, notHeld, counted, outcome);
      if (held.isEmpty()) {
        return undone;
      }
      Tuple hold = Tuple.tuple().addValue(productId)
        .addValue(perBucket.keySet().toArray(Integer[]::new))
        .addValue(perBucket.values().toArray(Integer[]::new));
      Tuple finish = Tuple.tuple().addValue(productId)
        .addValue(held.stream().map(i -> requests.get(i).reservationId()).toArray(UUID[]::new))
        .addValue(held.stream().map(i -> requests.get(i).lines().get(0).quantity()).toArray(Integer[]::new))
        .addValue(counted)
        .addValue(allocReservation.toArray(UUID[]::new))
        .addValue(allocBucket.toArray(Integer[]::new))
        .addValue(allocQuantity.toArray(Integer[]::new));
      // three statements in one round trip; the server runs them in order
      Future<?> holding = conn.preparedQuery(HOLD_IN_BUCKETS).execute(hold);
      Future<?> finished = conn.preparedQuery(BATCH_FINISH).execute(finish);
      return Future.all(undone, holding, finished).mapEmpty();
    }
  }

  /**
   * Takes back what this batch claimed for requests it does not grant (limit refusals, and
   * {@code notHeld}): their reservation rows, and their usage when counted.
   */
  private Future<Void> undo(SqlConnection conn, UUID productId, List<ReserveRequest> requests, List<Integer> notHeld,
                            boolean counted, Object[] outcome) {
    List<UUID> drop = new ArrayList<>();
    for (int i = 0; i < outcome.length; i++) {
      if (outcome[i] instanceof ReplyException re && re.failureCode() == ErrorCode.PURCHASE_LIMIT_EXCEEDED.code()) {
        drop.add(requests.get(i).reservationId());
      }
    }
    notHeld.forEach(i -> drop.add(requests.get(i).reservationId()));
    if (drop.isEmpty()) {
      return Future.succeededFuture();
    }
    Future<?> usage = counted && !notHeld.isEmpty()
      ? conn.preparedQuery(BATCH_RETURN_USAGE).execute(Tuple.tuple().addValue(productId)
        .addValue(notHeld.stream().map(i -> requests.get(i).buyerId()).toArray(UUID[]::new))
        .addValue(notHeld.stream().map(i -> requests.get(i).lines().get(0).quantity()).toArray(Integer[]::new)))
      : Future.succeededFuture();
    return usage.compose(v -> conn.preparedQuery(BATCH_DELETE_RESERVATIONS).execute(Tuple.of(drop.toArray(UUID[]::new))))
      .mapEmpty();
  }

  // ---------------------------------------------------------------- commit, release

  Future<JsonObject> commit(UUID reservationId) {
    return pool.withTransaction(conn -> lockStatus(conn, reservationId).compose(status -> {
      if (status == null) {
        return Future.failedFuture(ErrorCode.NOT_FOUND.failure("No such reservation."));
      }
      return switch (status) {
        case "COMMITTED" -> Future.succeededFuture(reply(reservationId, "COMMITTED", null));
        case "HELD" -> settle(conn, reservationId, HELD_TO_SOLD, false, "COMMITTED", null)
          .map(v -> reply(reservationId, "COMMITTED", null));
        default -> Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure(
          "This reservation was released (" + status.toLowerCase() + ") and cannot be committed."));
      };
    })).onSuccess(reply -> afterChange.run());
  }

  /** One commit alone (a batch of one, or a batch's fallback): the batch's two round trips instead of five. */
  Future<JsonObject> commitAlone(UUID reservationId) {
    return commitBatch(List.of(reservationId)).compose(out -> out.get(0) instanceof Throwable failure
      ? Future.failedFuture(failure)
      : Future.succeededFuture((JsonObject) out.get(0)));
  }

  /**
   * Commits many reservations in one transaction (group commit): locked in id order, then one
   * statement moves the units of every HELD one to sold, one sets their status, one writes the
   * StockChanged events. Per request, in order: the reply, or NOT_FOUND / ILLEGAL_STATE for that one alone.
   */
  Future<List<Object>> commitBatch(List<UUID> reservationIds) {
    UUID[] ids = new java.util.TreeSet<>(reservationIds).toArray(UUID[]::new);
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_RESERVATIONS_MANY).execute(Tuple.of((Object) ids)).compose(rows -> {
      Map<UUID, String> status = new HashMap<>();
      rows.forEach(r -> status.put(r.getUUID("id"), r.getString("status")));
      List<UUID> held = new ArrayList<>();
      status.forEach((id, st) -> {
        if (st.equals("HELD")) {
          held.add(id);
        }
      });
      List<Object> out = new ArrayList<>(reservationIds.size());
      for (UUID id : reservationIds) {
        String st = status.get(id);
        if (st == null) {
          out.add(ErrorCode.NOT_FOUND.failure("No such reservation."));
        } else if (st.equals("HELD") || st.equals("COMMITTED")) {
          out.add(reply(id, "COMMITTED", null));
        } else {
          out.add(ErrorCode.ILLEGAL_STATE.failure(
            "This reservation was released (" + st.toLowerCase() + ") and cannot be committed."));
        }
      }
      if (held.isEmpty()) {
        return Future.succeededFuture(out);
      }
      Tuple heldIds = Tuple.of((Object) held.toArray(UUID[]::new));
      // pipelined; the server runs them in this order
      Future<?> moved = conn.preparedQuery(HELD_TO_SOLD_MANY).execute(heldIds);
      Future<?> marked = conn.preparedQuery(SET_COMMITTED_MANY).execute(heldIds);
      Future<?> events = conn.preparedQuery(RESERVATIONS_STOCK_EVENTS).execute(heldIds);
      return Future.all(moved, marked, events).map(out);
    })).onSuccess(x -> afterChange.run());
  }

  Future<JsonObject> release(UUID reservationId, String reason) {
    return pool.withTransaction(conn -> releaseLocked(conn, reservationId, reason, true))
      .onSuccess(reply -> afterChange.run());
  }

  private Future<JsonObject> releaseLocked(SqlConnection conn, UUID reservationId, String reason, boolean mayRetry) {
    return lockStatus(conn, reservationId).compose(status -> {
      if (status == null) {
        // a tombstone: a reserve with this id that arrives later holds nothing
        return conn.preparedQuery(INSERT_TOMBSTONE).execute(Tuple.of(reservationId, reason)).compose(rows ->
          rows.rowCount() == 1 || !mayRetry
            ? Future.succeededFuture(reply(reservationId, "RELEASED", null))
            // a reserve with this id committed meanwhile: release that one
            : releaseLocked(conn, reservationId, reason, false));
      }
      return switch (status) {
        case "RELEASED", "EXPIRED" -> Future.succeededFuture(reply(reservationId, "RELEASED", null));
        case "HELD" -> settle(conn, reservationId, HELD_TO_FREE, true, "RELEASED", reason)
          .map(v -> reply(reservationId, "RELEASED", null));
        default -> Future.failedFuture(ErrorCode.ILLEGAL_STATE.failure("This reservation was committed and cannot be released."));
      };
    });
  }

  private static Future<String> lockStatus(SqlConnection conn, UUID reservationId) {
    return conn.preparedQuery(SELECT_RESERVATION_FOR_UPDATE).execute(Tuple.of(reservationId))
      .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("status"));
  }

  /** Moves a locked reservation's units (buckets by {@code bucketSql}), sets its status, writes events. */
  private static Future<Void> settle(SqlConnection conn, UUID reservationId, String bucketSql, boolean returnUsage,
                                     String status, String reason) {
    Future<?> usage = returnUsage
      ? conn.preparedQuery(RETURN_USAGE).execute(Tuple.of(reservationId))
      : Future.succeededFuture();
    return usage
      .compose(v -> conn.preparedQuery(bucketSql).execute(Tuple.of(reservationId)))
      .compose(v -> conn.preparedQuery(SET_STATUS).execute(Tuple.of(reservationId, status, reason)))
      .compose(v -> conn.preparedQuery(RESERVATION_STOCK_EVENTS).execute(Tuple.of(reservationId)))
      .mapEmpty();
  }

  // ---------------------------------------------------------------- expiry, cancelled orders

  /** Releases up to {@code batch} expired reservations, each in its own transaction; the count released. */
  Future<Integer> expireDue(int batch) {
    return pool.preparedQuery(EXPIRED_CANDIDATES).execute(Tuple.of(batch)).compose(rows -> {
      List<UUID> ids = new ArrayList<>();
      rows.forEach(row -> ids.add(row.getUUID("id")));
      Future<Integer> chain = Future.succeededFuture(0);
      for (UUID id : ids) {
        chain = chain.compose(count -> expireOne(id).map(expired -> expired ? count + 1 : count));
      }
      return chain;
    }).onSuccess(count -> {
      if (count > 0) {
        afterChange.run();
      }
    });
  }

  private Future<Boolean> expireOne(UUID reservationId) {
    return pool.withTransaction(conn -> conn.preparedQuery(LOCK_EXPIRED).execute(Tuple.of(reservationId))
      .compose(rows -> rows.size() == 0
        // another node took it, or it was committed or released meanwhile
        ? Future.succeededFuture(false)
        : settle(conn, reservationId, HELD_TO_FREE, true, "EXPIRED", "EXPIRED").map(true)));
  }

  /**
   * Applies an {@code OrderCancelled} event once: held reservations of the order are released, a
   * committed one goes back to stock, and a reserve for the order that arrives later holds nothing.
   *
   * @return whether the event was new
   */
  Future<Boolean> orderCancelled(UUID eventId, UUID orderId) {
    return pool.withTransaction(conn -> conn.preparedQuery(INSERT_CONSUMED_EVENT).execute(Tuple.of(eventId))
      .compose(seen -> {
        if (seen.rowCount() == 0) {
          return Future.succeededFuture(false);
        }
        return conn.preparedQuery(INSERT_CANCELLED_ORDER).execute(Tuple.of(orderId))
          .compose(v -> conn.preparedQuery(ORDER_RESERVATIONS_FOR_UPDATE).execute(Tuple.of(orderId)))
          .compose(rows -> {
            Future<Void> chain = Future.succeededFuture();
            for (Row row : rows) {
              UUID id = row.getUUID("id");
              boolean held = row.getString("status").equals("HELD");
              chain = chain.compose(v -> held
                ? settle(conn, id, HELD_TO_FREE, true, "RELEASED", "ORDER_CANCELLED")
                : settle(conn, id, SOLD_TO_FREE, true, "RETURNED", "ORDER_CANCELLED"));
            }
            return chain.map(true);
          });
      })).onSuccess(applied -> {
        if (applied) {
          afterChange.run();
        }
      });
  }

  private static JsonObject reply(UUID reservationId, String status, OffsetDateTime reservedUntil) {
    JsonObject reply = new JsonObject().put("reservation_id", reservationId.toString()).put("status", status);
    if (reservedUntil != null) {
      reply.put("reserved_until", reservedUntil.toInstant().toString());
    }
    return reply;
  }
}
