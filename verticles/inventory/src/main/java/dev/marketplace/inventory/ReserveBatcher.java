package dev.marketplace.inventory;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Groups concurrent single-line reserves of the same product into one transaction
 * ({@link Reservations#reserveBatch}): in a flash sale thousands of buyers want one SKU, and one
 * transaction per buyer would spend its time on round trips and commits while holding the rows.
 * While a product's batch runs, new requests for it queue up and form the next batch. Everything
 * runs on the verticle's event loop. Multi-line reserves go straight to {@link Reservations#reserve}.
 */
final class ReserveBatcher {
  private record Pending(Reservations.ReserveRequest request, Promise<JsonObject> reply) {
  }

  private final Reservations reservations;
  private final int maxBatch;
  private final Map<UUID, ArrayDeque<Pending>> queues = new HashMap<>();
  private final int parallelism;
  /** Batches running per product. */
  private final Map<UUID, Integer> running = new HashMap<>();

  /**
   * @param maxBatch    the most requests in one transaction; 1 turns batching off
   * @param parallelism how many batches of one product may run at once
   */
  ReserveBatcher(Reservations reservations, int maxBatch, int parallelism) {
    this.reservations = reservations;
    this.maxBatch = maxBatch;
    this.parallelism = Math.max(1, parallelism);
  }

  Future<JsonObject> reserve(Reservations.ReserveRequest request) {
    if (maxBatch <= 1 || request.lines().size() != 1) {
      return reservations.reserve(request);
    }
    UUID productId = request.lines().get(0).productId();
    Promise<JsonObject> reply = Promise.promise();
    queues.computeIfAbsent(productId, p -> new ArrayDeque<>()).add(new Pending(request, reply));
    if (running.getOrDefault(productId, 0) < parallelism) {
      start(productId);
    }
    return reply.future();
  }

  /** A batch of a product ended: start the next one if requests wait. */
  private void next(UUID productId) {
    running.computeIfPresent(productId, (p, n) -> n > 1 ? n - 1 : null);
    start(productId);
  }

  /** Runs a batch of the requests waiting for a product, if any. */
  private void start(UUID productId) {
    ArrayDeque<Pending> queue = queues.get(productId);
    if (queue == null || queue.isEmpty()) {
      if (!running.containsKey(productId)) {
        queues.remove(productId);
      }
      return;
    }
    running.merge(productId, 1, Integer::sum);
    List<Pending> batch = new ArrayList<>();
    while (!queue.isEmpty() && batch.size() < maxBatch) {
      batch.add(queue.poll());
    }
    if (batch.size() == 1) {
      Pending only = batch.get(0);
      reservations.reserve(only.request()).onComplete(ar -> {
        only.reply().handle(ar);
        next(productId);
      });
      return;
    }
    reservations.reserveBatch(productId, batch.stream().map(Pending::request).toList()).onComplete(ar -> {
      for (int i = 0; i < batch.size(); i++) {
        Pending pending = batch.get(i);
        Object outcome = ar.succeeded() ? ar.result().get(i) : null;
        if (outcome instanceof JsonObject reply) {
          pending.reply().complete(reply);
        } else if (outcome instanceof Throwable failure) {
          pending.reply().fail(failure);
        } else {
          // the batch failed (and rolled back) or this request needs its own transaction
          reservations.reserve(pending.request()).onComplete(pending.reply());
        }
      }
      next(productId);
    });
  }
}
