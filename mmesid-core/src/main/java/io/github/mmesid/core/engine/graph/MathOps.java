package io.github.mmesid.core.engine.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Arithmetic, matrix, activation and reduction operations with their gradient rules. Every
 * binary elementwise op broadcasts NumPy-style; gradients are summed back to each input's shape.
 */
public final class MathOps {
  private MathOps() {}

  // ------------------------------------------------------------------ helpers

  static void requireFloat(String op, Tensor t) {
    if (!t.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(
          op + " needs a floating-point tensor, got " + t + " (allowed: FLOAT32, FLOAT64)");
    }
  }

  static void requireSameType(String op, Tensor a, Tensor b) {
    a.checkSameGraph(b);
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException(
          op + " needs operands of one dtype, got " + a + " and " + b);
    }
  }

  private static Tensor binary(String op, Tensor a, Tensor b) {
    requireSameType(op, a, b);
    Shape out;
    try {
      out = Shape.broadcast(a.shape(), b.shape());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
    }
    return a.graph().apply(op, List.of(a, b), Map.of(), a.dtype(), out);
  }

  private static Tensor unary(String op, Tensor x) {
    return x.graph().apply(op, List.of(x), Map.of(), x.dtype(), x.shape());
  }

  /**
   * Sums a broadcast gradient back to a target shape (the reverse of broadcasting): reduces the
   * leading extra axes and the axes where the target has size 1.
   *
   * @param g the gradient, of the broadcast shape
   * @param target the shape to reduce to
   * @return a tensor of shape {@code target}
   */
  public static Tensor sumToShape(Tensor g, Shape target) {
    int lead = g.rank() - target.rank();
    if (lead < 0) {
      throw new IllegalArgumentException(
          "Cannot reduce gradient of shape " + g.shape() + " to larger rank shape " + target);
    }
    List<Long> axes = new ArrayList<>();
    for (int i = 0; i < lead; i++) {
      axes.add((long) i);
    }
    for (int i = 0; i < target.rank(); i++) {
      if (target.dim(i).isOne() && !g.shape().dim(lead + i).isOne()) {
        axes.add((long) (lead + i));
      }
    }
    if (axes.isEmpty()) {
      return g;
    }
    long[] ax = axes.stream().mapToLong(Long::longValue).toArray();
    Graph gr = g.graph();
    List<Dim> keptDims = new ArrayList<>(g.shape().dims());
    for (long a : ax) {
      keptDims.set((int) a, Dim.of(1));
    }
    Tensor s = gr.apply("ReduceSum", List.of(g, gr.int64s(ax)), Map.of("keepdims", 1L),
        g.dtype(), Shape.of(keptDims));
    if (lead > 0) {
      long[] leadAxes = new long[lead];
      for (int i = 0; i < lead; i++) {
        leadAxes[i] = i;
      }
      s = gr.apply("Squeeze", List.of(s, gr.int64s(leadAxes)), Map.of(), g.dtype(), target);
    }
    return s;
  }

  // ------------------------------------------------------------------ elementwise

  /**
   * {@code a + b} with broadcasting.
   *
   * @param a left
   * @param b right
   * @return the sum
   */
  public static Tensor add(Tensor a, Tensor b) {
    return binary("Add", a, b);
  }

  /**
   * {@code a - b} with broadcasting.
   *
   * @param a left
   * @param b right
   * @return the difference
   */
  public static Tensor sub(Tensor a, Tensor b) {
    return binary("Sub", a, b);
  }

  /**
   * {@code a * b} with broadcasting.
   *
   * @param a left
   * @param b right
   * @return the product
   */
  public static Tensor mul(Tensor a, Tensor b) {
    return binary("Mul", a, b);
  }

  /**
   * {@code a / b} with broadcasting.
   *
   * @param a left
   * @param b right
   * @return the quotient
   */
  public static Tensor div(Tensor a, Tensor b) {
    return binary("Div", a, b);
  }

  /**
   * {@code -x}.
   *
   * @param x input
   * @return the negation
   */
  public static Tensor neg(Tensor x) {
    return unary("Neg", x);
  }

  /**
   * {@code exp(x)}.
   *
   * @param x input
   * @return the exponential
   */
  public static Tensor exp(Tensor x) {
    requireFloat("Exp", x);
    return unary("Exp", x);
  }

  /**
   * {@code log(x)}.
   *
   * @param x input
   * @return the natural logarithm
   */
  public static Tensor log(Tensor x) {
    requireFloat("Log", x);
    return unary("Log", x);
  }

  /**
   * {@code sqrt(x)}.
   *
   * @param x input
   * @return the square root
   */
  public static Tensor sqrt(Tensor x) {
    requireFloat("Sqrt", x);
    return unary("Sqrt", x);
  }

  /**
   * {@code max(x, 0)}.
   *
   * @param x input
   * @return the rectified input
   */
  public static Tensor relu(Tensor x) {
    requireFloat("Relu", x);
    return unary("Relu", x);
  }

  // ------------------------------------------------------------------ matmul

  /**
   * Batched matrix product {@code a @ b} (ONNX MatMul): both operands of rank {@code >= 2}, the
   * leading (batch) dimensions broadcast.
   *
   * @param a {@code [..., m, k]}
   * @param b {@code [..., k, n]}
   * @return {@code [..., m, n]}
   */
  public static Tensor matmul(Tensor a, Tensor b) {
    requireSameType("MatMul", a, b);
    requireFloat("MatMul", a);
    if (a.rank() < 2 || b.rank() < 2) {
      throw new IllegalArgumentException("MatMul needs operands of rank >= 2, got " + a + " and "
          + b + " (unsqueeze a vector to a matrix first)");
    }
    Dim ka = a.shape().dim(-1);
    Dim kb = b.shape().dim(-2);
    if (ka.isKnown() && kb.isKnown() && ka.value() != kb.value()) {
      throw new IllegalArgumentException(
          "MatMul inner dimensions differ: " + a + " @ " + b + " (" + ka + " vs " + kb + ")");
    }
    Shape batch;
    try {
      batch = Shape.broadcast(a.shape().sub(0, a.rank() - 2), b.shape().sub(0, b.rank() - 2));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("MatMul batch dimensions: " + e.getMessage(), e);
    }
    Shape out = batch.concat(Shape.of(List.of(a.shape().dim(-2), b.shape().dim(-1))));
    return a.graph().apply("MatMul", List.of(a, b), Map.of(), a.dtype(), out);
  }

  /**
   * Swaps the last two axes.
   *
   * @param x input of rank {@code >= 2}
   * @return the transposed tensor
   */
  public static Tensor transposeLast2(Tensor x) {
    int r = x.rank();
    int[] perm = new int[r];
    for (int i = 0; i < r; i++) {
      perm[i] = i;
    }
    perm[r - 2] = r - 1;
    perm[r - 1] = r - 2;
    return ArrayOps.transpose(x, perm);
  }

  // ------------------------------------------------------------------ reductions

  private static long[] reduceAxes(Tensor x, int... axes) {
    if (axes.length == 0) {
      long[] all = new long[x.rank()];
      for (int i = 0; i < all.length; i++) {
        all[i] = i;
      }
      return all;
    }
    long[] out = new long[axes.length];
    for (int i = 0; i < axes.length; i++) {
      out[i] = Shape.normalizeAxis(axes[i], x.rank());
    }
    Arrays.sort(out);
    for (int i = 1; i < out.length; i++) {
      if (out[i] == out[i - 1]) {
        throw new IllegalArgumentException("Duplicate reduction axis " + out[i] + " for " + x);
      }
    }
    return out;
  }

  static Shape reducedShape(Shape s, long[] axes, boolean keepDims) {
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < s.rank(); i++) {
      boolean reduced = false;
      for (long a : axes) {
        reduced |= a == i;
      }
      if (!reduced) {
        out.add(s.dim(i));
      } else if (keepDims) {
        out.add(Dim.of(1));
      }
    }
    return Shape.of(out);
  }

  private static Tensor reduce(String op, Tensor x, boolean keepDims, int... axes) {
    long[] ax = reduceAxes(x, axes);
    Graph g = x.graph();
    Shape out = reducedShape(x.shape(), ax, keepDims);
    if (ax.length == 0) { // rank-0 input: nothing to reduce
      return ArrayOps.identity(x);
    }
    return g.apply(op, List.of(x, g.int64s(ax)), Map.of("keepdims", keepDims ? 1L : 0L),
        x.dtype(), out);
  }

  /**
   * Sum over axes (ONNX ReduceSum).
   *
   * @param x input
   * @param keepDims keep reduced axes as size 1
   * @param axes axes (none: all)
   * @return the sum
   */
  public static Tensor reduceSum(Tensor x, boolean keepDims, int... axes) {
    return reduce("ReduceSum", x, keepDims, axes);
  }

  /**
   * Mean over axes (ONNX ReduceMean).
   *
   * @param x input
   * @param keepDims keep reduced axes as size 1
   * @param axes axes (none: all)
   * @return the mean
   */
  public static Tensor reduceMean(Tensor x, boolean keepDims, int... axes) {
    requireFloat("ReduceMean", x);
    return reduce("ReduceMean", x, keepDims, axes);
  }

  /** Axes of a reduce node (its second input, a constant), or all axes when absent. */
  static long[] nodeReduceAxes(Node n) {
    Tensor x = n.input(0);
    if (n.inputs().size() < 2 || n.input(1) == null) {
      long[] all = new long[x.rank()];
      for (int i = 0; i < all.length; i++) {
        all[i] = i;
      }
      return all;
    }
    TensorData d = n.input(1).data();
    if (d == null) {
      throw new IllegalArgumentException("Gradient of " + n.opType() + " needs constant axes");
    }
    double[] v = d.toDoubles();
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Shape.normalizeAxis((int) v[i], x.rank());
    }
    return out;
  }

  /** Broadcasts a reduction's output gradient back to the input's shape. */
  static Tensor unreduce(Node n, Tensor gy) {
    Tensor x = n.input(0);
    long[] axes = nodeReduceAxes(n);
    Graph g = x.graph();
    Tensor gk = gy;
    if (n.attrLong("keepdims", 1) == 0 && axes.length > 0) {
      gk = g.apply("Unsqueeze", List.of(gy, g.int64s(axes)), Map.of(), gy.dtype(),
          reducedShape(x.shape(), axes, true));
    }
    return ArrayOps.expand(gk, ArrayOps.shapeOf(x), x.shape());
  }

  // ------------------------------------------------------------------ gradient rules

  static void registerVjps() {
    VjpRules.register("Add", (n, g, need) -> Arrays.asList(
        need[0] ? sumToShape(g.get(0), n.input(0).shape()) : null,
        need[1] ? sumToShape(g.get(0), n.input(1).shape()) : null));
    VjpRules.register("Sub", (n, g, need) -> Arrays.asList(
        need[0] ? sumToShape(g.get(0), n.input(0).shape()) : null,
        need[1] ? sumToShape(neg(g.get(0)), n.input(1).shape()) : null));
    VjpRules.register("Mul", (n, g, need) -> Arrays.asList(
        need[0] ? sumToShape(mul(g.get(0), n.input(1)), n.input(0).shape()) : null,
        need[1] ? sumToShape(mul(g.get(0), n.input(0)), n.input(1).shape()) : null));
    VjpRules.register("Div", (n, g, need) -> {
      Tensor a = n.input(0);
      Tensor b = n.input(1);
      Tensor gy = g.get(0);
      Tensor ga = need[0] ? sumToShape(div(gy, b), a.shape()) : null;
      Tensor gb = need[1] ? sumToShape(neg(div(mul(gy, n.output(0)), b)), b.shape()) : null;
      return Arrays.asList(ga, gb);
    });
    VjpRules.register("Neg", (n, g, need) -> Arrays.asList(neg(g.get(0))));
    VjpRules.register("Exp", (n, g, need) -> Arrays.asList(mul(g.get(0), n.output(0))));
    VjpRules.register("Log", (n, g, need) -> Arrays.asList(div(g.get(0), n.input(0))));
    VjpRules.register("Sqrt", (n, g, need) -> Arrays.asList(
        div(mul(g.get(0), n.graph().scalarLike(0.5, n.output(0))), n.output(0))));
    VjpRules.register("Relu", (n, g, need) -> {
      Tensor y = n.output(0);
      Graph gr = n.graph();
      Tensor pos = ArrayOps.compare("Greater", y, gr.scalarLike(0, y));
      return Arrays.asList(ArrayOps.where(pos, g.get(0), gr.scalarLike(0, y)));
    });
    VjpRules.register("MatMul", (n, g, need) -> {
      Tensor a = n.input(0);
      Tensor b = n.input(1);
      Tensor gy = g.get(0);
      Tensor ga = need[0] ? sumToShape(matmul(gy, transposeLast2(b)), a.shape()) : null;
      Tensor gb = need[1] ? sumToShape(matmul(transposeLast2(a), gy), b.shape()) : null;
      return Arrays.asList(ga, gb);
    });
    VjpRules.register("ReduceSum", (n, g, need) -> Arrays.asList(unreduce(n, g.get(0)), null));
    VjpRules.register("ReduceMean", (n, g, need) -> {
      Tensor x = n.input(0);
      Graph gr = n.graph();
      Tensor count;
      if (x.shape().isStatic() && n.output(0).shape().isStatic()) {
        count = gr.scalarLike((double) x.shape().numel() / n.output(0).shape().numel(), x);
      } else {
        Tensor sx = gr.apply("Size", List.of(x), Map.of(), DType.INT64, Shape.SCALAR);
        Tensor sy = gr.apply("Size", List.of(n.output(0)), Map.of(), DType.INT64, Shape.SCALAR);
        count = ArrayOps.cast(div(sx, sy), x.dtype());
      }
      return Arrays.asList(unreduce(n, div(g.get(0), count)), null);
    });
  }
}
