package dev.marketplace.gateway.bridge;

import io.vertx.core.json.JsonObject;

/**
 * The {@code bridge} section of the config. Defaults: TCP on {@code 0.0.0.0:7000}, frames up to
 * 64 KiB, 20 messages a second per connection (bursts of 40), 16 requests in flight and 8
 * registrations per connection, 64 connections per client host.
 *
 * @param enabled              {@code bridge.enabled}: both bridges on (default true)
 * @param host                 {@code bridge.host}: the TCP bridge's interface
 * @param port                 {@code bridge.port}: the TCP bridge's port (0: a free one)
 * @param maxFrameBytes        {@code bridge.max_frame_bytes}: a longer frame closes its connection
 * @param messagesPerSecond    {@code bridge.messages_per_second}: refill rate of a connection's frame budget
 * @param burst                {@code bridge.burst}: the frame budget's size (requests also spend from the
 *                             gateway's HTTP rate limits, {@code gateway.rate_limits})
 * @param maxInFlight          {@code bridge.max_in_flight}: requests of one connection awaiting replies
 * @param maxRegistrations     {@code bridge.max_registrations}: addresses one connection listens on
 * @param maxConnectionsPerHost {@code bridge.max_connections_per_host}: open connections from one client address
 */
public record BridgeSettings(boolean enabled, String host, int port, int maxFrameBytes, double messagesPerSecond,
                             int burst, int maxInFlight, int maxRegistrations, int maxConnectionsPerHost) {

  public static final int DEFAULT_PORT = 7000;

  public static BridgeSettings from(JsonObject config) {
    JsonObject bridge = config.getJsonObject("bridge", new JsonObject());
    double rate = bridge.getDouble("messages_per_second", 20.0);
    return new BridgeSettings(
      bridge.getBoolean("enabled", true),
      bridge.getString("host", "0.0.0.0"),
      bridge.getInteger("port", DEFAULT_PORT),
      bridge.getInteger("max_frame_bytes", 65536),
      rate,
      bridge.getInteger("burst", (int) Math.max(1, Math.ceil(rate * 2))),
      bridge.getInteger("max_in_flight", 16),
      bridge.getInteger("max_registrations", 8),
      bridge.getInteger("max_connections_per_host", 64));
  }
}
