package dev.marketplace.auth;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Argon2id (BouncyCastle) in the PHC string format, {@code $argon2id$v=19$m=19456,t=2,p=1$salt$hash},
 * so a stored hash carries its own parameters: they can be raised in config without breaking old
 * accounts, whose hashes are upgraded at their next successful login. CPU- and memory-heavy on purpose: call only from a worker thread.
 */
final class PasswordHasher {
  private static final Pattern PHC = Pattern.compile(
    "\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]{11,64})\\$([A-Za-z0-9+/]{22,128})");
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();
  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;

  private final int memoryKib;
  private final int iterations;
  private final int parallelism;
  private final SecureRandom random = new SecureRandom();

  /** Defaults are OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane. */
  PasswordHasher(int memoryKib, int iterations, int parallelism) {
    if (memoryKib < 8 * parallelism || iterations < 1 || parallelism < 1) {
      throw new IllegalArgumentException("Argon2 parameters out of range");
    }
    this.memoryKib = memoryKib;
    this.iterations = iterations;
    this.parallelism = parallelism;
  }

  String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    byte[] hash = derive(password, salt, memoryKib, iterations, parallelism, HASH_BYTES);
    return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism
      + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
  }

  /** Whether a stored hash was made with other parameters than today's (it is then re-hashed at login). */
  boolean outdated(String encoded) {
    return encoded == null || !encoded.startsWith("$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism + "$");
  }

  /** Constant-time comparison; a malformed stored hash simply does not match. */
  boolean verify(String password, String encoded) {
    Matcher m = encoded == null ? null : PHC.matcher(encoded);
    if (m == null || !m.matches()) {
      return false;
    }
    byte[] salt = B64D.decode(m.group(4));
    byte[] expected = B64D.decode(m.group(5));
    byte[] actual = derive(password, salt, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
      Integer.parseInt(m.group(3)), expected.length);
    return MessageDigest.isEqual(expected, actual);
  }

  private static byte[] derive(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
    Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
      .withVersion(Argon2Parameters.ARGON2_VERSION_13)
      .withMemoryAsKB(memoryKib)
      .withIterations(iterations)
      .withParallelism(parallelism)
      .withSalt(salt)
      .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(params);
    byte[] out = new byte[length];
    generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
    return out;
  }
}
