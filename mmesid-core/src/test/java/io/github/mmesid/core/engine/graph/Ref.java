package io.github.mmesid.core.engine.graph;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * Slow, obviously-correct plain-Java reference computations on row-major arrays, used to check
 * forward values of graph ops.
 */
final class Ref {
  private Ref() {}

  static long numel(long[] shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  /** NumPy broadcast of two shapes. */
  static long[] broadcast(long[] a, long[] b) {
    int r = Math.max(a.length, b.length);
    long[] out = new long[r];
    for (int i = 0; i < r; i++) {
      int ia = i - (r - a.length);
      int ib = i - (r - b.length);
      long da = ia >= 0 ? a[ia] : 1;
      long db = ib >= 0 ? b[ib] : 1;
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException("not broadcastable");
      }
      out[i] = Math.max(da, db) == 1 ? 1 : (da == 1 ? db : da);
    }
    return out;
  }

  /** Row-major multi-index of a flat index. */
  static long[] unravel(long flat, long[] shape) {
    long[] idx = new long[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = flat % shape[d];
      flat /= shape[d];
    }
    return idx;
  }

  /** Flat index in {@code shape} of the output multi-index {@code outIdx} under broadcasting. */
  static int broadcastIndex(long[] outIdx, long[] shape) {
    int off = outIdx.length - shape.length;
    long flat = 0;
    for (int d = 0; d < shape.length; d++) {
      long i = shape[d] == 1 ? 0 : outIdx[off + d];
      flat = flat * shape[d] + i;
    }
    return (int) flat;
  }

  /** Elementwise binary op with broadcasting. */
  static double[] binary(TensorData a, TensorData b, DoubleBinaryOperator f) {
    long[] out = broadcast(a.shape(), b.shape());
    double[] av = a.toDoubles();
    double[] bv = b.toDoubles();
    double[] res = new double[(int) numel(out)];
    for (int i = 0; i < res.length; i++) {
      long[] idx = unravel(i, out);
      res[i] = f.applyAsDouble(av[broadcastIndex(idx, a.shape())],
          bv[broadcastIndex(idx, b.shape())]);
    }
    return res;
  }

  /** A float64 tensor of ones. */
  static TensorData ones(long... shape) {
    double[] v = new double[(int) numel(shape)];
    java.util.Arrays.fill(v, 1.0);
    return TensorData.ofDoubles(shape, v);
  }

  /** Elementwise unary op. */
  static double[] unary(TensorData a, DoubleUnaryOperator f) {
    double[] v = a.toDoubles();
    double[] res = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      res[i] = f.applyAsDouble(v[i]);
    }
    return res;
  }

  /** Shape after reducing {@code axes} (non-negative, any order). */
  static long[] reducedShape(long[] shape, int[] axes, boolean keep) {
    java.util.List<Long> out = new java.util.ArrayList<>();
    for (int d = 0; d < shape.length; d++) {
      boolean red = false;
      for (int a : axes) {
        red |= a == d;
      }
      if (!red) {
        out.add(shape[d]);
      } else if (keep) {
        out.add(1L);
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /** Folds {@code op} over the reduced axes (output in row-major order of the reduced shape). */
  static double[] reduce(TensorData x, int[] axes, DoubleBinaryOperator op, double init) {
    long[] shape = x.shape();
    long[] kept = reducedShape(shape, axes, true);
    double[] v = x.toDoubles();
    double[] out = new double[(int) numel(kept)];
    java.util.Arrays.fill(out, init);
    for (int i = 0; i < v.length; i++) {
      long[] idx = unravel(i, shape);
      int o = broadcastIndex(idx, kept);
      out[o] = op.applyAsDouble(out[o], v[i]);
    }
    return out;
  }

  /**
   * The error function from its Maclaurin series in 60-digit decimal arithmetic (exact to double
   * precision for |x| <= 8; beyond that erf rounds to +-1).
   */
  static double erf(double xd) {
    if (Math.abs(xd) > 8) {
      return Math.signum(xd);
    }
    java.math.MathContext mc = new java.math.MathContext(60);
    java.math.BigDecimal x = new java.math.BigDecimal(xd);
    java.math.BigDecimal x2 = x.multiply(x, mc);
    java.math.BigDecimal power = x; // x^(2n+1) / n!
    java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
    java.math.BigDecimal tiny = new java.math.BigDecimal("1e-45");
    for (int n = 0; n < 5000; n++) {
      java.math.BigDecimal term = power.divide(java.math.BigDecimal.valueOf(2L * n + 1), mc);
      sum = n % 2 == 0 ? sum.add(term, mc) : sum.subtract(term, mc);
      if (n > 4 && term.abs().compareTo(tiny) < 0) {
        break;
      }
      power = power.multiply(x2, mc).divide(java.math.BigDecimal.valueOf(n + 1L), mc);
    }
    java.math.BigDecimal twoOverSqrtPi =
        new java.math.BigDecimal("1.12837916709551257389615890312154517168810125865800");
    return sum.multiply(twoOverSqrtPi, mc).doubleValue();
  }
}
