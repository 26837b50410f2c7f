package dev.marketplace.gateway;

import dev.marketplace.gateway.docs.ApiDocsRoutes;
import dev.marketplace.platform.testing.InOrder;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIVersion;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code openapi.json} is the contract of the public HTTP API: a valid OpenAPI 3.1 document (checked
 * against the specification's schema with vertx-openapi's copy of it; vertx-openapi's contract loader
 * itself refuses {@code application/problem+json} and {@code text/event-stream} responses, so the
 * document is not loaded as a router contract), with exactly the operations the gateway's
 * router serves (route for route, both ways) and every route {@code docs/ARCHITECTURE.md} names;
 * served at {@code /openapi.json}, with Swagger UI from the webjar at {@code /docs}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class OpenApiDocumentTest {
  /** Served, but not part of the JSON API: the storefront page, Swagger UI, the SockJS bridge. */
  private static final Set<String> NOT_API = Set.of("GET /", "GET /docs", "GET /docs/init.js");
  private static final Pattern ARCH_ROUTE = Pattern.compile("`((?:GET|POST|PUT|PATCH|DELETE)(?:/(?:GET|POST|PUT|PATCH|DELETE))*) (/[^`?\\s]*)");

  private Vertx vertx;
  private GatewayVerticle gateway;
  private WebClient http;

  @BeforeEach
  void up(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    gateway = new GatewayVerticle();
    // on the JUnit thread: the first call starts the shared PostgreSQL and Kafka, which blocks
    JsonObject config = GatewayFixture.config();
    vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(config))
      .onComplete(ctx.succeeding(id -> {
        http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gateway.actualPort()));
        ctx.completeNow();
      }));
  }

  static JsonObject document() throws Exception {
    try (InputStream in = OpenApiDocumentTest.class.getClassLoader().getResourceAsStream(ApiDocsRoutes.DOCUMENT)) {
      assertThat(in).as("openapi.json on the gateway's classpath").isNotNull();
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  /** "GET /api/v1/orders/{id}" for every operation of the document. */
  private static Set<String> documented(JsonObject document) {
    Set<String> operations = new TreeSet<>();
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        if (METHODS.contains(method)) {
          operations.add(method.toUpperCase() + " " + path);
        }
      }
    }
    return operations;
  }

  /** The document against the OpenAPI 3.1 schema (vertx-openapi's copy of the specification's schemas). */
  private Future<OutputUnit> validate(JsonObject document) {
    return OpenAPIVersion.V3_1.getRepository(vertx, "app:///")
      .compose(repository -> OpenAPIVersion.V3_1.validateContract(vertx, repository, document));
  }

  @Test
  void theDocumentIsAValidOpenApi31Document(VertxTestContext ctx) throws Exception {
    JsonObject document = document();
    // a document that breaks the specification is refused, so the check below can fail
    JsonObject broken = document();
    broken.getJsonObject("paths").getJsonObject("/health").getJsonObject("get").put("responses", "none");
    ctx.verify(() -> assertThat(document.getString("openapi")).isEqualTo("3.1.0"));
    validate(document)
      .map(result -> ctx.verify(() -> assertThat(result.getValid()).as(String.valueOf(result.getErrors())).isTrue()))
      // every $ref points at something
      .compose(v -> OpenAPIVersion.V3_1.getRepository(vertx, "app:///"))
      .compose(repository -> OpenAPIVersion.V3_1.resolve(vertx, repository, document.copy()))
      .map(resolved -> ctx.verify(() -> {
        assertThat(resolved.getJsonObject("paths")).isNotNull();
        Set<String> operationIds = new TreeSet<>();
        JsonObject paths = document.getJsonObject("paths");
        for (String path : paths.fieldNames()) {
          for (String method : paths.getJsonObject(path).fieldNames()) {
            assertThat(METHODS).as(path + " holds operations only").contains(method);
            JsonObject operation = paths.getJsonObject(path).getJsonObject(method);
            String name = method.toUpperCase() + " " + path;
            assertThat(operationIds.add(operation.getString("operationId"))).as(name + " has an operationId of its own").isTrue();
            JsonObject responses = operation.getJsonObject("responses");
            assertThat(responses.fieldNames()).as(name + " documents its success").containsAnyOf("200", "201", "204");
            JsonArray security = operation.getJsonArray("security", new JsonArray());
            boolean tokenOnly = !security.isEmpty() && security.stream().allMatch(r -> ((JsonObject) r).containsKey("bearerAuth"));
            if (tokenOnly) {
              // a route that needs a token says what a missing or bad one gets
              assertThat(responses.fieldNames()).as(name + " documents 401").contains("401");
            }
          }
        }
      }))
      .compose(v -> validate(broken))
      .map(result -> ctx.verify(() -> assertThat(result.getValid()).as("an operation whose responses are a string").isFalse()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void theRouterAndTheDocumentAgreeRouteForRoute(VertxTestContext ctx) {
    ctx.verify(() -> {
      Set<String> routed = new TreeSet<>();
      for (Route route : gateway.router().getRoutes()) {
        String path = route.getPath();
        // cross-cutting handlers (no path or no method) and prefix routes ("/docs/*" reads "/docs/"):
        // the SockJS bridge, static files of the storefront and of Swagger UI
        if (path == null || route.methods() == null || route.methods().isEmpty() || (path.endsWith("/") && !path.equals("/"))) {
          continue;
        }
        for (HttpMethod method : route.methods()) {
          String operation = method.name() + " " + path.replaceAll(":([A-Za-z_]+)", "{$1}");
          if (!NOT_API.contains(operation)) {
            routed.add(operation);
          }
        }
      }
      Set<String> documented = documented(document());
      assertThat(routed).as("routes of the gateway missing from openapi.json (add them there)").isSubsetOf(documented);
      assertThat(documented).as("operations of openapi.json that no route serves").isSubsetOf(routed);
    });
    ctx.completeNow();
  }

  @Test
  void everyRouteOfTheArchitectureIsInTheDocument() throws Exception {
    String whole = Files.readString(Path.of("..", "..", "docs", "ARCHITECTURE.md"));
    // the public API's section, without the bank simulator's own routes (another server)
    int start = whole.indexOf("## Public HTTP API");
    int end = whole.indexOf("\n## ", start + 1);
    String architecture = whole.substring(start, end < 0 ? whole.length() : end)
      .replaceAll("(?s)Bank simulator \\(its own port.*?\n\n", "");
    Set<String> documented = documented(document());
    Set<String> named = new TreeSet<>();
    Matcher m = ARCH_ROUTE.matcher(architecture);
    while (m.find()) {
      String path = m.group(2).replaceAll("\\{[a-z_]+}", "{}");
      if (List.of("/", "/docs", "/storefront/*").contains(path)) {
        continue; // the storefront and Swagger UI: pages, not part of the JSON API
      }
      for (String method : m.group(1).split("/")) {
        named.add(method + " " + (path.startsWith("/api/v1") || path.startsWith("/.well-known") || List.of("/health", "/ready", "/metrics", "/openapi.json").contains(path)
          ? path : "/api/v1" + path));
      }
    }
    assertThat(named).as("routes found in docs/ARCHITECTURE.md").hasSizeGreaterThan(25).contains("GET /api/v1/orders/{}", "POST /api/v1/checkout");
    Set<String> normalized = new TreeSet<>();
    documented.forEach(op -> normalized.add(op.replaceAll("\\{[a-z_]+}", "{}")));
    for (String route : named) {
      if (route.endsWith("/*")) {
        // a family of routes (`/admin/notifications/*`): at least one of it is described
        String prefix = route.substring(0, route.length() - 1);
        assertThat(normalized).as("openapi.json against docs/ARCHITECTURE.md: " + route).anyMatch(op -> op.startsWith(prefix));
      } else {
        assertThat(normalized).as("openapi.json against docs/ARCHITECTURE.md").contains(route);
      }
    }
  }

  @Test
  void theDocumentIsServedAndSwaggerUiComesFromTheWebjar(VertxTestContext ctx) throws Exception {
    JsonObject document = document();
    http.get("/openapi.json").send()
      .map(served -> ctx.verify(() -> {
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.getHeader("Content-Type")).startsWith("application/json");
        assertThat(served.bodyAsJsonObject()).isEqualTo(document);
      }))
      .compose(v -> http.get("/docs").followRedirects(false).send())
      .map(redirect -> ctx.verify(() -> {
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.getHeader("Location")).isEqualTo("/docs/");
      }))
      .compose(v -> http.get("/docs/").send())
      .map(page -> ctx.verify(() -> {
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.bodyAsString()).contains("swagger-ui-bundle.js").doesNotContain("http://", "https://");
      }))
      .compose(v -> http.get("/docs/init.js").send())
      .map(init -> ctx.verify(() -> assertThat(init.bodyAsString()).contains("\"/openapi.json\"")))
      .compose(v -> InOrder.each(List.of("/docs/swagger-ui-bundle.js", "/docs/swagger-ui-standalone-preset.js", "/docs/swagger-ui.css"),
        asset -> http.get(asset).send().map(file -> ctx.verify(() -> {
          assertThat(file.statusCode()).as(asset).isEqualTo(200);
          assertThat(file.body().length()).as(asset).isGreaterThan(100_000);
        }))))
      .onComplete(ctx.succeedingThenComplete());
  }
}
