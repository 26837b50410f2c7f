package dev.marketplace.contracts;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * Stable error codes carried as {@link ReplyException#failureCode()} over the event bus.
 * Callers branch on the code; the gateway maps each one to an HTTP status in one table
 * (platform {@code HttpStatusMapping}). Codes never change meaning once published.
 */
public enum ErrorCode {
  VALIDATION_FAILED(1001),
  MALFORMED_REQUEST(1002),
  UNAUTHORIZED(1101),
  INVALID_CREDENTIALS(1102),
  TOKEN_INVALID(1103),
  TOKEN_REUSED(1104),
  INVALID_SIGNATURE(1105),
  FORBIDDEN(1201),
  NOT_FOUND(1301),
  METHOD_NOT_ALLOWED(1302),
  PAYLOAD_TOO_LARGE(1303),
  CONFLICT(1401),
  ALREADY_EXISTS(1402),
  ILLEGAL_STATE(1403),
  IDEMPOTENCY_KEY_REUSED(1404),
  OUT_OF_STOCK(1501),
  PRICE_CHANGED(1502),
  CART_EMPTY(1503),
  PAYMENT_UNAVAILABLE(1504),
  PAYMENT_DECLINED(1505),
  PURCHASE_LIMIT_EXCEEDED(1506),
  /** A buyer already holds stock in {@code checkout.max_open_per_buyer} unpaid checkouts. */
  TOO_MANY_OPEN_CHECKOUTS(1507),
  /** A waiting-room ticket that is not the caller's, not for this sale, or forged. */
  QUEUE_TICKET_INVALID(1508),
  /** A waiting-room ticket past its expiry: ask again without it for a new place. */
  QUEUE_TICKET_EXPIRED(1509),
  RATE_LIMITED(1601),
  SERVICE_UNAVAILABLE(1701),
  TIMEOUT(1702),
  INTERNAL(1901);

  private static final Map<Integer, ErrorCode> BY_CODE = new HashMap<>();

  static {
    for (ErrorCode c : values()) {
      BY_CODE.put(c.code, c);
    }
  }

  private final int code;

  ErrorCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The code for a {@link ReplyException#failureCode()}, or {@code null} when it is not one of ours. */
  public static ErrorCode fromCode(int code) {
    return BY_CODE.get(code);
  }

  /** A failure with a human-readable detail, ready to be returned from a bus handler. */
  public ReplyException failure(String detail) {
    return ServiceFailure.of(this, detail).toReplyException();
  }

  /** A failure with extra machine-readable fields (for example {@code order_id}). */
  public ReplyException failure(String detail, JsonObject extra) {
    return new ServiceFailure(this, detail, extra).toReplyException();
  }

  static ReplyException replyException(int code, String message) {
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code, message);
  }
}
