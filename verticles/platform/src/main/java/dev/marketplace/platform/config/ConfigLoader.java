package dev.marketplace.platform.config;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the effective configuration from four layers, lowest precedence first:
 * the defaults bundled as {@code conf/marketplace.json}, an optional JSON file, environment
 * variables {@code MARKETPLACE_<SECTION>_<KEY>} (for example {@code MARKETPLACE_HTTP_PORT=9090}
 * sets {@code http.port}), and explicit overrides (the CLI's flags).
 */
public final class ConfigLoader {
  public static final String DEFAULTS_RESOURCE = "conf/marketplace.json";
  public static final String ENV_PREFIX = "MARKETPLACE_";

  private ConfigLoader() {
  }

  /** The bundled defaults alone. */
  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("Missing bundled " + DEFAULTS_RESOURCE);
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @param file      a JSON file to read over the defaults, or {@code null}
   * @param env       the environment (normally {@code System.getenv()})
   * @param overrides values that win over everything else, or {@code null}
   */
  public static JsonObject load(Path file, Map<String, String> env, JsonObject overrides) {
    JsonObject config = defaults();
    if (file != null) {
      try {
        config.mergeIn(new JsonObject(Files.readString(file)), true);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read config file " + file, e);
      }
    }
    config.mergeIn(fromEnvironment(env), true);
    if (overrides != null) {
      config.mergeIn(overrides, true);
    }
    return config;
  }

  /** {@code MARKETPLACE_KAFKA_BOOTSTRAP_SERVERS=x} becomes {@code {"kafka": {"bootstrap_servers": "x"}}}. */
  static JsonObject fromEnvironment(Map<String, String> env) {
    JsonObject result = new JsonObject();
    env.forEach((name, value) -> {
      if (!name.startsWith(ENV_PREFIX)) {
        return;
      }
      String rest = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
      int split = rest.indexOf('_');
      if (split <= 0 || split == rest.length() - 1) {
        return;
      }
      String section = rest.substring(0, split);
      String key = rest.substring(split + 1);
      JsonObject target = result.getJsonObject(section);
      if (target == null) {
        target = new JsonObject();
        result.put(section, target);
      }
      target.put(key, typed(value));
    });
    return result;
  }

  /** Environment values are text; numbers and booleans are read as such so that config readers see types. */
  private static Object typed(String value) {
    if ("true".equalsIgnoreCase(value) || "false".equalsIgnoreCase(value)) {
      return Boolean.parseBoolean(value);
    }
    if (value.matches("-?\\d{1,18}")) {
      return Long.parseLong(value);
    }
    return value;
  }
}
