package dev.marketplace.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Port helpers for servers that listen on 127.0.0.1 only. */
final class LoopbackPorts {
  static final String HOST = "127.0.0.1";

  private LoopbackPorts() {
  }

  /**
   * A port that was free a moment ago. Racy by nature (another process may take it before the
   * server binds), which is acceptable for local runs and tests.
   */
  static int pickFree() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot find a free port on " + HOST, e);
    }
  }

  /** A free port different from {@code taken}. */
  static int pickFreeOtherThan(int taken) {
    int port = pickFree();
    while (port == taken) {
      port = pickFree();
    }
    return port;
  }

  /**
   * Fails fast when an explicitly requested port is taken: otherwise a server that cannot bind is
   * only noticed after a long start-up timeout, or, worse, a client talks to whoever holds the port.
   */
  static int requireFree(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("Port must be 0 (pick a free one) or 1..65535, was " + port);
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 1);
      return port;
    } catch (IOException e) {
      throw new IllegalStateException("Port " + HOST + ":" + port + " is already in use", e);
    }
  }
}
