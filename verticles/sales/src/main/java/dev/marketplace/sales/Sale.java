package dev.marketplace.sales;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** A sale as stored, with the admission horizon its last read saw. */
record Sale(UUID id, List<String> productIds, Instant startsAt, Instant endsAt, int admitPerSecond, String ticketSeq,
            double horizon) {

  static Sale of(Row row) {
    UUID[] products = row.getArrayOfUUIDs("product_ids");
    OffsetDateTime ends = row.getOffsetDateTime("ends_at");
    return new Sale(row.getUUID("id"), Arrays.stream(products).map(UUID::toString).toList(),
      row.getOffsetDateTime("starts_at").toInstant(), ends == null ? null : ends.toInstant(),
      row.getInteger("admit_per_second"), row.getString("ticket_seq"), row.getDouble("horizon"));
  }

  boolean started(Instant now) {
    return !now.isBefore(startsAt);
  }

  boolean ended(Instant now) {
    return endsAt != null && !now.isBefore(endsAt);
  }

  /** The status for the operator: SCHEDULED, ACTIVE, SOLD_OUT or ENDED. */
  String status(Instant now, boolean soldOut) {
    if (ended(now)) {
      return "ENDED";
    }
    if (soldOut) {
      return "SOLD_OUT";
    }
    return started(now) ? "ACTIVE" : "SCHEDULED";
  }

  JsonObject toJson(Instant now, boolean soldOut) {
    return new JsonObject()
      .put("id", id.toString())
      .put("product_ids", new JsonArray(new ArrayList<>(productIds)))
      .put("starts_at", startsAt.toString())
      .put("ends_at", endsAt == null ? null : endsAt.toString())
      .put("admit_per_second", admitPerSecond)
      .put("status", status(now, soldOut));
  }
}
