package dev.marketplace.gateway.routes;

import dev.marketplace.contracts.DeadLetterAddresses;
import dev.marketplace.contracts.DeadLetterApi;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.gateway.Access;
import dev.marketplace.gateway.GatewayContext;
import dev.marketplace.gateway.ProblemResponses;
import dev.marketplace.gateway.RouteModule;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static dev.marketplace.gateway.GatewayContext.API;

/**
 * The admin's view of Kafka records the consumers parked (each component's {@code dead_letters})
 * and their replay, relayed to the component that parked them ({@link DeadLetterApi}). The list's
 * query goes on as the admin wrote it (a {@code limit} of digits as a number), for each
 * component's consumer loop to check.
 * <ul>
 *   <li>{@code GET /admin/dead-letters?component=&status=PARKED|REPLAYED&limit=}: one component's
 *   letters, or without {@code component} every consumer's, newest first, with the components that
 *   did not answer in {@code unavailable};</li>
 *   <li>{@code POST /admin/dead-letters/{component}/{id}/replay}: the letter after replay, 404 for an
 *   unknown component or id, 409 when it was replayed already or fails again.</li>
 * </ul>
 */
public final class DeadLetterRoutes implements RouteModule {
  private GatewayContext gateway;

  @Override
  public void mount(Router router, GatewayContext gateway) {
    this.gateway = gateway;
    router.get(API + "/admin/dead-letters").handler(Access.role("admin")).handler(this::list);
    router.post(API + "/admin/dead-letters/:component/:id/replay").handler(Access.role("admin")).handler(this::replay);
  }

  private void list(RoutingContext ctx) {
    JsonObject body = new JsonObject();
    String component = null;
    for (String name : ctx.queryParams().names()) {
      String value = ctx.queryParams().get(name);
      if ("component".equals(name)) {
        component = value;
      } else {
        boolean integer = "limit".equals(name) && value.matches("-?[0-9]{1,9}");
        body.put(name, integer ? (Object) Long.parseLong(value) : value);
      }
    }
    if (component != null) {
      if (!DeadLetterAddresses.COMPONENTS.contains(component)) {
        ProblemResponses.send(ctx, ErrorCode.VALIDATION_FAILED.failure("Invalid request.", new JsonObject().put("errors", new JsonArray()
          .add(new JsonObject().put("field", "component").put("message", "must be one of " + String.join(", ", DeadLetterAddresses.COMPONENTS))))));
        return;
      }
      gateway.relay(ctx, DeadLetterApi.over(gateway.client(ctx)).list(component, body), 200);
      return;
    }
    List<String> components = DeadLetterAddresses.COMPONENTS;
    DeadLetterApi deadLetters = DeadLetterApi.over(gateway.client(ctx));
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (String c : components) {
      answers.add(deadLetters.list(c, body));
    }
    Future.join(answers).onComplete(x -> {
      List<JsonObject> items = new ArrayList<>();
      JsonArray unavailable = new JsonArray();
      for (int i = 0; i < answers.size(); i++) {
        Future<JsonObject> answer = answers.get(i);
        if (answer.succeeded()) {
          answer.result().getJsonArray("items", new JsonArray()).forEach(item -> items.add((JsonObject) item));
          continue;
        }
        ErrorCode code = ServiceFailure.from(answer.cause()).code();
        if (code == ErrorCode.SERVICE_UNAVAILABLE || code == ErrorCode.TIMEOUT) {
          unavailable.add(components.get(i));
        } else {
          // bad input is the same for every component: answer its problem
          ProblemResponses.send(ctx, answer.cause());
          return;
        }
      }
      items.sort(Comparator.comparing((JsonObject item) -> item.getString("parked_at", "")).reversed());
      GatewayContext.sendJson(ctx, 200, new JsonObject().put("items", new JsonArray(new ArrayList<>(items))).put("unavailable", unavailable));
    });
  }

  private void replay(RoutingContext ctx) {
    String component = ctx.pathParam("component");
    String id = ctx.pathParam("id");
    if (!DeadLetterAddresses.COMPONENTS.contains(component)) {
      ProblemResponses.send(ctx, ErrorCode.NOT_FOUND, "No such resource.");
      return;
    }
    if (!id.matches("[1-9][0-9]{0,17}")) {
      ProblemResponses.send(ctx, ErrorCode.NOT_FOUND, "No such resource.");
      return;
    }
    gateway.relay(ctx, DeadLetterApi.over(gateway.client(ctx)).replay(component, Long.parseLong(id)), 200);
  }
}
