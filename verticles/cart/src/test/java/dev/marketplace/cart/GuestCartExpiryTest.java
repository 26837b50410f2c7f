package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Abandoned guest carts are deleted by the periodic job; active guest carts and user carts stay. */
class GuestCartExpiryTest extends CartTestBase {
  private static Pool sql;

  @BeforeAll
  static void openSql() {
    sql = PgSupport.pool(vertx, config, 1);
  }

  @AfterAll
  static void closeSql(VertxTestContext ctx) {
    sql.close().onComplete(ctx.succeedingThenComplete());
  }

  /** Makes the cart look untouched for {@code hours}. */
  private static Future<Void> idle(String guestId, double hours) {
    return sql.preparedQuery("UPDATE cart.carts SET last_active_at = now() - $2::float8 * interval '1 hour' WHERE guest_token_hash = $1")
      .execute(Tuple.of(GuestCartIds.hash(guestId), hours)).mapEmpty();
  }

  private static Future<Void> idleUserCart(String userId, double hours) {
    return sql.preparedQuery("UPDATE cart.carts SET last_active_at = now() - $2::float8 * interval '1 hour' WHERE user_id = $1")
      .execute(Tuple.of(userId, hours)).mapEmpty();
  }

  private static Future<String> newGuestCart(UUID product) {
    return request(CartAddresses.ADD_ITEM, item(product, 1), null, null).map(cart -> cart.getString("id"));
  }

  @Test
  void theJobDeletesGuestCartsIdleBeyondTheTtlOnly(VertxTestContext ctx) {
    UUID product = fakes.product("forgotten", 1_000);
    String user = newUser();
    CartSettings settings = CartSettings.from(new JsonObject().put("guest_ttl_hours", 24));
    newGuestCart(product).compose(abandoned -> newGuestCart(product).compose(recent -> request(CartAddresses.ADD_ITEM, item(product, 1), user, null)
        .compose(v -> Future.all(idle(abandoned, 25), idle(recent, 23), idleUserCart(user, 1000)))
        .compose(v -> new GuestCartExpiryJob(vertx, sql, settings).runOnce())
        .compose(deleted -> refusal(request(CartAddresses.GET, new JsonObject(), null, abandoned))
          .compose(gone -> request(CartAddresses.GET, new JsonObject(), null, recent)
            .compose(recentCart -> request(CartAddresses.GET, new JsonObject(), user, null).map(usersCart -> ctx.verify(() -> {
              assertThat(deleted).isGreaterThanOrEqualTo(1);
              assertThat(gone.code()).isEqualTo(ErrorCode.NOT_FOUND);
              assertThat(recentCart.getJsonArray("items")).hasSize(1);
              assertThat(usersCart.getJsonArray("items")).hasSize(1);
            })))))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theCartVerticleRunsTheJobPeriodicallyWithItsConfiguredTtl(VertxTestContext ctx) {
    UUID product = fakes.product("left-behind", 1_000);
    // a second cart node on its own Vert.x, same database, short interval and a one-hour TTL
    Vertx otherNode = Vertx.vertx();
    JsonObject otherConfig = config.copy();
    otherConfig.getJsonObject("cart").put("guest_ttl_hours", 1).put("expiry_interval_ms", 100);
    newGuestCart(product).compose(abandoned -> idle(abandoned, 2)
        .compose(v -> otherNode.deployVerticle(new CartVerticle(), new DeploymentOptions().setConfig(otherConfig)))
        .compose(id -> Eventually.until(vertx, "the abandoned guest cart was deleted by the job", 10_000,
          () -> sql.preparedQuery("SELECT 1 FROM cart.carts WHERE guest_token_hash = $1").execute(Tuple.of(GuestCartIds.hash(abandoned)))
            .map(rows -> rows.size() == 0))))
      .eventually(otherNode::close)
      .onComplete(ctx.succeedingThenComplete());
  }
}
