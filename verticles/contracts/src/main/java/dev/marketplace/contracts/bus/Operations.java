package dev.marketplace.contracts.bus;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/** The operations a component interface declares (its {@code public static final Operation} constants). */
public final class Operations {
  private Operations() {
  }

  public static List<Operation<?, ?>> of(Class<?> api) {
    List<Operation<?, ?>> operations = new ArrayList<>();
    for (Field field : api.getDeclaredFields()) {
      int m = field.getModifiers();
      if (Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m) && field.getType() == Operation.class) {
        try {
          operations.add((Operation<?, ?>) field.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return List.copyOf(operations);
  }
}
