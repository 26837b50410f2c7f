package dev.marketplace.cart;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.cart.CartAddresses;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
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
  static void closeSql() throws Exception {
    await(sql.close());
  }

  /** Makes the cart look untouched for {@code hours}. */
  private static void idle(String guestId, double hours) throws Exception {
    await(sql.preparedQuery("UPDATE cart.carts SET last_active_at = now() - $2::float8 * interval '1 hour' WHERE guest_token_hash = $1")
      .execute(Tuple.of(GuestCartIds.hash(guestId), hours)));
  }

  private static void idleUserCart(String userId, double hours) throws Exception {
    await(sql.preparedQuery("UPDATE cart.carts SET last_active_at = now() - $2::float8 * interval '1 hour' WHERE user_id = $1")
      .execute(Tuple.of(userId, hours)));
  }

  @Test
  void theJobDeletesGuestCartsIdleBeyondTheTtlOnly() throws Exception {
    UUID product = fakes.product("forgotten", 1_000);
    String abandoned = asGuest(null, CartAddresses.ADD_ITEM, item(product, 1)).getString("id");
    String recent = asGuest(null, CartAddresses.ADD_ITEM, item(product, 1)).getString("id");
    String user = newUser();
    asUser(user, CartAddresses.ADD_ITEM, item(product, 1));
    idle(abandoned, 25);
    idle(recent, 23);
    idleUserCart(user, 1000);
    CartSettings settings = CartSettings.from(new JsonObject().put("guest_ttl_hours", 24));

    int deleted = await(new GuestCartExpiryJob(vertx, sql, settings).runOnce());

    assertThat(deleted).isGreaterThanOrEqualTo(1);
    assertThat(failure(request(CartAddresses.GET, new JsonObject(), null, abandoned)).code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(asGuest(recent, CartAddresses.GET, new JsonObject()).getJsonArray("items")).hasSize(1);
    assertThat(asUser(user, CartAddresses.GET, new JsonObject()).getJsonArray("items")).hasSize(1);
  }

  @Test
  void theCartVerticleRunsTheJobPeriodicallyWithItsConfiguredTtl() throws Exception {
    UUID product = fakes.product("left-behind", 1_000);
    String abandoned = asGuest(null, CartAddresses.ADD_ITEM, item(product, 1)).getString("id");
    idle(abandoned, 2);
    // a second cart node on its own Vert.x, same database, short interval and a one-hour TTL
    Vertx otherNode = Vertx.vertx();
    try {
      JsonObject otherConfig = config.copy();
      otherConfig.getJsonObject("cart").put("guest_ttl_hours", 1).put("expiry_interval_ms", 100);
      await(otherNode.deployVerticle(new CartVerticle(), new DeploymentOptions().setConfig(otherConfig)));
      long deadline = System.currentTimeMillis() + 10_000;
      boolean gone = false;
      while (!gone && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
        gone = await(sql.preparedQuery("SELECT 1 FROM cart.carts WHERE guest_token_hash = $1")
          .execute(Tuple.of(GuestCartIds.hash(abandoned)))).size() == 0;
      }
      assertThat(gone).as("the abandoned guest cart was deleted by the job").isTrue();
    } finally {
      await(otherNode.close());
    }
  }
}
