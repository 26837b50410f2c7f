package dev.marketplace.platform.testing;

/** Rates measured by tests from the times at which things happened. */
public final class Rates {
  private Rates() {
  }

  /**
   * Events per second: the inverse of the least-squares slope of event time over event order, so the
   * noise of the first and last events averages out. {@code timesMs} in the order the events were
   * issued (ticket order, say), in milliseconds; at least two of them.
   */
  public static double perSecond(long[] timesMs) {
    int n = timesMs.length;
    if (n < 2) {
      throw new IllegalArgumentException("a rate needs two times at least, got " + n);
    }
    double meanI = (n - 1) / 2.0;
    double meanT = 0;
    for (long t : timesMs) {
      meanT += t / 1000.0 / n;
    }
    double cov = 0;
    double var = 0;
    for (int i = 0; i < n; i++) {
      cov += (i - meanI) * (timesMs[i] / 1000.0 - meanT);
      var += (i - meanI) * (i - meanI);
    }
    return var / cov;
  }
}
