package dev.marketplace.platform.bus;

/**
 * Who may call an operation, checked before its body is read (so an anonymous caller learns
 * UNAUTHORIZED, not what is wrong with its body). Object-level checks stay in the handler.
 */
@FunctionalInterface
public interface Access {
  /** Fails with a coded {@code ReplyException} when the caller may not call. */
  void check(Caller caller);

  /** Anyone, and components calling each other (internal operations). */
  Access ANYONE = caller -> {
  };

  /** An authenticated user (UNAUTHORIZED otherwise). */
  Access USER = Caller::requireUser;

  /** A user with the role, or an admin (FORBIDDEN otherwise). */
  static Access role(String role) {
    return caller -> caller.requireRole(role);
  }
}
