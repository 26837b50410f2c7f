package dev.marketplace.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every component's {@code dead_letters} table is the one platform's {@code DeadLetters} reads and
 * writes: each component's migration creates it with the same statements as platform's reference
 * (its test schema's {@code db/consumetest/V1__dead_letters.sql}). They stay one file a schema, not
 * one shared migration: they are applied migrations, and Flyway refuses a database whose applied
 * scripts changed checksum or type; this test keeps the copies from drifting instead.
 */
class DeadLetterMigrationsTest {
  @Test
  void everyComponentsDeadLetterTableIsCreatedAsPlatformsReferenceCreatesIt() throws IOException {
    String reference;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("db/consumetest/V1__dead_letters.sql")) {
      assertThat(in).as("platform's reference migration on the test classpath").isNotNull();
      reference = statements(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    List<Path> migrations;
    try (Stream<Path> files = Files.walk(Path.of(".."), 7)) {
      migrations = files.filter(p -> p.toString().replace('\\', '/').matches(".*/src/main/resources/db/[a-z]+/V\\d+__dead_letters\\.sql")).sorted().toList();
    }
    assertThat(migrations).as("components with a dead-letter table").hasSizeGreaterThanOrEqualTo(5);
    for (Path migration : migrations) {
      assertThat(statements(Files.readString(migration))).as(migration.toString()).isEqualTo(reference);
    }
  }

  /** The script without its comment lines. */
  private static String statements(String sql) {
    return sql.lines().filter(line -> !line.startsWith("--")).reduce("", (a, b) -> a + b + "\n").strip();
  }
}
