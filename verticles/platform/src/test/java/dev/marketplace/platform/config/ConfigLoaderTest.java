package dev.marketplace.platform.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigLoaderTest {

  @Test
  void defaultsAreBundled() {
    JsonObject defaults = ConfigLoader.defaults();
    assertThat(defaults.getJsonObject("http").getInteger("port")).isEqualTo(8080);
    assertThat(defaults.getJsonObject("bank").getInteger("port")).isEqualTo(8089);
  }

  @Test
  void fileThenEnvironmentThenOverridesWinInThatOrder(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"http\":{\"port\":1111,\"host\":\"127.0.0.1\"},\"kafka\":{\"bootstrap_servers\":\"file:9092\"},\"bank\":{\"port\":3333}}");
    Map<String, String> env = Map.of(
      "MARKETPLACE_HTTP_PORT", "2222",
      "MARKETPLACE_KAFKA_BOOTSTRAP_SERVERS", "env:9092",
      "UNRELATED", "x");
    JsonObject overrides = new JsonObject().put("http", new JsonObject().put("port", 4444));

    JsonObject config = ConfigLoader.load(file, env, overrides);

    assertThat(config.getJsonObject("http").getInteger("port")).isEqualTo(4444);
    assertThat(config.getJsonObject("http").getString("host")).isEqualTo("127.0.0.1");
    assertThat(config.getJsonObject("kafka").getString("bootstrap_servers")).isEqualTo("env:9092");
    assertThat(config.getJsonObject("bank").getInteger("port")).isEqualTo(3333);
    // untouched defaults survive the deep merge
    assertThat(config.getJsonObject("http").getInteger("max_body_bytes")).isEqualTo(65536);
  }

  @Test
  void environmentValuesAreTyped() {
    JsonObject env = ConfigLoader.fromEnvironment(Map.of(
      "MARKETPLACE_OUTBOX_BATCH_SIZE", "50",
      "MARKETPLACE_GATEWAY_CORS_ENABLED", "true",
      "MARKETPLACE_PG_URL", "postgresql://x@h:1/db",
      "MARKETPLACE_BROKEN", "ignored"));
    assertThat(env.getJsonObject("outbox").getValue("batch_size")).isEqualTo(50L);
    assertThat(env.getJsonObject("gateway").getValue("cors_enabled")).isEqualTo(true);
    assertThat(env.getJsonObject("pg").getString("url")).isEqualTo("postgresql://x@h:1/db");
    assertThat(env.containsKey("broken")).isFalse();
  }
}
