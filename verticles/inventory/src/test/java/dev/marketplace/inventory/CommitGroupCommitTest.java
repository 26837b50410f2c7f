package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** Concurrent commits share transactions (group commit); a released or unknown one fails alone. */
class CommitGroupCommitTest {
  private static final String SELLER = UUID.randomUUID().toString();
  @RegisterExtension
  static final InventoryTestSupport inv = new InventoryTestSupport(config -> config.getJsonObject("inventory").put("commit_batch_max", 64));

  @Test
  void aBatchOfCommitsSellsEachHeldReservationOnceAndFailsOnlyTheReleasedAndTheUnknown() {
    UUID product = inv.product(SELLER, 100);
    List<UUID> held = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      UUID id = UUID.randomUUID();
      inv.call("inventory.reserve", reserveBody(id, UUID.randomUUID(), product, 2));
      held.add(id);
    }
    UUID released = held.remove(0);
    inv.call("inventory.release", new JsonObject().put("reservation_id", released.toString()).put("reason", "PAYMENT_DECLINED"));
    UUID unknown = UUID.randomUUID();

    List<UUID> asked = new ArrayList<>(held);
    asked.add(5, released);
    asked.add(12, unknown);
    // the same reservation twice in one go: committed once
    asked.add(held.get(3));
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (UUID id : asked) {
      replies.add(inv.request("inventory.commit", new JsonObject().put("reservation_id", id.toString()), null, null));
    }
    InventoryTestSupport.await(Future.join(replies).transform(ar -> Future.succeededFuture()));

    for (int i = 0; i < asked.size(); i++) {
      UUID id = asked.get(i);
      Future<JsonObject> reply = replies.get(i);
      if (id.equals(released)) {
        assertThat(ServiceFailure.from(reply.cause()).code()).isEqualTo(ErrorCode.ILLEGAL_STATE);
      } else if (id.equals(unknown)) {
        assertThat(ServiceFailure.from(reply.cause()).code()).isEqualTo(ErrorCode.NOT_FOUND);
      } else {
        assertThat(reply.succeeded()).as("%s", reply.cause()).isTrue();
        assertThat(reply.result().getString("status")).isEqualTo("COMMITTED");
      }
    }
    List<io.vertx.sqlclient.Row> totals = inv.query(
      "SELECT sum(on_hand)::int, sum(held)::int, sum(sold)::int FROM inventory.stock_bucket WHERE product_id = $1", product);
    assertThat(totals.get(0).getInteger(1)).isZero();
    assertThat(totals.get(0).getInteger(2)).isEqualTo(2 * held.size());
    assertThat(inv.available(product)).isEqualTo(100 - 2 * held.size());
    inv.assertInvariant();
  }
}
