package dev.marketplace.contracts;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.json.Json;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The readiness ping every component answers once it is fully set up ({@link Addresses#ping}),
 * typed; the component is a parameter, as each answers at its own address.
 */
public interface PingApi extends Invoker {

  /** {@code <component>.ping}: {@code {}} → {@code {component, node}}; fails while the component is not ready. */
  static Operation<Void, Pong> pingOf(String component) {
    return Operation.of(Addresses.ping(component), Codec.EMPTY, Pong.CODEC);
  }

  static PingApi over(Invoker bus) {
    return bus::call;
  }

  default Future<Pong> ping(String component) {
    return call(pingOf(component), null);
  }

  /** Which component answered, on which cluster node. */
  record Pong(String component, String node) {
    public static final Codec<Pong> CODEC = Codec.of(p -> new JsonObject().put("component", p.component()).put("node", p.node()),
      json -> new Pong(Json.string(json, "component"), Json.string(json, "node")));
  }
}
