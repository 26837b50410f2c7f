package dev.marketplace.app;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.marketplace.contracts.Components;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module boundaries of shared/ARCHITECTURE.md and STYLE.md, kept by a test instead of by habit,
 * over the production classes of every module (the app's classpath holds them all; test classes and
 * the platform's test-jar are left out):
 * <ul>
 *   <li>a component ({@link Components#ALL}, package {@code dev.marketplace.<component>}) depends on
 *   its own package, {@code contracts}, {@code platform} and libraries, never on another component,
 *   the launcher or the embedded infrastructure;</li>
 *   <li>{@code contracts} is plain data: no other internal module, no I/O (no Vert.x net/http/file/
 *   pg/sql/kafka/web clients, no Kafka, JDBC, java.io, java.nio.file or java.net);</li>
 *   <li>{@code platform} knows only {@code contracts}; {@code infra} knows no internal module;</li>
 *   <li>only {@code app} knows every component, Hazelcast and the CLI, and nothing knows {@code app}.</li>
 * </ul>
 */
class ArchitectureTest {
  private static final String BASE = "dev.marketplace";
  private static final String CONTRACTS = BASE + ".contracts..";
  private static final String PLATFORM = BASE + ".platform..";
  private static final String INFRA = BASE + ".infra..";
  private static final String APP = BASE + ".app..";

  private static JavaClasses classes;

  /** Leaves out test classes in directories (ArchUnit's option) and in test-jars (the platform's fixtures). */
  private static final ImportOption NO_TEST_JARS = location -> !location.contains("-tests.jar") && !location.contains("/test-classes/");

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .withImportOption(NO_TEST_JARS)
      .importPackages(BASE);
    // the rules below would hold trivially over an empty or partial import
    for (String module : modules()) {
      assertThat(classes.that(resideInAPackage(BASE + "." + module + ".."))).as("classes of " + module).isNotEmpty();
    }
  }

  private static List<String> modules() {
    List<String> modules = new ArrayList<>(Components.ALL);
    modules.addAll(List.of("contracts", "platform", "infra", "app"));
    return modules;
  }

  static List<String> components() {
    return Components.ALL;
  }

  private static String pkg(String component) {
    return BASE + "." + component + "..";
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("components")
  void aComponentDependsOnlyOnItselfContractsPlatformAndLibraries(String component) {
    noClasses().that().resideInAPackage(pkg(component))
      .should().dependOnClassesThat(resideInAPackage(BASE + "..").and(not(resideInAnyPackage(pkg(component), CONTRACTS, PLATFORM))))
      .because("a component talks to others over the event bus and Kafka (contracts), never by their classes")
      .check(classes);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("components")
  void onlyTheAppAndTheComponentItselfKnowAComponent(String component) {
    noClasses().that().resideOutsideOfPackages(pkg(component), APP)
      .should().dependOnClassesThat().resideInAPackage(pkg(component))
      .check(classes);
  }

  @Test
  void theAppKnowsEveryComponent() {
    Set<String> known = classes.that(resideInAPackage(APP)).stream()
      .flatMap(c -> c.getDirectDependenciesFromSelf().stream())
      .map(Dependency::getTargetClass)
      .map(JavaClass::getPackageName)
      .filter(p -> p.startsWith(BASE + "."))
      .map(p -> p.substring(BASE.length() + 1).split("\\.")[0])
      .collect(Collectors.toCollection(TreeSet::new));
    assertThat(known).containsAll(Components.ALL);
  }

  @Test
  void contractsDependOnNoOtherInternalModule() {
    noClasses().that().resideInAPackage(CONTRACTS)
      .should().dependOnClassesThat(resideInAPackage(BASE + "..").and(not(resideInAPackage(CONTRACTS))))
      .check(classes);
  }

  @Test
  void contractsDoNoIo() {
    noClasses().that().resideInAPackage(CONTRACTS)
      .should().dependOnClassesThat().resideInAnyPackage(
        "io.vertx.core.net..", "io.vertx.core.http..", "io.vertx.core.file..", "io.vertx.core.datagram..", "io.vertx.core.dns..",
        "io.vertx.pgclient..", "io.vertx.sqlclient..", "io.vertx.kafka..", "io.vertx.ext.web..", "io.vertx.ext.mail..",
        "org.apache.kafka..", "org.postgresql..", "java.sql..", "java.io..", "java.nio.file..", "java.nio.channels..", "java.net..")
      .because("contracts are plain data: addresses, records, error codes, event schemas")
      .check(classes);
  }

  @Test
  void platformKnowsOnlyContracts() {
    noClasses().that().resideInAPackage(PLATFORM)
      .should().dependOnClassesThat(resideInAPackage(BASE + "..").and(not(resideInAnyPackage(PLATFORM, CONTRACTS))))
      .check(classes);
  }

  @Test
  void infraKnowsNoInternalModule() {
    noClasses().that().resideInAPackage(INFRA)
      .should().dependOnClassesThat(resideInAPackage(BASE + "..").and(not(resideInAPackage(INFRA))))
      .check(classes);
  }

  @Test
  void nothingKnowsTheApp() {
    noClasses().that().resideOutsideOfPackage(APP)
      .should().dependOnClassesThat().resideInAPackage(APP)
      .check(classes);
  }

  @Test
  void onlyTheAppKnowsHazelcastAndTheCli() {
    noClasses().that().resideOutsideOfPackage(APP)
      .should().dependOnClassesThat().resideInAnyPackage("com.hazelcast..", "io.vertx.spi.cluster.hazelcast..", "picocli..")
      .check(classes);
  }

  @Test
  void theModulesFormNoCycle() {
    ArchRule rule = slices().matching(BASE + ".(*)..").should().beFreeOfCycles();
    rule.check(classes);
  }
}
