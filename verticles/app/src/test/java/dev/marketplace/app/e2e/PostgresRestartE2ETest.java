package dev.marketplace.app.e2e;

import dev.marketplace.infra.EmbeddedPostgresServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole marketplace on a PostgreSQL of this test's own (embedded, on a data dir of its own),
 * which is stopped (fast shutdown, as {@code scripts/chaos.sh pg-restart} does) and started again
 * on the same data dir and port: while it is down, requests that need it answer 503 problem+json
 * {@code SERVICE_UNAVAILABLE} with {@code Retry-After} (never 500), writes included; a read, a
 * login and a cart write sent while it is down are answered once it is back within the gateway's
 * budget (the gateway repeats them); after the restart everything works again.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class PostgresRestartE2ETest {
  @TempDir
  Path dataDir;

  private EmbeddedPostgresServer postgres;
  private int pgPort;
  private MarketplaceHarness market;
  private ShopClient shop;

  @BeforeEach
  void up(VertxTestContext ctx) {
    postgres = EmbeddedPostgresServer.start(dataDir, 0, false);
    pgPort = postgres.port();
    MarketplaceHarness.start(config -> {
      config.getJsonObject("pg").put("url", postgres.url());
      // the gateway's budget for a request (all attempts): long enough to ride out a restart on a loaded machine
      config.getJsonObject("bus").put("timeout_ms", 12_000);
    })
      .onSuccess(started -> {
        market = started;
        shop = new ShopClient(market);
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  /** The market first, then its PostgreSQL (stopping a server blocks: on a worker of the test's own Vert.x). */
  @AfterEach
  void down(Vertx vertx, VertxTestContext ctx) {
    MarketplaceHarness.close(market)
      .eventually(() -> vertx.executeBlocking(() -> {
        postgres.close();
        return null;
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void whileThePostgresIsDownRequestsAre503WithRetryAfterAndAfterItsRestartTheyWork(VertxTestContext ctx) {
    String email = "buyer-" + UUID.randomUUID() + "@example.com";
    shop.token("seller").compose(seller -> shop.product(seller, "Kettle", 2_500_00, 10).compose(productId -> register(email).compose(buyer ->
      addToCart(buyer, productId)
        .map(added -> ctx.verify(() -> assertThat(added.statusCode()).isIn(200, 201)))
        .compose(v -> market.vertx.executeBlocking(() -> {
          postgres.close();
          return null;
        }))
        .compose(v -> {
          List<Supplier<Future<HttpResponse<Buffer>>>> requests = List.of(
            () -> market.http.get("/api/v1/orders").bearerTokenAuthentication(buyer).send(),
            () -> market.http.get("/api/v1/cart").bearerTokenAuthentication(buyer).send(),
            () -> login(email),
            () -> addToCart(buyer, productId),
            // a write that is not repeated: answered 503 at its first failure
            () -> market.http.post("/api/v1/seller/products").bearerTokenAuthentication(seller).sendJsonObject(new JsonObject()
              .put("title", "Teapot " + UUID.randomUUID()).put("description", "for tea").put("brand", "Test").put("category_id", 111)
              .put("price", new JsonObject().put("amount", 1_000_00).put("currency", "RUB")).put("attributes", new JsonObject())));
          // all at once: a repeated one is answered when the gateway's budget is spent
          List<Future<HttpResponse<Buffer>>> sent = requests.stream().map(Supplier::get).toList();
          return Future.join(sent).map(all -> ctx.verify(() -> {
            for (Future<HttpResponse<Buffer>> request : sent) {
              HttpResponse<Buffer> down = request.result();
              assertThat(down.statusCode()).as(down.bodyAsString()).isEqualTo(503);
              assertThat(down.getHeader("Content-Type")).startsWith("application/problem+json");
              assertThat(down.bodyAsJsonObject().getString("code")).isEqualTo("SERVICE_UNAVAILABLE");
              assertThat(down.getHeader("Retry-After")).isEqualTo("1");
              assertThat(down.bodyAsString()).doesNotContain(String.valueOf(pgPort)).doesNotContain("Exception");
            }
          }));
        })
        .compose(v -> {
          // sent while it is down, answered after it is back: the gateway repeats them within its budget
          List<Future<HttpResponse<Buffer>>> inFlight = new ArrayList<>();
          inFlight.add(market.http.get("/api/v1/orders").bearerTokenAuthentication(buyer).send());
          inFlight.add(login(email));
          inFlight.add(addToCart(buyer, productId));
          inFlight.add(market.http.get("/api/v1/catalog/products/" + productId).send());
          return market.vertx.timer(1_000)
            .compose(t -> market.vertx.executeBlocking(() -> {
              postgres = EmbeddedPostgresServer.start(dataDir, pgPort, false);
              return null;
            }))
            .compose(started -> Future.join(inFlight))
            .map(all -> ctx.verify(() -> {
              for (Future<HttpResponse<Buffer>> request : inFlight) {
                HttpResponse<Buffer> answered = request.result();
                assertThat(answered.statusCode()).as(answered.bodyAsString()).isIn(200, 201);
              }
            }));
        })
        .compose(v -> market.http.get("/api/v1/cart").bearerTokenAuthentication(buyer).send())
        .map(cart -> ctx.verify(() -> {
          assertThat(cart.statusCode()).as(cart.bodyAsString()).isEqualTo(200);
          // the add sent during the outage is applied once (its request id), on top of the first one
          assertThat(cart.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getInteger("quantity")).isEqualTo(2);
        }))
        .compose(v -> market.http.post("/api/v1/seller/products").bearerTokenAuthentication(seller).sendJsonObject(new JsonObject()
          .put("title", "Teapot " + UUID.randomUUID()).put("description", "for tea").put("brand", "Test").put("category_id", 111)
          .put("price", new JsonObject().put("amount", 1_000_00).put("currency", "RUB")).put("attributes", new JsonObject())))
        .map(created -> ctx.verify(() -> assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201)))
        .compose(v -> ShopClient.auditEventuallyOk(market.vertx, postgres.url())))))
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<String> register(String email) {
    return market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
        .put("email", email).put("password", ShopClient.PASSWORD).put("name", "Buyer").put("role", "buyer"))
      .compose(registered -> {
        assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
        return login(email);
      })
      .map(login -> {
        assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
        return login.bodyAsJsonObject().getString("access_token");
      });
  }

  private Future<HttpResponse<Buffer>> login(String email) {
    return market.http.post("/api/v1/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", ShopClient.PASSWORD));
  }

  private Future<HttpResponse<Buffer>> addToCart(String token, String productId) {
    return market.http.post("/api/v1/cart/items").bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("product_id", productId).put("quantity", 1));
  }
}
