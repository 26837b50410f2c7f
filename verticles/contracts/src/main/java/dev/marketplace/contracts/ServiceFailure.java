package dev.marketplace.contracts;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A failure as it travels over the event bus: the {@link ErrorCode} is the reply's failure code,
 * and the message is a small JSON document {@code {"detail": "...", "errors": [...], ...extra}}
 * so that field errors and ids (for example the cancelled {@code order_id}) survive the trip.
 *
 * @param code   the stable error code
 * @param detail a sentence for humans; never a stack trace or SQL text
 * @param extra  extra fields for the client: {@code errors: [{field, message}]}, ids
 */
public record ServiceFailure(ErrorCode code, String detail, JsonObject extra) {

  public ServiceFailure {
    extra = extra == null ? new JsonObject() : extra;
  }

  public static ServiceFailure of(ErrorCode code, String detail) {
    return new ServiceFailure(code, detail, new JsonObject());
  }

  /** A validation failure naming one offending field. */
  public static ReplyException invalidField(String field, String message) {
    return new ServiceFailure(ErrorCode.VALIDATION_FAILED, "The request is not valid.",
      new JsonObject().put("errors", new JsonArray().add(new JsonObject().put("field", field).put("message", message))))
      .toReplyException();
  }

  public ReplyException toReplyException() {
    JsonObject body = extra.copy().put("detail", detail);
    return ErrorCode.replyException(code.code(), body.encode());
  }

  /**
   * Reads any throwable coming back from a bus request. A timeout or a missing handler becomes
   * {@link ErrorCode#TIMEOUT} / {@link ErrorCode#SERVICE_UNAVAILABLE}; anything unknown is INTERNAL.
   */
  public static ServiceFailure from(Throwable t) {
    if (t instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return of(ErrorCode.TIMEOUT, "A service did not answer in time.");
      }
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return of(ErrorCode.SERVICE_UNAVAILABLE, "A service is not available.");
      }
      ErrorCode code = ErrorCode.fromCode(re.failureCode());
      if (code == null) {
        return of(ErrorCode.INTERNAL, "An internal error occurred.");
      }
      String message = re.getMessage();
      if (message != null && message.startsWith("{")) {
        try {
          JsonObject body = new JsonObject(message);
          String detail = body.getString("detail", code.name());
          body.remove("detail");
          return new ServiceFailure(code, detail, body);
        } catch (DecodeException e) {
          return of(code, message);
        }
      }
      return of(code, message == null ? code.name() : message);
    }
    return of(ErrorCode.INTERNAL, "An internal error occurred.");
  }
}
