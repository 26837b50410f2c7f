package dev.marketplace.app;

import dev.marketplace.bank.BankVerticle;
import dev.marketplace.platform.config.ConfigLoader;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** The bank simulator alone: its 3DS pages and API on one port, calling back a platform elsewhere. */
@Command(name = "bank", mixinStandardHelpOptions = true,
  description = "Runs only the bank simulator (3-D Secure pages, payment API, signed callbacks).")
final class BankCommand implements Callable<Integer> {

  @Option(names = "--port", description = "Port of the bank (default: bank.port, 8089).")
  Integer port;

  @Option(names = "--host", description = "Address to listen on (default: bank.host).")
  String host;

  @Option(names = "--callback-url", description = "Where results are POSTed (default: http://127.0.0.1:<http.port>/api/v1/payments/callback).")
  String callbackUrl;

  @Option(names = "--public-url", description = "Base of the 3DS URLs handed to buyers (default: http://127.0.0.1:<port>).")
  String publicUrl;

  @Option(names = "--latency-ms", description = "Delay added to every API answer.")
  Long latencyMs;

  @Option(names = "--decline-rate", description = "Share (0..1) of confirmations the bank declines.")
  Double declineRate;

  @Option(names = "--error-rate", description = "Share (0..1) of API calls answered 503.")
  Double errorRate;

  @Option(names = "--timeout-rate", description = "Share (0..1) of API calls never answered.")
  Double timeoutRate;

  @Option(names = "--config", description = "A JSON config file read over the defaults (bank.shared_secret, ...).")
  Path configFile;

  @Override
  public Integer call() throws Exception {
    JsonObject bank = new JsonObject();
    putIfSet(bank, "port", port);
    putIfSet(bank, "host", host);
    putIfSet(bank, "callback_url", callbackUrl);
    putIfSet(bank, "public_url", publicUrl);
    putIfSet(bank, "latency_ms", latencyMs);
    putIfSet(bank, "decline_rate", declineRate);
    putIfSet(bank, "error_rate", errorRate);
    putIfSet(bank, "timeout_rate", timeoutRate);
    JsonObject config = ConfigLoader.load(configFile, System.getenv(), new JsonObject().put("bank", bank));
    ServerLifecycle lifecycle = new ServerLifecycle();
    Vertx vertx = Vertx.vertx();
    lifecycle.onStop(() -> ServerLifecycle.await(vertx.close(), "closing Vert.x"));
    BankVerticle verticle = new BankVerticle();
    try {
      ServerLifecycle.await(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)), "starting the bank");
    } catch (Exception e) {
      System.err.println("The bank simulator failed to start: " + e.getMessage());
      lifecycle.stopNow();
      return 1;
    }
    System.out.printf("Bank simulator on http://127.0.0.1:%d/ (settings: GET/PUT /api/simulator)%n", verticle.actualPort());
    System.out.flush();
    lifecycle.awaitStop();
    return ServerLifecycle.KEEP_RUNNING;
  }

  private static void putIfSet(JsonObject target, String key, Object value) {
    if (value != null) {
      target.put(key, value);
    }
  }
}
