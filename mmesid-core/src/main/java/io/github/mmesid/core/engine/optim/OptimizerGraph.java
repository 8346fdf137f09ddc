package io.github.mmesid.core.engine.optim;

import io.github.mmesid.core.engine.graph.ArrayOps;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.MathOps;
import io.github.mmesid.core.engine.graph.OnnxExporter;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.graph.ValueSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The optimizer update as a separate ONNX graph: one run applies one update step of an {@link
 * Optimizer} to every parameter and its state.
 *
 * <h2>Naming contract</h2>
 *
 * <p>For a parameter named {@code X} (its name in the training graph) with dtype {@code T}
 * (FLOAT32 or FLOAT64) and shape {@code S}, the exported graph has these <b>inputs</b>:
 *
 * <ul>
 *   <li>{@code p.X} ({@code T}, {@code S}): the current value;
 *   <li>{@code g.X} ({@code T}, {@code S}): its gradient, the <em>sum</em> over the accumulated
 *       micro-batches;
 *   <li>one input per state slot of the optimizer ({@link Optimizer#stateSlots()}), named {@code
 *       slot.prefix() + "." + X} ({@code T}, {@code S}): {@code m.X} and {@code v.X} for Adam and
 *       AdamW, {@code mom.X} for SGD with momentum, none for plain SGD;
 * </ul>
 *
 * <p>and these rank-0 FLOAT64 scalar inputs, shared by all parameters:
 *
 * <ul>
 *   <li>{@value #LR}: the learning rate of this update (e.g. {@link LrSchedule#lrForUpdate(double,
 *       long)}); the configuration's {@link Optimizer#lr()} is not baked into the graph;
 *   <li>{@value #STEP}: the 1-based update number {@code t} as a float, used for Adam's bias
 *       correction; present only when {@link Optimizer#usesStep()} (Adam, AdamW);
 *   <li>{@value #GRAD_SCALE}: every gradient is multiplied by it before clipping and the update
 *       (e.g. {@code 1 / microBatches} to average summed micro-batch gradients).
 * </ul>
 *
 * <p><b>Outputs</b>: for every input {@code N} that holds a parameter or a state ({@code p.X},
 * {@code m.X}, {@code v.X}, {@code mom.X}) an output {@code N + ".out"} with the new value, of the
 * same dtype and shape ({@link #outputToInput()} maps each to its input, in output order: per
 * parameter, the parameter then its states). When clipping is on (or {@code reportGradNorm} was
 * requested) there is also {@value #GRAD_NORM}, a FLOAT64 scalar: the global L2 norm of the
 * scaled gradients before clipping (what {@code clip_grad_norm_} returns); a non-finite value
 * there means the update is non-finite too, so a trainer may skip it and keep the old buffers.
 * The trainer must not bind an output to the same buffer as an input.
 *
 * <p>Clipping is computed inside the graph: {@code totalNorm = |gradScale| * sqrt(sum over all
 * parameters of sum(g^2))}; each gradient becomes {@code g * gradScale * min(1, maxGradNorm /
 * (totalNorm + 1e-6))}. Scalar arithmetic (bias corrections, step sizes, the clipping coefficient)
 * is done in FLOAT64 and cast to each parameter's dtype; the elementwise update runs in the
 * parameter's dtype.
 *
 * <p>The state names are stable and usable as checkpoint (safetensors) keys; every state starts at
 * zeros ({@link #initialState()}).
 */
public final class OptimizerGraph {
  /** The learning-rate input. */
  public static final String LR = "lr";
  /** The 1-based step input (Adam and AdamW only). */
  public static final String STEP = "step";
  /** The gradient-scale input. */
  public static final String GRAD_SCALE = "gradScale";
  /** The gradient-norm output (when clipping or requested). */
  public static final String GRAD_NORM = "gradNorm";
  /** The suffix of every updated-value output. */
  public static final String OUT_SUFFIX = ".out";

  private final Optimizer optimizer;
  private final List<ParamSpec> params;
  private final List<StateSpec> states;
  private final Graph graph;
  private final ExportedGraph exported;
  private final Map<String, String> outputToInput;
  private final boolean hasGradNorm;

  private OptimizerGraph(Optimizer optimizer, List<ParamSpec> params, List<StateSpec> states,
      Graph graph, ExportedGraph exported, Map<String, String> outputToInput,
      boolean hasGradNorm) {
    this.optimizer = optimizer;
    this.params = params;
    this.states = states;
    this.graph = graph;
    this.exported = exported;
    this.outputToInput = outputToInput;
    this.hasGradNorm = hasGradNorm;
  }

  /**
   * The input name of a parameter's value.
   *
   * @param param the parameter name
   * @return {@code "p." + param}
   */
  public static String paramInput(String param) {
    return "p." + param;
  }

  /**
   * The input name of a parameter's gradient.
   *
   * @param param the parameter name
   * @return {@code "g." + param}
   */
  public static String gradInput(String param) {
    return "g." + param;
  }

  /**
   * The output name of an updated value.
   *
   * @param input the input name ({@code p.X} or a state name)
   * @return {@code input + ".out"}
   */
  public static String outputOf(String input) {
    return input + OUT_SUFFIX;
  }

  /**
   * The state tensors of an optimizer over some parameters, in order (per parameter, its slots in
   * {@link Optimizer#stateSlots()} order), without building a graph.
   *
   * @param optimizer the optimizer
   * @param params the parameters
   * @return the state specs
   */
  public static List<StateSpec> statesOf(Optimizer optimizer, List<ParamSpec> params) {
    List<StateSpec> out = new ArrayList<>();
    for (ParamSpec p : params) {
      for (StateSlot s : optimizer.stateSlots()) {
        out.add(StateSpec.of(p, s));
      }
    }
    return out;
  }

  /**
   * Builds and exports the update graph; {@value #GRAD_NORM} is an output iff the optimizer clips.
   *
   * @param optimizer the configuration
   * @param params the parameters to update (non-empty, distinct names)
   * @return the graph
   */
  public static OptimizerGraph build(Optimizer optimizer, List<ParamSpec> params) {
    return build(optimizer, params, false);
  }

  /**
   * Builds and exports the update graph.
   *
   * @param optimizer the configuration
   * @param params the parameters to update (non-empty, distinct names)
   * @param reportGradNorm output {@value #GRAD_NORM} even without clipping (costs one extra read
   *     of every gradient)
   * @return the graph
   */
  public static OptimizerGraph build(Optimizer optimizer, List<ParamSpec> params,
      boolean reportGradNorm) {
    if (optimizer == null) {
      throw new IllegalArgumentException("OptimizerGraph needs an optimizer, got null");
    }
    if (params == null || params.isEmpty()) {
      throw new IllegalArgumentException(
          "OptimizerGraph needs at least one parameter, got " + params);
    }
    List<ParamSpec> ps = List.copyOf(params);
    checkNames(optimizer, ps);
    return new Builder(optimizer, ps, reportGradNorm || optimizer.clips()).build();
  }

  /** Rejects duplicate parameters and names that would collide in the graph. */
  private static void checkNames(Optimizer optimizer, List<ParamSpec> ps) {
    Map<String, String> owner = new HashMap<>();
    for (String scalar : List.of(LR, STEP, GRAD_SCALE, GRAD_NORM)) {
      owner.put(scalar, "(scalar)");
    }
    for (ParamSpec p : ps) {
      List<String> names = new ArrayList<>();
      String pin = paramInput(p.name());
      names.add(pin);
      names.add(outputOf(pin));
      names.add(gradInput(p.name()));
      for (StateSlot s : optimizer.stateSlots()) {
        names.add(s.stateName(p.name()));
        names.add(outputOf(s.stateName(p.name())));
      }
      for (String n : names) {
        String prev = owner.putIfAbsent(n, p.name());
        if (prev != null) {
          throw new IllegalArgumentException(prev.equals(p.name())
              ? "Parameter " + p.name() + " is listed twice; parameter names must be distinct"
              : "Parameters " + prev + " and " + p.name() + " both need the optimizer-graph "
                  + "name " + n + "; rename one (names ending in '" + OUT_SUFFIX
                  + "' can collide with output names)");
        }
      }
    }
  }

  /**
   * The configuration.
   *
   * @return the optimizer
   */
  public Optimizer optimizer() {
    return optimizer;
  }

  /**
   * The updated parameters, in order.
   *
   * @return an unmodifiable list
   */
  public List<ParamSpec> params() {
    return params;
  }

  /**
   * All state tensors, in order (per parameter, its slots).
   *
   * @return an unmodifiable list
   */
  public List<StateSpec> states() {
    return states;
  }

  /**
   * The state tensors of one parameter.
   *
   * @param param the parameter name
   * @return its states in slot order
   */
  public List<StateSpec> states(String param) {
    List<StateSpec> out = new ArrayList<>();
    boolean known = false;
    for (ParamSpec p : params) {
      known |= p.name().equals(param);
    }
    if (!known) {
      throw new IllegalArgumentException("Unknown parameter " + param + "; this optimizer graph "
          + "updates " + params.stream().map(ParamSpec::name).toList());
    }
    for (StateSpec s : states) {
      if (s.param().equals(param)) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * The initial optimizer state: zeros for every state tensor, by state name, in order.
   *
   * @return a new map
   */
  public Map<String, TensorData> initialState() {
    Map<String, TensorData> out = new LinkedHashMap<>();
    for (StateSpec s : states) {
      out.put(s.name(), s.zeros());
    }
    return out;
  }

  /**
   * The DSL graph (for inspection; already exported).
   *
   * @return the graph
   */
  public Graph graph() {
    return graph;
  }

  /**
   * The exported ONNX model.
   *
   * @return the exported graph
   */
  public ExportedGraph exported() {
    return exported;
  }

  /**
   * The graph inputs in order.
   *
   * @return the input descriptions
   */
  public List<ValueSpec> inputs() {
    return exported.inputs();
  }

  /**
   * The graph outputs in order.
   *
   * @return the output descriptions
   */
  public List<ValueSpec> outputs() {
    return exported.outputs();
  }

  /**
   * Each updated-value output and the input it replaces for the next step ({@code p.X.out ->
   * p.X}, {@code m.X.out -> m.X}, ...), in output order; {@value #GRAD_NORM} is not included.
   *
   * @return an unmodifiable map
   */
  public Map<String, String> outputToInput() {
    return outputToInput;
  }

  /**
   * Whether the graph has the {@value #GRAD_NORM} output.
   *
   * @return true when clipping or when requested
   */
  public boolean hasGradNorm() {
    return hasGradNorm;
  }

  /**
   * Whether the graph has the {@value #STEP} input.
   *
   * @return true for Adam and AdamW
   */
  public boolean hasStepInput() {
    return optimizer.usesStep();
  }

  @Override
  public String toString() {
    return "OptimizerGraph[" + optimizer.name() + ", " + params.size()
        + " parameters, " + states.size() + " state tensors]";
  }

  // ------------------------------------------------------------------ construction

  /** Emits the update graph. The optimizer graph is never differentiated: no gradient rules. */
  private static final class Builder {
    private final Optimizer opt;
    private final List<ParamSpec> params;
    private final boolean gradNorm;
    private final Graph g = new Graph("optimizer", DType.FLOAT64);
    /** FLOAT64 scalars by key, and their casts per dtype. */
    private final Map<String, Tensor> f64 = new HashMap<>();
    private final Map<DType, Map<String, Tensor>> casts = new EnumMap<>(DType.class);

    Builder(Optimizer opt, List<ParamSpec> params, boolean gradNorm) {
      this.opt = opt;
      this.params = params;
      this.gradNorm = gradNorm;
    }

    OptimizerGraph build() {
      Tensor lr = g.input(LR, DType.FLOAT64, Shape.SCALAR);
      Tensor step = opt.usesStep() ? g.input(STEP, DType.FLOAT64, Shape.SCALAR) : null;
      Tensor gradScale = g.input(GRAD_SCALE, DType.FLOAT64, Shape.SCALAR);
      f64.put("lr", lr);

      List<Tensor> p = new ArrayList<>();
      List<Tensor> gr = new ArrayList<>();
      List<List<Tensor>> st = new ArrayList<>();
      for (ParamSpec ps : params) {
        p.add(g.input(paramInput(ps.name()), ps.dtype(), ps.shape()));
        gr.add(g.input(gradInput(ps.name()), ps.dtype(), ps.shape()));
        List<Tensor> s = new ArrayList<>();
        for (StateSlot slot : opt.stateSlots()) {
          s.add(g.input(slot.stateName(ps.name()), ps.dtype(), ps.shape()));
        }
        st.add(s);
      }

      // Gradient scale and global-norm clipping, in float64.
      Tensor norm = null;
      Tensor scale = gradScale;
      if (gradNorm) {
        List<Tensor> sumsq = new ArrayList<>();
        for (Tensor gi : gr) {
          // ReduceSumSquare over all axes (no axes input), as a float64 scalar.
          Tensor ss = g.apply("ReduceSumSquare", List.of(gi), Map.of("keepdims", 0L),
              gi.dtype(), Shape.SCALAR);
          sumsq.add(ArrayOps.cast(ss, DType.FLOAT64));
        }
        Tensor total = sumsq.size() == 1 ? sumsq.get(0)
            // Variadic Sum (no MathOps equivalent; never differentiated here).
            : g.apply("Sum", sumsq, Map.of(), DType.FLOAT64, Shape.SCALAR);
        norm = MathOps.mul(MathOps.sqrt(total), unary("Abs", gradScale));
        if (opt.clips()) {
          Tensor coef = MathOps.div(c(opt.maxGradNorm()), MathOps.add(norm,
              c(Optimizer.CLIP_EPS)));
          // Min(coef, 1): the clamp of clip_grad_norm_.
          coef = g.apply("Min", List.of(coef, c(1.0)), Map.of(), DType.FLOAT64, Shape.SCALAR);
          scale = MathOps.mul(gradScale, coef);
        }
      }
      f64.put("scale", scale);

      if (opt.usesStep()) {
        scalarsAdam(step);
      }

      Map<String, Tensor> outputs = new LinkedHashMap<>();
      Map<String, String> feedback = new LinkedHashMap<>();
      List<StateSpec> states = new ArrayList<>();
      for (int i = 0; i < params.size(); i++) {
        ParamSpec ps = params.get(i);
        List<Tensor> newState = new ArrayList<>();
        Tensor newP;
        if (opt instanceof Optimizer.Sgd sgd) {
          newP = updateSgd(sgd, ps, p.get(i), gr.get(i), st.get(i), newState);
        } else {
          newP = updateAdam((Optimizer.Adam) opt, ps, p.get(i), gr.get(i), st.get(i), newState);
        }
        String pin = paramInput(ps.name());
        outputs.put(outputOf(pin), newP);
        feedback.put(outputOf(pin), pin);
        for (int k = 0; k < opt.stateSlots().size(); k++) {
          StateSpec spec = StateSpec.of(ps, opt.stateSlots().get(k));
          outputs.put(outputOf(spec.name()), newState.get(k));
          feedback.put(outputOf(spec.name()), spec.name());
          states.add(spec);
        }
      }
      if (gradNorm) {
        outputs.put(GRAD_NORM, norm);
      }
      ExportedGraph ex = OnnxExporter.export(g, outputs);
      return new OptimizerGraph(opt, params, Collections.unmodifiableList(states), g, ex,
          Collections.unmodifiableMap(feedback), gradNorm);
    }

    /** A FLOAT64 scalar constant. */
    private Tensor c(double v) {
      return g.scalar(v, DType.FLOAT64);
    }

    private Tensor unary(String op, Tensor x) {
      return g.apply(op, List.of(x), Map.of(), x.dtype(), x.shape());
    }

    /** A named FLOAT64 scalar cast to {@code dt} (cached per dtype). */
    private Tensor s(String key, DType dt) {
      Tensor v = f64.get(key);
      if (v == null) {
        throw new IllegalStateException("Optimizer scalar " + key + " was not defined");
      }
      return casts.computeIfAbsent(dt, d -> new HashMap<>())
          .computeIfAbsent(key, k -> ArrayOps.cast(v, dt));
    }

    /** A constant cast to {@code dt}: computed in double, rounded once. */
    private Tensor k(double v, DType dt) {
      return g.scalar(v, dt);
    }

    private void scalarsAdam(Tensor step) {
      Optimizer.Adam adam = (Optimizer.Adam) opt;
      double b1 = adam.beta1();
      double b2 = adam.beta2();
      // Pow(beta, t) in float64 (no MathOps pow; this graph is never differentiated).
      Tensor b1t = g.apply("Pow", List.of(c(b1), step), Map.of(), DType.FLOAT64, Shape.SCALAR);
      Tensor b2t = g.apply("Pow", List.of(c(b2), step), Map.of(), DType.FLOAT64, Shape.SCALAR);
      Tensor bc1 = MathOps.sub(c(1.0), b1t);
      Tensor bc2 = MathOps.sub(c(1.0), b2t);
      Tensor lr = f64.get("lr");
      f64.put("stepSize", MathOps.div(lr, bc1));
      f64.put("sqrtBc2", MathOps.sqrt(bc2));
      if (adam.decoupled() && adam.weightDecay() > 0) {
        // 1 - lr * wd: the decoupled decay factor.
        f64.put("decay", MathOps.sub(c(1.0), MathOps.mul(lr, c(adam.weightDecay()))));
      }
    }

    private Tensor updateSgd(Optimizer.Sgd sgd, ParamSpec ps, Tensor p, Tensor grad,
        List<Tensor> state, List<Tensor> newState) {
      DType dt = ps.dtype();
      Tensor d = MathOps.mul(grad, s("scale", dt));
      if (opt.decays(ps.name())) {
        d = MathOps.add(d, MathOps.mul(p, k(sgd.weightDecay(), dt)));
      }
      if (sgd.momentum() > 0) {
        Tensor mu = k(sgd.momentum(), dt);
        Tensor buf = MathOps.add(MathOps.mul(state.get(0), mu), d);
        newState.add(buf);
        d = sgd.nesterov() ? MathOps.add(d, MathOps.mul(buf, mu)) : buf;
      }
      return MathOps.sub(p, MathOps.mul(d, s("lr", dt)));
    }

    private Tensor updateAdam(Optimizer.Adam adam, ParamSpec ps, Tensor p, Tensor grad,
        List<Tensor> state, List<Tensor> newState) {
      DType dt = ps.dtype();
      double b1 = adam.beta1();
      double b2 = adam.beta2();
      boolean decays = adam.decays(ps.name());
      Tensor gg = MathOps.mul(grad, s("scale", dt));
      if (decays && !adam.decoupled()) {
        gg = MathOps.add(gg, MathOps.mul(p, k(adam.weightDecay(), dt)));
      }
      Tensor m = MathOps.add(MathOps.mul(state.get(0), k(b1, dt)),
          MathOps.mul(gg, k(1.0 - b1, dt)));
      Tensor v = MathOps.add(MathOps.mul(state.get(1), k(b2, dt)),
          MathOps.mul(MathOps.mul(gg, gg), k(1.0 - b2, dt)));
      newState.add(m);
      newState.add(v);
      // denom = sqrt(v) / sqrt(1 - b2^t) + eps; p -= (lr / (1 - b1^t)) * m / denom
      Tensor denom = MathOps.add(MathOps.div(MathOps.sqrt(v), s("sqrtBc2", dt)), k(adam.eps(), dt));
      Tensor base = p;
      if (decays && adam.decoupled()) {
        base = MathOps.mul(p, s("decay", dt));
      }
      return MathOps.sub(base, MathOps.mul(MathOps.div(m, denom), s("stepSize", dt)));
    }
  }
}
