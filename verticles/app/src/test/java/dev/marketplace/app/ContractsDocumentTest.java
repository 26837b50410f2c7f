package dev.marketplace.app;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.bus.Invoker;
import dev.marketplace.contracts.bus.Operation;
import dev.marketplace.contracts.bus.Operations;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docs/CONTRACTS.md} against the {@code contracts} module: the addresses in the page's
 * tables (first column) are the ones {@code contracts} declares, and every bus address and Kafka
 * topic {@code contracts} declares (a {@code public static final String} whose value is
 * {@code <component>.<something>}) is named on the page. Addresses with a part (written
 * {@code <component>}, {@code <user_id>} on the page) are those built by the module's
 * {@code static String x(String)} methods.
 */
class ContractsDocumentTest {
  private static final Pattern ADDRESS = Pattern.compile("[a-z]+(\\.[a-z0-9_-]+)+");
  private static final Pattern TABLE_ROW = Pattern.compile("(?m)^\\| (`[^|]*)\\|");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");
  private static final Pattern PART = Pattern.compile("<[^>]+>");

  private static String page;
  /** value → where it is declared ("InventoryAddresses.RESERVE"). */
  private static final Map<String, String> declared = new TreeMap<>();
  /** Addresses built by the module's methods, their part written {@code <>}. */
  private static final Set<String> built = new TreeSet<>();

  @BeforeAll
  static void read() throws Exception {
    page = Files.readString(Path.of("..", "..", "docs", "CONTRACTS.md"));
    Set<String> components = Set.copyOf(Components.ALL);
    for (JavaClass javaClass : new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.marketplace.contracts")) {
      Class<?> type = Class.forName(javaClass.getName());
      if (!Modifier.isPublic(type.getModifiers())) {
        continue;
      }
      for (Field field : type.getDeclaredFields()) {
        int m = field.getModifiers();
        if (Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m) && field.getType() == String.class) {
          String value = (String) field.get(null);
          if (value != null && ADDRESS.matcher(value).matches() && components.contains(value.substring(0, value.indexOf('.')))) {
            declared.put(value, type.getSimpleName() + "." + field.getName());
          }
        }
      }
      for (Method method : type.getDeclaredMethods()) {
        int m = method.getModifiers();
        if (Modifier.isPublic(m) && Modifier.isStatic(m) && method.getReturnType() == String.class
          && method.getParameterCount() == 1 && method.getParameterTypes()[0] == String.class) {
          String address = (String) method.invoke(null, "<>");
          if (address.contains("<>") && address.contains(".")) {
            built.add(address);
          }
        }
      }
    }
    assertThat(declared).as("addresses declared in contracts").hasSizeGreaterThan(40)
      .containsKeys("checkout.start", "inventory.reserve", "orders.events");
    assertThat(built).contains("<>.dead_letters.list", "notification.push.<>");
  }

  /** The addresses named in the first column of the page's tables. */
  private static Set<String> tabled() {
    Set<String> addresses = new TreeSet<>();
    Matcher row = TABLE_ROW.matcher(page);
    while (row.find()) {
      Matcher code = CODE.matcher(row.group(1));
      while (code.find()) {
        addresses.add(code.group(1));
      }
    }
    return addresses;
  }

  @Test
  void everyAddressInThePagesTablesIsDeclaredInContracts() {
    Set<String> tabled = tabled();
    assertThat(tabled).as("addresses in the tables of docs/CONTRACTS.md").hasSizeGreaterThan(40);
    Set<String> unknown = new TreeSet<>();
    for (String address : tabled) {
      String general = PART.matcher(address).replaceAll("<>");
      if (!declared.containsKey(address) && !built.contains(general)) {
        unknown.add(address);
      }
    }
    assertThat(unknown).as("addresses docs/CONTRACTS.md lists that contracts does not declare").isEmpty();
  }

  /** The typed interface of each component ({@code <Component>Api} in {@code contracts}, an {@link Invoker}). */
  private static Map<String, Class<?>> apis() throws Exception {
    Map<String, Class<?>> apis = new TreeMap<>();
    for (JavaClass javaClass : new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.marketplace.contracts")) {
      Class<?> type = Class.forName(javaClass.getName());
      if (type.isInterface() && type != Invoker.class && Invoker.class.isAssignableFrom(type)) {
        apis.put(type.getSimpleName(), type);
      }
    }
    return apis;
  }

  @Test
  void everyOperationOfEveryComponentInterfaceIsInThePagesTables() throws Exception {
    Map<String, Class<?>> apis = apis();
    assertThat(apis.keySet()).as("component interfaces in contracts")
      .contains("AuthApi", "CatalogApi", "CartApi", "InventoryApi", "OrdersApi", "PaymentApi", "NotificationApi", "CheckoutApi", "SalesApi");
    Set<String> tabled = tabled();
    Map<String, String> undocumented = new TreeMap<>();
    for (Class<?> api : apis.values()) {
      for (Operation<?, ?> operation : Operations.of(api)) {
        assertThat(declared).as("the address of an operation of " + api.getSimpleName() + " is a constant of contracts")
          .containsKey(operation.address());
        if (!tabled.contains(operation.address())) {
          undocumented.put(operation.address(), api.getSimpleName());
        }
      }
    }
    assertThat(undocumented).as("operations of the typed interfaces that docs/CONTRACTS.md's tables do not describe").isEmpty();
  }

  @Test
  void everyAddressAndTopicDeclaredInContractsIsOnThePage() {
    Set<String> named = new TreeSet<>();
    Matcher code = CODE.matcher(page);
    while (code.find()) {
      named.add(code.group(1));
    }
    Map<String, String> missing = new TreeMap<>(declared);
    missing.keySet().removeAll(named);
    assertThat(missing).as("declared in contracts but not named in docs/CONTRACTS.md (describe them there)").isEmpty();
  }
}
