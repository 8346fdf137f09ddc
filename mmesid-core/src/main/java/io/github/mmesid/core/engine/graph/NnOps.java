package io.github.mmesid.core.engine.graph;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Neural-network operations and composites (activations, softmax, losses, dropout) with their
 * gradient rules.
 */
public final class NnOps {
  private NnOps() {}

  /** How a per-element loss is reduced. */
  public enum Reduction {
    /** Mean over the contributing elements. */
    MEAN,
    /** Sum over the elements. */
    SUM,
    /** No reduction: one loss value per element. */
    NONE
  }

  /** The default {@code ignoreIndex} of {@link #crossEntropy(Tensor, Tensor)}, as in PyTorch. */
  public static final long DEFAULT_IGNORE_INDEX = -100;

  // ------------------------------------------------------------------ activations

  /**
   * The logistic function {@code 1 / (1 + exp(-x))} (ONNX Sigmoid; float32 and float64
   * kernels). Gradient {@code y (1 - y)}.
   *
   * @param x input
   * @return {@code sigmoid(x)}
   */
  public static Tensor sigmoid(Tensor x) {
    MathOps.requireFloat("Sigmoid", x);
    return x.graph().apply("Sigmoid", List.of(x), Map.of(), x.dtype(), x.shape());
  }

  /**
   * Hyperbolic tangent (ONNX Tanh; float32 and float64 kernels). Gradient {@code 1 - y^2}.
   *
   * @param x input
   * @return {@code tanh(x)}
   */
  public static Tensor tanh(Tensor x) {
    MathOps.requireFloat("Tanh", x);
    return x.graph().apply("Tanh", List.of(x), Map.of(), x.dtype(), x.shape());
  }

  /**
   * SiLU (swish), {@code x * sigmoid(x)}, as a composite.
   *
   * <p>In FLOAT64 graphs it is built as {@code x / (1 + exp(min(-x, 700)))} instead: ONNX
   * Runtime's graph optimizer rewrites the pattern {@code x * Sigmoid(x)} into its float32-only
   * {@code com.microsoft.QuickGelu} kernel whatever the dtype, so a float64 {@code x *
   * sigmoid(x)} whose sigmoid has no other consumer fails to load (ORT_NOT_IMPLEMENTED). Write
   * SiLU-gated layers with this method rather than by hand for that reason. The clamp keeps
   * {@code exp} finite (and the gradient free of {@code 0 * inf}) where {@code silu(x)} has
   * underflowed anyway.
   *
   * @param x input
   * @return {@code silu(x)}
   */
  public static Tensor silu(Tensor x) {
    MathOps.requireFloat("Silu", x);
    if (x.dtype() == DType.FLOAT64) {
      Graph g = x.graph();
      Tensor e = MathOps.exp(MathOps.minimum(MathOps.neg(x), g.scalarLike(700, x)));
      return MathOps.div(x, MathOps.add(e, g.scalarLike(1, x)));
    }
    return MathOps.mul(x, sigmoid(x));
  }

  /**
   * Exact GELU, {@code x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))}, as {@code
   * torch.nn.functional.gelu(x)}.
   *
   * @param x input
   * @return {@code gelu(x)}
   */
  public static Tensor gelu(Tensor x) {
    return gelu(x, "none");
  }

  /**
   * GELU matching {@code torch.nn.functional.gelu(x, approximate=...)}: {@code "none"} is the
   * exact form {@code 0.5 x (1 + erf(x / sqrt 2))} (see {@link MathOps#erf} for how erf runs in
   * float64, where ONNX Runtime has no Erf kernel), {@code "tanh"} is {@code 0.5 x (1 + tanh(
   * sqrt(2 / pi) (x + 0.044715 x^3)))}. Both are composites of float64-capable ops (besides the
   * native float32 Erf).
   *
   * @param x floating-point input
   * @param approximate {@code "none"} or {@code "tanh"}
   * @return {@code gelu(x)}
   */
  public static Tensor gelu(Tensor x, String approximate) {
    MathOps.requireFloat("Gelu", x);
    Graph g = x.graph();
    Tensor inner;
    if ("none".equals(approximate)) {
      inner = MathOps.erf(x.mul(Math.sqrt(0.5)));
    } else if ("tanh".equals(approximate)) {
      Tensor cube = MathOps.mul(x, MathOps.square(x));
      inner = tanh(MathOps.add(x, cube.mul(0.044715)).mul(Math.sqrt(2 / Math.PI)));
    } else {
      throw new IllegalArgumentException(
          "Gelu approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
    }
    return MathOps.mul(x.mul(0.5), MathOps.add(inner, g.scalarLike(1, x)));
  }

  // ------------------------------------------------------------------ softmax

  /**
   * Softmax along one axis (ONNX Softmax-13, numerically stable; float32 and float64 kernels).
   * Fused gradient {@code y * (g - sum(g * y, axis))}.
   *
   * @param x floating-point input of rank {@code >= 1}
   * @param axis the axis, in {@code [-rank, rank)}
   * @return the probabilities, of x's shape
   */
  public static Tensor softmax(Tensor x, int axis) {
    return softmaxLike("Softmax", x, axis);
  }

  /**
   * Log-softmax along one axis (ONNX LogSoftmax-13, numerically stable; float32 and float64
   * kernels). Fused gradient {@code g - softmax * sum(g, axis)}.
   *
   * @param x floating-point input of rank {@code >= 1}
   * @param axis the axis, in {@code [-rank, rank)}
   * @return the log-probabilities, of x's shape
   */
  public static Tensor logSoftmax(Tensor x, int axis) {
    return softmaxLike("LogSoftmax", x, axis);
  }

  private static Tensor softmaxLike(String op, Tensor x, int axis) {
    MathOps.requireFloat(op, x);
    if (x.rank() == 0) {
      throw new IllegalArgumentException(op + " needs a tensor of rank >= 1, got " + x);
    }
    int a = Shape.normalizeAxis(axis, x.rank());
    return x.graph().apply(op, List.of(x), Map.of("axis", (long) a), x.dtype(), x.shape());
  }

  // ------------------------------------------------------------------ losses

  /**
   * Cross-entropy with mean reduction and ignore index -100, as {@code
   * torch.nn.functional.cross_entropy(logits, targets)}.
   *
   * @param logits {@code [..., C]}
   * @param targets INT64 class indices of logits' shape without the last axis
   * @return the scalar loss
   */
  public static Tensor crossEntropy(Tensor logits, Tensor targets) {
    return crossEntropy(logits, targets, DEFAULT_IGNORE_INDEX, Reduction.MEAN);
  }

  /**
   * Cross-entropy of class logits against integer targets, {@code -log_softmax(logits)[target]}
   * per row. Rows whose target equals {@code ignoreIndex} contribute 0; {@link Reduction#MEAN}
   * divides by the number of non-ignored rows, and a batch where every row is ignored gives 0
   * (not NaN). Built from LogSoftmax and GatherElements (no one-hot tensor); the gradient with
   * respect to the logits is {@code (softmax - onehot) * g} per non-ignored row, formed in the
   * graph by scattering into zeros. Targets must lie in {@code [0, C)} or equal {@code
   * ignoreIndex}; others are not checked at build time (ONNX Runtime rejects indices outside
   * {@code [-C, C)}, and negative ones count from the end, so keep them out of the data).
   *
   * @param logits {@code [..., C]} floating-point, rank {@code >= 1}
   * @param targets INT64 (or INT32) class indices, of logits' shape without the last axis
   * @param ignoreIndex the target value that marks rows to skip
   * @param reduction MEAN (over non-ignored rows), SUM, or NONE (per-row losses, 0 for ignored)
   * @return a scalar, or a tensor of targets' shape for NONE
   */
  public static Tensor crossEntropy(Tensor logits, Tensor targets, long ignoreIndex,
      Reduction reduction) {
    MathOps.requireFloat("CrossEntropy", logits);
    logits.checkSameGraph(targets);
    if (reduction == null) {
      throw new IllegalArgumentException(
          "CrossEntropy reduction must be one of " + Arrays.toString(Reduction.values()));
    }
    if (targets.dtype() != DType.INT64 && targets.dtype() != DType.INT32) {
      throw new IllegalArgumentException(
          "CrossEntropy targets must be INT64 (or INT32) class indices, got " + targets);
    }
    if (logits.rank() < 1 || targets.rank() != logits.rank() - 1) {
      throw new IllegalArgumentException("CrossEntropy needs logits [..., C] and targets [...] "
          + "of one rank less, got logits " + logits + " and targets " + targets);
    }
    for (int i = 0; i < targets.rank(); i++) {
      Dim dl = logits.shape().dim(i);
      Dim dt = targets.shape().dim(i);
      if (dl.isKnown() && dt.isKnown() && dl.value() != dt.value()) {
        throw new IllegalArgumentException("CrossEntropy: logits " + logits + " and targets "
            + targets + " differ in dimension " + i + " (" + dl + " vs " + dt
            + "); targets must have logits' shape without the class axis");
      }
    }
    Graph g = logits.graph();
    Tensor t = ArrayOps.cast(targets, DType.INT64);
    int axis = logits.rank() - 1;
    Tensor lsm = g.addNode("LogSoftmax", List.of(logits), Map.of("axis", (long) axis),
        new DType[] {logits.dtype()}, new Shape[] {logits.shape()},
        NnOps::crossEntropyLogSoftmaxVjp).output(0);
    Tensor ignored = ArrayOps.compare("Equal", t, g.scalar(ignoreIndex, DType.INT64));
    Tensor safe = ArrayOps.where(ignored, g.scalar(0, DType.INT64), t);
    Tensor picked = ArrayOps.squeeze(pickAlongLastAxis(lsm, ArrayOps.unsqueeze(safe, -1)), -1);
    Tensor valid = ArrayOps.where(ignored, g.scalarLike(0, logits), g.scalarLike(1, logits));
    Tensor nll = MathOps.neg(MathOps.mul(picked, valid));
    switch (reduction) {
      case NONE:
        return nll;
      case SUM:
        return MathOps.reduceSum(nll, false);
      default:
        Tensor count = MathOps.maximum(MathOps.reduceSum(valid, false), g.scalarLike(1, logits));
        return MathOps.div(MathOps.reduceSum(nll, false), count);
    }
  }

  /**
   * The gradient of the log-softmax inside {@link #crossEntropy}: its output feeds only the
   * pick of one log-probability per row, whose gradient {@code g} is the scatter of the picked
   * gradients {@code gp} into zeros ({@link #pickAlongLastAxis}). Then {@code rowsum(g) = gp} and
   * {@code d logits = g - softmax * rowsum(g)} is {@code -softmax * gp} with {@code gp} added at
   * the picked positions: three passes over {@code [..., C]} (Exp, Mul, ScatterElements) instead
   * of six (zeros, scatter, ReduceSum, Exp, Mul, Sub) with the generic rules. Any other incoming
   * gradient gets the generic LogSoftmax rule.
   */
  private static List<Tensor> crossEntropyLogSoftmaxVjp(Node n, List<Tensor> gr, boolean[] need) {
    Tensor g = gr.get(0);
    Node scatter = g == null ? null : g.producer();
    if (scatter == null || scatter.vjp() != PICK_SCATTER_VJP) {
      return VjpRules.registered(n).apply(n, gr, need);
    }
    Tensor y = n.output(0);
    Tensor index = scatter.input(1);
    Tensor gp = scatter.input(2);
    Tensor softmax = MathOps.exp(y);
    Tensor scale = MathOps.neg(gp);
    Tensor minusP = MathOps.mul(softmax, scale); // -softmax * gp
    Tensor updates = MathOps.add(pickAlongLastAxis(minusP, index), gp);
    long axis = y.rank() - 1;
    Tensor dx = n.graph().addNode("ScatterElements", List.of(minusP, index, updates),
        Map.of("axis", axis), new DType[] {y.dtype()}, new Shape[] {y.shape()},
        new CrossEntropyGradient(softmax, scale, index)).output(0);
    return Arrays.asList(dx);
  }

  /**
   * Marks the logits gradient of {@link #crossEntropy}, {@code scale * (softmax - onehot(index))}
   * per row ({@code scale = -gp}, {@code [..., 1]}), so that the gradient rule of a MatMul that
   * made the logits can use the parts ({@link #crossEntropyMatMulVjp}); as a rule it is the
   * registered ScatterElements rule.
   */
  record CrossEntropyGradient(Tensor softmax, Tensor scale, Tensor index) implements Vjp {
    @Override
    public List<Tensor> apply(Node n, List<Tensor> g, boolean[] need) {
      return VjpRules.registered(n).apply(n, g, need);
    }
  }

  /**
   * The gradients of {@code logits = a @ b} ({@code a [R, K]}, {@code b [K, C]}) when the logits
   * feed only {@link #crossEntropy}, without forming the logits gradient {@code D = s * (P -
   * onehot)} ({@code P} the softmax, {@code s} the per-row scale): {@code da = s * (P b^T -
   * b^T[target])} and {@code db = (s * a)^T P - scatter_add(targets, (s * a)^T)}. The row scale
   * and the one-hot part move to the {@code [R, K]} side, so the only pass over {@code [R, C]}
   * besides the two products is the softmax itself (before: softmax, a scaled copy and a scatter
   * that copies it again). Returns null (the generic rule applies) for any other gradient or rank.
   */
  static List<Tensor> crossEntropyMatMulVjp(Node n, Tensor gy, boolean[] need) {
    Node producer = gy == null ? null : gy.producer();
    if (producer == null || !(producer.vjp() instanceof CrossEntropyGradient ce)) {
      return null;
    }
    Tensor a = n.input(0);
    Tensor b = n.input(1);
    if (a.rank() != 2 || b.rank() != 2 || gy.rank() != 2) {
      return null;
    }
    Graph g = a.graph();
    Tensor p = ce.softmax(); // [R, C]
    Tensor s = ce.scale(); // [R, 1]
    Tensor index = ce.index(); // [R, 1]
    Tensor ga = null;
    Tensor gb = null;
    if (need[0]) {
      Tensor bt = MathOps.transposeLast2(b); // [C, K]
      Tensor picked = ArrayOps.gather(bt, ArrayOps.reshape(index, -1)); // [R, K]
      ga = MathOps.mul(MathOps.sub(MathOps.matmul(p, bt), picked), s);
    }
    if (need[1]) {
      Tensor sat = MathOps.transposeLast2(MathOps.mul(a, s)); // [K, R]
      Tensor dense = MathOps.matmul(sat, p); // [K, C]
      Tensor idx = ArrayOps.expand(MathOps.transposeLast2(index), ArrayOps.shapeOf(sat),
          sat.shape()); // [K, R]
      gb = g.apply("ScatterElements", List.of(dense, idx, MathOps.neg(sat)),
          Map.of("axis", 1L, "reduction", "add"), b.dtype(), b.shape());
    }
    return Arrays.asList(ga, gb);
  }

  /**
   * The rule of the scatter that the gradient of {@link #pickAlongLastAxis} makes (the registered
   * ScatterElements rule); its identity marks that scatter for {@link
   * #crossEntropyLogSoftmaxVjp}.
   */
  private static final Vjp PICK_SCATTER_VJP =
      (n, g, need) -> VjpRules.registered(n).apply(n, g, need);

  /**
   * {@code data[..., index[..., j]]} along the last axis (ONNX GatherElements) with a gradient
   * that scatters into zeros; the indices must be distinct within each row (true for one index
   * per row).
   */
  private static Tensor pickAlongLastAxis(Tensor data, Tensor index) {
    Graph g = data.graph();
    long axis = data.rank() - 1;
    Shape out = index.shape();
    return g.addNode("GatherElements", List.of(data, index), Map.of("axis", axis),
        new DType[] {data.dtype()}, new Shape[] {out}, (n, gr, need) -> {
          Tensor x = n.input(0);
          Tensor gx = n.graph().addNode("ScatterElements",
              List.of(Autodiff.zerosLike(x), n.input(1), gr.get(0)), Map.of("axis", axis),
              new DType[] {x.dtype()}, new Shape[] {x.shape()}, PICK_SCATTER_VJP).output(0);
          return Arrays.asList(gx, null);
        }).output(0);
  }

  /**
   * Mean squared error {@code mean((a - b)^2)} over all elements.
   *
   * @param a prediction
   * @param b target of the same shape and dtype
   * @return the scalar loss
   */
  public static Tensor mse(Tensor a, Tensor b) {
    MathOps.requireFloat("Mse", a);
    MathOps.requireSameType("Mse", a, b);
    boolean same = a.rank() == b.rank();
    for (int i = 0; same && i < a.rank(); i++) {
      Dim da = a.shape().dim(i);
      Dim db = b.shape().dim(i);
      same = !(da.isKnown() && db.isKnown() && da.value() != db.value());
    }
    if (!same) {
      throw new IllegalArgumentException(
          "Mse needs prediction and target of the same shape, got " + a + " and " + b);
    }
    Tensor d = MathOps.sub(a, b);
    return MathOps.reduceMean(MathOps.mul(d, d), false);
  }

  // ------------------------------------------------------------------ dropout

  /**
   * Inverted dropout with caller-supplied noise: keeps an element where {@code random >= ratio}
   * and scales the kept ones by {@code 1 / (1 - ratio)}; the gradient is masked and scaled the
   * same way. {@code ratio == 0} returns {@code x} itself (no nodes). Models use {@link
   * #dropout(Tensor, double, String)}, which makes its noise in the graph; this form is for noise
   * the caller controls (tests, references).
   *
   * @param x floating-point input
   * @param ratio drop probability in {@code [0, 1)}
   * @param random uniform {@code [0, 1)} noise of x's dtype whose shape broadcasts to x's shape
   * @return the dropped-out tensor, of x's shape
   */
  public static Tensor dropout(Tensor x, double ratio, Tensor random) {
    MathOps.requireFloat("Dropout", x);
    checkRatio(x, ratio);
    x.checkSameGraph(random);
    if (random.dtype() != x.dtype()) {
      throw new IllegalArgumentException("Dropout noise " + random + " must have the dtype of "
          + x + " (" + x.dtype() + ")");
    }
    Shape b;
    try {
      b = Shape.broadcast(x.shape(), random.shape());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Dropout noise " + random + " does not broadcast to " + x + ": " + e.getMessage(), e);
    }
    if (!b.equals(x.shape())) {
      throw new IllegalArgumentException("Dropout noise " + random + " must have " + x
          + "'s shape or one that broadcasts to it (it would broadcast to " + b + ")");
    }
    if (ratio == 0) {
      return x;
    }
    Graph g = x.graph();
    Tensor keep = ArrayOps.compare("GreaterOrEqual", random, g.scalarLike(ratio, random));
    return applyKeepMask(x, keep, ratio);
  }

  /**
   * Inverted dropout with its mask made in the graph ({@link RandomOps#keepMask}, stream {@code
   * name}, a function of the graph's {@linkplain Graph#noiseKey() noise key}): drops each element
   * with probability {@code p = }{@link RandomOps#maskRatio}{@code (ratio)} (ratio rounded to a
   * multiple of {@code 2^-16}) and scales the kept ones by {@code 1 / (1 - p)}, so the
   * expectation is exactly {@code x}; the gradient is masked and scaled the same way. {@code
   * ratio == 0} (or a ratio that rounds to 0) returns {@code x} and declares nothing, which is
   * how inference graphs are built.
   *
   * @param x floating-point input (any shape, symbolic dimensions allowed)
   * @param ratio drop probability in {@code [0, 1)}
   * @param name the random stream's name, unique within the graph
   * @return the dropped-out tensor
   */
  public static Tensor dropout(Tensor x, double ratio, String name) {
    MathOps.requireFloat("Dropout", x);
    checkRatio(x, ratio);
    double p = RandomOps.maskRatio(ratio);
    if (p == 0) {
      return x;
    }
    return applyKeepMask(x, RandomOps.keepMask(x, ratio, name), p);
  }

  /**
   * {@code x * s} with {@code s = 1 / (1 - p)} where kept and 0 where dropped: the scale tensor is
   * made once (one pass over the BOOL mask) and serves the forward product and, through the Mul
   * gradient, the backward one, instead of a Mul and a Where in each direction.
   */
  private static Tensor applyKeepMask(Tensor x, Tensor keep, double p) {
    Graph g = x.graph();
    Tensor scale = ArrayOps.where(keep, g.scalarLike(1 / (1 - p), x), g.scalarLike(0, x));
    return x.mul(scale);
  }

  private static void checkRatio(Tensor x, double ratio) {
    if (!(ratio >= 0 && ratio < 1)) {
      throw new IllegalArgumentException(
          "Dropout ratio for " + x + " must be in [0, 1), got " + ratio);
    }
  }

  // ------------------------------------------------------------------ gradient rules

  static void registerVjps() {
    VjpRules.register("Sigmoid", (n, g, need) -> {
      Tensor y = n.output(0);
      return Arrays.asList(MathOps.mul(g.get(0),
          MathOps.mul(y, MathOps.sub(n.graph().scalarLike(1, y), y))));
    });
    VjpRules.register("Tanh", (n, g, need) -> {
      Tensor y = n.output(0);
      return Arrays.asList(MathOps.mul(g.get(0),
          MathOps.sub(n.graph().scalarLike(1, y), MathOps.mul(y, y))));
    });
    VjpRules.register("Softmax", (n, g, need) -> {
      Tensor y = n.output(0);
      Tensor gy = g.get(0);
      int axis = (int) n.attrLong("axis", -1);
      Tensor dot = MathOps.reduceSum(MathOps.mul(gy, y), true, axis);
      return Arrays.asList(MathOps.mul(y, MathOps.sub(gy, dot)));
    });
    VjpRules.register("LogSoftmax", (n, g, need) -> {
      Tensor y = n.output(0);
      Tensor gy = g.get(0);
      int axis = (int) n.attrLong("axis", -1);
      Tensor total = MathOps.reduceSum(gy, true, axis);
      return Arrays.asList(MathOps.sub(gy, MathOps.mul(MathOps.exp(y), total)));
    });
  }
}
