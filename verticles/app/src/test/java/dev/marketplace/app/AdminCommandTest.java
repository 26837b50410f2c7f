package dev.marketplace.app;

import dev.marketplace.auth.AuthVerticle;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.infra.EmbeddedPostgresServer;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code marketplace.jar admin grant EMAIL}. */
class AdminCommandTest {
  private static final String PASSWORD = "Correct-Horse-9";

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static int run(String... args) {
    return new CommandLine(new MarketplaceCli()).execute(args);
  }

  @Test
  void grantMakesAnAccountAdminFromItsNextLogin() throws Exception {
    JsonObject config = TestInfra.shared().config();
    String pgUrl = config.getJsonObject("pg").getString("url");
    Vertx vertx = Vertx.vertx();
    try {
      await(vertx.deployVerticle(new AuthVerticle(), new DeploymentOptions().setConfig(config)));
      String email = "boss-" + UUID.randomUUID() + "@example.com";
      await(vertx.eventBus().request(AuthContract.REGISTER,
        new JsonObject().put("email", email).put("password", PASSWORD).put("name", "Boss")));

      assertThat(run("admin", "grant", " " + email.toUpperCase(), "--pg-url=" + pgUrl)).isEqualTo(0);
      assertThat(run("admin", "grant", email, "--pg-url=" + pgUrl)).as("granting again is fine").isEqualTo(0);

      JsonObject tokens = await(vertx.eventBus().<JsonObject>request(AuthContract.LOGIN,
        new JsonObject().put("email", email).put("password", PASSWORD)).map(Message::body));
      String claims = new String(Base64.getUrlDecoder().decode(tokens.getString("access_token").split("\\.")[1]), StandardCharsets.UTF_8);
      assertThat(new JsonObject(claims).getJsonArray("roles")).containsExactlyInAnyOrder("buyer", "admin");

      assertThat(run("admin", "grant", "nobody-" + UUID.randomUUID() + "@example.com", "--pg-url=" + pgUrl)).isEqualTo(1);
      assertThat(run("admin", "grant", email, "--role=root", "--pg-url=" + pgUrl)).isEqualTo(1);
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void aDataDirWithoutADatabaseIsRefused(@TempDir Path dataDir) {
    assertThat(run("admin", "grant", "a@example.com", "--data-dir=" + dataDir)).isEqualTo(1);
  }

  @Test
  void aDataDirInUseByARunningMarketplaceSuggestsPgUrl(@TempDir Path dataDir) throws Exception {
    PrintStream originalErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (EmbeddedPostgresServer running = EmbeddedPostgresServer.start(dataDir.resolve("pg"), 0, false)) {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      assertThat(run("admin", "grant", "a@example.com", "--data-dir=" + dataDir)).isEqualTo(1);
    } finally {
      System.setErr(originalErr);
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("Cannot open the embedded PostgreSQL").contains("--pg-url");
  }
}
