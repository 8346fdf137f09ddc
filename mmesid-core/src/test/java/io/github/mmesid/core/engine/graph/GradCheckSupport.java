package io.github.mmesid.core.engine.graph;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.GradientChecker;
import java.util.List;
import java.util.SplittableRandom;

/** Shared helpers for gradient-check tests. */
final class GradCheckSupport {
  private GradCheckSupport() {}

  /** Random float64 values in [-1, 1). */
  static TensorData rand(SplittableRandom r, long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    double[] v = new double[(int) n];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextDouble(-1, 1);
    }
    return TensorData.ofDoubles(shape, v);
  }

  /** Random float64 values in [lo, hi). */
  static TensorData rand(SplittableRandom r, double lo, double hi, long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    double[] v = new double[(int) n];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextDouble(lo, hi);
    }
    return TensorData.ofDoubles(shape, v);
  }

  /** Checks in float64 with default tolerances and asserts success. */
  static GradientChecker.Report check(GradientChecker.Recipe recipe, TensorData... values) {
    return check(GradientChecker.Options.float64(), recipe, values);
  }

  static GradientChecker.Report check(GradientChecker.Options o, GradientChecker.Recipe recipe,
      TensorData... values) {
    GradientChecker.Report rep = GradientChecker.check(recipe, List.of(values), o);
    assertTrue(rep.passed(), () -> "gradient check failed: " + rep);
    assertTrue(rep.checked() > 0, "no coordinate was checked");
    return rep;
  }
}
