package dev.marketplace.platform.bus;

import dev.marketplace.contracts.BusHeaders;
import io.vertx.core.eventbus.Message;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Request ids ({@link BusHeaders#REQUEST_ID}): what makes a write safe to send again to another
 * node. The gateway makes one per HTTP request and sends it with every attempt of that request; a
 * component records the ids it applied (only their SHA-256, {@link #hash}) in the transaction of
 * the write, and a repeat finds its id recorded and changes nothing.
 */
public final class RequestIds {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{43}");

  private RequestIds() {
  }

  /** A new id: 256 bits from {@link SecureRandom}, 43 base64url characters. */
  public static String newId() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The request id a message carries, or null when it has none or one of another shape (then nothing is deduped). */
  public static String of(Message<?> message) {
    String id = message.headers().get(BusHeaders.REQUEST_ID);
    return id != null && SHAPE.matcher(id).matches() ? id : null;
  }

  /** The stored form of an id: hex SHA-256 (a stored form never lets anyone derive what the id derives). */
  public static String hash(String id) {
    return HexFormat.of().formatHex(sha256("request-id:" + id));
  }

  /**
   * A secret derived from the request id for a given purpose (e.g. the id of a guest cart the
   * request creates), the same on every attempt: 43 base64url characters.
   */
  public static String derive(String id, String purpose) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(purpose + ":" + id));
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java platform", e);
    }
  }
}
