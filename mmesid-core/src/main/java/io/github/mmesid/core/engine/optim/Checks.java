package io.github.mmesid.core.engine.optim;

/** Argument validation shared by the optimizer and schedule configurations. */
final class Checks {
  private Checks() {}

  /** Requires a finite value {@code >= 0}. */
  static double nonNegative(String owner, String field, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(owner + " " + field + " must be finite and >= 0, got "
          + v);
    }
    return v;
  }

  /** Requires a value in {@code [0, 1)}. */
  static double unitHalfOpen(String owner, String field, double v) {
    if (!(v >= 0 && v < 1)) {
      throw new IllegalArgumentException(owner + " " + field + " must be in [0, 1), got " + v);
    }
    return v;
  }

  /** Requires a value in {@code [0, 1]}. */
  static double unitClosed(String owner, String field, double v) {
    if (!(v >= 0 && v <= 1)) {
      throw new IllegalArgumentException(owner + " " + field + " must be in [0, 1], got " + v);
    }
    return v;
  }

  /** Requires a positive maximum gradient norm or +infinity (no clipping). */
  static double maxGradNorm(String owner, double v) {
    if (!(v > 0)) {
      throw new IllegalArgumentException(owner + " maxGradNorm must be > 0 (finite to clip, "
          + "Double.POSITIVE_INFINITY for no clipping), got " + v);
    }
    return v;
  }

  /** Requires a non-null reference. */
  static <T> T nonNull(String owner, String field, T v) {
    if (v == null) {
      throw new IllegalArgumentException(owner + " " + field + " must not be null");
    }
    return v;
  }
}
