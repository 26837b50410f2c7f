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
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
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
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class AdminCommandTest {
  private static final String PASSWORD = "Correct-Horse-9";

  /** The command's exit code. A command-line program blocks its thread by design: it runs on a worker. */
  private static Future<Integer> run(Vertx vertx, String... args) {
    return vertx.executeBlocking(() -> new CommandLine(new MarketplaceCli()).execute(args));
  }

  @Test
  void grantMakesAnAccountAdminFromItsNextLogin(Vertx vertx, VertxTestContext ctx) {
    JsonObject config = TestInfra.shared().config();
    String pgUrl = config.getJsonObject("pg").getString("url");
    String email = "boss-" + UUID.randomUUID() + "@example.com";
    vertx.deployVerticle(new AuthVerticle(), new DeploymentOptions().setConfig(config))
      .compose(id -> vertx.eventBus().request(AuthContract.REGISTER,
        new JsonObject().put("email", email).put("password", PASSWORD).put("name", "Boss")))
      .compose(registered -> run(vertx, "admin", "grant", " " + email.toUpperCase(), "--pg-url=" + pgUrl))
      .compose(granted -> {
        ctx.verify(() -> assertThat(granted).isEqualTo(0));
        return run(vertx, "admin", "grant", email, "--pg-url=" + pgUrl);
      })
      .compose(again -> {
        ctx.verify(() -> assertThat(again).as("granting again is fine").isEqualTo(0));
        return vertx.eventBus().<JsonObject>request(AuthContract.LOGIN,
          new JsonObject().put("email", email).put("password", PASSWORD)).map(Message::body);
      })
      .compose(tokens -> {
        ctx.verify(() -> {
          String claims = new String(Base64.getUrlDecoder().decode(tokens.getString("access_token").split("\\.")[1]), StandardCharsets.UTF_8);
          assertThat(new JsonObject(claims).getJsonArray("roles")).containsExactlyInAnyOrder("buyer", "admin");
        });
        return run(vertx, "admin", "grant", "nobody-" + UUID.randomUUID() + "@example.com", "--pg-url=" + pgUrl);
      })
      .compose(unknown -> {
        ctx.verify(() -> assertThat(unknown).isEqualTo(1));
        return run(vertx, "admin", "grant", email, "--role=root", "--pg-url=" + pgUrl);
      })
      .map(unknownRole -> ctx.verify(() -> assertThat(unknownRole).isEqualTo(1)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aDataDirWithoutADatabaseIsRefused(@TempDir Path dataDir, Vertx vertx, VertxTestContext ctx) {
    run(vertx, "admin", "grant", "a@example.com", "--data-dir=" + dataDir)
      .map(exit -> ctx.verify(() -> assertThat(exit).isEqualTo(1)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aDataDirInUseByARunningMarketplaceSuggestsPgUrl(@TempDir Path dataDir, Vertx vertx, VertxTestContext ctx) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    // the running PostgreSQL and the command both block by design: one worker task holds them
    vertx.executeBlocking(() -> {
        PrintStream originalErr = System.err;
        try (EmbeddedPostgresServer running = EmbeddedPostgresServer.start(dataDir.resolve("pg"), 0, false)) {
          System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
          return new CommandLine(new MarketplaceCli()).execute("admin", "grant", "a@example.com", "--data-dir=" + dataDir);
        } finally {
          System.setErr(originalErr);
        }
      })
      .map(exit -> ctx.verify(() -> {
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Cannot open the embedded PostgreSQL").contains("--pg-url");
      }))
      .onComplete(ctx.succeedingThenComplete());
  }
}
