package dev.marketplace.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where the token signing key comes from, first match wins:
 * <ol>
 *   <li>{@code auth.private_key_pem}: a PKCS#8 PEM P-256 key given by config;</li>
 *   <li>{@code auth.key_dir}: {@value #KEY_FILE} in that directory, created on first start;</li>
 *   <li>otherwise the auth schema: the first node to start stores its key, every node reads it
 *       back, so all auth instances of a cluster sign with one key.</li>
 * </ol>
 */
final class SigningKeys {
  static final String KEY_FILE = "jwt-es256-private.pem";
  private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);

  private SigningKeys() {
  }

  static Future<SigningKey> load(Vertx vertx, JsonObject section, AuthRepository repository) {
    String pem = section.getString("private_key_pem", "");
    if (!pem.isBlank()) {
      return vertx.executeBlocking(() -> SigningKey.fromPem(pem));
    }
    String keyDir = section.getString("key_dir", "");
    if (!keyDir.isBlank()) {
      return vertx.executeBlocking(() -> fromDirectory(Path.of(keyDir)));
    }
    return vertx.executeBlocking(SigningKey::generate)
      .compose(candidate -> repository.sharedKeyPem(candidate.kid(), candidate.privateKeyPem()))
      .compose(stored -> vertx.executeBlocking(() -> SigningKey.fromPem(stored)));
  }

  /** Reads the key file, or creates it; safe when several instances race to create it. */
  static SigningKey fromDirectory(Path dir) {
    Path file = dir.resolve(KEY_FILE);
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(dir);
        SigningKey fresh = SigningKey.generate();
        Path temp = Files.createTempFile(dir, "key-", ".tmp");
        try {
          trySetOwnerOnly(temp);
          Files.writeString(temp, fresh.privateKeyPem(), StandardCharsets.US_ASCII);
          // a hard link fails if the file appeared meanwhile: the first writer wins, atomically
          Files.createLink(file, temp);
          LOG.info("Created the token signing key {} in {}", fresh.kid(), file);
        } catch (FileAlreadyExistsException raced) {
          LOG.debug("Another instance created {} first", file);
        } finally {
          Files.deleteIfExists(temp);
        }
      }
      return SigningKey.fromPem(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read or create the signing key in " + dir, e);
    }
  }

  private static void trySetOwnerOnly(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      LOG.debug("No POSIX permissions on {}", file);
    }
  }
}
