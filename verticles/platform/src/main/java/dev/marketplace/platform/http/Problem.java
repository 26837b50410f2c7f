package dev.marketplace.platform.http;

import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.ServiceFailure;
import io.vertx.core.json.JsonObject;

/**
 * An RFC 9457 problem document. {@code type} is a stable URI per error code, {@code code} the
 * code's name so clients can branch without parsing text.
 */
public final class Problem {
  public static final String CONTENT_TYPE = "application/problem+json";
  private static final String TYPE_BASE = "https://marketplace.dev/problems/";

  private Problem() {
  }

  public static JsonObject of(ErrorCode code, String title, String detail) {
    int status = HttpStatusMapping.status(code);
    return new JsonObject()
      .put("type", TYPE_BASE + code.name().toLowerCase().replace('_', '-'))
      .put("title", title)
      .put("status", status)
      .put("detail", detail)
      .put("code", code.name());
  }

  /** A problem from a failure that came back over the bus; extra fields (errors, ids) are kept. */
  public static JsonObject of(ServiceFailure failure) {
    JsonObject problem = of(failure.code(), titleOf(failure.code()), failure.detail());
    failure.extra().forEach(e -> {
      if (!problem.containsKey(e.getKey())) {
        problem.put(e.getKey(), e.getValue());
      }
    });
    return problem;
  }

  public static String titleOf(ErrorCode code) {
    return switch (code) {
      case VALIDATION_FAILED, MALFORMED_REQUEST -> "Bad request";
      case UNAUTHORIZED, INVALID_CREDENTIALS, TOKEN_INVALID, TOKEN_REUSED, INVALID_SIGNATURE -> "Unauthorized";
      case FORBIDDEN -> "Forbidden";
      case NOT_FOUND -> "Not found";
      case METHOD_NOT_ALLOWED -> "Method not allowed";
      case PAYLOAD_TOO_LARGE -> "Payload too large";
      case IDEMPOTENCY_KEY_REUSED -> "Idempotency key reused";
      case RATE_LIMITED -> "Too many requests";
      case SERVICE_UNAVAILABLE -> "Service unavailable";
      case TIMEOUT -> "Gateway timeout";
      case INTERNAL -> "Internal error";
      default -> "Conflict";
    };
  }
}
