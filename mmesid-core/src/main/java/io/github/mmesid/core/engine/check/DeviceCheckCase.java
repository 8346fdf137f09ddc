package io.github.mmesid.core.engine.check;

import ai.onnx.proto.OnnxMl;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.OnnxExporter;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.graph.ValueSpec;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.optim.OptimizerGraph;
import io.github.mmesid.core.engine.optim.ParamSpec;
import io.github.mmesid.core.engine.optim.StateSpec;
import io.github.mmesid.core.engine.runtime.CompiledGraph;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.OrtRuntime;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.BatchSource;
import io.github.mmesid.core.engine.train.HostTensors;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import io.github.mmesid.core.engine.train.Trainer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * One graph the SDK runs, at small sizes, with inputs for one run: what a device check needs ({@link
 * KernelAudit} on this machine, the GPU check of {@code benchmarks/gpu} on a machine with CUDA).
 * Each model package lists its own ({@code SasRecDeviceChecks}, {@code RqVaeDeviceChecks},
 * {@code LlamaDeviceChecks}, {@code MmeSidDeviceChecks}); {@link #optimizerCases()} are the
 * optimizer graphs.
 *
 * @param name a unique, file-name-safe name, e.g. {@code sasrec_train_grad}
 * @param exported the graph as the SDK exports it for a CUDA session
 * @param graph the graph it was exported from (for shapes), or null when it has none
 * @param inputs a value for every input of {@code exported} except frozen weights kept out of
 *     the model (they are its external values; given ones are dropped)
 */
public record DeviceCheckCase(String name, ExportedGraph exported, Graph graph,
    Map<String, TensorData> inputs) {
  /**
   * Validates and copies.
   *
   * @param name see the record description
   * @param exported see the record description
   * @param graph see the record description
   * @param inputs see the record description
   */
  public DeviceCheckCase {
    if (name == null || !name.matches("[A-Za-z0-9_.-]{1,100}")) {
      throw new IllegalArgumentException("case name '" + name
          + "' must be 1-100 characters of letters, digits, '_', '.', '-'");
    }
    Map<String, TensorData> kept = new LinkedHashMap<>(inputs);
    kept.keySet().removeAll(exported.externalValues().keySet());
    inputs = java.util.Collections.unmodifiableMap(kept);
    Set<String> missing = new HashSet<>();
    for (ValueSpec v : exported.inputs()) {
      if (!inputs.containsKey(v.name()) && !exported.externalValues().containsKey(v.name())) {
        missing.add(v.name());
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("case " + name + " has no value for inputs " + missing
          + "; allowed: a value for each of the exported graph's " + exported.inputs().size()
          + " inputs, frozen weights kept out of the model excepted");
    }
  }

  /**
   * The runtime options the cases' trainers and predictors are built with: one thread, CUDA with
   * {@code PREFER}, so that graphs export as for the device (frozen weights as initializers;
   * dropout masks are made in the graph on every provider) also where CUDA is missing and the CPU
   * runs them.
   *
   * @return the options
   */
  public static RuntimeOptions cudaPrefer() {
    return RuntimeOptions.builder().intraOpThreads(1).provider(
        io.github.mmesid.core.engine.runtime.ExecutionProvider.cuda(0,
            io.github.mmesid.core.engine.runtime.ExecutionProvider.Policy.PREFER)).build();
  }

  /**
   * The sizes of the symbolic dimensions, bound from the inputs' shapes.
   *
   * @return symbol to size
   * @throws IllegalArgumentException if an input's rank differs from its declaration or a symbol
   *     has two sizes
   */
  public Map<String, Long> dims() {
    Map<String, Long> d = new LinkedHashMap<>();
    for (ValueSpec v : exported.inputs()) {
      if (!inputs.containsKey(v.name())) {
        continue; // a frozen weight kept out of the model
      }
      long[] s = inputs.get(v.name()).shape();
      if (s.length != v.shape().rank()) {
        throw new IllegalArgumentException("case " + name + ": input " + v.name() + " has rank "
            + s.length + "; allowed: the declared rank " + v.shape().rank() + " of " + v.shape());
      }
      for (int i = 0; i < s.length; i++) {
        io.github.mmesid.core.engine.graph.Dim dim = v.shape().dim(i);
        if (!dim.isKnown()) {
          Long prev = d.putIfAbsent(dim.symbol(), s[i]);
          if (prev != null && prev != s[i]) {
            throw new IllegalArgumentException("case " + name + ": dimension " + dim.symbol()
                + " is " + prev + " and " + s[i] + " (input " + v.name()
                + "); allowed: one size per named dimension across the inputs");
          }
        }
      }
    }
    return d;
  }

  /**
   * Audits the case against ONNX Runtime 1.29's CUDA kernels and applies an allow-list.
   *
   * @param allowances the allow-list
   * @return the report and the problems ({@link KernelAudit#violations})
   */
  public Audit audit(List<KernelAudit.Allowance> allowances) {
    KernelAudit.Report r = KernelAudit.audit(exported.model());
    java.util.function.Function<String, long[]> shapes = graph == null ? n -> null
        : KernelAudit.shapes(graph, exported, dims());
    return new Audit(r, KernelAudit.violations(r, allowances, shapes));
  }

  /**
   * The outcome of {@link #audit}.
   *
   * @param report the node checks
   * @param violations the problems under the allow-list, empty when the case passes
   */
  public record Audit(KernelAudit.Report report, List<String> violations) {
    /**
     * Copies the list.
     *
     * @param report see the record description
     * @param violations see the record description
     */
    public Audit {
      violations = List.copyOf(violations);
    }
  }

  /**
   * The model with every frozen weight kept out of the protobuf put back in as an initializer,
   * so that it loads anywhere on its own (inputs: exactly {@link #inputs()}).
   *
   * @return the model
   */
  public OnnxMl.ModelProto selfContained() {
    OnnxMl.ModelProto m = exported.model();
    Map<String, TensorData> ext = exported.externalValues();
    if (ext.isEmpty()) {
      return m;
    }
    OnnxMl.GraphProto g = m.getGraph();
    OnnxMl.GraphProto.Builder gb = g.toBuilder().clearInput().clearInitializer();
    for (OnnxMl.ValueInfoProto in : g.getInputList()) {
      if (!ext.containsKey(in.getName())) {
        gb.addInput(in);
      }
    }
    for (OnnxMl.TensorProto t : g.getInitializerList()) {
      if (!ext.containsKey(t.getName())) {
        gb.addInitializer(t);
      }
    }
    ext.forEach((k, v) -> gb.addInitializer(OnnxExporter.tensorProto(k, v)));
    return m.toBuilder().setGraph(gb).build();
  }

  /**
   * Runs {@link #selfContained()} on {@link #inputs()}.
   *
   * @param options the session options (e.g. CPU, one thread)
   * @return every output by name
   */
  public Map<String, TensorData> run(RuntimeOptions options) {
    Map<String, TensorData> out = new LinkedHashMap<>();
    List<HostTensor> feeds = new ArrayList<>();
    try (CompiledGraph c = OrtRuntime.get().compile(selfContained(), options)) {
      Map<String, HostTensor> f = new LinkedHashMap<>();
      inputs.forEach((k, v) -> {
        HostTensor h = HostTensors.toHost(v);
        feeds.add(h);
        f.put(k, h);
      });
      try (RunOutputs r = c.run(f)) {
        for (String n : c.outputNames()) {
          out.put(n, HostTensors.toData(r.get(n)));
        }
      }
    } finally {
      feeds.forEach(HostTensor::close);
    }
    return out;
  }

  /**
   * The case of an inference graph: its outputs exported as {@link Predictor} exports them for a
   * session, with their graph for shapes.
   *
   * @param name the case name
   * @param outputs output name to tensor, all of one graph (at least one)
   * @param parameters parameter values (missing parameters keep their initial values)
   * @param frozenAsInitializers as in {@link Predictor#export}
   * @param inputs a value for every input of the graph
   * @return the case
   */
  public static DeviceCheckCase ofOutputs(String name, Map<String, Tensor> outputs,
      ParameterSnapshot parameters, boolean frozenAsInitializers,
      Map<String, TensorData> inputs) {
    if (outputs.isEmpty()) {
      throw new IllegalArgumentException("device check case '" + name
          + "' needs at least one output, got none");
    }
    Graph g = outputs.values().iterator().next().graph();
    return new DeviceCheckCase(name, Predictor.export(g, outputs, parameters,
        frozenAsInitializers), g, inputs);
  }

  /**
   * The two cases of one update of a trainer built for CUDA: its gradient graph on a batch, then
   * (after one real update, so that gradients and state are not zero) its optimizer graph.
   *
   * @param name the name prefix ({@code _grad} and {@code _opt} are appended)
   * @param trainer the trainer (runs one update)
   * @param graph the graph of its loss
   * @param source the examples
   * @param batch the example indices of one batch
   * @return the gradient case and the optimizer case
   */
  public static List<DeviceCheckCase> ofTrainer(String name, Trainer trainer, Graph graph,
      BatchSource source, int[] batch) {
    trainer.trainStep(source, batch);
    DeviceCheckCase grad = new DeviceCheckCase(name + "_grad", trainer.gradientGraph(), graph,
        trainer.gradientInputs(source, batch));
    trainer.trainStep(source, batch);
    DeviceCheckCase opt = new DeviceCheckCase(name + "_opt", trainer.optimizerGraph(), null,
        trainer.optimizerInputs(1e-3));
    return List.of(grad, opt);
  }

  /**
   * The optimizer graphs on their own: SGD (plain; momentum with Nesterov and weight decay;
   * clipped), Adam (plain; with weight decay and clipping) and AdamW (with weight decay; with a
   * decay filter and clipping), over a matrix and a vector parameter, with seeded gradients and
   * state.
   *
   * @return the cases
   */
  public static List<DeviceCheckCase> optimizerCases() {
    List<ParamSpec> params = List.of(new ParamSpec("w", DType.FLOAT32, Shape.of(64, 48)),
        new ParamSpec("b", DType.FLOAT32, Shape.of(64)));
    Map<String, Optimizer> optimizers = new LinkedHashMap<>();
    optimizers.put("sgd", Optimizer.sgd(0.1));
    optimizers.put("sgd_nesterov_wd", Optimizer.sgd(0.1).withMomentum(0.9, true)
        .withWeightDecay(1e-4));
    optimizers.put("sgd_clip", Optimizer.sgd(0.1).withMaxGradNorm(1.0));
    optimizers.put("adam", Optimizer.adam(1e-3));
    optimizers.put("adam_wd_clip", Optimizer.adam(1e-3).withWeightDecay(1e-2)
        .withMaxGradNorm(1.0));
    optimizers.put("adamw_wd", Optimizer.adamW(1e-3).withWeightDecay(1e-2));
    optimizers.put("adamw_filter_clip", Optimizer.adamW(1e-3).withWeightDecay(1e-2)
        .withMaxGradNorm(0.5).withDecayFilter(n -> !n.equals("b")));
    List<DeviceCheckCase> out = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(17);
    for (Map.Entry<String, Optimizer> e : optimizers.entrySet()) {
      OptimizerGraph og = OptimizerGraph.build(e.getValue(), params, true);
      Map<String, TensorData> in = new LinkedHashMap<>();
      for (ParamSpec p : params) {
        in.put(OptimizerGraph.paramInput(p.name()), uniform(r, p.shape(), -1, 1));
        in.put(OptimizerGraph.gradInput(p.name()), uniform(r, p.shape(), -0.1, 0.1));
      }
      for (StateSpec s : og.states()) {
        // second moments must be >= 0; every state is drawn from [0, 0.01)
        in.put(s.name(), uniform(r, s.shape(), 0, 0.01));
      }
      in.put(OptimizerGraph.LR, TensorData.ofDoubles(new long[0], 1e-2));
      in.put(OptimizerGraph.GRAD_SCALE, TensorData.ofDoubles(new long[0], 0.5));
      if (og.hasStepInput()) {
        in.put(OptimizerGraph.STEP, TensorData.ofDoubles(new long[0], 3));
      }
      out.add(new DeviceCheckCase("optimizer_" + e.getKey(), og.exported(), null, in));
    }
    return out;
  }

  private static TensorData uniform(SplittableRandom r, Shape shape, double lo, double hi) {
    float[] v = new float[(int) shape.numel()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextDouble(lo, hi);
    }
    return TensorData.ofFloats(shape.toArray(), v);
  }
}
