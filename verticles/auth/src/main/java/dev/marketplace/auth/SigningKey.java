package dev.marketplace.auth;

import io.vertx.core.json.JsonObject;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.math.ec.ECPoint;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * The ES256 (P-256) key that signs access tokens: its private key as PKCS#8 PEM (what
 * vertx-auth-jwt takes), its public half as a JWK, and a {@code kid} that is the RFC 7638
 * thumbprint of that JWK, so the same key always has the same id wherever it was loaded from.
 */
record SigningKey(String kid, String privateKeyPem, JsonObject publicJwk) {
  static final String ALGORITHM = "ES256";
  private static final String CURVE = "secp256r1";
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  /** A fresh key pair. */
  static SigningKey generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(CURVE));
      ECPrivateKey key = (ECPrivateKey) generator.generateKeyPair().getPrivate();
      return fromPrivateKey(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Cannot generate a P-256 key pair", e);
    }
  }

  /** Reads a PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}) of a P-256 key. */
  static SigningKey fromPem(String pem) {
    String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
    try {
      byte[] der = Base64.getDecoder().decode(base64);
      ECPrivateKey key = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
      if (key.getParams().getCurve().getField().getFieldSize() != 256) {
        throw new IllegalArgumentException("The signing key must be on the P-256 curve (ES256)");
      }
      return fromPrivateKey(key);
    } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("Not a PKCS#8 PEM P-256 private key: " + e.getMessage(), e);
    }
  }

  private static SigningKey fromPrivateKey(ECPrivateKey key) {
    // the public point is d·G; the JDK has no API for it, BouncyCastle's curve arithmetic does
    ECNamedCurveParameterSpec spec = ECNamedCurveTable.getParameterSpec(CURVE);
    ECPoint q = spec.getG().multiply(key.getS()).normalize();
    String x = B64URL.encodeToString(unsigned32(q.getAffineXCoord().toBigInteger()));
    String y = B64URL.encodeToString(unsigned32(q.getAffineYCoord().toBigInteger()));
    String kid = thumbprint(x, y);
    JsonObject jwk = new JsonObject()
      .put("kty", "EC").put("crv", "P-256").put("x", x).put("y", y)
      .put("kid", kid).put("alg", ALGORITHM).put("use", "sig");
    String pem = "-----BEGIN PRIVATE KEY-----\n"
      + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
      + "\n-----END PRIVATE KEY-----\n";
    return new SigningKey(kid, pem, jwk);
  }

  /** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace. */
  private static String thumbprint(String x, String y) {
    String canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
    try {
      return B64URL.encodeToString(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] unsigned32(BigInteger n) {
    byte[] raw = n.toByteArray();
    byte[] out = new byte[32];
    int copy = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
    return out;
  }
}
