package dev.marketplace.gateway;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

final class ProblemAssert {

  private ProblemAssert() {
  }

  /** A problem+json response with the status and code, every RFC 9457 field, and a correlation id. */
  static JsonObject assertProblem(HttpResponse<?> resp, int status, String code) {
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(status);
    assertThat(resp.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(resp.getHeader("X-Correlation-Id")).isNotBlank();
    JsonObject problem = resp.bodyAsJsonObject();
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("code")).isEqualTo(code);
    assertThat(problem.getString("type")).startsWith("https://");
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
    return problem;
  }
}
