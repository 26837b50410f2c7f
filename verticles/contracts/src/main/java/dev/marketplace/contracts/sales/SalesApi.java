package dev.marketplace.contracts.sales;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.json.Json;
import dev.marketplace.contracts.json.JsonValidator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The sales component's request/reply operations (what each one means: {@link SalesAddresses}).
 * {@code SalesApi.over(client)} is the client; sales registers its handlers from the same
 * {@link Operation}s. The operator's {@code sales.create} and {@code sales.get} take records
 * ({@link SalesRequests}) whose decoding is sales' whole reading of the body (the caller, an admin,
 * checked first) and answer the sale as the HTTP JSON of {@code /admin/sales} shows it: a document
 * (the operator's view holds counts that grow with the sale's reports).
 * {@link SalesAddresses#ACTIVE} and {@link SalesAddresses#REPORT} are one-way messages, no operations.
 */
public interface SalesApi extends Invoker {

  /** {@code {product_ids, starts_at, ends_at?, admit_per_second}} (admin) → the sale. */
  Operation<SalesRequests.CreateSale, JsonObject> CREATE = Operation.of(SalesAddresses.CREATE, SalesRequests.CreateSale.CODEC, Codec.DOCUMENT);
  /** {@code {sale_id}} (admin) → the sale with its counts. */
  Operation<SalesRequests.SaleRef, JsonObject> GET = Operation.of(SalesAddresses.GET, SalesRequests.SaleRef.CODEC, Codec.DOCUMENT);
  Operation<Admit, Admission> ADMIT = Operation.of(SalesAddresses.ADMIT, Admit.CODEC, Admission.CODEC);

  static SalesApi over(Invoker bus) {
    return bus::call;
  }

  default Future<JsonObject> create(SalesRequests.CreateSale sale) {
    return call(CREATE, sale);
  }

  default Future<JsonObject> get(SalesRequests.SaleRef request) {
    return call(GET, request);
  }

  default Future<Admission> admit(Admit request) {
    return call(ADMIT, request);
  }

  /** A buyer about to check out products; {@code queueTicket}: the ticket of an earlier answer, if any. */
  record Admit(String buyerId, List<String> productIds, String queueTicket) {
    public static final Codec<Admit> CODEC = Codec.of(r -> Json.putIfPresent(new JsonObject().put("buyer_id", r.buyerId())
      .put("product_ids", new JsonArray(new ArrayList<>(r.productIds()))), "queue_ticket", r.queueTicket()), body -> {
        JsonValidator v = JsonValidator.of(body).allowOnly("buyer_id", "product_ids", "queue_ticket");
        String buyer = v.requiredString("buyer_id", 1, 100);
        String ticket = v.optionalString("queue_ticket", 1, 200);
        List<String> products = new ArrayList<>();
        for (Object o : body.getJsonArray("product_ids", new JsonArray())) {
          products.add(String.valueOf(o));
        }
        v.throwIfInvalid();
        return new Admit(buyer, List.copyOf(products), ticket);
      });
  }

  /**
   * Admitted (with the sale and ticket when the products are on one), or queued: the ticket to
   * come back with, the place in the queue and when to ask again.
   */
  record Admission(boolean admitted, String saleId, String queueTicket, Long position, Long retryAfterMs) {
    public static final Codec<Admission> CODEC = Codec.of(r -> {
      JsonObject json = new JsonObject().put("admitted", r.admitted());
      Json.putIfPresent(json, "sale_id", r.saleId());
      Json.putIfPresent(json, "queue_ticket", r.queueTicket());
      Json.putIfPresent(json, "position", r.position());
      return Json.putIfPresent(json, "retry_after_ms", r.retryAfterMs());
    }, json -> new Admission(Boolean.TRUE.equals(Json.bool(json, "admitted")), Json.string(json, "sale_id"), Json.string(json, "queue_ticket"),
      Json.longValue(json, "position"), Json.longValue(json, "retry_after_ms")));

    public static Admission fromJson(JsonObject json) {
      return CODEC.decode(json);
    }
  }
}
