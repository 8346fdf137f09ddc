package io.github.mmesid.core.engine.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Shape, layout, type, comparison and selection operations with their gradient rules.
 */
public final class ArrayOps {
  private ArrayOps() {}

  /**
   * An identity copy (gradient passes through).
   *
   * @param x input
   * @return a new tensor equal to {@code x}
   */
  public static Tensor identity(Tensor x) {
    return x.graph().apply("Identity", List.of(x), Map.of(), x.dtype(), x.shape());
  }

  /**
   * An identity copy through which no gradient flows (for straight-through estimators and
   * stop-gradient terms such as {@code sg(z_q - z)}).
   *
   * @param x input
   * @return a new tensor equal to {@code x}, treated as a constant by autodiff
   */
  public static Tensor stopGradient(Tensor x) {
    return x.graph().addNode("Identity", List.of(x), Map.of(), new DType[] {x.dtype()},
        new Shape[] {x.shape()}, Vjp.NONE).output(0);
  }

  /**
   * The run-time shape of a tensor (ONNX Shape).
   *
   * @param x input
   * @return an int64 vector of length {@code rank(x)}
   */
  public static Tensor shapeOf(Tensor x) {
    return x.graph().apply("Shape", List.of(x), Map.of(), DType.INT64,
        Shape.of(x.rank()));
  }

  /**
   * Converts the element type.
   *
   * @param x input
   * @param to target type
   * @return the converted tensor
   */
  public static Tensor cast(Tensor x, DType to) {
    if (x.dtype() == to) {
      return x;
    }
    return x.graph().apply("Cast", List.of(x), Map.of("to", (long) to.onnxCode()), to, x.shape());
  }

  /**
   * Reshape with ONNX semantics: 0 keeps the input's dimension at that position, -1 is inferred.
   *
   * @param x input
   * @param dims target dimensions
   * @return the reshaped tensor
   */
  public static Tensor reshape(Tensor x, long... dims) {
    int inferred = -1;
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < dims.length; i++) {
      long d = dims[i];
      if (d == 0) {
        if (i >= x.rank()) {
          throw new IllegalArgumentException("Reshape of " + x + " to " + Arrays.toString(dims)
              + ": 0 at position " + i + " has no input dimension to copy");
        }
        out.add(x.shape().dim(i));
      } else if (d == -1) {
        if (inferred >= 0) {
          throw new IllegalArgumentException(
              "Reshape target " + Arrays.toString(dims) + " has more than one -1");
        }
        inferred = i;
        out.add(null);
      } else if (d > 0) {
        out.add(Dim.of(d));
      } else {
        throw new IllegalArgumentException("Reshape target " + Arrays.toString(dims)
            + " has invalid entry " + d + " (allowed: -1, 0, positive sizes)");
      }
    }
    if (inferred >= 0) {
      Dim inf = Dim.unknown();
      if (x.shape().isStatic()) {
        long known = 1;
        boolean allKnown = true;
        for (Dim d : out) {
          if (d != null) {
            allKnown &= d.isKnown();
            if (d.isKnown()) {
              known *= d.value();
            }
          }
        }
        if (allKnown) {
          long n = x.shape().numel();
          if (known == 0 || n % known != 0) {
            throw new IllegalArgumentException("Cannot reshape " + x + " to "
                + Arrays.toString(dims) + ": " + n + " elements do not divide into " + known);
          }
          inf = Dim.of(n / known);
        }
      }
      out.set(inferred, inf);
    } else if (x.shape().isStatic() && Shape.of(out).isStatic()
        && x.shape().numel() != Shape.of(out).numel()) {
      throw new IllegalArgumentException("Cannot reshape " + x + " (" + x.shape().numel()
          + " elements) to " + Shape.of(out) + " (" + Shape.of(out).numel() + " elements)");
    }
    Graph g = x.graph();
    return g.apply("Reshape", List.of(x, g.int64s(dims)), Map.of(), x.dtype(), Shape.of(out));
  }

  /**
   * Reshape to a run-time shape given as an int64 tensor.
   *
   * @param x input
   * @param shape int64 vector
   * @param outShape the static description of the result
   * @return the reshaped tensor
   */
  public static Tensor reshape(Tensor x, Tensor shape, Shape outShape) {
    return x.graph().apply("Reshape", List.of(x, shape), Map.of(), x.dtype(), outShape);
  }

  /**
   * Permutes axes.
   *
   * @param x input
   * @param perm a permutation of {@code 0..rank-1}
   * @return the transposed tensor
   */
  public static Tensor transpose(Tensor x, int... perm) {
    if (perm.length != x.rank()) {
      throw new IllegalArgumentException("Transpose of " + x + " needs a permutation of length "
          + x.rank() + ", got " + Arrays.toString(perm));
    }
    boolean[] seen = new boolean[perm.length];
    List<Dim> out = new ArrayList<>();
    long[] p = new long[perm.length];
    for (int i = 0; i < perm.length; i++) {
      int a = perm[i];
      if (a < 0 || a >= perm.length || seen[a]) {
        throw new IllegalArgumentException(Arrays.toString(perm) + " is not a permutation of 0.."
            + (perm.length - 1));
      }
      seen[a] = true;
      p[i] = a;
      out.add(x.shape().dim(a));
    }
    return x.graph().apply("Transpose", List.of(x), Map.of("perm", p), x.dtype(), Shape.of(out));
  }

  /**
   * Broadcasts to a run-time shape (ONNX Expand).
   *
   * @param x input
   * @param shape int64 vector of the target shape
   * @param outShape the static description of the result
   * @return the expanded tensor
   */
  public static Tensor expand(Tensor x, Tensor shape, Shape outShape) {
    return x.graph().apply("Expand", List.of(x, shape), Map.of(), x.dtype(), outShape);
  }

  /**
   * Broadcasts to a static shape.
   *
   * @param x input
   * @param shape target shape (must be broadcast-compatible)
   * @return the expanded tensor
   */
  public static Tensor expand(Tensor x, Shape shape) {
    Shape out = Shape.broadcast(x.shape(), shape);
    return expand(x, x.graph().int64s(shape.toArray()), out);
  }

  /**
   * Inserts size-1 axes.
   *
   * @param x input
   * @param axes positions in the output (negative counts from the end of the output)
   * @return the tensor with new axes
   */
  public static Tensor unsqueeze(Tensor x, int... axes) {
    int outRank = x.rank() + axes.length;
    long[] ax = new long[axes.length];
    boolean[] isNew = new boolean[outRank];
    for (int i = 0; i < axes.length; i++) {
      int a = Shape.normalizeAxis(axes[i], outRank);
      if (isNew[a]) {
        throw new IllegalArgumentException("Duplicate unsqueeze axis " + a);
      }
      isNew[a] = true;
      ax[i] = a;
    }
    List<Dim> out = new ArrayList<>();
    int j = 0;
    for (int i = 0; i < outRank; i++) {
      out.add(isNew[i] ? Dim.of(1) : x.shape().dim(j++));
    }
    Graph g = x.graph();
    return g.apply("Unsqueeze", List.of(x, g.int64s(ax)), Map.of(), x.dtype(), Shape.of(out));
  }

  /**
   * Removes size-1 axes.
   *
   * @param x input
   * @param axes axes to remove; each must have size 1
   * @return the squeezed tensor
   */
  public static Tensor squeeze(Tensor x, int... axes) {
    long[] ax = new long[axes.length];
    for (int i = 0; i < axes.length; i++) {
      ax[i] = Shape.normalizeAxis(axes[i], x.rank());
      Dim d = x.shape().dim((int) ax[i]);
      if (d.isKnown() && d.value() != 1) {
        throw new IllegalArgumentException(
            "Cannot squeeze axis " + ax[i] + " of " + x + ": its size is " + d + ", not 1");
      }
    }
    Graph g = x.graph();
    return g.apply("Squeeze", List.of(x, g.int64s(ax)), Map.of(), x.dtype(),
        x.shape().without(axes));
  }

  /**
   * Elementwise comparison with broadcasting.
   *
   * @param op one of Greater, GreaterOrEqual, Less, LessOrEqual, Equal
   * @param a left
   * @param b right
   * @return a BOOL tensor
   */
  public static Tensor compare(String op, Tensor a, Tensor b) {
    List<String> allowed = List.of("Greater", "GreaterOrEqual", "Less", "LessOrEqual", "Equal");
    if (!allowed.contains(op)) {
      throw new IllegalArgumentException("Unknown comparison " + op + ", expected one of "
          + allowed);
    }
    MathOps.requireSameType(op, a, b);
    return a.graph().apply(op, List.of(a, b), Map.of(), DType.BOOL,
        Shape.broadcast(a.shape(), b.shape()));
  }

  /**
   * Elementwise selection {@code cond ? a : b} with broadcasting (ONNX Where).
   *
   * @param cond BOOL condition
   * @param a values where true
   * @param b values where false
   * @return the selection
   */
  public static Tensor where(Tensor cond, Tensor a, Tensor b) {
    if (cond.dtype() != DType.BOOL) {
      throw new IllegalArgumentException("Where condition must be BOOL, got " + cond);
    }
    cond.checkSameGraph(a);
    MathOps.requireSameType("Where", a, b);
    Shape out = Shape.broadcast(cond.shape(), Shape.broadcast(a.shape(), b.shape()));
    return a.graph().apply("Where", List.of(cond, a, b), Map.of(), a.dtype(), out);
  }

  static void registerVjps() {
    VjpRules.register("Identity", (n, g, need) -> Arrays.asList(g.get(0)));
    VjpRules.register("Reshape", (n, g, need) -> Arrays.asList(
        reshape(g.get(0), shapeOf(n.input(0)), n.input(0).shape()), null));
    VjpRules.register("Unsqueeze", (n, g, need) -> Arrays.asList(
        reshape(g.get(0), shapeOf(n.input(0)), n.input(0).shape()), null));
    VjpRules.register("Squeeze", (n, g, need) -> Arrays.asList(
        reshape(g.get(0), shapeOf(n.input(0)), n.input(0).shape()), null));
    VjpRules.register("Transpose", (n, g, need) -> {
      long[] p = n.attrLongs("perm");
      int[] inv = new int[p.length];
      for (int i = 0; i < p.length; i++) {
        inv[(int) p[i]] = i;
      }
      return Arrays.asList(transpose(g.get(0), inv));
    });
    VjpRules.register("Cast", (n, g, need) -> {
      Tensor x = n.input(0);
      return Arrays.asList(x.dtype().isFloatingPoint() ? cast(g.get(0), x.dtype()) : null);
    });
    VjpRules.register("Expand", (n, g, need) -> Arrays.asList(
        MathOps.sumToShape(g.get(0), n.input(0).shape()), null));
    VjpRules.register("Where", (n, g, need) -> {
      Tensor c = n.input(0);
      Tensor gy = g.get(0);
      Tensor zero = n.graph().scalarLike(0, gy);
      Tensor ga = need[1] ? MathOps.sumToShape(where(c, gy, zero), n.input(1).shape()) : null;
      Tensor gb = need[2] ? MathOps.sumToShape(where(c, zero, gy), n.input(2).shape()) : null;
      return Arrays.asList(null, ga, gb);
    });
  }
}
