package dev.marketplace.cart;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Guest cart ids: 256 bits from {@link SecureRandom} as 43 base64url characters, so guessing
 * another guest's id is impractical. The database keeps only their SHA-256.
 */
final class GuestCartIds {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{43}");

  private GuestCartIds() {
  }

  static String newId() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Whether the text could be a guest cart id at all (anything else names no cart). */
  static boolean wellFormed(String id) {
    return id != null && SHAPE.matcher(id).matches();
  }

  /** The stored form of an id: hex SHA-256. */
  static String hash(String id) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java platform", e);
    }
  }
}
