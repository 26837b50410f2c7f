package dev.marketplace.app;

import dev.marketplace.platform.security.Secrets;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The all-in-one run's shared secrets, created once per data dir like the token signing key:
 * {@code <data-dir>/keys/secrets.json} (owner-only) holds the bank's callback secret and the
 * catalog's cursor secret; later starts read them back, so callbacks in flight and cursors handed
 * out survive a restart. A throwaway ({@code --ephemeral}) run gets fresh ones in memory. A usable
 * secret given by config or environment wins over the file; a missing or known development value never does.
 */
final class DataDirSecrets {
  static final String FILE = "secrets.json";
  /** config section.key → field in the file. */
  static final Map<String, String[]> SECRETS = Map.of(
    "bank_shared_secret", new String[] {"bank", "shared_secret"},
    "catalog_cursor_secret", new String[] {"catalog", "cursor_secret"});

  private DataDirSecrets() {
  }

  /** Fills {@code config}'s secrets (in place) from {@code keyDir}, creating what is missing; null dir: random. */
  static JsonObject apply(JsonObject config, Path keyDir) {
    JsonObject stored = keyDir == null ? new JsonObject() : readOrCreate(keyDir);
    for (Map.Entry<String, String[]> secret : SECRETS.entrySet()) {
      String section = secret.getValue()[0];
      String key = secret.getValue()[1];
      if (Secrets.usable(Secrets.get(config, section, key))) {
        continue;
      }
      String value = keyDir == null ? Secrets.random() : stored.getString(secret.getKey());
      JsonObject target = config.getJsonObject(section);
      if (target == null) {
        target = new JsonObject();
        config.put(section, target);
      }
      target.put(key, value);
    }
    return config;
  }

  /** The file's secrets; the ones missing (first start) are generated and written atomically. */
  static synchronized JsonObject readOrCreate(Path keyDir) {
    Path file = keyDir.resolve(FILE);
    try {
      JsonObject stored = Files.exists(file) ? new JsonObject(Files.readString(file, StandardCharsets.UTF_8)) : new JsonObject();
      boolean changed = false;
      for (String field : SECRETS.keySet()) {
        if (!Secrets.usable(stored.getString(field))) {
          stored.put(field, Secrets.random());
          changed = true;
        }
      }
      if (changed) {
        Files.createDirectories(keyDir);
        Path temp = Files.createTempFile(keyDir, "secrets-", ".tmp");
        try {
          try {
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
          } catch (UnsupportedOperationException notPosix) {
            // nothing to tighten on this file system
          }
          Files.writeString(temp, stored.encodePrettily(), StandardCharsets.UTF_8);
          Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(temp);
        }
      }
      return stored;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read or create the secrets in " + file, e);
    }
  }
}
