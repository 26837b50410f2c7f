package dev.marketplace.platform.bus;

import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * A component's handler of one {@code Operation}: the request already decoded into its record,
 * and the message for who calls ({@link Caller#of}), its request id and headers to pass on.
 */
@FunctionalInterface
public interface OperationHandler<Req, Rep> {
  Future<Rep> handle(Req request, Message<JsonObject> message);
}
