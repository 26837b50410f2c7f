package dev.marketplace.app;

import dev.marketplace.platform.security.Secrets;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** No default secret: the all-in-one makes its own per data dir; a node refuses missing or development ones. */
class SecretsAtStartTest {

  @Test
  void theAllInOneCreatesItsSecretsOncePerDataDirAndReadsTheSameBackAfterARestart(@TempDir Path dataDir) throws Exception {
    Path keys = dataDir.resolve("keys");
    JsonObject first = DataDirSecrets.apply(Marketplace.defaultConfig(), keys);
    JsonObject second = DataDirSecrets.apply(Marketplace.defaultConfig(), keys);

    String bank = first.getJsonObject("bank").getString("shared_secret");
    String cursor = first.getJsonObject("catalog").getString("cursor_secret");
    assertThat(Secrets.usable(bank)).isTrue();
    assertThat(Secrets.usable(cursor)).isTrue();
    assertThat(bank).isNotEqualTo(cursor);
    assertThat(second.getJsonObject("bank").getString("shared_secret")).isEqualTo(bank);
    assertThat(second.getJsonObject("catalog").getString("cursor_secret")).isEqualTo(cursor);
    Path file = keys.resolve(DataDirSecrets.FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

    // another data dir, another shop: other secrets
    JsonObject elsewhere = DataDirSecrets.apply(Marketplace.defaultConfig(), dataDir.resolve("other"));
    assertThat(elsewhere.getJsonObject("bank").getString("shared_secret")).isNotEqualTo(bank);
    // a throwaway run: random each time
    assertThat(DataDirSecrets.apply(Marketplace.defaultConfig(), null).getJsonObject("bank").getString("shared_secret"))
      .isNotEqualTo(DataDirSecrets.apply(Marketplace.defaultConfig(), null).getJsonObject("bank").getString("shared_secret"));
  }

  @Test
  void aRealSecretFromConfigWinsButAPublishedDevelopmentValueNeverDoes(@TempDir Path dataDir) {
    JsonObject config = Marketplace.defaultConfig();
    config.getJsonObject("bank").put("shared_secret", "dev-bank-secret-change-me");
    config.getJsonObject("catalog").put("cursor_secret", "an-operator-chosen-cursor-secret");

    DataDirSecrets.apply(config, dataDir);

    assertThat(config.getJsonObject("bank").getString("shared_secret")).isNotEqualTo("dev-bank-secret-change-me").startsWith("s-");
    assertThat(config.getJsonObject("catalog").getString("cursor_secret")).isEqualTo("an-operator-chosen-cursor-secret");
  }

  @Test
  void theBundledDefaultsCarryNoSecret() {
    JsonObject defaults = Marketplace.defaultConfig();
    assertThat(Secrets.usable(defaults.getJsonObject("bank").getString("shared_secret"))).isFalse();
    assertThat(Secrets.usable(defaults.getJsonObject("catalog").getString("cursor_secret"))).isFalse();
    assertThat(defaults.getJsonObject("bank").getString("host")).isEqualTo("127.0.0.1");
  }

  @Test
  void aNodeRefusesMissingOrDevelopmentSecretsForTheComponentsThatUseThem() {
    JsonObject config = Marketplace.defaultConfig();
    assertThat(NodeCommand.checkSecrets(config.copy(), List.of("payment", "catalog", "gateway"), false))
      .containsExactly("bank.shared_secret is not set (needed by payment)", "catalog.cursor_secret is not set (needed by catalog)");
    config.getJsonObject("bank").put("shared_secret", "dev-bank-secret-change-me");
    config.getJsonObject("catalog").put("cursor_secret", "short");
    assertThat(NodeCommand.checkSecrets(config.copy(), List.of("bank"), false))
      .containsExactly("bank.shared_secret is a known development value (needed by bank)");
    assertThat(NodeCommand.checkSecrets(config.copy(), List.of("catalog"), false))
      .containsExactly("catalog.cursor_secret is shorter than 16 characters (needed by catalog)");
    // a gateway-only node holds neither secret, so it needs neither
    assertThat(NodeCommand.checkSecrets(config.copy(), List.of("gateway", "auth"), false)).isEmpty();
  }

  @Test
  void withDevAMissingSecretBecomesTheDevelopmentValueOnEveryNode() {
    JsonObject config = Marketplace.defaultConfig();
    assertThat(NodeCommand.checkSecrets(config, List.of("payment", "catalog"), true)).isEmpty();
    assertThat(config.getJsonObject("bank").getString("shared_secret")).isEqualTo(Secrets.DEVELOPMENT_VALUE);
    assertThat(config.getJsonObject("catalog").getString("cursor_secret")).isEqualTo(Secrets.DEVELOPMENT_VALUE);
  }

  @Test
  void theNodeCommandExitsWithAClearMessageBeforeStartingAnything() {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      code = new CommandLine(new NodeCommand()).execute("--components=payment,bank", "--pg-url=postgresql://postgres@127.0.0.1:1/none");
    } finally {
      System.setErr(original);
    }
    assertThat(code).isEqualTo(2);
    assertThat(captured.toString(StandardCharsets.UTF_8))
      .contains("Refusing to start: bank.shared_secret is not set (needed by payment,bank)")
      .contains("--dev");
  }
}
