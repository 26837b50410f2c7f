package dev.marketplace.gateway;

import io.vertx.core.Future;

import java.util.Optional;
import java.util.Set;

/**
 * Test-only credentials for route tests that are not about tokens: {@code Authorization: Bearer
 * <user>:<role>,<role>} is taken at its word, no signature; no header is an anonymous caller.
 * (JwtAuthenticatorTest and TestTokens test the real tokens.)
 */
final class FakeTokens {
  static final Authenticator AUTHENTICATOR = ctx -> {
    String header = ctx.request().getHeader("Authorization");
    if (header == null) {
      return Future.succeededFuture(Optional.empty());
    }
    String[] parts = header.substring("Bearer ".length()).split(":");
    return Future.succeededFuture(Optional.of(new Identity(parts[0], Set.of(parts[1].split(",")))));
  };

  private FakeTokens() {
  }
}
