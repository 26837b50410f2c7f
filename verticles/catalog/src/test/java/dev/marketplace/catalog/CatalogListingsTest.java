package dev.marketplace.catalog;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Sellers' listings over the bus: validation, ownership, soft delete, events, and the internal snapshot. */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class CatalogListingsTest {
  private CatalogFixture catalog;

  @BeforeAll
  void setUp(Vertx vertx, VertxTestContext ctx) {
    CatalogFixture.deploy(vertx, config -> { }).onComplete(ctx.succeeding(deployed -> {
      catalog = deployed;
      ctx.completeNow();
    }));
  }

  @AfterAll
  void tearDown(VertxTestContext ctx) {
    catalog.close().onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject listing(String title, long price) {
    return new JsonObject().put("title", title).put("description", "Описание").put("brand", "Acme").put("category_id", 121)
      .put("price", new JsonObject().put("amount", price).put("currency", "RUB"))
      .put("attributes", new JsonObject().put("ram", "16 ГБ").put("ssd_gb", 512).put("touch", false));
  }

  private Future<JsonObject> create(String seller, JsonObject listing) {
    return catalog.ask(CatalogAddresses.CREATE, new JsonObject().put("product", listing), seller, "seller");
  }

  private Future<String> createdId(String seller, JsonObject listing) {
    return create(seller, listing).map(created -> created.getString("id"));
  }

  /** Expects {@code code} as the refusal of a request that must fail. */
  private Future<Void> refused(VertxTestContext ctx, ErrorCode code, String address, JsonObject body, String userId, String roles) {
    return catalog.refusal(address, body, userId, roles).map(failure -> {
      ctx.verify(() -> assertThat(failure.code()).isEqualTo(code));
      return null;
    });
  }

  @Test
  void aSellerCreatesAListingThatAnyoneCanRead(VertxTestContext ctx) {
    String seller = CatalogFixture.newUser();
    create(seller, listing("Ноутбук Acme Pro 14", 99_990_00))
      .compose(created -> {
        ctx.verify(() -> {
          assertThat(created.getString("seller_id")).isEqualTo(seller);
          assertThat(created.getJsonObject("price")).isEqualTo(new JsonObject().put("amount", 99_990_00L).put("currency", "RUB"));
          assertThat(created.getJsonObject("category").getString("slug")).isEqualTo("laptops");
          assertThat(created.getBoolean("in_stock")).isFalse();
        });
        return catalog.ask(CatalogAddresses.GET, new JsonObject().put("id", created.getString("id")), null, null)
          .map(read -> ctx.verify(() -> {
            assertThat(read).isEqualTo(created);
            assertThat(read.getJsonObject("attributes").getInteger("ssd_gb")).isEqualTo(512);
          }));
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void onlyTheOwningSellerUpdatesOrDeletesAListing(VertxTestContext ctx) {
    String owner = CatalogFixture.newUser();
    String other = CatalogFixture.newUser();
    createdId(owner, listing("Ноутбук Acme Air", 50_000_00)).compose(id -> {
        JsonObject change = new JsonObject().put("id", id).put("product", listing("Ноутбук Acme Air 2", 45_000_00));
        return refused(ctx, ErrorCode.NOT_FOUND, CatalogAddresses.UPDATE, change, other, "seller")
          .compose(v -> refused(ctx, ErrorCode.NOT_FOUND, CatalogAddresses.DELETE, new JsonObject().put("id", id), other, "seller"))
          .compose(v -> catalog.ask(CatalogAddresses.GET, new JsonObject().put("id", id), null, null))
          .map(unchanged -> ctx.verify(() -> assertThat(unchanged.getString("title")).isEqualTo("Ноутбук Acme Air")))
          .compose(v -> catalog.ask(CatalogAddresses.UPDATE, change, owner, "seller"))
          .map(updated -> ctx.verify(() -> {
            assertThat(updated.getString("title")).isEqualTo("Ноутбук Acme Air 2");
            assertThat(updated.getJsonObject("price").getLong("amount")).isEqualTo(45_000_00L);
          }))
          .compose(v -> catalog.ask(CatalogAddresses.DELETE, new JsonObject().put("id", id), owner, "seller"))
          .map(deleted -> ctx.verify(() -> assertThat(deleted.getBoolean("deleted")).isTrue()))
          .compose(v -> refused(ctx, ErrorCode.NOT_FOUND, CatalogAddresses.GET, new JsonObject().put("id", id), null, null))
          .compose(v -> refused(ctx, ErrorCode.NOT_FOUND, CatalogAddresses.UPDATE, change, owner, "seller"));
      })
      .compose(v -> catalog.search(new JsonObject().put("q", "Acme Air")))
      .map(found -> ctx.verify(() -> assertThat(found.getJsonArray("items")).isEmpty()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void anAdminMayManageAnyListingAndABuyerNone(VertxTestContext ctx) {
    String owner = CatalogFixture.newUser();
    createdId(owner, listing("Ноутбук Acme Admin", 10_000_00)).compose(id -> refused(ctx, ErrorCode.FORBIDDEN,
          CatalogAddresses.CREATE, new JsonObject().put("product", listing("x y", 100)), CatalogFixture.newUser(), "buyer")
        .compose(v -> refused(ctx, ErrorCode.UNAUTHORIZED, CatalogAddresses.CREATE, new JsonObject().put("product", listing("x y", 100)), null, null))
        .compose(v -> catalog.ask(CatalogAddresses.UPDATE,
          new JsonObject().put("id", id).put("product", listing("Ноутбук Acme Moderated", 10_000_00)), CatalogFixture.newUser(), "admin")))
      .map(updated -> ctx.verify(() -> assertThat(updated.getString("seller_id")).isEqualTo(owner)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void invalidListingsAreRefusedNamingEveryBadField(VertxTestContext ctx) {
    String seller = CatalogFixture.newUser();
    JsonObject bad = new JsonObject().put("title", " ").put("brand", "B".repeat(101)).put("category_id", 999)
      .put("price", new JsonObject().put("amount", -5).put("currency", "rub"))
      .put("attributes", new JsonObject().put("nested", new JsonObject())).put("seller_id", "me");
    catalog.refusal(CatalogAddresses.CREATE, new JsonObject().put("product", bad), seller, "seller")
      .map(failure -> ctx.verify(() -> {
        assertThat(failure.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(failure.extra().getJsonArray("errors")).extracting(o -> ((JsonObject) o).getString("field"))
          .contains("product.title", "product.brand", "product.category_id", "product.price.amount", "product.price.currency",
            "product.attributes.nested", "product.seller_id");
      }))
      .compose(v -> catalog.refusal(CatalogAddresses.CREATE, new JsonObject().put("product", new JsonObject()), seller, "seller"))
      .map(missing -> ctx.verify(() -> assertThat(missing.extra().getJsonArray("errors")).extracting(o -> ((JsonObject) o).getString("field"))
        .contains("product.title", "product.brand", "product.category_id", "product.price")))
      .compose(v -> catalog.refusal(CatalogAddresses.GET, new JsonObject().put("id", "42"), null, null))
      .map(badId -> ctx.verify(() -> assertThat(badId.code()).isEqualTo(ErrorCode.VALIDATION_FAILED)))
      .compose(v -> catalog.query("SELECT count(*) AS n FROM catalog.products WHERE seller_id = $1", seller))
      .map(rows -> ctx.verify(() -> assertThat(rows.get(0).getLong("n")).isZero()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void everyChangeWritesItsEventToTheOutbox(VertxTestContext ctx) {
    String seller = CatalogFixture.newUser();
    createdId(seller, listing("Ноутбук Acme Events", 1_000_00)).compose(id -> catalog.ask(CatalogAddresses.UPDATE,
          new JsonObject().put("id", id).put("product", listing("Ноутбук Acme Events 2", 2_000_00)), seller, "seller")
        .compose(v -> catalog.ask(CatalogAddresses.DELETE, new JsonObject().put("id", id), seller, "seller"))
        .compose(v -> catalog.query("SELECT topic, record_key, payload FROM catalog.outbox WHERE record_key = $1 ORDER BY id", id))
        .map(events -> ctx.verify(() -> {
          assertThat(events).extracting(r -> r.getJsonObject("payload").getString("type"))
            .containsExactly(CatalogAddresses.PRODUCT_CREATED, CatalogAddresses.PRODUCT_UPDATED, CatalogAddresses.PRODUCT_DELETED);
          assertThat(events).extracting(r -> r.getString("topic")).containsOnly("catalog.events");
          assertThat(events.get(1).getJsonObject("payload").getJsonObject("data").getJsonObject("price").getLong("amount")).isEqualTo(2_000_00L);
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void snapshotShowsCurrentDataDeletedProductsAndOmitsUnknownIds(VertxTestContext ctx) {
    String seller = CatalogFixture.newUser();
    String unknown = UUID.randomUUID().toString();
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i <= CatalogAddresses.SNAPSHOT_MAX_IDS; i++) {
      tooMany.add(UUID.randomUUID().toString());
    }
    createdId(seller, listing("Ноутбук Acme Snapshot", 3_000_00))
      .compose(kept -> createdId(seller, listing("Ноутбук Acme Gone", 4_000_00)).compose(gone -> catalog.ask(CatalogAddresses.DELETE,
          new JsonObject().put("id", gone), seller, "seller")
        .compose(v -> catalog.ask(CatalogAddresses.SNAPSHOT,
          new JsonObject().put("product_ids", new JsonArray().add(kept).add(gone).add(unknown)), null, null))
        .map(snapshot -> ctx.verify(() -> {
          JsonArray products = snapshot.getJsonArray("products");
          assertThat(products).hasSize(2);
          JsonObject keptSnapshot = products.stream().map(o -> (JsonObject) o).filter(o -> o.getString("id").equals(kept)).findFirst().orElseThrow();
          assertThat(keptSnapshot).isEqualTo(new JsonObject().put("id", kept).put("title", "Ноутбук Acme Snapshot").put("seller_id", seller)
            .put("price", new JsonObject().put("amount", 3_000_00L).put("currency", "RUB")).put("deleted", false));
          assertThat(products.stream().map(o -> (JsonObject) o).filter(o -> o.getString("id").equals(gone)).findFirst().orElseThrow()
            .getBoolean("deleted")).isTrue();
        }))))
      .compose(v -> refused(ctx, ErrorCode.VALIDATION_FAILED, CatalogAddresses.SNAPSHOT, new JsonObject().put("product_ids", tooMany), null, null))
      .compose(v -> refused(ctx, ErrorCode.VALIDATION_FAILED, CatalogAddresses.SNAPSHOT,
        new JsonObject().put("product_ids", new JsonArray().add("x")), null, null))
      .onComplete(ctx.succeedingThenComplete());
  }
}
