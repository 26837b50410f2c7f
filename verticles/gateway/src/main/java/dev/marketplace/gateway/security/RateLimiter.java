package dev.marketplace.gateway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Token buckets (Bucket4j) per client address and per user, for each route {@link Group}: a
 * request takes one token from its address's bucket and, when signed in, one from its user's; an
 * empty bucket refuses it and says when the next token comes ({@link Decision#retryAfterSeconds}).
 *
 * <p>Config {@code gateway.rate_limits}: {@code enabled} (default true; false turns every limit
 * off, for load tests from one address; the flat {@code gateway.rate_limits_enabled}, which the
 * environment variable {@code MARKETPLACE_GATEWAY_RATE_LIMITS_ENABLED} sets, wins), {@code
 * max_tracked_keys} (100000 buckets at most, least recently used dropped first),
 * {@code idle_seconds} (600: a bucket unused that long is forgotten, i.e. full again), and
 * {@code groups.<group>.per_address|per_user: {capacity, per_minute}} (burst size and steady rate).
 *
 * <p>State is per node (one limiter per Vert.x instance, shared by its gateway verticles, see
 * {@link #shared}): with N gateways behind a balancer a client gets up to N times the rate.
 * Thread-safe.
 */
public final class RateLimiter implements Shareable {
  private static final String SHARED_KEY = "marketplace.gateway.rate-limiter";

  /** Route groups, each with its own limits. */
  public enum Group {
    AUTH, REGISTER, CHECKOUT, SEARCH, CALLBACK, DEFAULT;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A bucket's size and refill: {@code capacity} tokens at most, {@code perMinute} new ones a minute. */
  public record Limit(long capacity, long perMinute) {
    public Limit {
      if (capacity < 1 || perMinute < 1) {
        throw new IllegalArgumentException("rate limit capacity and per_minute must be at least 1");
      }
    }

    static Limit from(JsonObject json, Limit fallback) {
      if (json == null) {
        return fallback;
      }
      long capacity = json.getLong("capacity", fallback == null ? json.getLong("per_minute", 60L) : fallback.capacity());
      long perMinute = json.getLong("per_minute", fallback == null ? capacity : fallback.perMinute());
      return new Limit(capacity, perMinute);
    }
  }

  /** Whether a request may go on; if not, in how many whole seconds (at least 1) to come back. */
  public record Decision(boolean allowed, long retryAfterSeconds, String limitedBy) {
    static final Decision ALLOWED = new Decision(true, 0, null);
  }

  /** Defaults: generous for people, tight enough that floods and password spraying are throttled. */
  private static final Map<Group, Limit[]> DEFAULTS = new EnumMap<>(Map.of(
    Group.AUTH, new Limit[] {new Limit(20, 60), new Limit(10, 30)},
    Group.REGISTER, new Limit[] {new Limit(5, 10), null},
    Group.CHECKOUT, new Limit[] {new Limit(60, 300), new Limit(10, 30)},
    Group.SEARCH, new Limit[] {new Limit(100, 600), new Limit(100, 600)},
    Group.CALLBACK, new Limit[] {new Limit(500, 6000), null},
    Group.DEFAULT, new Limit[] {new Limit(200, 1200), new Limit(100, 600)}));

  private final boolean enabled;
  private final Map<Group, Limit> perAddress = new EnumMap<>(Group.class);
  private final Map<Group, Limit> perUser = new EnumMap<>(Group.class);
  private final Cache<String, Bucket> buckets;

  private RateLimiter(boolean enabled, JsonObject section) {
    this.enabled = enabled;
    JsonObject groups = section.getJsonObject("groups", new JsonObject());
    for (Group group : Group.values()) {
      JsonObject configured = groups.getJsonObject(group.configName(), new JsonObject());
      Limit[] defaults = DEFAULTS.get(group);
      Limit address = Limit.from(configured.getJsonObject("per_address"), defaults[0]);
      Limit user = Limit.from(configured.getJsonObject("per_user"), defaults[1]);
      if (address != null) {
        perAddress.put(group, address);
      }
      if (user != null) {
        perUser.put(group, user);
      }
    }
    this.buckets = Caffeine.newBuilder()
      .maximumSize(section.getLong("max_tracked_keys", 100_000L))
      .expireAfterAccess(Duration.ofSeconds(section.getLong("idle_seconds", 600L)))
      .build();
  }

  /** A limiter of its own (tests, a bridge with separate limits). */
  public static RateLimiter fromConfig(JsonObject config) {
    JsonObject gateway = config.getJsonObject("gateway", new JsonObject());
    JsonObject section = gateway.getJsonObject("rate_limits", new JsonObject());
    boolean enabled = section.getBoolean("enabled", true);
    if (gateway.getValue("rate_limits_enabled") instanceof Boolean flat) {
      enabled = flat;
    }
    return new RateLimiter(enabled, section);
  }

  /** The node's limiter: the first gateway verticle of this Vert.x instance with these limits makes it. */
  public static RateLimiter shared(Vertx vertx, JsonObject config) {
    var map = vertx.sharedData().<String, RateLimiter>getLocalMap(SHARED_KEY);
    JsonObject gateway = config.getJsonObject("gateway", new JsonObject());
    // verticles deployed with the same limits share buckets; another config gets its own
    String key = String.valueOf(gateway.getValue("rate_limits")) + "|" + gateway.getValue("rate_limits_enabled");
    RateLimiter fresh = fromConfig(config);
    RateLimiter existing = map.putIfAbsent(key, fresh);
    return existing == null ? fresh : existing;
  }

  public boolean enabled() {
    return enabled;
  }

  /**
   * Takes a token for {@code group} from the address's bucket and, with a user, the user's.
   *
   * @param address the client's address ({@link ClientAddress}), never null
   * @param userId  the signed-in user, or null
   */
  public Decision tryAcquire(Group group, String address, String userId) {
    Decision byAddress = tryAddress(group, address);
    return byAddress.allowed() && userId != null ? tryUser(group, userId) : byAddress;
  }

  /** One token from the address's bucket of {@code group}. */
  public Decision tryAddress(Group group, String address) {
    Limit limit = perAddress.get(group);
    return !enabled || limit == null ? Decision.ALLOWED : take("a:" + group.configName() + ":" + address, limit, "address");
  }

  /** One token from the user's bucket of {@code group}. */
  public Decision tryUser(Group group, String userId) {
    Limit limit = perUser.get(group);
    return !enabled || limit == null ? Decision.ALLOWED : take("u:" + group.configName() + ":" + userId, limit, "user");
  }

  private Decision take(String key, Limit limit, String kind) {
    Bucket bucket = buckets.get(key, k -> Bucket.builder()
      .addLimit(l -> l.capacity(limit.capacity()).refillGreedy(limit.perMinute(), Duration.ofMinutes(1)))
      .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      return Decision.ALLOWED;
    }
    long seconds = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
    return new Decision(false, seconds, kind);
  }
}
