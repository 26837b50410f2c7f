package dev.marketplace.infra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedPostgresServerTest {
  @TempDir
  Path tempDir;

  @Test
  void ephemeralServerAnswersQueriesAndLeavesNoProcessOrDirectoryBehind() throws Exception {
    EmbeddedPostgresServer server = EmbeddedPostgresServer.start(null, 0, false);
    Path dataDir;
    long postmasterPid;
    try {
      assertThat(server.url()).isEqualTo("postgresql://postgres@127.0.0.1:" + server.port() + "/postgres");
      assertThat(server.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + server.port() + "/postgres");
      assertThat(queryOne(server, "SELECT 40 + 2")).isEqualTo("42");
      assertThat(queryOne(server, "SHOW server_version")).startsWith("14.");
      // zonky's fast test settings are kept when not durable
      assertThat(queryOne(server, "SHOW fsync")).isEqualTo("off");
      dataDir = Paths.get(queryOne(server, "SHOW data_directory"));
      postmasterPid = postmasterPid(dataDir);
      assertThat(Processes.isRunning(postmasterPid)).isTrue();
    } finally {
      server.close();
    }

    // right after close, not eventually: close() waits for the postmaster to exit
    assertThat(Processes.isRunning(postmasterPid)).isFalse();
    assertThat(dataDir).doesNotExist();
    server.close(); // idempotent
  }

  @Test
  void restartOnTheSameDataDirKeepsRowsAndLeavesNoPidOrLockFileBetweenRuns() throws Exception {
    Path dataDir = tempDir.resolve("pg");
    long firstPid;
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0, false)) {
      execute(server, "CREATE TABLE kept (id int PRIMARY KEY, name text)", "INSERT INTO kept VALUES (1, 'first run')");
      firstPid = postmasterPid(dataDir);
    }
    assertThat(Processes.isRunning(firstPid)).isFalse();
    assertThat(dataDir.resolve("postmaster.pid")).doesNotExist();
    assertThat(dataDir.resolve("epg-lock")).doesNotExist();
    assertThat(dataDir.resolve("PG_VERSION")).exists();

    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0, false)) {
      assertThat(queryOne(server, "SELECT name FROM kept WHERE id = 1")).isEqualTo("first run");
    }
    assertThat(dataDir.resolve("PG_VERSION")).exists();
  }

  @Test
  void durableServerHasFsyncAndSynchronousCommitOn() throws Exception {
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(tempDir.resolve("pg"), 0, true)) {
      assertThat(queryOne(server, "SHOW fsync")).isEqualTo("on");
      assertThat(queryOne(server, "SHOW synchronous_commit")).isEqualTo("on");
      assertThat(queryOne(server, "SHOW listen_addresses")).isEqualTo("127.0.0.1");
    }
  }

  @Test
  void startsDespiteAStalePidFileWhosePidBelongsToAnUnrelatedLiveProcess() throws Exception {
    Path dataDir = tempDir.resolve("pg");
    EmbeddedPostgresServer.start(dataDir, 0, false).close();
    // as after a crash in a container where the old pid was reused: PostgreSQL alone refuses to start
    Process unrelated = new ProcessBuilder("sleep", "60").start();
    try {
      Files.writeString(dataDir.resolve("postmaster.pid"), unrelated.pid() + "\n" + dataDir + "\n");
      Files.writeString(dataDir.resolve("epg-lock"), "");
      try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0, false)) {
        assertThat(queryOne(server, "SELECT 1")).isEqualTo("1");
      }
      assertThat(unrelated.isAlive()).isTrue();
    } finally {
      unrelated.destroyForcibly();
    }
  }

  @Test
  void stopsTheOrphanedServerOfAKilledJvmAndKeepsItsCommittedRows() throws Exception {
    Path dataDir = tempDir.resolve("pg");
    Process child = new ProcessBuilder(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        OrphanedPostgresMain.class.getName(), dataDir.toString())
        .redirectErrorStream(true)
        .start();
    long orphanPid;
    try {
      awaitLine(child, OrphanedPostgresMain.READY);
      orphanPid = postmasterPid(dataDir);
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook runs, the postmaster survives the JVM
      child.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(Processes.isRunning(orphanPid)).as("the orphaned postmaster outlives its JVM").isTrue();

    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0, true)) {
      assertThat(Processes.isRunning(orphanPid)).isFalse();
      assertThat(queryOne(server, "SELECT note FROM written_before_kill")).isEqualTo("committed");
    }
  }

  @Test
  void refusesADataDirThatARunningServerUses() throws Exception {
    Path dataDir = tempDir.resolve("pg");
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dataDir, 0, false)) {
      assertThatThrownBy(() -> EmbeddedPostgresServer.start(dataDir, 0, false))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("in use");
      assertThat(queryOne(server, "SELECT 1")).isEqualTo("1");
    }
  }

  @Test
  void refusesAnExplicitPortThatIsTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThatThrownBy(() -> EmbeddedPostgresServer.start(null, taken.getLocalPort(), false))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already in use");
    }
  }

  static String queryOne(EmbeddedPostgresServer server, String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), "postgres", "");
         Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery(sql)) {
      assertThat(rows.next()).as("a row from %s", sql).isTrue();
      return rows.getString(1);
    }
  }

  static void execute(EmbeddedPostgresServer server, String... statements) throws SQLException {
    try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), "postgres", "");
         Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  private static long postmasterPid(Path dataDir) throws IOException {
    List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
    return Long.parseLong(lines.get(0).trim());
  }

  private static void awaitLine(Process process, String expected) throws Exception {
    CompletableFuture<Void> seen = CompletableFuture.runAsync(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        StringBuilder output = new StringBuilder();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          if (line.equals(expected)) {
            return;
          }
          output.append(line).append('\n');
        }
        throw new IllegalStateException("Child JVM exited without printing " + expected + ":\n" + output);
      } catch (IOException e) {
        throw new IllegalStateException("Cannot read the child JVM's output", e);
      }
    });
    seen.get(60, TimeUnit.SECONDS);
  }
}
