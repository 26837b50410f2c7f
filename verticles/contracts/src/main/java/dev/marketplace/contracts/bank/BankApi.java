package dev.marketplace.contracts.bank;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The HTTP API of the bank (the simulator implements it; the payment component calls it). Not an
 * event bus contract: the bank is outside the platform.
 *
 * <ul>
 *   <li>{@code POST /api/payments} {@code {reference, order_id, amount:{amount,currency}, callback_url?}}
 *   → 201 {@code {id, reference, order_id, status:"PENDING", amount, confirm_url}}; the same
 *   {@code reference} again → 200 with the same payment (safe to retry after a timeout).</li>
 *   <li>{@code GET /api/payments/{id}} → the payment; {@code status} is one of {@link #PENDING},
 *   {@link #CAPTURED}, {@link #DECLINED}, {@link #VOIDED}, {@link #REFUNDED}.</li>
 *   <li>{@code POST /api/payments/{id}/void} → {@code {id, status:"VOIDED"}}; idempotent; 409 once captured.</li>
 *   <li>{@code POST /api/payments/{id}/refund} → {@code {id, status:"REFUNDED"}}; idempotent; 409 unless captured.</li>
 *   <li>{@code GET /3ds/{id}}: the buyer's 3-D Secure page; {@code POST /3ds/{id}/confirm|decline} settles it.</li>
 *   <li>Once settled the bank POSTs {@code {event_id, id, reference, order_id, status, amount, occurred_at}}
 *   to the callback URL with {@link #SIGNATURE_HEADER}: {@code sha256=<hex HMAC-SHA256 of the raw body>},
 *   retrying with backoff until it gets a 2xx.</li>
 * </ul>
 */
public final class BankApi {
  public static final String SIGNATURE_HEADER = "X-Bank-Signature";
  public static final String SIGNATURE_PREFIX = "sha256=";

  public static final String PENDING = "PENDING";
  public static final String CAPTURED = "CAPTURED";
  public static final String DECLINED = "DECLINED";
  public static final String VOIDED = "VOIDED";
  public static final String REFUNDED = "REFUNDED";

  private BankApi() {
  }

  /** {@code sha256=<lowercase hex>} of HMAC-SHA256(secret, body). */
  public static String sign(String secret, byte[] body) {
    return SIGNATURE_PREFIX + HexFormat.of().formatHex(hmac(secret, body));
  }

  /**
   * Whether {@code header} is the signature of {@code body}. Compares in constant time
   * ({@link MessageDigest#isEqual}) so the signature cannot be guessed byte by byte from timings.
   */
  public static boolean verify(String secret, byte[] body, String header) {
    if (header == null || !header.startsWith(SIGNATURE_PREFIX)) {
      return false;
    }
    byte[] presented;
    try {
      presented = HexFormat.of().parseHex(header.substring(SIGNATURE_PREFIX.length()).trim());
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(hmac(secret, body), presented);
  }

  private static byte[] hmac(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
