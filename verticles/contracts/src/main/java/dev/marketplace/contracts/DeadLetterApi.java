package dev.marketplace.contracts;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The dead-letter operations every Kafka-consuming component answers (what they mean:
 * {@link DeadLetterAddresses}), typed. They belong to the platform, not to one component: each
 * component answers them at its own address, so the component is a parameter
 * ({@code DeadLetterApi.over(client).replay("payment", 42)}).
 *
 * <p>A list's request is the admin's query as it came ({@code status?, limit?}, the HTTP query
 * without {@code component}): the component's consumer loop reads and checks it, and the same
 * query goes to every component when all of them are listed, so it travels as the document it is.
 * Replies are the HTTP views ({@code {items:[...]}}, the letter after replay).
 */
public interface DeadLetterApi extends Invoker {

  /** {@code <component>.dead_letters.list}: {@code {status?, limit?}} → {@code {items:[letter...]}}, newest first. */
  static Operation<JsonObject, JsonObject> listOf(String component) {
    return Operation.of(DeadLetterAddresses.list(component), Codec.DOCUMENT, Codec.DOCUMENT);
  }

  /** {@code <component>.dead_letters.replay}: {@code {id}} → the letter after replay. */
  static Operation<LetterRef, JsonObject> replayOf(String component) {
    return Operation.of(DeadLetterAddresses.replay(component), LetterRef.CODEC, Codec.DOCUMENT);
  }

  static DeadLetterApi over(Invoker bus) {
    return bus::call;
  }

  default Future<JsonObject> list(String component, JsonObject query) {
    return call(listOf(component), query);
  }

  default Future<JsonObject> replay(String component, long id) {
    return call(replayOf(component), new LetterRef(id));
  }

  /** One parked letter of a component: its id in that component's {@code dead_letters} table (1 or more). */
  record LetterRef(long id) {
    /** Reads as the consumer loop's replay handler does: {@code {id}} only, an integer from 1. */
    public static final Codec<LetterRef> CODEC = Codec.of(r -> new JsonObject().put("id", r.id()), body -> {
      JsonValidator v = JsonValidator.of(body).allowOnly("id");
      Long id = v.requiredLong("id", 1, Long.MAX_VALUE);
      v.throwIfInvalid();
      return new LetterRef(id);
    });
  }
}
