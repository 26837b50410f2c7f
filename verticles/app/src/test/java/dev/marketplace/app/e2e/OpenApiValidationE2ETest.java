package dev.marketplace.app.e2e;

import dev.marketplace.auth.RoleGrants;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request schemas of {@code openapi.json} hold in the running marketplace: for every operation
 * that takes a JSON body, a body without the schema's required fields and a body with a field the
 * schema does not allow are each answered 400 problem+json naming the field. The components
 * validate (the gateway's {@code JsonValidator} and theirs), so the bridges and HTTP refuse the same
 * bodies; this test holds that validation to the document, operation by operation.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class OpenApiValidationE2ETest {
  /** Bodies the schema cannot describe field by field: the bank's signed payload. */
  private static final Set<String> NOT_FIELD_VALIDATED = Set.of("paymentCallback");
  private static MarketplaceHarness market;
  private static ShopClient shop;

  @BeforeAll
  static void up(VertxTestContext ctx) {
    MarketplaceHarness.start()
      .onSuccess(started -> {
        market = started;
        shop = new ShopClient(market);
      })
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    MarketplaceHarness.close(market).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aBodyThatBreaksTheSchemaIs400NamingTheField(VertxTestContext ctx) throws IOException {
    JsonObject document;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("openapi.json")) {
      document = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    shop.token("seller").compose(seller -> shop.product(seller, "Весы", 99_000, 3).compose(product -> shop.buyerWith(product, 1).compose(buyer -> {
      // who calls, and which real objects the path names, so that validation is what answers
      Map<String, String> pathIds = Map.of("id", product, "product_id", product);
      Set<String> checked = Collections.synchronizedSet(new TreeSet<>());
      List<String> failures = Collections.synchronizedList(new ArrayList<>());
      List<Supplier<Future<Void>>> operations = new ArrayList<>();
      JsonObject paths = document.getJsonObject("paths");
      for (String path : paths.fieldNames()) {
        for (String method : paths.getJsonObject(path).fieldNames()) {
          JsonObject operation = paths.getJsonObject(path).getJsonObject(method);
          JsonObject schema = bodySchema(document, operation);
          if (schema == null || NOT_FIELD_VALIDATED.contains(operation.getString("operationId"))) {
            continue;
          }
          operations.add(() -> {
            assertThat(schema.getValue("additionalProperties")).as(method + " " + path + " refuses unknown fields").isEqualTo(false);
            String url = replaceIds(path, pathIds);
            Future<String> token = path.contains("/admin/") ? admin() : Future.succeededFuture(path.contains("/seller/") ? seller : buyer[0]);
            JsonArray required = schema.getJsonArray("required", new JsonArray());
            return token.compose(caller -> (required.isEmpty() ? Future.<Void>succeededFuture()
                : check(failures, method, url, caller, buyer[1], new JsonObject(), required.getString(0)))
              .compose(v -> check(failures, method, url, caller, buyer[1], new JsonObject().put("zz_not_in_the_schema", true), "zz_not_in_the_schema")))
              .map(v -> {
                checked.add(operation.getString("operationId"));
                return null;
              });
          });
        }
      }
      return InOrder.run(operations).map(done -> ctx.verify(() -> {
        assertThat(checked).as("operations with a JSON body").contains("register", "login", "createProduct", "setStock", "addCartItem",
          "checkout", "putNotificationPreferences", "createSale", "setReservationTtl", "updateMe");
        assertThat(failures).isEmpty();
      }));
    }))).onComplete(ctx.succeedingThenComplete());
  }

  private static String replaceIds(String path, Map<String, String> pathIds) {
    String url = path;
    for (var id : pathIds.entrySet()) {
      url = url.replace("{" + id.getKey() + "}", id.getValue());
    }
    return url;
  }

  private static String adminToken;

  /** An admin's token, made once: the admin routes refuse everyone else before validation. */
  private static Future<String> admin() {
    if (adminToken != null) {
      return Future.succeededFuture(adminToken);
    }
    String email = "admin-" + UUID.randomUUID() + "@example.com";
    return market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
        .put("email", email).put("password", ShopClient.PASSWORD).put("name", "Admin"))
      .compose(registered -> {
        assertThat(registered.statusCode()).isEqualTo(201);
        Pool pool = PgSupport.pool(market.vertx, market.config, 1);
        return RoleGrants.grant(pool, email, "admin").map(granted -> {
          assertThat(granted).isPresent();
          return null;
        }).eventually(pool::close);
      })
      .compose(v -> market.http.post("/api/v1/auth/login")
        .sendJsonObject(new JsonObject().put("email", email).put("password", ShopClient.PASSWORD)))
      .map(login -> {
        adminToken = login.bodyAsJsonObject().getString("access_token");
        return adminToken;
      });
  }

  private static Future<Void> check(List<String> failures, String method, String url, String token, String cartId, JsonObject body, String field) {
    HttpRequest<Buffer> request = market.http.request(HttpMethod.valueOf(method.toUpperCase()), url)
      .bearerTokenAuthentication(token).putHeader("X-Cart-Id", cartId).putHeader("Idempotency-Key", UUID.randomUUID().toString());
    return request.sendJsonObject(body).map(response -> {
      String what = method.toUpperCase() + " " + url + " " + body.encode() + " → " + response.statusCode() + " " + response.bodyAsString();
      if (response.statusCode() != 400 || !String.valueOf(response.getHeader("Content-Type")).startsWith("application/problem+json")) {
        failures.add(what + " (wanted 400 problem+json)");
        return null;
      }
      JsonArray errors = response.bodyAsJsonObject().getJsonArray("errors", new JsonArray());
      // the catalog names a listing's fields after its bus envelope ({product: listing}): product.title
      String enveloped = url.contains("/seller/products") && !url.endsWith("/stock") && !url.endsWith("/purchase-limit") ? "product." + field : field;
      boolean named = errors.stream().anyMatch(e -> e instanceof JsonObject error
        && (field.equals(error.getString("field")) || enveloped.equals(error.getString("field"))));
      if (!named) {
        failures.add(what + " (wanted an error naming " + field + ")");
      }
      return null;
    });
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
