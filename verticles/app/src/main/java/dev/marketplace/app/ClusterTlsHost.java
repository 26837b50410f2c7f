package dev.marketplace.app;

/** Whether a host string is an IP literal (v4 dotted quad or v6), so that checking it never needs DNS. */
final class ClusterTlsHost {
  private ClusterTlsHost() {
  }

  static boolean isLiteral(String host) {
    return host != null && (host.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (host.contains(":") && host.matches("[0-9A-Fa-f:.]+")));
  }
}
