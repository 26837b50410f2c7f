package dev.marketplace.auth;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The profile's phone ({@code auth.me.update}, the gateway's {@code PATCH /me}): set, normalised,
 * shown by {@code auth.me} and given to notifications by {@code auth.user.contact}, removed with
 * null; malformed numbers, unknown fields and a missing caller refused. Written as the Vert.x
 * how-tos write tests: {@link VertxExtension}, one future chain per test, assertions in
 * {@link VertxTestContext#verify}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class AuthProfileTest {
  private static final String PASSWORD = "Correct-Horse-9";

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = TestInfra.shared().config();
    vertx.deployVerticle(new AuthVerticle(), new DeploymentOptions().setConfig(config)).onComplete(ctx.succeedingThenComplete());
  }

  private static DeliveryOptions as(String userId) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(20_000);
    return userId == null ? options : options.addHeader(BusHeaders.USER_ID, userId).addHeader(BusHeaders.ROLES, "buyer");
  }

  private static Future<String> register(Vertx vertx) {
    JsonObject body = new JsonObject().put("email", "phone-" + UUID.randomUUID() + "@example.com").put("password", PASSWORD)
      .put("name", "Phone Owner");
    return Bus.request(vertx, AuthContract.REGISTER, body, as(null)).map(reply -> reply.getString("user_id"));
  }

  private static Future<JsonObject> updateMe(Vertx vertx, String userId, JsonObject body) {
    return Bus.request(vertx, AuthContract.ME_UPDATE, body, as(userId));
  }

  private static Future<JsonObject> me(Vertx vertx, String userId) {
    return Bus.request(vertx, AuthContract.ME, new JsonObject(), as(userId));
  }

  private static Future<JsonObject> contact(Vertx vertx, String userId) {
    return Bus.request(vertx, AuthContract.USER_CONTACT, new JsonObject().put("user_id", userId), as(null));
  }

  /** The coded failure of a request that must fail (a success fails the test). */
  private static Future<ServiceFailure> refusal(Future<JsonObject> request) {
    return request.transform(ar -> ar.succeeded()
      ? Future.failedFuture(new AssertionError("expected a refusal, got " + ar.result()))
      : Future.succeededFuture(ServiceFailure.from(ar.cause())));
  }

  @Test
  void aPhoneSetOnTheProfileIsNormalisedShownAndGivenToNotificationsAndNullRemovesIt(Vertx vertx, VertxTestContext ctx) {
    String stored = "+79123456789";
    register(vertx).compose(userId -> me(vertx, userId)
      .compose(before -> {
        ctx.verify(() -> assertThat(before.containsKey("phone")).isFalse());
        return updateMe(vertx, userId, new JsonObject().put("phone", " +7 (912) 345-67.89 "));
      })
      .compose(updated -> {
        ctx.verify(() -> {
          assertThat(updated.getString("phone")).isEqualTo(stored);
          assertThat(updated.getString("user_id")).isEqualTo(userId);
        });
        return Future.all(me(vertx, userId), contact(vertx, userId),
            // the same again changes nothing; an empty body is no change at all
            updateMe(vertx, userId, new JsonObject().put("phone", stored)), updateMe(vertx, userId, new JsonObject()))
          .map(all -> {
            ctx.verify(() -> {
              assertThat(all.<JsonObject>resultAt(0).getString("phone")).isEqualTo(stored);
              assertThat(all.<JsonObject>resultAt(1).getString("phone")).isEqualTo(stored);
              assertThat(all.<JsonObject>resultAt(2)).isEqualTo(updated);
              assertThat(all.<JsonObject>resultAt(3)).isEqualTo(updated);
            });
            return userId;
          });
      })
      .compose(id -> updateMe(vertx, id, new JsonObject().putNull("phone")))
      .compose(removed -> {
        ctx.verify(() -> assertThat(removed.containsKey("phone")).isFalse());
        return contact(vertx, userId);
      }))
      .onComplete(ctx.succeeding(contact -> ctx.verify(() -> {
        assertThat(contact.containsKey("phone")).as("notifications get no number once it is removed").isFalse();
        ctx.completeNow();
      })));
  }

  @Test
  void aMalformedPhoneUnknownFieldsAndAMissingCallerAreRefusedAndChangeNothing(Vertx vertx, VertxTestContext ctx) {
    String kept = "+4915112345678";
    List<Object> malformed = List.of("89123456789", "+0123456789", "+7912", "+7912345678901234", "+7 912 abc", "", 79123456789L,
      new JsonObject());
    register(vertx).compose(userId -> updateMe(vertx, userId, new JsonObject().put("phone", kept)).compose(x -> {
      List<Future<ServiceFailure>> refusals = new ArrayList<>();
      for (Object bad : malformed) {
        refusals.add(refusal(updateMe(vertx, userId, new JsonObject().put("phone", bad))));
      }
      return Future.all(refusals).map(all -> {
        ctx.verify(() -> {
          for (int i = 0; i < malformed.size(); i++) {
            ServiceFailure failure = all.resultAt(i);
            assertThat(failure.code()).as(String.valueOf(malformed.get(i))).isEqualTo(ErrorCode.VALIDATION_FAILED);
            assertThat(failure.extra().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("phone");
          }
        });
        return userId;
      });
    })).compose(userId -> Future.all(
        refusal(updateMe(vertx, userId, new JsonObject().put("phone", "+79123456789").put("email", "x@example.com"))),
        refusal(updateMe(vertx, null, new JsonObject().put("phone", "+79123456789"))),
        refusal(updateMe(vertx, UUID.randomUUID().toString(), new JsonObject().put("phone", "+79123456789"))))
      .map(all -> {
        ctx.verify(() -> {
          ServiceFailure unknownField = all.resultAt(0);
          assertThat(unknownField.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
          assertThat(unknownField.extra().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field"))).contains("email");
          assertThat(all.<ServiceFailure>resultAt(1).code()).isEqualTo(ErrorCode.UNAUTHORIZED);
          assertThat(all.<ServiceFailure>resultAt(2).code()).isEqualTo(ErrorCode.NOT_FOUND);
        });
        return userId;
      }))
      .compose(userId -> me(vertx, userId))
      .onComplete(ctx.succeeding(profile -> ctx.verify(() -> {
        assertThat(profile.getString("phone")).as("every refusal changed nothing").isEqualTo(kept);
        ctx.completeNow();
      })));
  }
}
