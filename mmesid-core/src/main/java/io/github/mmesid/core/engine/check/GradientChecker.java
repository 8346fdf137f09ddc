package io.github.mmesid.core.engine.check;

import io.github.mmesid.core.engine.graph.Autodiff;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.OnnxExporter;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.CompiledGraph;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.OrtRuntime;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.HostTensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Finite-difference gradient checking of a graph recipe through ONNX Runtime.
 *
 * <p>The recipe maps its inputs to one output {@code y}. The checker forms the scalar loss {@code
 * L = sum(y * R)} with a fixed random {@code R}, derives {@code dL/dx} for every floating-point
 * input with {@link Autodiff}, and compares it with central differences {@code (L(x + h e_i) -
 * L(x - h e_i)) / 2h} on (a sample of) coordinates. A coordinate passes when {@code |analytic -
 * numeric| <= atol + rtol * max(|analytic|, |numeric|)}.
 *
 * <p>A recipe that makes random numbers in the graph (dropout) gets the options' seed as its
 * {@linkplain Graph#noiseKey() noise key} in every run, so its masks are the same in all the
 * evaluations of one check.
 */
public final class GradientChecker {
  /** Builds the output from the declared inputs. */
  @FunctionalInterface
  public interface Recipe {
    /**
     * Builds the checked function.
     *
     * @param graph the graph (its float type is the checked precision)
     * @param inputs the inputs, in the order of the given values
     * @return the output
     */
    Tensor build(Graph graph, List<Tensor> inputs);
  }

  /**
   * Tolerances and sampling.
   *
   * @param eps finite-difference step
   * @param rtol relative tolerance
   * @param atol absolute tolerance
   * @param maxCoordinates coordinates checked per input (random sample when larger)
   * @param seed seed for {@code R} and the coordinate sample
   */
  public record Options(double eps, double rtol, double atol, int maxCoordinates, long seed) {
    /**
     * Validates the fields.
     *
     * @param eps see the record description
     * @param rtol see the record description
     * @param atol see the record description
     * @param maxCoordinates see the record description
     * @param seed see the record description
     */
    public Options {
      if (!(eps > 0) || !(rtol >= 0) || !(atol >= 0) || maxCoordinates <= 0) {
        throw new IllegalArgumentException("Invalid gradient-check options: eps=" + eps
            + ", rtol=" + rtol + ", atol=" + atol + ", maxCoordinates=" + maxCoordinates
            + " (need eps > 0, tolerances >= 0, maxCoordinates > 0)");
      }
    }

    /**
     * Defaults for float64: eps 1e-6, rtol 1e-5, atol 1e-8, 40 coordinates, seed 1.
     *
     * @return options
     */
    public static Options float64() {
      return new Options(1e-6, 1e-5, 1e-8, 40, 1);
    }

    /**
     * Defaults for float32: eps 1e-2, rtol 3e-2, atol 1e-3, 40 coordinates, seed 1.
     *
     * @return options
     */
    public static Options float32() {
      return new Options(1e-2, 3e-2, 1e-3, 40, 1);
    }
  }

  /**
   * The result of a check.
   *
   * @param maxAbsError largest {@code |analytic - numeric|}
   * @param maxRelError largest relative error
   * @param checked coordinates checked
   * @param failures descriptions of failing coordinates (empty when passed)
   */
  public record Report(double maxAbsError, double maxRelError, int checked,
      List<String> failures) {
    /**
     * Whether every coordinate passed.
     *
     * @return true if no failures
     */
    public boolean passed() {
      return failures.isEmpty();
    }
  }

  private GradientChecker() {}

  /**
   * Runs the check in the precision of the input values (FLOAT64 or FLOAT32 inputs make a graph
   * of that float type; integer inputs are passed through and not differentiated).
   *
   * @param recipe the function
   * @param values input values
   * @param options tolerances
   * @return the report
   */
  public static Report check(Recipe recipe, List<TensorData> values, Options options) {
    DType ft = DType.FLOAT64;
    for (TensorData v : values) {
      if (v.dtype() == DType.FLOAT32) {
        ft = DType.FLOAT32;
      }
    }
    SplittableRandom rnd = new SplittableRandom(options.seed());
    // 1. Output shape from a forward run.
    Graph g0 = new Graph("gradcheck_fwd", ft);
    List<Tensor> in0 = declare(g0, values);
    Tensor y0 = recipe.build(g0, in0);
    long[] yShape;
    try (Run r = new Run(OnnxExporter.export(g0, Map.of("y", y0)), options.seed())) {
      yShape = r.shapeOf(values, "y");
    }
    long yn = 1;
    for (long d : yShape) {
      yn *= d;
    }
    double[] rv = new double[(int) yn];
    for (int i = 0; i < rv.length; i++) {
      rv[i] = rnd.nextDouble(-1, 1);
    }
    // 2. Loss and gradients.
    Graph g = new Graph("gradcheck", ft);
    List<Tensor> in = declare(g, values);
    Tensor y = recipe.build(g, in);
    if (y.dtype() != ft) {
      throw new IllegalArgumentException("Recipe output " + y + " is not of dtype " + ft);
    }
    Tensor rt = g.constant(TensorData.ofReals(ft, yShape, rv));
    Tensor loss = y.mul(rt).sum(false);
    List<Tensor> wrt = new ArrayList<>();
    List<Integer> wrtIdx = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      if (in.get(i).dtype().isFloatingPoint()) {
        wrt.add(in.get(i));
        wrtIdx.add(i);
      }
    }
    List<Tensor> grads = Autodiff.gradientList(loss, wrt);
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("loss", loss);
    for (int i = 0; i < grads.size(); i++) {
      outs.put("grad" + i, grads.get(i));
    }
    double maxAbs = 0;
    double maxRel = 0;
    int checked = 0;
    List<String> failures = new ArrayList<>();
    try (Run r = new Run(OnnxExporter.export(g, outs), options.seed())) {
      Map<String, double[]> res = r.run(values);
      for (int k = 0; k < wrt.size(); k++) {
        int idx = wrtIdx.get(k);
        double[] analytic = res.get("grad" + k);
        double[] x = values.get(idx).toDoubles();
        int[] coords = sample(x.length, options.maxCoordinates(), rnd);
        for (int c : coords) {
          List<TensorData> plus = new ArrayList<>(values);
          List<TensorData> minus = new ArrayList<>(values);
          double[] xp = x.clone();
          xp[c] += options.eps();
          double[] xm = x.clone();
          xm[c] -= options.eps();
          long[] shape = values.get(idx).shape();
          plus.set(idx, TensorData.ofReals(ft, shape, xp));
          minus.set(idx, TensorData.ofReals(ft, shape, xm));
          double lp = r.run(plus).get("loss")[0];
          double lm = r.run(minus).get("loss")[0];
          double numeric = (lp - lm) / (2 * options.eps());
          double a = analytic[c];
          double abs = Math.abs(a - numeric);
          double scale = Math.max(Math.abs(a), Math.abs(numeric));
          double rel = scale > 0 ? abs / scale : 0;
          maxAbs = Math.max(maxAbs, abs);
          maxRel = Math.max(maxRel, rel);
          checked++;
          if (!(abs <= options.atol() + options.rtol() * scale)) {
            failures.add("input " + idx + " coordinate " + c + ": analytic " + a
                + " vs numeric " + numeric);
          }
        }
      }
    }
    return new Report(maxAbs, maxRel, checked, failures);
  }

  private static int[] sample(int n, int max, SplittableRandom rnd) {
    if (n <= max) {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) {
        all[i] = i;
      }
      return all;
    }
    return rnd.ints(0, n).distinct().limit(max).sorted().toArray();
  }

  private static List<Tensor> declare(Graph g, List<TensorData> values) {
    List<Tensor> out = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      TensorData v = values.get(i);
      out.add(g.input("x" + i, v.dtype(), io.github.mmesid.core.engine.graph.Shape.of(
          v.shape())));
    }
    return out;
  }

  /** A session over an exported graph, fed from TensorData through the SDK runtime. */
  private static final class Run implements AutoCloseable {
    private static final RuntimeOptions OPTIONS =
        RuntimeOptions.builder().intraOpThreads(1).build();
    private final CompiledGraph graph;
    private final long noiseKey;

    Run(ExportedGraph exported, long noiseKey) {
      this.graph = OrtRuntime.get().compile(exported.model(), OPTIONS);
      this.noiseKey = noiseKey;
    }

    Map<String, double[]> run(List<TensorData> values) {
      Map<String, HostTensor> feeds = feeds(values);
      try (RunOutputs r = graph.run(feeds)) {
        Map<String, double[]> out = new HashMap<>();
        for (String name : r.names()) {
          HostTensor t = r.get(name);
          double[] d = new double[t.size()];
          for (int i = 0; i < d.length; i++) {
            d[i] = t.getAsDouble(i);
          }
          out.put(name, d);
        }
        return out;
      } finally {
        feeds.values().forEach(HostTensor::close);
      }
    }

    long[] shapeOf(List<TensorData> values, String output) {
      Map<String, HostTensor> feeds = feeds(values);
      try (RunOutputs r = graph.run(feeds)) {
        return r.get(output).shape();
      } finally {
        feeds.values().forEach(HostTensor::close);
      }
    }

    private Map<String, HostTensor> feeds(List<TensorData> values) {
      Map<String, HostTensor> feeds = new HashMap<>();
      for (int i = 0; i < values.size(); i++) {
        String name = "x" + i;
        if (graph.inputNames().contains(name)) {
          feeds.put(name, HostTensors.toHost(values.get(i)));
        }
      }
      if (graph.inputNames().contains(Graph.NOISE_KEY)) {
        feeds.put(Graph.NOISE_KEY, HostTensors.toHost(
            TensorData.ofLongs(new long[0], noiseKey)));
      }
      return feeds;
    }

    @Override
    public void close() {
      graph.close();
    }
  }
}
