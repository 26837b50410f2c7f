package dev.marketplace.platform.stock;

import dev.marketplace.contracts.inventory.InventoryAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's copy of inventory's sold-out set ({@link InventoryAddresses#SOLD_OUT}), so that cart
 * and checkout refuse a sold-out product without a database write or a bus hop. Snapshots replace
 * the set, changes adjust it; a view that heard no snapshot for {@code staleAfterMs} answers "not
 * sold out" for everything, so a silent inventory can never keep a product refused: the flag only
 * ever saves work, the reservation in inventory stays the one thing that grants stock.
 *
 * <p>Thread-safe: one view may serve every verticle instance of a component on the node.
 */
public final class SoldOutView {
  private final Set<String> soldOut = ConcurrentHashMap.newKeySet();
  private final long staleAfterMs;
  private volatile long lastSnapshotAt;
  private MessageConsumer<JsonObject> consumer;

  public SoldOutView(long staleAfterMs) {
    this.staleAfterMs = staleAfterMs;
  }

  /** Listens on {@link InventoryAddresses#SOLD_OUT}; completes when the registration reached the cluster. */
  public Future<Void> start(Vertx vertx) {
    consumer = vertx.eventBus().consumer(InventoryAddresses.SOLD_OUT, msg -> apply(msg.body()));
    return consumer.completion();
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Applies a snapshot ({@code full: true}) or a change. */
  public void apply(JsonObject message) {
    if (message == null) {
      return;
    }
    if (message.getBoolean("full", false)) {
      Set<String> next = new HashSet<>(strings(message.getJsonArray("sold_out")));
      soldOut.retainAll(next);
      soldOut.addAll(next);
      lastSnapshotAt = System.currentTimeMillis();
      return;
    }
    soldOut.removeAll(strings(message.getJsonArray("removed")));
    soldOut.addAll(strings(message.getJsonArray("added")));
  }

  /** Whether the product is known to be sold out right now (false when the view is stale). */
  public boolean isSoldOut(String productId) {
    return fresh() && soldOut.contains(productId);
  }

  /** The products of {@code productIds} known to be sold out (empty when the view is stale). */
  public List<String> soldOutAmong(Collection<String> productIds) {
    if (!fresh() || soldOut.isEmpty()) {
      return List.of();
    }
    return productIds.stream().filter(soldOut::contains).toList();
  }

  /** Whether nothing is known sold out (also when stale). */
  public boolean isEmpty() {
    return !fresh() || soldOut.isEmpty();
  }

  /** The whole set as this node knows it (empty when stale). */
  public Set<String> snapshot() {
    return fresh() ? Set.copyOf(soldOut) : Set.of();
  }

  private boolean fresh() {
    return System.currentTimeMillis() - lastSnapshotAt <= staleAfterMs;
  }

  private static List<String> strings(JsonArray array) {
    if (array == null) {
      return List.of();
    }
    return array.stream().filter(String.class::isInstance).map(String.class::cast).toList();
  }
}
