package dev.marketplace.gateway.security;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The address of the client an HTTP request comes from, for rate limits and login throttling.
 * {@code X-Forwarded-For} is believed only from a trusted proxy ({@code gateway.trusted_proxies}:
 * addresses or CIDR ranges, IPv4 or IPv6; default none): the header is then read right to left and
 * the first address that is not itself a trusted proxy is the client. From anyone else the header
 * is ignored, so a client cannot pick the address its limits are counted under.
 *
 * <p>Immutable and thread-safe; reusable by anything that faces clients (HTTP routes, bridges).
 */
public final class ClientAddress {
  private static final String CTX_KEY = "marketplace.client-address";
  public static final String FORWARDED_FOR = "X-Forwarded-For";

  private final List<Range> trusted;

  private ClientAddress(List<Range> trusted) {
    this.trusted = List.copyOf(trusted);
  }

  /** From {@code gateway.trusted_proxies} (array of strings, or one comma-separated string). */
  public static ClientAddress fromConfig(JsonObject config) {
    Object configured = config.getJsonObject("gateway", new JsonObject()).getValue("trusted_proxies");
    List<String> entries = new ArrayList<>();
    if (configured instanceof JsonArray array) {
      array.forEach(e -> entries.add(String.valueOf(e)));
    } else if (configured instanceof String s && !s.isBlank()) {
      entries.addAll(List.of(s.split(",")));
    }
    return of(entries);
  }

  public static ClientAddress of(List<String> trustedProxies) {
    List<Range> ranges = new ArrayList<>();
    for (String entry : trustedProxies) {
      if (!entry.isBlank()) {
        ranges.add(Range.parse(entry.trim()));
      }
    }
    return new ClientAddress(ranges);
  }

  /** The client's address for this request (computed once, then kept on the context). */
  public String of(RoutingContext ctx) {
    String known = ctx.get(CTX_KEY);
    if (known != null) {
      return known;
    }
    SocketAddress remote = ctx.request().remoteAddress();
    String peer = remote == null ? "unknown" : remote.hostAddress();
    String client = resolve(peer, ctx.request().headers().getAll(FORWARDED_FOR));
    ctx.put(CTX_KEY, client);
    return client;
  }

  /**
   * @param peer          the address of the TCP peer
   * @param forwardedFor  the {@code X-Forwarded-For} header values, in order
   */
  public String resolve(String peer, List<String> forwardedFor) {
    if (trusted.isEmpty() || !isTrusted(peer) || forwardedFor == null || forwardedFor.isEmpty()) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String value : forwardedFor) {
      for (String hop : value.split(",")) {
        hops.add(hop.trim());
      }
    }
    String client = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      String hop = hops.get(i);
      byte[] parsed = literal(hop);
      if (parsed == null) {
        // garbage in the chain: nothing to its left can be believed
        return client;
      }
      client = canonical(parsed, hop);
      if (!isTrusted(client)) {
        return client;
      }
    }
    return client;
  }

  public boolean isTrusted(String address) {
    byte[] bytes = literal(address);
    if (bytes == null) {
      return false;
    }
    for (Range range : trusted) {
      if (range.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  private static String canonical(byte[] bytes, String fallback) {
    try {
      return InetAddress.getByAddress(bytes).getHostAddress();
    } catch (UnknownHostException e) {
      return fallback;
    }
  }

  /** The bytes of an IP literal, or null when it is not one (never a DNS lookup). */
  static byte[] literal(String text) {
    if (text == null || text.isEmpty() || text.length() > 45) {
      return null;
    }
    String s = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    boolean v4 = s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = s.contains(":") && s.matches("[0-9A-Fa-f:.]+");
    if (!v4 && !v6) {
      return null;
    }
    try {
      byte[] bytes = InetAddress.getByName(s).getAddress();
      return bytes;
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** An address or CIDR range. */
  private record Range(byte[] network, int prefix) {
    static Range parse(String entry) {
      int slash = entry.indexOf('/');
      byte[] address = literal(slash < 0 ? entry : entry.substring(0, slash));
      if (address == null) {
        throw new IllegalArgumentException("gateway.trusted_proxies: not an IP address or CIDR range: " + entry);
      }
      int prefix = slash < 0 ? address.length * 8 : Integer.parseInt(entry.substring(slash + 1));
      if (prefix < 0 || prefix > address.length * 8) {
        throw new IllegalArgumentException("gateway.trusted_proxies: bad prefix length in " + entry);
      }
      return new Range(address, prefix);
    }

    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int bits = address.length * 8;
      BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
        .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
      return new BigInteger(1, address).and(mask).equals(new BigInteger(1, network).and(mask));
    }
  }
}
