package dev.marketplace.app;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Embedded PostgreSQL and Kafka only, for local clusters of {@code node} processes. */
@Command(name = "infra", mixinStandardHelpOptions = true,
  description = "Runs only the embedded PostgreSQL and Kafka broker and prints their connection strings.")
final class InfraCommand implements Callable<Integer> {

  @Option(names = "--data-dir", defaultValue = "./data", description = "Where the data is kept (default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--ephemeral", description = "Throwaway data in a temp dir.")
  boolean ephemeral;

  @Option(names = "--pg-port", defaultValue = "15432", description = "PostgreSQL port (default ${DEFAULT-VALUE}).")
  int pgPort;

  @Option(names = "--kafka-port", defaultValue = "19092", description = "Kafka port (default ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Override
  public Integer call() throws Exception {
    ServerLifecycle lifecycle = new ServerLifecycle();
    EmbeddedInfrastructure infra;
    try {
      infra = EmbeddedInfrastructure.start(ephemeral ? null : dataDir.toAbsolutePath(), pgPort, kafkaPort);
    } catch (Exception e) {
      System.err.println("The embedded infrastructure failed to start: " + e.getMessage());
      return 1;
    }
    lifecycle.onStop(infra::close);
    // machine-readable lines: scripts/cluster.sh reads them
    System.out.println("pg-url=" + infra.pgUrl());
    System.out.println("kafka=" + infra.bootstrapServers());
    System.out.flush();
    lifecycle.awaitStop();
    return ServerLifecycle.KEEP_RUNNING;
  }
}
