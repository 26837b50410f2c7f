package dev.marketplace.gateway;

import dev.marketplace.contracts.checkout.CheckoutAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Big sales, bot friction: the gateway's per-user bucket of the {@code checkout} group, configured
 * as N attempts per buyer per second (capacity N, N x 60 a minute), refuses a buyer's attempts past N
 * with 429 + Retry-After before they reach checkout, leaves other buyers alone, and lets the buyer
 * in again a second later.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class CheckoutBotFrictionTest {
  private static final Authenticator BY_HEADER = ctx -> {
    String user = ctx.request().getHeader("X-Test-User");
    return Future.succeededFuture(user == null ? Optional.empty() : Optional.of(new Identity(user, Set.of("buyer"))));
  };

  private static Future<HttpResponse<Buffer>> checkout(GatewayFixture g, String user, int i) {
    return g.client.post("/api/v1/checkout").putHeader("X-Test-User", user).putHeader("Idempotency-Key", user + "-" + i)
      .sendJsonObject(new JsonObject().put("cart_id", "c0c0c0c0-0000-0000-0000-000000000000").put("payment_method", "card"));
  }

  @Test
  void aBuyerPastFiveCheckoutAttemptsASecondGets429AndOthersDoNot(Vertx vertx, VertxTestContext ctx) {
    Map<String, AtomicInteger> reached = new ConcurrentHashMap<>();
    // on the JUnit thread: the first call starts the shared PostgreSQL and Kafka, which blocks
    JsonObject config = GatewayFixture.config();
    JsonObject fivePerSecond = new JsonObject().put("capacity", 5).put("per_minute", 300);
    GatewayFixture.section(config, "gateway").put("rate_limits", new JsonObject().put("enabled", true).put("groups", new JsonObject()
      .put("checkout", new JsonObject().put("per_address", new JsonObject().put("capacity", 10_000).put("per_minute", 600_000))
        .put("per_user", fivePerSecond)))).put("trusted_proxies", new JsonArray());
    vertx.eventBus().<JsonObject>consumer(CheckoutAddresses.START, msg -> {
      reached.computeIfAbsent(msg.headers().get("x-user-id"), u -> new AtomicInteger()).incrementAndGet();
      msg.reply(new JsonObject().put("order_id", "o").put("status", "PENDING_PAYMENT"));
    }).completion()
      .compose(v -> GatewayFixture.deploy(vertx, config, List.of(new dev.marketplace.gateway.routes.CheckoutRoutes()), BY_HEADER))
      .compose(g -> {
        // a script fires 20 attempts at once: five pass (plus what refilled meanwhile, five a second), the rest are refused
        long started = System.nanoTime();
        List<Future<HttpResponse<Buffer>>> burst = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
          burst.add(g.client.post("/api/v1/checkout").putHeader("X-Test-User", "bot").putHeader("Idempotency-Key", "bot-" + i)
            .sendJsonObject(new JsonObject().put("cart_id", "c0c0c0c0-0000-0000-0000-000000000000").put("payment_method", "card")));
        }
        return Future.join(burst).map(all -> ctx.verify(() -> {
          double seconds = (System.nanoTime() - started) / 1e9;
          long passed = burst.stream().filter(f -> f.result().statusCode() == 201).count();
          List<HttpResponse<Buffer>> limited = burst.stream().map(Future::result).filter(r -> r.statusCode() == 429).toList();
          assertThat(passed).isBetween(5L, 5L + (long) Math.ceil(seconds * 5));
          assertThat(passed + limited.size()).isEqualTo(20);
          assertProblem(limited.get(0), 429, "RATE_LIMITED");
          assertThat(Long.parseLong(limited.get(0).getHeader("Retry-After"))).isBetween(1L, 2L);
          assertThat(reached.get("bot").get()).isEqualTo((int) passed);
        }))
          // another buyer has a bucket of their own
          .compose(v -> checkout(g, "fan", 0))
          .map(fan -> ctx.verify(() -> assertThat(fan.statusCode()).isEqualTo(201)))
          // a second later the bot may try again (five tokens a second)
          .compose(v -> vertx.timer(1_100))
          .compose(t -> checkout(g, "bot", 99));
      })
      .map(again -> ctx.verify(() -> assertThat(again.statusCode()).isEqualTo(201)))
      .onComplete(ctx.succeedingThenComplete());
  }
}
