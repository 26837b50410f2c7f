package dev.marketplace.infra;

import java.nio.file.Paths;

/**
 * Run in a child JVM by {@link EmbeddedPostgresServerTest}: starts a durable server on the given
 * data dir, commits a row, prints {@link #READY} and waits to be killed without closing anything.
 */
public final class OrphanedPostgresMain {
  static final String READY = "ORPHAN-READY";

  private OrphanedPostgresMain() {
  }

  public static void main(String[] args) throws Exception {
    EmbeddedPostgresServer server = EmbeddedPostgresServer.start(Paths.get(args[0]), 0, true);
    EmbeddedPostgresServerTest.execute(server,
        "CREATE TABLE written_before_kill (note text)", "INSERT INTO written_before_kill VALUES ('committed')");
    System.out.println(READY);
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
