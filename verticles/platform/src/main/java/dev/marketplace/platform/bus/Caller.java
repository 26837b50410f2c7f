package dev.marketplace.platform.bus;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who is calling, as the gateway established it (user id and roles travel as headers).
 * Object-level checks in components start here: {@code Caller.of(msg).requireUser()}.
 */
public record Caller(String userId, Set<String> roles) {

  public static Caller of(Message<?> message) {
    String userId = message.headers().get(BusHeaders.USER_ID);
    String roles = message.headers().get(BusHeaders.ROLES);
    Set<String> roleSet = roles == null || roles.isBlank()
      ? Set.of()
      : Arrays.stream(roles.split(",")).map(String::trim).filter(r -> !r.isEmpty()).collect(Collectors.toUnmodifiableSet());
    return new Caller(userId == null || userId.isBlank() ? null : userId, roleSet);
  }

  public boolean authenticated() {
    return userId != null;
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }

  public boolean isAdmin() {
    return roles.contains("admin");
  }

  /** The user id, or an UNAUTHORIZED failure for an anonymous caller. */
  public String requireUser() {
    if (userId == null) {
      throw ErrorCode.UNAUTHORIZED.failure("Authentication is required.");
    }
    return userId;
  }

  /** Fails with FORBIDDEN unless the caller has the role (admins pass every role check). */
  public String requireRole(String role) {
    String id = requireUser();
    if (!hasRole(role) && !isAdmin()) {
      throw ErrorCode.FORBIDDEN.failure("This needs the " + role + " role.");
    }
    return id;
  }

  /**
   * Object-level authorization: the caller must own the object (or be an admin). A foreign
   * object is reported as NOT_FOUND so that ids cannot be probed.
   */
  public void requireOwner(String ownerId) {
    String id = requireUser();
    if (!id.equals(ownerId) && !isAdmin()) {
      throw notFound();
    }
  }

  public static ReplyException notFound() {
    return ErrorCode.NOT_FOUND.failure("No such resource.");
  }
}
