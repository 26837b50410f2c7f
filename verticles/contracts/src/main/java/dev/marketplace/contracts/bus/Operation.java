package dev.marketplace.contracts.bus;

import io.vertx.core.json.JsonObject;

/**
 * One operation of a component's contract, described once: its address and how its request and
 * its reply travel. The typed client ({@link Invoker}) encodes the request and decodes the reply
 * with these codecs; the receiver's binder (platform {@code ComponentVerticle.serve}) decodes the
 * request once into its record and encodes the handler's answer. Both sides therefore speak the
 * same JSON, which is also what the gateway, the event-bus bridges and polyglot clients send.
 *
 * @param address the bus address, {@code <component>.<operation>}
 * @param request the request's shape (strict on decode)
 * @param reply   the reply's shape (lenient on decode)
 */
public record Operation<Req, Rep>(String address, Codec<Req> request, Codec<Rep> reply) {

  public static <Req, Rep> Operation<Req, Rep> of(String address, Codec<Req> request, Codec<Rep> reply) {
    return new Operation<>(address, request, reply);
  }

  /**
   * Reads a request as the receiver reads it (strictly): for a caller that passes on a client's
   * input (an HTTP path, query or body), so that a bad field fails with the same coded
   * VALIDATION_FAILED the receiver would answer, before it travels.
   */
  public Req decodeRequest(JsonObject json) {
    return request.decode(json);
  }

  /**
   * The same operation with its reply as the JSON object it came, for a caller that passes the
   * answer on unchanged (the gateway shows a component's reply as the component wrote it).
   */
  public Operation<Req, JsonObject> documentReply() {
    return new Operation<>(address, request, Codec.DOCUMENT);
  }
}
