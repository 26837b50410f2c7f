package dev.marketplace.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Optional;

/** Process checks for servers that are not children of this JVM (the PostgreSQL postmaster). */
final class Processes {
  private static final Duration POLL_INTERVAL = Duration.ofMillis(25);

  private Processes() {
  }

  /**
   * Whether the process still runs. A zombie does not: an exited postmaster is re-parented to PID 1
   * and stays a zombie until PID 1 reaps it (seconds with some container inits), while
   * {@link ProcessHandle#isAlive()} still reports it alive.
   */
  static boolean isRunning(long pid) {
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    return process.isPresent() && process.get().isAlive() && !isZombie(pid);
  }

  /** Polls until the process no longer runs; {@code false} if it still runs after {@code timeout}. */
  static boolean awaitStopped(long pid, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (isRunning(pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(POLL_INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for process " + pid + " to stop", e);
      }
    }
    return true;
  }

  /** Linux only (elsewhere {@code false}): the state field of {@code /proc/<pid>/stat} is Z or X. */
  private static boolean isZombie(long pid) {
    Path stat = Paths.get("/proc", Long.toString(pid), "stat");
    try {
      String content = Files.readString(stat, StandardCharsets.US_ASCII);
      // "<pid> (<command, may contain spaces and parentheses>) <state> ..."
      int afterCommand = content.lastIndexOf(')');
      if (afterCommand < 0 || afterCommand + 2 >= content.length()) {
        return false;
      }
      char state = content.charAt(afterCommand + 2);
      return state == 'Z' || state == 'X';
    } catch (NoSuchFileException e) {
      // with /proc present, a missing entry means the process has just been reaped
      return Files.isDirectory(Paths.get("/proc", "self"));
    } catch (IOException e) {
      return false;
    }
  }
}
