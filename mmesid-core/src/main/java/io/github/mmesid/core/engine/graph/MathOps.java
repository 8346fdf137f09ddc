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

  static void requireNumeric(String op, Tensor t) {
    if (t.dtype() == DType.BOOL) {
      throw new IllegalArgumentException(
          op + " needs a numeric tensor, got " + t + " (allowed: floating-point and integer)");
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

  /**
   * The output gradient {@code g} to multiply (or divide) by {@code other} in a gradient rule: when
   * {@code g} was made by Expand (a reduction's gradient broadcast back, as in a normalisation's
   * mean) and its input broadcasts against {@code other} to the same shape as {@code g} does, that
   * input, so that the product broadcasts it instead of reading a materialised copy. Same values
   * (the expanded gradient is constant along the broadcast axes), same shapes downstream.
   */
  static Tensor broadcastable(Tensor g, Tensor other) {
    Tensor small = Autodiff.unexpanded(g, g.shape());
    if (small == g) {
      return g;
    }
    try {
      Shape full = Shape.broadcast(g.shape(), other.shape());
      return Shape.broadcast(small.shape(), other.shape()).equals(full) ? small : g;
    } catch (IllegalArgumentException e) {
      return g;
    }
  }

  /**
   * Re-inserts the reduced axes of a reduce node (as size 1) into a tensor of the node's output
   * shape, so that it broadcasts against the node's input.
   */
  static Tensor withKeptDims(Node n, Tensor t) {
    Tensor x = n.input(0);
    long[] axes = nodeReduceAxes(n);
    if (n.attrLong("keepdims", 1) == 0 && axes.length > 0) {
      Graph g = x.graph();
      return g.apply("Unsqueeze", List.of(t, g.int64s(axes)), Map.of(), t.dtype(),
          reducedShape(x.shape(), axes, true));
    }
    return t;
  }

  /** Broadcasts a reduction's output gradient back to the input's shape. */
  static Tensor unreduce(Node n, Tensor gy) {
    Tensor x = n.input(0);
    return ArrayOps.expand(withKeptDims(n, gy), ArrayOps.shapeOf(x), x.shape());
  }

  // ------------------------------------------------------------------ powers, abs, sign, erf

  /**
   * {@code x ^ p} with a constant exponent (ONNX Pow; float32 and float64 kernels).
   *
   * @param x floating-point base
   * @param p finite exponent
   * @return the power
   */
  public static Tensor pow(Tensor x, double p) {
    requireFloat("Pow", x);
    if (!Double.isFinite(p)) {
      throw new IllegalArgumentException(
          "Pow exponent must be a finite number, got " + p + " for base " + x);
    }
    return binary("Pow", x, x.graph().scalarLike(p, x));
  }

  /**
   * {@code x ^ p} elementwise with broadcasting (ONNX Pow). The gradient with respect to the base
   * is {@code p * x^(p-1)}; with respect to the exponent it is {@code x^p * log(x)} where {@code x
   * > 0} and 0 elsewhere (the exponent derivative is undefined for a negative base; 0 matches
   * PyTorch at {@code x == 0}).
   *
   * @param x floating-point base
   * @param p exponent of the same dtype
   * @return the power, of the broadcast shape
   */
  public static Tensor pow(Tensor x, Tensor p) {
    requireFloat("Pow", x);
    return binary("Pow", x, p);
  }

  /**
   * {@code x * x}, built from Mul (exact, float64-capable).
   *
   * @param x input
   * @return the square
   */
  public static Tensor square(Tensor x) {
    requireFloat("Square", x);
    return mul(x, x);
  }

  /**
   * {@code |x|} (ONNX Abs). Gradient {@code sign(x)}, i.e. 0 at {@code x == 0}.
   *
   * @param x input
   * @return the absolute value
   */
  public static Tensor abs(Tensor x) {
    requireNumeric("Abs", x);
    return unary("Abs", x);
  }

  /**
   * The sign, -1, 0 or 1 (ONNX Sign). Its gradient is zero almost everywhere, so no gradient
   * flows through it.
   *
   * @param x input
   * @return the sign, of x's dtype
   */
  public static Tensor sign(Tensor x) {
    requireNumeric("Sign", x);
    return unary("Sign", x);
  }

  /** Cut-over between the series and the continued fraction of the float64 erf. */
  private static final double ERF_SPLIT = 2.5;
  /** Terms of the series {@code sum_n (2 z)^n / (2n+1)!!} used below the cut-over. */
  private static final int ERF_SERIES_TERMS = 38;
  /** Depth of the erfc continued fraction used above the cut-over. */
  private static final int ERF_FRACTION_DEPTH = 26;
  private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

  /**
   * The error function {@code erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt}.
   *
   * <p>ONNX Runtime's CPU {@code Erf} kernel exists for float32 only (there is no float64
   * kernel: a float64 Erf node fails with ORT_NOT_IMPLEMENTED). So a FLOAT32 (or float16)
   * input becomes one native Erf node, while a FLOAT64 input is computed from float64-capable ops:
   * for {@code |x| < 2.5} the series {@code erf(x) = 2/sqrt(pi) x exp(-x^2) sum_n (2x^2)^n /
   * (2n+1)!!} (38 terms, all positive, Horner form), above it {@code 1 - erfc(|x|)} with the
   * classical continued fraction of erfc (depth 26), evaluated bottom-up; the absolute error is
   * below 1e-15 on the whole line. The float64 composite has the exact gradient rule {@code 2 /
   * sqrt(pi) * exp(-x^2)} attached to its final node, so autodiff never traverses the series.
   *
   * @param x floating-point input
   * @return {@code erf(x)}
   */
  public static Tensor erf(Tensor x) {
    requireFloat("Erf", x);
    if (x.dtype() != DType.FLOAT64) {
      return unary("Erf", x);
    }
    Graph g = x.graph();
    Tensor ax = abs(x);
    // Series branch on min(|x|, split): erf = 2/sqrt(pi) * x * exp(-z) * S(z), z = x^2.
    Tensor xs = minimum(ax, g.scalarLike(ERF_SPLIT, x));
    Tensor z = mul(xs, xs);
    double[] coef = new double[ERF_SERIES_TERMS + 1];
    coef[0] = 1;
    for (int k = 1; k <= ERF_SERIES_TERMS; k++) {
      coef[k] = coef[k - 1] * 2.0 / (2 * k + 1);
    }
    Tensor poly = add(mul(z, g.scalarLike(coef[ERF_SERIES_TERMS], x)),
        g.scalarLike(coef[ERF_SERIES_TERMS - 1], x));
    for (int k = ERF_SERIES_TERMS - 2; k >= 0; k--) {
      poly = add(mul(poly, z), g.scalarLike(coef[k], x));
    }
    Tensor series = mul(mul(xs, exp(neg(z))), mul(poly, g.scalarLike(TWO_OVER_SQRT_PI, x)));
    // Tail branch on max(|x|, split): erfc(x) = exp(-x^2) / (sqrt(pi) * F), F the continued
    // fraction x + (1/2)/(x + 1/(x + (3/2)/(x + ...))).
    Tensor xc = maximum(ax, g.scalarLike(ERF_SPLIT, x));
    Tensor frac = xc;
    for (int k = ERF_FRACTION_DEPTH; k >= 1; k--) {
      frac = add(xc, div(g.scalarLike(k / 2.0, x), frac));
    }
    Tensor erfc = div(exp(neg(mul(xc, xc))), mul(frac, g.scalarLike(Math.sqrt(Math.PI), x)));
    Tensor tail = sub(g.scalarLike(1, x), erfc);
    Tensor small = ArrayOps.compare("Less", ax, g.scalarLike(ERF_SPLIT, x));
    Tensor magnitude = ArrayOps.where(small, series, tail);
    Tensor value = mul(magnitude, sign(x));
    // Final node: selects the value, routes the exact derivative to x.
    Tensor always = g.scalar(1, DType.BOOL);
    return g.addNode("Where", List.of(always, value, x), Map.of(), new DType[] {x.dtype()},
        new Shape[] {x.shape()}, (n, gr, need) -> Arrays.asList(null, null,
            erfDerivativeTimes(n.input(2), gr.get(0)))).output(0);
  }

  private static Tensor erfDerivativeTimes(Tensor x, Tensor gy) {
    Graph g = x.graph();
    return mul(gy, mul(exp(neg(mul(x, x))), g.scalarLike(TWO_OVER_SQRT_PI, x)));
  }

  // ------------------------------------------------------------------ min, max, clip

  /**
   * Elementwise maximum with broadcasting (ONNX Max). Where {@code a == b} the gradient is split
   * evenly (half to each operand), like PyTorch's {@code torch.maximum}.
   *
   * @param a left
   * @param b right, same dtype
   * @return {@code max(a, b)}
   */
  public static Tensor maximum(Tensor a, Tensor b) {
    requireNumeric("Max", a);
    return binary("Max", a, b);
  }

  /**
   * Elementwise minimum with broadcasting (ONNX Min); ties split the gradient evenly.
   *
   * @param a left
   * @param b right, same dtype
   * @return {@code min(a, b)}
   */
  public static Tensor minimum(Tensor a, Tensor b) {
    requireNumeric("Min", a);
    return binary("Min", a, b);
  }

  /**
   * Clamps every element into {@code [lo, hi]} (ONNX Clip). An infinite bound means "no bound on
   * that side". The gradient passes where {@code lo <= x <= hi} (bounds included, as in PyTorch)
   * and is 0 where the value was clamped.
   *
   * @param x input (FLOAT32, FLOAT64, INT32 or INT64)
   * @param lo lower bound, or {@code Double.NEGATIVE_INFINITY}
   * @param hi upper bound, or {@code Double.POSITIVE_INFINITY}
   * @return the clamped tensor
   */
  public static Tensor clip(Tensor x, double lo, double hi) {
    DType t = x.dtype();
    if (t != DType.FLOAT32 && t != DType.FLOAT64 && t != DType.INT32 && t != DType.INT64) {
      throw new IllegalArgumentException(
          "Clip needs a FLOAT32, FLOAT64, INT32 or INT64 tensor, got " + x);
    }
    if (Double.isNaN(lo) || Double.isNaN(hi) || lo > hi || lo == Double.POSITIVE_INFINITY
        || hi == Double.NEGATIVE_INFINITY) {
      throw new IllegalArgumentException("Clip of " + x + ": bounds [" + lo + ", " + hi
          + "] are invalid (allowed: lo <= hi, not NaN; -inf/+inf mean no bound)");
    }
    Graph g = x.graph();
    Tensor min = lo == Double.NEGATIVE_INFINITY ? null : g.scalarLike(lo, x);
    Tensor max = hi == Double.POSITIVE_INFINITY ? null : g.scalarLike(hi, x);
    if (min == null && max == null) {
      return ArrayOps.identity(x);
    }
    return g.apply("Clip", Arrays.asList(x, min, max), Map.of(), x.dtype(), x.shape());
  }

  // ------------------------------------------------------------------ max/min reductions,
  // arg-extrema, top-k

  /**
   * Maximum over axes (ONNX ReduceMax). The gradient goes to the elements equal to the maximum;
   * when several elements tie, it is split evenly among them (so the gradient sums to the output
   * gradient, as in PyTorch's {@code amax}).
   *
   * @param x input
   * @param keepDims keep reduced axes as size 1
   * @param axes axes (none: all)
   * @return the maximum
   */
  public static Tensor reduceMax(Tensor x, boolean keepDims, int... axes) {
    requireNumeric("ReduceMax", x);
    return reduce("ReduceMax", x, keepDims, axes);
  }

  /**
   * Minimum over axes (ONNX ReduceMin); ties split the gradient evenly, as in {@link
   * #reduceMax}.
   *
   * @param x input
   * @param keepDims keep reduced axes as size 1
   * @param axes axes (none: all)
   * @return the minimum
   */
  public static Tensor reduceMin(Tensor x, boolean keepDims, int... axes) {
    requireNumeric("ReduceMin", x);
    return reduce("ReduceMin", x, keepDims, axes);
  }

  /**
   * Index of the largest element along an axis (ONNX ArgMax; the first index among ties). No
   * gradient.
   *
   * @param x input
   * @param axis the axis, in {@code [-rank, rank)}
   * @param keepDims keep the axis as size 1
   * @return INT64 indices
   */
  public static Tensor argMax(Tensor x, int axis, boolean keepDims) {
    return argExtremum("ArgMax", x, axis, keepDims);
  }

  /**
   * Index of the smallest element along an axis (ONNX ArgMin; the first index among ties). No
   * gradient.
   *
   * @param x input
   * @param axis the axis, in {@code [-rank, rank)}
   * @param keepDims keep the axis as size 1
   * @return INT64 indices
   */
  public static Tensor argMin(Tensor x, int axis, boolean keepDims) {
    return argExtremum("ArgMin", x, axis, keepDims);
  }

  private static Tensor argExtremum(String op, Tensor x, int axis, boolean keepDims) {
    requireNumeric(op, x);
    if (x.rank() == 0) {
      throw new IllegalArgumentException(op + " needs a tensor of rank >= 1, got " + x);
    }
    int a = Shape.normalizeAxis(axis, x.rank());
    Shape out = reducedShape(x.shape(), new long[] {a}, keepDims);
    Map<String, Object> attrs = Map.of("axis", (long) a, "keepdims", keepDims ? 1L : 0L,
        "select_last_index", 0L);
    return x.graph().addNode(op, List.of(x), attrs, new DType[] {DType.INT64},
        new Shape[] {out}, Vjp.NONE).output(0);
  }

  /**
   * The result of {@link #topK}.
   *
   * @param values the k selected values, sorted (largest first, or smallest first)
   * @param indices their INT64 positions along the axis
   */
  public record TopK(Tensor values, Tensor indices) {}

  /**
   * The k largest (or smallest) elements along an axis, sorted (ONNX TopK; among equal values
   * the lower index comes first). The values are differentiable: their gradient is scattered
   * back to the selected positions (ONNX ScatterElements), all other positions get 0.
   *
   * @param x floating-point or integer input of rank {@code >= 1}
   * @param k how many, {@code >= 1} and at most the axis size when known
   * @param axis the axis, in {@code [-rank, rank)}
   * @param largest true for the largest elements, false for the smallest
   * @return values and indices, each of x's shape with the axis replaced by {@code k}
   */
  public static TopK topK(Tensor x, long k, int axis, boolean largest) {
    requireNumeric("TopK", x);
    if (x.rank() == 0) {
      throw new IllegalArgumentException("TopK needs a tensor of rank >= 1, got " + x);
    }
    int a = Shape.normalizeAxis(axis, x.rank());
    Dim d = x.shape().dim(a);
    if (k < 1 || (d.isKnown() && k > d.value())) {
      throw new IllegalArgumentException("TopK of " + x + " along axis " + a + ": k = " + k
          + " is out of range (allowed: 1.." + (d.isKnown() ? Long.toString(d.value()) : d)
          + ")");
    }
    Graph g = x.graph();
    Shape out = x.shape().with(a, Dim.of(k));
    Map<String, Object> attrs = Map.of("axis", (long) a, "largest", largest ? 1L : 0L,
        "sorted", 1L);
    Node n = g.addNode("TopK", List.of(x, g.int64s(k)), attrs,
        new DType[] {x.dtype(), DType.INT64}, new Shape[] {out, out}, null);
    return new TopK(n.output(0), n.output(1));
  }

  // ------------------------------------------------------------------ linear, distances

  /**
   * A dense layer's affine map {@code x @ w^T + b} with the weight in PyTorch / Hugging Face
   * layout ({@code [out, in]}, as in {@code torch.nn.Linear}).
   *
   * @param x input {@code [..., in]} (rank {@code >= 1})
   * @param w weight {@code [out, in]}
   * @param b bias {@code [out]}, or null for none
   * @return {@code [..., out]}
   */
  public static Tensor linear(Tensor x, Tensor w, Tensor b) {
    requireFloat("Linear", x);
    requireSameType("Linear", x, w);
    if (w.rank() != 2) {
      throw new IllegalArgumentException(
          "Linear weight must have rank 2 [out, in], got " + w + " (input " + x + ")");
    }
    if (x.rank() < 1) {
      throw new IllegalArgumentException("Linear input must have rank >= 1 [..., in], got " + x);
    }
    Dim in = x.shape().dim(-1);
    Dim win = w.shape().dim(1);
    if (in.isKnown() && win.isKnown() && in.value() != win.value()) {
      throw new IllegalArgumentException("Linear input " + x + " has " + in
          + " features but weight " + w + " expects " + win + " (weight layout is [out, in])");
    }
    if (b != null) {
      requireSameType("Linear", x, b);
      Dim out = w.shape().dim(0);
      if (b.rank() != 1 || (b.shape().dim(0).isKnown() && out.isKnown()
          && b.shape().dim(0).value() != out.value())) {
        throw new IllegalArgumentException(
            "Linear bias must have shape [" + out + "] to match weight " + w + ", got " + b);
      }
    }
    Tensor wt = ArrayOps.transpose(w, 1, 0);
    Tensor y;
    if (x.rank() == 1) {
      y = ArrayOps.squeeze(matmul(ArrayOps.unsqueeze(x, 0), wt), 0);
    } else {
      y = matmul(x, wt);
    }
    return b == null ? y : add(y, b);
  }

  /**
   * Squared Euclidean distances between all row pairs, {@code |a_i|^2 + |b_j|^2 - 2 a_i . b_j},
   * clamped at 0 (rounding can make the expansion slightly negative; clamped entries get zero
   * gradient). Leading batch dimensions broadcast.
   *
   * @param a {@code [..., n, d]}
   * @param b {@code [..., m, d]}, same dtype
   * @return {@code [..., n, m]}
   */
  public static Tensor pairwiseSquaredDistances(Tensor a, Tensor b) {
    requireFloat("PairwiseSquaredDistances", a);
    requireSameType("PairwiseSquaredDistances", a, b);
    if (a.rank() < 2 || b.rank() < 2) {
      throw new IllegalArgumentException("PairwiseSquaredDistances needs a [..., n, d] and b "
          + "[..., m, d] of rank >= 2, got " + a + " and " + b);
    }
    Dim da = a.shape().dim(-1);
    Dim db = b.shape().dim(-1);
    if (da.isKnown() && db.isKnown() && da.value() != db.value()) {
      throw new IllegalArgumentException("PairwiseSquaredDistances: rows of " + a + " and " + b
          + " differ in length (" + da + " vs " + db + "); both must be [..., d]");
    }
    Tensor aa = reduceSum(square(a), true, -1);
    Tensor bb = transposeLast2(reduceSum(square(b), true, -1));
    Tensor ab = matmul(a, transposeLast2(b));
    return relu(sub(add(aa, bb), mul(ab, a.graph().scalarLike(2, a))));
  }

  // ------------------------------------------------------------------ gradient rules

  /**
   * Gradient of a reduce-max/min node: to the elements equal to the extremum, split evenly among
   * ties.
   */
  private static Tensor extremumVjp(Node n, Tensor gy) {
    Tensor x = n.input(0);
    Graph gr = n.graph();
    long[] axes = nodeReduceAxes(n);
    Tensor hit = ArrayOps.cast(
        ArrayOps.compare("Equal", x, withKeptDims(n, n.output(0))), x.dtype());
    Tensor count = gr.apply("ReduceSum", List.of(hit, gr.int64s(axes)), Map.of("keepdims", 1L),
        x.dtype(), reducedShape(x.shape(), axes, true));
    return mul(hit, div(withKeptDims(n, gy), count));
  }

  /**
   * Gradient of an elementwise Max/Min: to the operand that wins by {@code winOp}, half each
   * on ties.
   */
  private static List<Tensor> extremumPairVjp(Node n, Tensor gy, boolean[] need, String winOp) {
    Tensor a = n.input(0);
    Tensor b = n.input(1);
    Graph gr = n.graph();
    Tensor half = gr.scalarLike(0.5, a);
    Tensor shareA = add(ArrayOps.cast(ArrayOps.compare(winOp, a, b), a.dtype()),
        mul(ArrayOps.cast(ArrayOps.compare("Equal", a, b), a.dtype()), half));
    Tensor ga = need[0] ? sumToShape(mul(gy, shareA), a.shape()) : null;
    Tensor gb = need[1]
        ? sumToShape(mul(gy, sub(gr.scalarLike(1, a), shareA)), b.shape()) : null;
    return Arrays.asList(ga, gb);
  }


  static void registerVjps() {
    VjpRules.register("Add", (n, g, need) -> Arrays.asList(
        need[0] ? sumToShape(g.get(0), n.input(0).shape()) : null,
        need[1] ? sumToShape(g.get(0), n.input(1).shape()) : null));
    VjpRules.register("Sub", (n, g, need) -> Arrays.asList(
        need[0] ? sumToShape(g.get(0), n.input(0).shape()) : null,
        need[1] ? sumToShape(neg(g.get(0)), n.input(1).shape()) : null));
    VjpRules.register("Mul", (n, g, need) -> {
      Tensor a = n.input(0);
      Tensor b = n.input(1);
      Tensor gy = g.get(0);
      Tensor ga = need[0] ? sumToShape(mul(broadcastable(gy, b), b), a.shape()) : null;
      Tensor gb = need[1] ? sumToShape(mul(broadcastable(gy, a), a), b.shape()) : null;
      return Arrays.asList(ga, gb);
    });
    VjpRules.register("Div", (n, g, need) -> {
      Tensor a = n.input(0);
      Tensor b = n.input(1);
      Tensor gy = g.get(0);
      Tensor y = n.output(0);
      Tensor ga = need[0] ? sumToShape(div(broadcastable(gy, b), b), a.shape()) : null;
      Tensor gb = need[1]
          ? sumToShape(neg(div(mul(broadcastable(gy, y), y), b)), b.shape()) : null;
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
      List<Tensor> viaCrossEntropy = NnOps.crossEntropyMatMulVjp(n, gy, need);
      if (viaCrossEntropy != null) {
        return viaCrossEntropy;
      }
      Tensor ga = need[0] ? sumToShape(matmul(gy, transposeLast2(b)), a.shape()) : null;
      Tensor gb = null;
      if (need[1]) {
        Dim k = a.shape().dim(-1);
        Dim m = gy.shape().dim(-1);
        if (b.rank() == 2 && a.rank() > 2 && k.isKnown() && m.isKnown()) {
          // A shared 2-D weight: fold the batch into the rows instead of forming a batched
          // [..., k, m] product and summing it (which costs batch * k * m memory).
          Tensor a2 = ArrayOps.reshape(a, -1, k.value());
          Tensor g2 = ArrayOps.reshape(gy, -1, m.value());
          gb = matmul(transposeLast2(a2), g2);
        } else {
          gb = sumToShape(matmul(transposeLast2(a), gy), b.shape());
        }
      }
      return Arrays.asList(ga, gb);
    });
    VjpRules.register("Pow", (n, g, need) -> {
      Tensor a = n.input(0);
      Tensor p = n.input(1);
      Tensor gy = g.get(0);
      Graph gr = n.graph();
      Tensor ga = null;
      boolean constantP = p.kind() == Tensor.Kind.CONSTANT && p.shape().rank() == 0;
      if (need[0] && !(constantP && p.data().toDoubles()[0] == 0)) {
        Tensor pm1 = constantP
            ? gr.scalarLike(p.data().toDoubles()[0] - 1, p) : sub(p, gr.scalarLike(1, p));
        ga = sumToShape(mul(gy, mul(p, binary("Pow", a, pm1))), a.shape());
      }
      Tensor gp = null;
      if (need[1]) {
        Tensor zero = gr.scalarLike(0, a);
        Tensor positive = ArrayOps.compare("Greater", a, zero);
        Tensor safeLog = log(ArrayOps.where(positive, a, gr.scalarLike(1, a)));
        Tensor d = mul(gy, mul(n.output(0), safeLog));
        gp = sumToShape(ArrayOps.where(positive, d, zero), p.shape());
      }
      return Arrays.asList(ga, gp);
    });
    VjpRules.register("Abs", (n, g, need) -> Arrays.asList(mul(g.get(0), sign(n.input(0)))));
    VjpRules.register("Sign", Vjp.NONE);
    VjpRules.register("ArgMax", Vjp.NONE);
    VjpRules.register("ArgMin", Vjp.NONE);
    VjpRules.register("Erf", (n, g, need) -> Arrays.asList(
        erfDerivativeTimes(n.input(0), g.get(0))));
    VjpRules.register("Max", (n, g, need) -> extremumPairVjp(n, g.get(0), need, "Greater"));
    VjpRules.register("Min", (n, g, need) -> extremumPairVjp(n, g.get(0), need, "Less"));
    VjpRules.register("Clip", (n, g, need) -> {
      Tensor x = n.input(0);
      Tensor inside = ArrayOps.compare("Equal", x, n.output(0));
      return Arrays.asList(ArrayOps.where(inside, g.get(0), n.graph().scalarLike(0, x)), null,
          null);
    });
    VjpRules.register("ReduceMax", (n, g, need) -> Arrays.asList(extremumVjp(n, g.get(0)), null));
    VjpRules.register("ReduceMin", (n, g, need) -> Arrays.asList(extremumVjp(n, g.get(0)), null));
    VjpRules.register("TopK", (n, g, need) -> {
      Tensor gv = g.get(0);
      if (gv == null) {
        return null;
      }
      Tensor x = n.input(0);
      Tensor scattered = x.graph().apply("ScatterElements",
          List.of(Autodiff.zerosLike(x), n.output(1), gv),
          Map.of("axis", n.attrLong("axis", -1)), x.dtype(), x.shape());
      return Arrays.asList(scattered, null);
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
