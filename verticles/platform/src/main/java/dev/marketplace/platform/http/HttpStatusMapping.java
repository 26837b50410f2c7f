package dev.marketplace.platform.http;

import dev.marketplace.contracts.ErrorCode;

import java.util.EnumMap;
import java.util.Map;

/** The one table from error codes to HTTP statuses. */
public final class HttpStatusMapping {
  private static final Map<ErrorCode, Integer> STATUS = new EnumMap<>(ErrorCode.class);

  static {
    STATUS.put(ErrorCode.VALIDATION_FAILED, 400);
    STATUS.put(ErrorCode.MALFORMED_REQUEST, 400);
    STATUS.put(ErrorCode.UNAUTHORIZED, 401);
    STATUS.put(ErrorCode.INVALID_CREDENTIALS, 401);
    STATUS.put(ErrorCode.TOKEN_INVALID, 401);
    STATUS.put(ErrorCode.TOKEN_REUSED, 401);
    STATUS.put(ErrorCode.INVALID_SIGNATURE, 401);
    STATUS.put(ErrorCode.FORBIDDEN, 403);
    STATUS.put(ErrorCode.NOT_FOUND, 404);
    STATUS.put(ErrorCode.METHOD_NOT_ALLOWED, 405);
    STATUS.put(ErrorCode.PAYLOAD_TOO_LARGE, 413);
    STATUS.put(ErrorCode.CONFLICT, 409);
    STATUS.put(ErrorCode.ALREADY_EXISTS, 409);
    STATUS.put(ErrorCode.ILLEGAL_STATE, 409);
    STATUS.put(ErrorCode.IDEMPOTENCY_KEY_REUSED, 422);
    STATUS.put(ErrorCode.OUT_OF_STOCK, 409);
    STATUS.put(ErrorCode.PRICE_CHANGED, 409);
    STATUS.put(ErrorCode.CART_EMPTY, 409);
    STATUS.put(ErrorCode.PAYMENT_UNAVAILABLE, 409);
    STATUS.put(ErrorCode.PAYMENT_DECLINED, 409);
    STATUS.put(ErrorCode.PURCHASE_LIMIT_EXCEEDED, 409);
    STATUS.put(ErrorCode.TOO_MANY_OPEN_CHECKOUTS, 409);
    STATUS.put(ErrorCode.QUEUE_TICKET_INVALID, 403);
    STATUS.put(ErrorCode.QUEUE_TICKET_EXPIRED, 409);
    STATUS.put(ErrorCode.RATE_LIMITED, 429);
    STATUS.put(ErrorCode.SERVICE_UNAVAILABLE, 503);
    STATUS.put(ErrorCode.TIMEOUT, 504);
    STATUS.put(ErrorCode.INTERNAL, 500);
    for (ErrorCode code : ErrorCode.values()) {
      if (!STATUS.containsKey(code)) {
        throw new ExceptionInInitializerError("No HTTP status for " + code);
      }
    }
  }

  private HttpStatusMapping() {
  }

  public static int status(ErrorCode code) {
    return STATUS.get(code);
  }
}
