package dev.marketplace.app.e2e;

import dev.marketplace.auth.RoleGrants;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request schemas of {@code openapi.json} hold in the running marketplace: for every operation
 * that takes a JSON body, a body without the schema's required fields and a body with a field the
 * schema does not allow are each answered 400 problem+json naming the field. The components
 * validate (the gateway's {@code JsonValidator} and theirs), so the bridges and HTTP refuse the same
 * bodies; this test holds that validation to the document, operation by operation.
 */
class OpenApiValidationE2ETest {
  /** Bodies the schema cannot describe field by field: the bank's signed payload. */
  private static final Set<String> NOT_FIELD_VALIDATED = Set.of("paymentCallback");
  private static MarketplaceHarness market;
  private static ShopClient shop;

  @BeforeAll
  static void up() throws Exception {
    market = MarketplaceHarness.start();
    shop = new ShopClient(market);
  }

  @AfterAll
  static void down() throws Exception {
    market.close();
  }

  @Test
  void aBodyThatBreaksTheSchemaIs400NamingTheField() throws Exception {
    JsonObject document;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("openapi.json")) {
      document = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    String seller = shop.token("seller");
    String product = shop.product(seller, "Весы", 99_000, 3);
    String[] buyer = shop.buyerWith(product, 1);
    // who calls, and which real objects the path names, so that validation is what answers
    Map<String, String> pathIds = Map.of("id", product, "product_id", product);
    Set<String> checked = new TreeSet<>();
    List<String> failures = new ArrayList<>();
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        JsonObject operation = paths.getJsonObject(path).getJsonObject(method);
        JsonObject schema = bodySchema(document, operation);
        if (schema == null || NOT_FIELD_VALIDATED.contains(operation.getString("operationId"))) {
          continue;
        }
        assertThat(schema.getValue("additionalProperties")).as(method + " " + path + " refuses unknown fields").isEqualTo(false);
        String url = path;
        for (var id : pathIds.entrySet()) {
          url = url.replace("{" + id.getKey() + "}", id.getValue());
        }
        String token = path.contains("/admin/") ? admin() : path.contains("/seller/") ? seller : buyer[0];
        JsonArray required = schema.getJsonArray("required", new JsonArray());
        if (!required.isEmpty()) {
          check(failures, method, url, token, buyer[1], new JsonObject(), required.getString(0));
        }
        check(failures, method, url, token, buyer[1], new JsonObject().put("zz_not_in_the_schema", true), "zz_not_in_the_schema");
        checked.add(operation.getString("operationId"));
      }
    }
    assertThat(checked).as("operations with a JSON body").contains("register", "login", "createProduct", "setStock", "addCartItem",
      "checkout", "putNotificationPreferences", "createSale", "setReservationTtl", "updateMe");
    assertThat(failures).isEmpty();
  }

  private static String adminToken;

  /** An admin's token, made once: the admin routes refuse everyone else before validation. */
  private static String admin() throws Exception {
    if (adminToken == null) {
      String email = "admin-" + UUID.randomUUID() + "@example.com";
      assertThat(await(market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
        .put("email", email).put("password", ShopClient.PASSWORD).put("name", "Admin"))).statusCode()).isEqualTo(201);
      Pool pool = PgSupport.pool(market.vertx, market.config, 1);
      try {
        assertThat(await(RoleGrants.grant(pool, email, "admin"))).isPresent();
      } finally {
        await(pool.close());
      }
      adminToken = await(market.http.post("/api/v1/auth/login")
        .sendJsonObject(new JsonObject().put("email", email).put("password", ShopClient.PASSWORD))).bodyAsJsonObject().getString("access_token");
    }
    return adminToken;
  }

  private static void check(List<String> failures, String method, String url, String token, String cartId, JsonObject body, String field) throws Exception {
    HttpRequest<Buffer> request = market.http.request(HttpMethod.valueOf(method.toUpperCase()), url)
      .bearerTokenAuthentication(token).putHeader("X-Cart-Id", cartId).putHeader("Idempotency-Key", UUID.randomUUID().toString());
    HttpResponse<Buffer> response = await(request.sendJsonObject(body));
    String what = method.toUpperCase() + " " + url + " " + body.encode() + " → " + response.statusCode() + " " + response.bodyAsString();
    if (response.statusCode() != 400 || !String.valueOf(response.getHeader("Content-Type")).startsWith("application/problem+json")) {
      failures.add(what + " (wanted 400 problem+json)");
      return;
    }
    JsonArray errors = response.bodyAsJsonObject().getJsonArray("errors", new JsonArray());
    // the catalog names a listing's fields after its bus envelope ({product: listing}): product.title
    String enveloped = url.contains("/seller/products") && !url.endsWith("/stock") && !url.endsWith("/purchase-limit") ? "product." + field : field;
    boolean named = errors.stream().anyMatch(e -> e instanceof JsonObject error
      && (field.equals(error.getString("field")) || enveloped.equals(error.getString("field"))));
    if (!named) {
      failures.add(what + " (wanted an error naming " + field + ")");
    }
  }

  /** The operation's application/json request schema, its $ref followed; null without one. */
  private static JsonObject bodySchema(JsonObject document, JsonObject operation) {
    JsonObject body = operation.getJsonObject("requestBody");
    if (body == null) {
      return null;
    }
    JsonObject media = body.getJsonObject("content", new JsonObject()).getJsonObject("application/json");
    if (media == null) {
      return null;
    }
    JsonObject schema = media.getJsonObject("schema");
    if (schema.containsKey("$ref")) {
      String name = schema.getString("$ref").substring("#/components/schemas/".length());
      schema = document.getJsonObject("components").getJsonObject("schemas").getJsonObject(name);
    }
    return "object".equals(schema.getString("type")) && schema.containsKey("properties") ? schema : null;
  }
}
