package dev.marketplace.contracts.bus;

import io.vertx.core.Future;

/**
 * Sends one {@link Operation} and answers its decoded reply, or fails with the receiver's coded
 * {@code ReplyException} (a timeout or a missing handler as the event bus reports them). The one
 * implementation over the event bus is platform {@code BusClient}; every component interface
 * ({@code InventoryApi}, {@code OrdersApi}, ...) extends this and turns it into typed methods, so
 * {@code InventoryApi inventory = InventoryApi.over(client)} is the client of that component.
 */
@FunctionalInterface
public interface Invoker {
  <Req, Rep> Future<Rep> call(Operation<Req, Rep> operation, Req request);
}
