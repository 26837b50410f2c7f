package dev.marketplace.inventory;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static dev.marketplace.inventory.InventoryTestSupport.reserveBody;
import static org.assertj.core.api.Assertions.assertThat;

/** Concurrent commits share transactions (group commit); a released or unknown one fails alone. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class CommitGroupCommitTest {
  private static final String SELLER = UUID.randomUUID().toString();
  @RegisterExtension
  static final InventoryTestSupport inv = new InventoryTestSupport(config -> config.getJsonObject("inventory").put("commit_batch_max", 64));

  @Test
  void aBatchOfCommitsSellsEachHeldReservationOnceAndFailsOnlyTheReleasedAndTheUnknown(VertxTestContext ctx) {
    List<UUID> held = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      held.add(UUID.randomUUID());
    }
    UUID released = held.remove(0);
    UUID unknown = UUID.randomUUID();
    List<UUID> asked = new ArrayList<>(held);
    asked.add(5, released);
    asked.add(12, unknown);
    // the same reservation twice in one go: committed once
    asked.add(held.get(3));
    List<Future<JsonObject>> replies = new ArrayList<>();

    inv.newProduct(SELLER, 100).compose(product -> {
        List<Supplier<Future<JsonObject>>> reserves = new ArrayList<>();
        for (UUID id : held) {
          reserves.add(() -> inv.request("inventory.reserve", reserveBody(id, UUID.randomUUID(), product, 2), null, null));
        }
        reserves.add(0, () -> inv.request("inventory.reserve", reserveBody(released, UUID.randomUUID(), product, 2), null, null));
        return InOrder.run(reserves)
          .compose(v -> inv.request("inventory.release", new JsonObject().put("reservation_id", released.toString()).put("reason", "PAYMENT_DECLINED"),
            null, null))
          .compose(v -> {
            for (UUID id : asked) {
              replies.add(inv.request("inventory.commit", new JsonObject().put("reservation_id", id.toString()), null, null));
            }
            return Future.join(replies).transform(ar -> Future.succeededFuture());
          })
          .compose(v -> inv.rows("SELECT sum(on_hand)::int, sum(held)::int, sum(sold)::int FROM inventory.stock_bucket WHERE product_id = $1", product))
          .compose(totals -> inv.availableOf(product).map(available -> ctx.verify(() -> {
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
            assertThat(totals.get(0).getInteger(1)).isZero();
            assertThat(totals.get(0).getInteger(2)).isEqualTo(2 * held.size());
            assertThat(available).isEqualTo(100 - 2 * held.size());
          })));
      })
      .compose(v -> inv.invariant())
      .onComplete(ctx.succeedingThenComplete());
  }
}
