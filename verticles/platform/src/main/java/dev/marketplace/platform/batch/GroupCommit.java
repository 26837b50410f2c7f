package dev.marketplace.platform.batch;

import dev.marketplace.platform.metrics.Meters;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Group commit: concurrent requests of one kind share a transaction. A request that arrives while
 * {@code parallelism} batches run waits and goes into the next batch, so under load batches grow
 * by themselves and without load every request runs at once (no timer, no added latency).
 *
 * <p>The batch function answers, per request and in order, the reply ({@code T}), a failure
 * ({@link Throwable}: that request alone fails) or {@code null}: the request needs a transaction of
 * its own and is run by the single function. When the whole batch fails (its transaction rolled
 * back), every request of it is run alone, so one bad request never fails its neighbours.
 * Everything runs on the caller's context (one verticle instance's event loop); not thread-safe.
 *
 * @param <R> the request
 * @param <T> the reply
 */
public final class GroupCommit<R, T> {
  private record Pending<R, T>(R request, Promise<T> reply) {
  }

  private final String name;
  private final int maxBatch;
  private final int parallelism;
  private final Function<List<R>, Future<List<Object>>> batch;
  private final Function<R, Future<T>> single;
  private final ArrayDeque<Pending<R, T>> queue = new ArrayDeque<>();
  private int running;

  /**
   * @param name        names the batch in metrics ({@code marketplace_batch_size{batch=name}})
   * @param maxBatch    the most requests in one transaction; 1 turns grouping off
   * @param parallelism how many batches may run at once (each on its own connection)
   * @param batch       runs several requests in one transaction
   * @param single      runs one request alone (also when the batch failed as a whole)
   */
  public GroupCommit(String name, int maxBatch, int parallelism, Function<List<R>, Future<List<Object>>> batch,
                     Function<R, Future<T>> single) {
    this.name = name;
    this.maxBatch = Math.max(1, maxBatch);
    this.parallelism = Math.max(1, parallelism);
    this.batch = batch;
    this.single = single;
  }

  public Future<T> submit(R request) {
    if (maxBatch == 1) {
      return run(single, request);
    }
    Promise<T> reply = Promise.promise();
    queue.add(new Pending<>(request, reply));
    next();
    return reply.future();
  }

  /** Requests waiting for a batch (for tests and metrics). */
  public int waiting() {
    return queue.size();
  }

  private void next() {
    while (running < parallelism && !queue.isEmpty()) {
      start();
    }
  }

  private void start() {
    List<Pending<R, T>> taken = new ArrayList<>(Math.min(queue.size(), maxBatch));
    while (!queue.isEmpty() && taken.size() < maxBatch) {
      taken.add(queue.poll());
    }
    running++;
    Meters.batchSize(name, taken.size());
    if (taken.size() == 1) {
      Pending<R, T> only = taken.get(0);
      run(single, only.request()).onComplete(ar -> {
        only.reply().handle(ar);
        done();
      });
      return;
    }
    List<R> requests = new ArrayList<>(taken.size());
    taken.forEach(p -> requests.add(p.request()));
    Future<List<Object>> outcome;
    try {
      outcome = batch.apply(requests);
    } catch (RuntimeException e) {
      outcome = Future.failedFuture(e);
    }
    outcome.onComplete(ar -> {
      for (int i = 0; i < taken.size(); i++) {
        Pending<R, T> pending = taken.get(i);
        Object result = ar.succeeded() && ar.result() != null && i < ar.result().size() ? ar.result().get(i) : null;
        if (result instanceof Throwable failure) {
          pending.reply().fail(failure);
        } else if (result != null) {
          @SuppressWarnings("unchecked")
          T reply = (T) result;
          pending.reply().complete(reply);
        } else {
          // the batch rolled back, or this request must go alone
          run(single, pending.request()).onComplete(pending.reply());
        }
      }
      done();
    });
  }

  private void done() {
    running--;
    next();
  }

  private static <R, T> Future<T> run(Function<R, Future<T>> fn, R request) {
    try {
      return fn.apply(request);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
