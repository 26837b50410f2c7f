package dev.marketplace.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;

/** An ES256 key pair of its own, and tokens made by hand: well-formed ones and forgeries. */
final class TestTokens {
  static final String ISSUER = "marketplace-auth";
  static final String AUDIENCE = "marketplace-api";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  final KeyPair keys;
  final String kid;

  TestTokens(String kid) {
    this.kid = kid;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      this.keys = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The public key as auth publishes it. */
  JsonObject jwk() {
    ECPublicKey pub = (ECPublicKey) keys.getPublic();
    return new JsonObject().put("kty", "EC").put("crv", "P-256")
      .put("x", B64.encodeToString(unsigned32(pub.getW().getAffineX())))
      .put("y", B64.encodeToString(unsigned32(pub.getW().getAffineY())))
      .put("kid", kid).put("alg", "ES256").put("use", "sig");
  }

  String publicPem() {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(keys.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
  }

  JsonObject header() {
    return new JsonObject().put("alg", "ES256").put("typ", "JWT").put("kid", kid);
  }

  static JsonObject claims(String userId, String... roles) {
    long now = Instant.now().getEpochSecond();
    return new JsonObject().put("sub", userId).put("roles", new JsonArray(java.util.List.of((Object[]) roles)))
      .put("sid", "3f0e8b9e-3a57-4f6e-9d7a-0d7e3b1c2a11").put("iss", ISSUER).put("aud", AUDIENCE).put("iat", now).put("exp", now + 900);
  }

  String sign(JsonObject claims) {
    return sign(header(), claims);
  }

  /** ES256 over whatever header and claims it is given. */
  String sign(JsonObject header, JsonObject claims) {
    String input = b64(header.encode()) + "." + b64(claims.encode());
    try {
      Signature signature = Signature.getInstance("SHA256withECDSAinP1363Format");
      signature.initSign(keys.getPrivate());
      signature.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + B64.encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The classic confusion attack: HS256 with the public key's text as the HMAC secret. */
  String hs256WithSecret(String kidToClaim, JsonObject claims, byte[] secret) {
    String input = b64(new JsonObject().put("alg", "HS256").put("typ", "JWT").put("kid", kidToClaim).encode()) + "." + b64(claims.encode());
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String unsigned(JsonObject header, JsonObject claims) {
    return b64(header.encode()) + "." + b64(claims.encode()) + ".";
  }

  static String b64(String text) {
    return B64.encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] unsigned32(BigInteger n) {
    byte[] raw = n.toByteArray();
    byte[] out = new byte[32];
    int copy = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
    return out;
  }
}
