package dev.marketplace.catalog;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * Opaque, tamper-checked keyset cursors: {@code base64url(json) "." base64url(hmac)}. The MAC
 * covers the payload and the fingerprint of the query it was issued for, so a forged cursor, an
 * edited one and one replayed against another query all fail {@link #decode} alike.
 */
final class CursorCodec {
  static final int MAX_LENGTH = 1024;
  private static final int MAC_BYTES = 16;
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private final SecretKeySpec key;
  /** One initialised MAC per thread: looking one up and keying it cost more than the MAC itself. */
  private final ThreadLocal<Mac> macs;

  CursorCodec(byte[] secret) {
    this.key = new SecretKeySpec(secret, "HmacSHA256");
    this.macs = ThreadLocal.withInitial(() -> {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(key);
        return mac;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is not available", e);
      }
    });
  }

  String encode(JsonObject payload, String queryFingerprint) {
    byte[] body = payload.encode().getBytes(StandardCharsets.UTF_8);
    return ENCODER.encodeToString(body) + "." + ENCODER.encodeToString(mac(body, queryFingerprint));
  }

  /** The payload, or {@code null} when the cursor is malformed, forged or from another query. */
  JsonObject decode(String cursor, String queryFingerprint) {
    if (cursor == null || cursor.length() > MAX_LENGTH) {
      return null;
    }
    int dot = cursor.indexOf('.');
    if (dot <= 0 || dot != cursor.lastIndexOf('.')) {
      return null;
    }
    try {
      byte[] body = DECODER.decode(cursor.substring(0, dot));
      byte[] mac = DECODER.decode(cursor.substring(dot + 1));
      if (!MessageDigest.isEqual(mac, mac(body, queryFingerprint))) {
        return null;
      }
      return new JsonObject(new String(body, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
      return null;
    }
  }

  private byte[] mac(byte[] body, String queryFingerprint) {
    Mac mac = macs.get();
    // doFinal resets the MAC for its next use on this thread
    mac.update(body);
    mac.update((byte) 0);
    mac.update(queryFingerprint.getBytes(StandardCharsets.UTF_8));
    return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
  }
}
