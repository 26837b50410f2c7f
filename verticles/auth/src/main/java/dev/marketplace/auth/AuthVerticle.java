package dev.marketplace.auth;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.auth.AuthApi;
import dev.marketplace.contracts.auth.AuthContract;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.bus.Access;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * The auth component: accounts, Argon2id passwords, ES256 access tokens, rotating refresh tokens
 * and login throttling, all behind the operations of {@link AuthContract}. Config section
 * {@code auth}: see {@link AuthSettings} and {@link SigningKeys}.
 */
public class AuthVerticle extends ComponentVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(AuthVerticle.class);
  private static final long PURGE_INTERVAL_MS = 10 * 60 * 1000L;

  private PasswordHashing hashing;
  private long purgeTimer = -1;

  @Override
  protected String name() {
    return Components.AUTH;
  }

  @Override
  protected Class<?> api() {
    return AuthApi.class;
  }

  @Override
  protected Future<?> startComponent() {
    AuthSettings settings = AuthSettings.from(section());
    AuthRepository repository = new AuthRepository(pool);
    hashing = new PasswordHashing(vertx, new PasswordHasher(settings.argonMemoryKib(), settings.argonIterations(), 1),
      settings.hashWorkers(), settings.maxPendingHashes(), settings.maxHashWaitMs());
    return Future.all(SigningKeys.load(vertx, section(), repository), hashing.hashUnlimited(UUID.randomUUID().toString()))
      .map(keys -> {
        SigningKey key = keys.resultAt(0);
        AuthService service = new AuthService(vertx, repository, hashing, key, settings, keys.resultAt(1));
        // the caller's own operations check the caller before the body is read
        Access signedIn = AuthService::callerId;
        serve(AuthApi.REGISTER, (request, msg) -> service.register(request));
        serve(AuthApi.LOGIN, service::login);
        serve(AuthApi.REFRESH, (request, msg) -> service.refresh(request));
        serve(AuthApi.LOGOUT, signedIn, service::logout);
        serve(AuthApi.ME, signedIn, (none, msg) -> service.me(msg));
        serve(AuthApi.ME_UPDATE, signedIn, service::updateMe);
        serve(AuthApi.JWKS, (none, msg) -> service.jwks());
        serve(AuthApi.USER_CONTACT, (request, msg) -> service.userContact(request.userId()));
        serve(AuthApi.REVOKED_SESSIONS, (none, msg) -> service.revokedSessions());
        purgeTimer = vertx.setPeriodic(PURGE_INTERVAL_MS, id -> repository.purge(settings.windowSeconds())
          .onFailure(err -> LOG.warn("Purging expired sessions and throttle entries failed: {}", err.toString())));
        LOG.info("Auth signs access tokens with key {}", key.kid());
        return null;
      });
  }

  @Override
  protected Future<?> stopComponent() {
    if (purgeTimer >= 0) {
      vertx.cancelTimer(purgeTimer);
    }
    return hashing == null ? Future.succeededFuture() : hashing.close();
  }
}
