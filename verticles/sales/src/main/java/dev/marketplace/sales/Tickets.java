package dev.marketplace.sales;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.UUID;

/**
 * Waiting-room tickets: {@code <sale id>.<number>.<issued epoch s>.<signature>}, the signature an
 * HMAC-SHA256 over the sale, the number, the issue time and the buyer. A ticket is checked without
 * the database (a queued buyer's retries cost no query) and is worth nothing to another buyer.
 */
final class Tickets {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private final byte[] key;

  /** A ticket read back: its sale, number and issue time (epoch seconds). */
  record Ticket(UUID saleId, long number, long issuedAt) {
  }

  Tickets(byte[] key) {
    this.key = key.clone();
  }

  String issue(UUID saleId, long number, long issuedAt, String buyerId) {
    String body = saleId + "." + number + "." + issuedAt;
    return body + "." + sign(body, buyerId);
  }

  /** The ticket if it is well formed and was issued to {@code buyerId}; null otherwise. */
  Ticket verify(String ticket, String buyerId) {
    if (ticket == null || ticket.length() > 200) {
      return null;
    }
    String[] parts = ticket.split("\\.");
    if (parts.length != 4) {
      return null;
    }
    String body = parts[0] + "." + parts[1] + "." + parts[2];
    byte[] expected = sign(body, buyerId).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, parts[3].getBytes(StandardCharsets.US_ASCII))) {
      return null;
    }
    try {
      return new Ticket(UUID.fromString(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private String sign(String body, String buyerId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] sig = mac.doFinal((body + "|" + buyerId).getBytes(StandardCharsets.UTF_8));
      return B64.encodeToString(java.util.Arrays.copyOf(sig, 18));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
