package dev.marketplace.contracts.sales;



import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.marketplace.contracts.bus.Refusals.errors;
import static org.assertj.core.api.Assertions.assertThat;

/** The operator's sale requests: the documented JSON both ways, every malformed body refused field by field. */
class SalesRequestsTest {
  private static final UUID P1 = UUID.fromString("7f1f8a2e-1c7b-4d7e-9a55-0d6f1c2b3a4d");
  private static final UUID P2 = UUID.fromString("0b8a4c4e-3a0f-4a55-8d6e-2b7c0d9f1e2a");

  @Test
  void aSaleRoundTripsWithItsInstantsInUtc() {
    Instant start = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    Instant end = start.plus(2, ChronoUnit.HOURS);
    JsonObject sent = new JsonObject().put("product_ids", new JsonArray().add(P1.toString()).add(P2.toString()))
      .put("starts_at", start.atOffset(java.time.ZoneOffset.ofHours(3)).toString()).put("ends_at", end.toString()).put("admit_per_second", 50);

    SalesRequests.CreateSale sale = SalesApi.CREATE.request().decode(sent);

    assertThat(sale).isEqualTo(new SalesRequests.CreateSale(List.of(P1, P2), start, end, 50));
    JsonObject json = SalesApi.CREATE.request().encode(sale);
    assertThat(json).isEqualTo(new JsonObject().put("product_ids", new JsonArray().add(P1.toString()).add(P2.toString()))
      .put("starts_at", start.toString()).put("ends_at", end.toString()).put("admit_per_second", 50));
    assertThat(SalesApi.CREATE.request().decode(json)).isEqualTo(sale);
    SalesRequests.CreateSale open = new SalesRequests.CreateSale(List.of(P1), start, null, 1);
    assertThat(SalesApi.CREATE.request().encode(open).containsKey("ends_at")).isFalse();
    assertThat(SalesApi.CREATE.request().decode(SalesApi.CREATE.request().encode(open))).isEqualTo(open);
  }

  @Test
  void aSaleListsEveryBadFieldAtOnce() {
    assertThat(errors(SalesApi.CREATE.request(), new JsonObject()))
      .isEqualTo(Map.of("product_ids", "must be an array of 1 to 50 product ids", "starts_at", "is required (an ISO-8601 instant)",
        "admit_per_second", "is required"));
    assertThat(errors(SalesApi.CREATE.request(), new JsonObject().put("product_ids", new JsonArray().add(P1.toString()).add("x").add(P1.toString()))
      .put("starts_at", "tomorrow").put("ends_at", 5).put("admit_per_second", 100_001).put("name", "Black Friday")))
      .isEqualTo(Map.of("name", "is not a known field", "product_ids[1]", "must be a UUID", "product_ids[2]", "appears twice",
        "starts_at", "must be an ISO-8601 instant such as 2026-12-01T10:00:00Z", "ends_at", "must be an ISO-8601 instant",
        "admit_per_second", "must be between 1 and 100000"));
    JsonArray many = new JsonArray();
    for (int i = 0; i < 51; i++) {
      many.add(UUID.randomUUID().toString());
    }
    assertThat(errors(SalesApi.CREATE.request(), new JsonObject().put("product_ids", many).put("starts_at", Instant.now().toString())
      .put("admit_per_second", 1))).isEqualTo(Map.of("product_ids", "must be an array of 1 to 50 product ids"));
  }

  @Test
  void aSaleMustEndInTheFutureAndAfterItsStart() {
    Instant now = Instant.now();
    JsonObject base = new JsonObject().put("product_ids", new JsonArray().add(P1.toString())).put("admit_per_second", 10);
    assertThat(errors(SalesApi.CREATE.request(), base.copy().put("starts_at", now.minusSeconds(7200).toString())
      .put("ends_at", now.minusSeconds(60).toString()))).isEqualTo(Map.of("ends_at", "must be in the future"));
    assertThat(errors(SalesApi.CREATE.request(), base.copy().put("starts_at", now.plusSeconds(7200).toString())
      .put("ends_at", now.plusSeconds(3600).toString()))).isEqualTo(Map.of("ends_at", "must be after starts_at"));
  }

  @Test
  void aSaleRefRoundTripsAndRefusesWhatIsNotOne() {
    SalesRequests.SaleRef ref = new SalesRequests.SaleRef(P1);
    assertThat(SalesApi.GET.request().encode(ref)).isEqualTo(new JsonObject().put("sale_id", P1.toString()));
    assertThat(SalesApi.GET.request().decode(SalesApi.GET.request().encode(ref))).isEqualTo(ref);
    assertThat(errors(SalesApi.GET.request(), new JsonObject())).isEqualTo(Map.of("sale_id", "is required"));
    assertThat(errors(SalesApi.GET.request(), new JsonObject().put("sale_id", "x").put("id", 1)))
      .isEqualTo(Map.of("sale_id", "must be a UUID", "id", "is not a known field"));
  }
}
