package dev.marketplace.catalog;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Sellers' listings over the bus: validation, ownership, soft delete, events, and the internal snapshot. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CatalogListingsTest {
  private CatalogFixture catalog;

  @BeforeAll
  void setUp() throws Exception {
    catalog = CatalogFixture.start(config -> { });
  }

  @AfterAll
  void tearDown() throws Exception {
    catalog.close();
  }

  private static JsonObject listing(String title, long price) {
    return new JsonObject().put("title", title).put("description", "Описание").put("brand", "Acme").put("category_id", 121)
      .put("price", new JsonObject().put("amount", price).put("currency", "RUB"))
      .put("attributes", new JsonObject().put("ram", "16 ГБ").put("ssd_gb", 512).put("touch", false));
  }

  private JsonObject create(String seller, JsonObject listing) throws Exception {
    return catalog.request(CatalogAddresses.CREATE, new JsonObject().put("product", listing), seller, "seller");
  }

  @Test
  void aSellerCreatesAListingThatAnyoneCanRead() throws Exception {
    String seller = CatalogFixture.newUser();
    JsonObject created = create(seller, listing("Ноутбук Acme Pro 14", 99_990_00));
    assertThat(created.getString("seller_id")).isEqualTo(seller);
    assertThat(created.getJsonObject("price")).isEqualTo(new JsonObject().put("amount", 99_990_00L).put("currency", "RUB"));
    assertThat(created.getJsonObject("category").getString("slug")).isEqualTo("laptops");
    assertThat(created.getBoolean("in_stock")).isFalse();
    JsonObject read = catalog.request(CatalogAddresses.GET, new JsonObject().put("id", created.getString("id")), null, null);
    assertThat(read).isEqualTo(created);
    assertThat(read.getJsonObject("attributes").getInteger("ssd_gb")).isEqualTo(512);
  }

  @Test
  void onlyTheOwningSellerUpdatesOrDeletesAListing() throws Exception {
    String owner = CatalogFixture.newUser();
    String other = CatalogFixture.newUser();
    String id = create(owner, listing("Ноутбук Acme Air", 50_000_00)).getString("id");
    JsonObject change = new JsonObject().put("id", id).put("product", listing("Ноутбук Acme Air 2", 45_000_00));

    assertThat(catalog.failure(CatalogAddresses.UPDATE, change, other, "seller").code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(catalog.failure(CatalogAddresses.DELETE, new JsonObject().put("id", id), other, "seller").code()).isEqualTo(ErrorCode.NOT_FOUND);
    JsonObject unchanged = catalog.request(CatalogAddresses.GET, new JsonObject().put("id", id), null, null);
    assertThat(unchanged.getString("title")).isEqualTo("Ноутбук Acme Air");

    JsonObject updated = catalog.request(CatalogAddresses.UPDATE, change, owner, "seller");
    assertThat(updated.getString("title")).isEqualTo("Ноутбук Acme Air 2");
    assertThat(updated.getJsonObject("price").getLong("amount")).isEqualTo(45_000_00L);

    JsonObject deleted = catalog.request(CatalogAddresses.DELETE, new JsonObject().put("id", id), owner, "seller");
    assertThat(deleted.getBoolean("deleted")).isTrue();
    assertThat(catalog.failure(CatalogAddresses.GET, new JsonObject().put("id", id), null, null).code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(catalog.failure(CatalogAddresses.UPDATE, change, owner, "seller").code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(catalog.search(new JsonObject().put("q", "Acme Air")).getJsonArray("items")).isEmpty();
  }

  @Test
  void anAdminMayManageAnyListingAndABuyerNone() throws Exception {
    String owner = CatalogFixture.newUser();
    String id = create(owner, listing("Ноутбук Acme Admin", 10_000_00)).getString("id");
    assertThat(catalog.failure(CatalogAddresses.CREATE, new JsonObject().put("product", listing("x y", 100)), CatalogFixture.newUser(), "buyer").code())
      .isEqualTo(ErrorCode.FORBIDDEN);
    assertThat(catalog.failure(CatalogAddresses.CREATE, new JsonObject().put("product", listing("x y", 100)), null, null).code())
      .isEqualTo(ErrorCode.UNAUTHORIZED);
    JsonObject updated = catalog.request(CatalogAddresses.UPDATE,
      new JsonObject().put("id", id).put("product", listing("Ноутбук Acme Moderated", 10_000_00)), CatalogFixture.newUser(), "admin");
    assertThat(updated.getString("seller_id")).isEqualTo(owner);
  }

  @Test
  void invalidListingsAreRefusedNamingEveryBadField() throws Exception {
    String seller = CatalogFixture.newUser();
    JsonObject bad = new JsonObject().put("title", " ").put("brand", "B".repeat(101)).put("category_id", 999)
      .put("price", new JsonObject().put("amount", -5).put("currency", "rub"))
      .put("attributes", new JsonObject().put("nested", new JsonObject())).put("seller_id", "me");
    ServiceFailure failure = catalog.failure(CatalogAddresses.CREATE, new JsonObject().put("product", bad), seller, "seller");
    assertThat(failure.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(failure.extra().getJsonArray("errors")).extracting(o -> ((JsonObject) o).getString("field"))
      .contains("product.title", "product.brand", "product.category_id", "product.price.amount", "product.price.currency",
        "product.attributes.nested", "product.seller_id");
    ServiceFailure missing = catalog.failure(CatalogAddresses.CREATE, new JsonObject().put("product", new JsonObject()), seller, "seller");
    assertThat(missing.extra().getJsonArray("errors")).extracting(o -> ((JsonObject) o).getString("field"))
      .contains("product.title", "product.brand", "product.category_id", "product.price");
    ServiceFailure badId = catalog.failure(CatalogAddresses.GET, new JsonObject().put("id", "42"), null, null);
    assertThat(badId.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(catalog.query("SELECT count(*) AS n FROM catalog.products WHERE seller_id = $1", seller).get(0).getLong("n")).isZero();
  }

  @Test
  void everyChangeWritesItsEventToTheOutbox() throws Exception {
    String seller = CatalogFixture.newUser();
    String id = create(seller, listing("Ноутбук Acme Events", 1_000_00)).getString("id");
    catalog.request(CatalogAddresses.UPDATE, new JsonObject().put("id", id).put("product", listing("Ноутбук Acme Events 2", 2_000_00)), seller, "seller");
    catalog.request(CatalogAddresses.DELETE, new JsonObject().put("id", id), seller, "seller");
    List<Row> events = catalog.query("SELECT topic, record_key, payload FROM catalog.outbox WHERE record_key = $1 ORDER BY id", id);
    assertThat(events).extracting(r -> r.getJsonObject("payload").getString("type"))
      .containsExactly(CatalogAddresses.PRODUCT_CREATED, CatalogAddresses.PRODUCT_UPDATED, CatalogAddresses.PRODUCT_DELETED);
    assertThat(events).extracting(r -> r.getString("topic")).containsOnly("catalog.events");
    assertThat(events.get(1).getJsonObject("payload").getJsonObject("data").getJsonObject("price").getLong("amount")).isEqualTo(2_000_00L);
  }

  @Test
  void snapshotShowsCurrentDataDeletedProductsAndOmitsUnknownIds() throws Exception {
    String seller = CatalogFixture.newUser();
    String kept = create(seller, listing("Ноутбук Acme Snapshot", 3_000_00)).getString("id");
    String gone = create(seller, listing("Ноутбук Acme Gone", 4_000_00)).getString("id");
    catalog.request(CatalogAddresses.DELETE, new JsonObject().put("id", gone), seller, "seller");
    String unknown = UUID.randomUUID().toString();
    JsonArray products = catalog.request(CatalogAddresses.SNAPSHOT,
      new JsonObject().put("product_ids", new JsonArray().add(kept).add(gone).add(unknown)), null, null).getJsonArray("products");
    assertThat(products).hasSize(2);
    JsonObject keptSnapshot = products.stream().map(o -> (JsonObject) o).filter(o -> o.getString("id").equals(kept)).findFirst().orElseThrow();
    assertThat(keptSnapshot).isEqualTo(new JsonObject().put("id", kept).put("title", "Ноутбук Acme Snapshot").put("seller_id", seller)
      .put("price", new JsonObject().put("amount", 3_000_00L).put("currency", "RUB")).put("deleted", false));
    assertThat(products.stream().map(o -> (JsonObject) o).filter(o -> o.getString("id").equals(gone)).findFirst().orElseThrow()
      .getBoolean("deleted")).isTrue();

    JsonArray tooMany = new JsonArray();
    for (int i = 0; i <= CatalogAddresses.SNAPSHOT_MAX_IDS; i++) {
      tooMany.add(UUID.randomUUID().toString());
    }
    assertThat(catalog.failure(CatalogAddresses.SNAPSHOT, new JsonObject().put("product_ids", tooMany), null, null).code())
      .isEqualTo(ErrorCode.VALIDATION_FAILED);
    assertThat(catalog.failure(CatalogAddresses.SNAPSHOT, new JsonObject().put("product_ids", new JsonArray().add("x")), null, null).code())
      .isEqualTo(ErrorCode.VALIDATION_FAILED);
  }
}
