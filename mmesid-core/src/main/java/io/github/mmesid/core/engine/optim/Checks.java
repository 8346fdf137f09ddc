package io.github.mmesid.core.engine.optim;

import static com.google.common.base.Preconditions.checkArgument;

/** Argument validation shared by the optimizer and schedule configurations. */
final class Checks {
  private Checks() {}

  /** Requires a finite value {@code >= 0}. */
  static double nonNegative(String owner, String field, double v) {
    checkArgument(v >= 0 && !Double.isInfinite(v), "%s %s must be finite and >= 0, got %s",
        owner, field, v);
    return v;
  }

  /** Requires a value in {@code [0, 1)}. */
  static double unitHalfOpen(String owner, String field, double v) {
    checkArgument(v >= 0 && v < 1, "%s %s must be in [0, 1), got %s", owner, field, v);
    return v;
  }

  /** Requires a value in {@code [0, 1]}. */
  static double unitClosed(String owner, String field, double v) {
    checkArgument(v >= 0 && v <= 1, "%s %s must be in [0, 1], got %s", owner, field, v);
    return v;
  }

  /** Requires a positive maximum gradient norm or +infinity (no clipping). */
  static double maxGradNorm(String owner, double v) {
    checkArgument(v > 0, "%s maxGradNorm must be > 0 (finite to clip, Double.POSITIVE_INFINITY "
        + "for no clipping), got %s", owner, v);
    return v;
  }

  /** Requires a non-null reference. */
  static <T> T nonNull(String owner, String field, T v) {
    checkArgument(v != null, "%s %s must not be null", owner, field);
    return v;
  }
}
