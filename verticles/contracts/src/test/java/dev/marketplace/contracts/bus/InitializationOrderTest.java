package dev.marketplace.contracts.bus;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every operation of every component interface has both codecs whichever class the JVM initializes
 * first: the interface, or one of its nested records (the gateway reads a request with
 * {@code InventoryApi.PurchaseLimit.of} before it names {@code InventoryApi.SET_PURCHASE_LIMIT}).
 * A record whose {@code CODEC} called into its interface would have the interface read that
 * {@code CODEC} while it is still null. Each order is tried in a class loader of its own, since a
 * class is initialized once per loader.
 */
class InitializationOrderTest {

  /** Loads the contracts classes itself (so they are initialized afresh) and everything else from the test's loader. */
  private static final class FreshContracts extends URLClassLoader {
    FreshContracts(URL classes) {
      super(new URL[] {classes}, InitializationOrderTest.class.getClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      synchronized (getClassLoadingLock(name)) {
        if (!name.startsWith("dev.marketplace.contracts.")) {
          return super.loadClass(name, resolve);
        }
        Class<?> loaded = findLoadedClass(name);
        if (loaded == null) {
          loaded = findClass(name);
        }
        if (resolve) {
          resolveClass(loaded);
        }
        return loaded;
      }
    }
  }

  @Test
  void everyOperationHasItsCodecsWhenANestedRecordIsInitializedBeforeItsInterface() throws Exception {
    URL classes = Operation.class.getProtectionDomain().getCodeSource().getLocation();
    int tried = 0;
    for (Class<?> api : ComponentApisTest.APIS) {
      for (Class<?> nested : api.getDeclaredClasses()) {
        if (!hasStaticCodec(nested)) {
          continue;
        }
        try (FreshContracts loader = new FreshContracts(classes)) {
          Class.forName(nested.getName(), true, loader);
          Class<?> freshApi = Class.forName(api.getName(), true, loader);
          assertThat(freshApi.getClassLoader()).isSameAs(loader);
          Method of = Class.forName(Operations.class.getName(), true, loader).getMethod("of", Class.class);
          for (Object operation : (List<?>) of.invoke(null, freshApi)) {
            Class<?> type = operation.getClass();
            assertThat(type.getMethod("request").invoke(operation))
              .as("the request codec of %s, %s initialized first", operation, nested.getSimpleName()).isNotNull();
            assertThat(type.getMethod("reply").invoke(operation))
              .as("the reply codec of %s, %s initialized first", operation, nested.getSimpleName()).isNotNull();
          }
          tried++;
        }
      }
    }
    assertThat(tried).as("records with a CODEC tried first").isGreaterThan(20);
  }

  private static boolean hasStaticCodec(Class<?> type) {
    for (Field field : type.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == Codec.class) {
        return true;
      }
    }
    return false;
  }
}
