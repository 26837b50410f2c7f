package dev.marketplace.auth;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.auth.AuthContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Blocking helpers for talking to auth over the bus in tests. */
final class AuthBus {
  private final Vertx vertx;

  AuthBus(Vertx vertx) {
    this.vertx = vertx;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  JsonObject ask(String address, JsonObject body) throws Exception {
    return ask(address, body, new DeliveryOptions());
  }

  JsonObject ask(String address, JsonObject body, DeliveryOptions options) throws Exception {
    options.setSendTimeout(20_000);
    return await(vertx.eventBus().<JsonObject>request(address, body, options).map(Message::body));
  }

  /** The coded failure of a request that must fail. */
  ServiceFailure failure(String address, JsonObject body, DeliveryOptions options) throws Exception {
    options.setSendTimeout(20_000);
    try {
      JsonObject reply = await(vertx.eventBus().<JsonObject>request(address, body, options).map(Message::body));
      return fail("expected a failure, got " + reply);
    } catch (ExecutionException e) {
      return ServiceFailure.from(e.getCause());
    }
  }

  ServiceFailure failure(String address, JsonObject body) throws Exception {
    return failure(address, body, new DeliveryOptions());
  }

  String register(String email, String password, String role) throws Exception {
    JsonObject body = new JsonObject().put("email", email).put("password", password).put("name", "Test User");
    if (role != null) {
      body.put("role", role);
    }
    String id = ask(AuthContract.REGISTER, body).getString("user_id");
    assertThat(id).isNotBlank();
    return id;
  }

  JsonObject login(String email, String password) throws Exception {
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
