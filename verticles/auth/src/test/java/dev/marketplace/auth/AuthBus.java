package dev.marketplace.auth;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.testing.Outcomes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** Talking to auth over the bus in tests: every call a future, a call that must fail its coded failure. */
final class AuthBus {
  private static final long TIMEOUT_MS = 20_000;
  private final Vertx vertx;

  AuthBus(Vertx vertx) {
    this.vertx = vertx;
  }

  Future<JsonObject> ask(String address, JsonObject body) {
    return ask(address, body, new DeliveryOptions());
  }

  Future<JsonObject> ask(String address, JsonObject body, DeliveryOptions options) {
    return Bus.request(vertx, address, body, options.setSendTimeout(TIMEOUT_MS));
  }

  /** The coded failure of a request that must fail (a success fails the future). */
  Future<ServiceFailure> failure(String address, JsonObject body, DeliveryOptions options) {
    return Outcomes.refusal(ask(address, body, options));
  }

  Future<ServiceFailure> failure(String address, JsonObject body) {
    return failure(address, body, new DeliveryOptions());
  }

  /** The new user's id; a blank one fails the future with the assertion. */
  Future<String> register(String email, String password, String role) {
    JsonObject body = new JsonObject().put("email", email).put("password", password).put("name", "Test User");
    if (role != null) {
      body.put("role", role);
    }
    return ask(AuthContract.REGISTER, body).map(reply -> {
      String id = reply.getString("user_id");
      assertThat(id).isNotBlank();
      return id;
    });
  }

  Future<JsonObject> login(String email, String password) {
    return ask(AuthContract.LOGIN, new JsonObject().put("email", email).put("password", password));
  }

  static DeliveryOptions asUser(String userId) {
    return new DeliveryOptions().addHeader(BusHeaders.USER_ID, userId).addHeader(BusHeaders.ROLES, "buyer");
  }

  static DeliveryOptions fromAddress(String address) {
    return new DeliveryOptions().addHeader(AuthContract.CLIENT_ADDRESS_HEADER, address);
  }

  static JsonObject jwtPart(String token, int part) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[part]), StandardCharsets.UTF_8));
  }
}
