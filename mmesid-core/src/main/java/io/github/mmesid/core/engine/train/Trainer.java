package io.github.mmesid.core.engine.train;

import io.github.mmesid.core.engine.graph.Autodiff;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.ExportOptions;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.OnnxExporter;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.graph.ValueSpec;
import io.github.mmesid.core.engine.optim.OptimizerGraph;
import io.github.mmesid.core.engine.optim.ParamSpec;
import io.github.mmesid.core.engine.optim.StateSpec;
import io.github.mmesid.core.engine.runtime.CompiledGraph;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.OrtRuntime;
import io.github.mmesid.core.engine.runtime.PreparedRun;
import io.github.mmesid.core.engine.train.EpochClock.Phase;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the parameters of a graph by minimising a scalar loss.
 *
 * <p>The trainer derives the gradient graph ({@code batch + parameters -> loss + gradients}) with
 * {@link Autodiff} and the optimizer graph ({@code parameters + gradients + state -> new
 * parameters + state}) with {@link OptimizerGraph}, compiles both once, and runs them as ONNX
 * Runtime sessions over buffers allocated once: parameters and optimizer state live in two banks
 * of direct buffers that swap roles after each update (the optimizer reads bank {@code cur} and
 * writes the other; the swap happens only once the update is known to be finite), gradients and
 * batches in fixed buffers, so a step allocates nothing proportional to the model. Batch buffers
 * and their prepared runs exist per shape signature of a batch ({@link
 * BatchSource#inputShapes(int[])}), for the 64 most recently used signatures.
 *
 * <p>Placement: on the CPU every buffer is bound in place. On an accelerator (any other {@link
 * io.github.mmesid.core.engine.runtime.ExecutionProvider}) large frozen weights are session
 * initializers, uploaded once, and random numbers (dropout masks) are made inside the gradient
 * graph on every provider ({@link io.github.mmesid.core.engine.graph.RandomOps}, ops with CUDA
 * kernels only), so only parameters, gradients, optimizer state, batches and the 8-byte noise key
 * cross the bus per update ({@link #transferPerStep}).
 *
 * <p>Determinism: example order depends only on ({@code seed}, epoch), and the graph's {@linkplain
 * Graph#noiseKey() noise key} (from which dropout masks and other in-graph random numbers are
 * made) only on ({@code seed}, step, micro-batch), so a run resumed from a checkpoint continues
 * exactly like the uninterrupted run.
 *
 * <p>A trainer is not thread-safe; it owns native resources until {@link #close()}.
 */
public final class Trainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  private static final String LOSS = "loss";
  private static final String GRAD_PREFIX = "g.";
  /** How many batch shape signatures keep prepared runs; the least recently used is closed. */
  static final int MAX_PREPARED_SHAPES = 64;

  private final TrainerConfig config;
  private final Graph graph;
  private final List<Tensor> trainable;
  private final List<Tensor> allParams;
  private final ExportedGraph gradExport;
  private final OptimizerGraph optGraph;
  private final CompiledGraph gradCompiled;
  private final CompiledGraph optCompiled;
  private final List<ValueSpec> batchInputs;
  /** The noise key fed to every gradient run, or null when the graph makes no random numbers. */
  private final HostTensor noiseKeyIn;
  private final Map<String, HostTensor> external = new LinkedHashMap<>();
  private final boolean frozenOnDevice;
  private boolean transferLogged;
  // Two banks of trainable parameters and optimizer state; bank `cur` holds the current values.
  private final List<Map<String, HostTensor>> paramBanks = new ArrayList<>();
  private final List<Map<String, HostTensor>> stateBanks = new ArrayList<>();
  private final Map<String, HostTensor> fixedParams = new LinkedHashMap<>(); // non-trainable
  private final Map<String, HostTensor> grads = new LinkedHashMap<>();
  private final Map<String, HostTensor> gradAccum = new LinkedHashMap<>();
  private final HostTensor lossOut;
  private final HostTensor lrIn;
  private final HostTensor stepIn;
  private final HostTensor gradScaleIn;
  private final HostTensor gradNormOut;
  private final PreparedRun[] optRuns = new PreparedRun[2];
  /** Prepared gradient runs by batch shape signature, most recently used first. */
  private final List<MicroRun> microRuns = new ArrayList<>();
  private int cur = 0;
  private int microsRun;
  private long stepsDone;
  private double lastLr;
  private double lastGradNorm;
  /** Construction time not yet charged to an epoch as setup. */
  private double unchargedSetupSeconds;
  private boolean closed;

  /** Buffers and prepared gradient runs (one per bank) for one batch shape signature. */
  private final class MicroRun implements Batch {
    final int size;
    final String[] names; // batch inputs
    final long[][] shapes; // their shapes, the signature
    final Map<String, HostTensor> inputs = new LinkedHashMap<>();
    final Set<String> inputNames = Collections.unmodifiableSet(inputs.keySet());
    final PreparedRun[] runs = new PreparedRun[2];

    MicroRun(int size, Map<String, long[]> given) {
      this.size = size;
      int k = batchInputs.size();
      this.names = new String[k];
      this.shapes = new long[k][];
      int i = 0;
      boolean ok = false;
      try {
        for (ValueSpec v : batchInputs) {
          long[] shape = shapeFor(v, given);
          inputs.put(v.name(), OrtRuntime.get().allocate(v.dtype(), shape));
          names[i] = v.name();
          shapes[i++] = shape.clone();
        }
        for (int bank = 0; bank < 2; bank++) {
          PreparedRun.Builder b = gradCompiled.prepare();
          b.bindInputs(gradientRunInputs(inputs, bank));
          b.bindOutput(LOSS, lossOut);
          for (Tensor p : trainable) {
            b.bindOutput(GRAD_PREFIX + p.name(), grads.get(p.name()));
          }
          runs[bank] = b.build();
        }
        ok = true;
      } finally {
        if (!ok) {
          close();
        }
      }
    }

    private long[] shapeFor(ValueSpec v, Map<String, long[]> given) {
      long[] shape = given.get(v.name());
      if (shape == null) {
        throw new IllegalArgumentException("BatchSource.inputShapes gives no shape for graph input"
            + " '" + v.name() + "' " + v.shape() + " (a batch of " + size
            + " examples); it gives " + given.keySet() + ", the graph needs "
            + Trainer.names(batchInputs));
      }
      checkShape(v, shape);
      return shape;
    }

    /** Whether this run's buffers have the shapes of a batch (allocation-free). */
    boolean matches(int n, Map<String, long[]> given) {
      if (n != size) {
        return false;
      }
      for (int i = 0; i < names.length; i++) {
        if (!Arrays.equals(shapes[i], given.get(names[i]))) {
          return false;
        }
      }
      return true;
    }

    @Override
    public HostTensor tensor(String inputName) {
      HostTensor t = inputs.get(inputName);
      if (t == null) {
        throw new IllegalArgumentException(
            "Unknown batch input " + inputName + ", expected one of " + inputs.keySet());
      }
      return t;
    }

    @Override
    public Set<String> names() {
      return inputNames;
    }

    @Override
    public int size() {
      return size;
    }

    void close() {
      for (PreparedRun r : runs) {
        if (r != null) {
          r.close();
        }
      }
      inputs.values().forEach(HostTensor::close);
    }
  }

  private static void checkShape(ValueSpec v, long[] shape) {
    if (shape.length != v.shape().rank()) {
      throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " for input '"
          + v.name() + "' has rank " + shape.length + ", the graph declares " + v.shape());
    }
    for (int i = 0; i < shape.length; i++) {
      if (v.shape().dim(i).isKnown() && v.shape().dim(i).value() != shape[i]) {
        throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " for input '"
            + v.name() + "' differs from the graph's " + v.shape() + " at axis " + i);
      }
    }
  }

  /**
   * Every input a gradient run binds, by name: the batch, the fixed parameters, the trainable
   * parameters of one bank, the noise key (when the graph makes random numbers) and the frozen
   * weights unless they are device-resident initializers.
   */
  private Map<String, HostTensor> gradientRunInputs(Map<String, HostTensor> batch, int bank) {
    Map<String, HostTensor> m = new LinkedHashMap<>(batch);
    m.putAll(fixedParams);
    m.putAll(onlyDeclared(paramBanks.get(bank), gradExport));
    if (noiseKeyIn != null) {
      m.put(Graph.NOISE_KEY, noiseKeyIn);
    }
    if (!frozenOnDevice) {
      m.putAll(external);
    }
    return m;
  }

  private static Map<String, HostTensor> onlyDeclared(Map<String, HostTensor> m,
      ExportedGraph e) {
    Set<String> declared = new HashSet<>(names(e.inputs()));
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, HostTensor> en : m.entrySet()) {
      if (declared.contains(en.getKey())) {
        out.put(en.getKey(), en.getValue());
      }
    }
    return out;
  }

  private static List<String> names(List<ValueSpec> specs) {
    List<String> out = new ArrayList<>();
    for (ValueSpec v : specs) {
      out.add(v.name());
    }
    return out;
  }

  /**
   * Creates a trainer that trains every parameter of the loss's graph.
   *
   * @param loss a floating-point scalar
   * @param config the configuration
   */
  public Trainer(Tensor loss, TrainerConfig config) {
    this(loss, loss.graph().parameters(), config);
  }

  /**
   * Creates a trainer. Parameters of the graph that are not in {@code trainable} are fed with
   * their initial values and never updated.
   *
   * @param loss a floating-point scalar
   * @param trainable the parameters to train (a subset of the graph's parameters)
   * @param config the configuration
   */
  public Trainer(Tensor loss, List<Tensor> trainable, TrainerConfig config) {
    long t0 = System.nanoTime();
    this.config = config;
    this.graph = loss.graph();
    this.allParams = graph.parameters();
    for (Tensor t : trainable) {
      if (t.kind() != Tensor.Kind.PARAMETER || t.graph() != graph) {
        throw new IllegalArgumentException("Trainable tensor " + t
            + " is not a parameter of graph " + graph.name());
      }
    }
    if (trainable.isEmpty()) {
      throw new IllegalArgumentException("Nothing to train: the trainable list is empty");
    }
    this.trainable = List.copyOf(trainable);
    List<Tensor> g = Autodiff.gradientList(loss, this.trainable);
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put(LOSS, loss);
    for (int i = 0; i < g.size(); i++) {
      outs.put(GRAD_PREFIX + this.trainable.get(i).name(), g.get(i));
    }
    // On an accelerator, frozen weights become session initializers: uploaded once, never bound
    // (and so never copied) per step. On the CPU they are bound in place as run inputs.
    this.frozenOnDevice = !config.runtime().provider().isCpu();
    this.gradExport = OnnxExporter.export(graph, outs,
        ExportOptions.training().withExternalAsInitializers(frozenOnDevice));
    this.batchInputs = gradExport.inputs(Tensor.Kind.INPUT);
    List<ParamSpec> specs = new ArrayList<>();
    for (Tensor t : this.trainable) {
      specs.add(ParamSpec.of(t));
    }
    this.optGraph = OptimizerGraph.build(config.optimizer(), specs, true);
    boolean ok = false;
    try {
      for (Map.Entry<String, TensorData> e : gradExport.externalValues().entrySet()) {
        external.put(e.getKey(), HostTensors.toHostShared(e.getValue()));
      }
      for (int bank = 0; bank < 2; bank++) {
        Map<String, HostTensor> pb = new LinkedHashMap<>();
        for (Tensor t : this.trainable) {
          pb.put(t.name(), HostTensors.toHost(t.data()));
        }
        paramBanks.add(pb);
        Map<String, HostTensor> sb = new LinkedHashMap<>();
        for (StateSpec s : optGraph.states()) {
          sb.put(s.name(), HostTensors.toHost(s.zeros()));
        }
        stateBanks.add(sb);
      }
      Set<String> trainNames = new HashSet<>();
      for (Tensor t : this.trainable) {
        trainNames.add(t.name());
      }
      for (Tensor t : allParams) {
        if (!trainNames.contains(t.name())) {
          fixedParams.put(t.name(), HostTensors.toHost(t.data()));
        }
      }
      fixedParams.keySet().retainAll(Trainer.names(gradExport.inputs()));
      for (Tensor t : this.trainable) {
        grads.put(t.name(), OrtRuntime.get().allocate(t.dtype(), t.shape().toArray()));
      }
      if (config.microBatches() > 1) {
        for (Tensor t : this.trainable) {
          gradAccum.put(t.name(), OrtRuntime.get().allocate(t.dtype(), t.shape().toArray()));
        }
      }
      noiseKeyIn = gradExport.inputs(Tensor.Kind.NOISE_KEY).isEmpty() ? null
          : OrtRuntime.get().allocate(DType.INT64);
      lossOut = OrtRuntime.get().allocate(loss.dtype(), loss.shape().toArray());
      lrIn = OrtRuntime.get().allocate(DType.FLOAT64);
      stepIn = OrtRuntime.get().allocate(DType.FLOAT64);
      gradScaleIn = OrtRuntime.get().allocate(DType.FLOAT64);
      gradNormOut = OrtRuntime.get().allocate(DType.FLOAT64);
      gradCompiled = frozenOnDevice
          ? OrtRuntime.get().compile(gradExport.model(), external, config.runtime())
          : OrtRuntime.get().compile(gradExport.model(), config.runtime());
      optCompiled = OrtRuntime.get().compile(optGraph.exported().model(), config.runtime());
      prepareOptimizerRuns();
      ok = true;
    } finally {
      if (!ok) {
        close();
      }
    }
    unchargedSetupSeconds = (System.nanoTime() - t0) / 1e9;
    LOG.info("Trainer for graph '{}': {} trainable tensors ({} values), {} frozen-by-choice, "
        + "{} batch inputs, optimizer {}", graph.name(), this.trainable.size(),
        countValues(this.trainable), fixedParams.size(), batchInputs.size(),
        config.optimizer().name());
  }

  /**
   * The exported gradient graph ({@code batch + parameters -> loss + gradients}) the trainer
   * runs, e.g. to audit its nodes with {@link io.github.mmesid.core.engine.check.KernelAudit}.
   *
   * @return the exported graph
   */
  public ExportedGraph gradientGraph() {
    return gradExport;
  }

  /**
   * The exported optimizer graph ({@code parameters + gradients + state -> new parameters +
   * state}) the trainer runs.
   *
   * @return the exported graph
   */
  public ExportedGraph optimizerGraph() {
    return optGraph.exported();
  }

  /**
   * The values the gradient run of the next update binds for a batch, by input name: the batch as
   * the source fills it, the noise key of the next update's first micro-batch (when the graph
   * makes random numbers), the parameters' current values, and frozen weights
   * bound as run inputs. Frozen weights that are initializers are in {@link
   * #gradientGraph()}'s external values. With them the run can be replayed elsewhere (e.g. on a
   * GPU by {@code benchmarks/gpu}). Copies; the trainer is unchanged apart from its prepared
   * buffers.
   *
   * @param source the examples
   * @param exampleIds the batch (one micro-batch)
   * @return input name to value, for every input of {@link #gradientGraph()}
   */
  public Map<String, TensorData> gradientInputs(BatchSource source, int[] exampleIds) {
    checkOpen();
    if (exampleIds.length == 0) {
      throw new IllegalArgumentException("gradientInputs needs at least one example id");
    }
    MicroRun mr = microRun(source, exampleIds);
    source.fill(exampleIds, mr);
    if (noiseKeyIn != null) {
      noiseKeyIn.setLong(0, noiseKey(config.seed(), stepsDone, 0));
    }
    Map<String, TensorData> out = new LinkedHashMap<>();
    onlyDeclared(gradientRunInputs(mr.inputs, cur), gradExport)
        .forEach((name, t) -> out.put(name, HostTensors.toData(t)));
    return out;
  }

  /**
   * The values the optimizer run of the next update would bind, by input name: the current
   * parameters, the gradients of the last gradient run (zero before the first), the optimizer
   * state, and the scalars (learning rate, step, gradient scale of one micro-batch). Copies.
   *
   * @param lr the learning rate to bind
   * @return input name to value, for every input of {@link #optimizerGraph()}
   */
  public Map<String, TensorData> optimizerInputs(double lr) {
    checkOpen();
    Map<String, HostTensor> sumGrads = summedGrads();
    Map<String, TensorData> out = new LinkedHashMap<>();
    for (Tensor t : trainable) {
      out.put(OptimizerGraph.paramInput(t.name()),
          HostTensors.toData(paramBanks.get(cur).get(t.name())));
      out.put(OptimizerGraph.gradInput(t.name()), HostTensors.toData(sumGrads.get(t.name())));
    }
    for (StateSpec s : optGraph.states()) {
      out.put(s.name(), HostTensors.toData(stateBanks.get(cur).get(s.name())));
    }
    out.put(OptimizerGraph.LR, TensorData.ofDoubles(new long[0], lr));
    out.put(OptimizerGraph.GRAD_SCALE, TensorData.ofDoubles(new long[0], 1.0));
    if (optGraph.hasStepInput()) {
      out.put(OptimizerGraph.STEP, TensorData.ofDoubles(new long[0], stepsDone + 1));
    }
    Set<String> declared = new HashSet<>(names(optGraph.exported().inputs()));
    out.keySet().retainAll(declared);
    return out;
  }

  /** The gradients the optimizer run reads: the accumulator when micro-batching. */
  private Map<String, HostTensor> summedGrads() {
    return config.microBatches() > 1 ? gradAccum : grads;
  }

  /** The optimizer run of each bank reads that bank and writes the other. */
  private void prepareOptimizerRuns() {
    Map<String, HostTensor> sumGrads = summedGrads();
    for (int bank = 0; bank < 2; bank++) {
      int next = 1 - bank;
      PreparedRun.Builder b = optCompiled.prepare();
      for (Tensor t : trainable) {
        b.bindInput(OptimizerGraph.paramInput(t.name()), paramBanks.get(bank).get(t.name()));
        b.bindInput(OptimizerGraph.gradInput(t.name()), sumGrads.get(t.name()));
        b.bindOutput(OptimizerGraph.outputOf(OptimizerGraph.paramInput(t.name())),
            paramBanks.get(next).get(t.name()));
      }
      for (StateSpec s : optGraph.states()) {
        b.bindInput(s.name(), stateBanks.get(bank).get(s.name()));
        b.bindOutput(OptimizerGraph.outputOf(s.name()), stateBanks.get(next).get(s.name()));
      }
      b.bindInput(OptimizerGraph.LR, lrIn).bindInput(OptimizerGraph.GRAD_SCALE, gradScaleIn);
      if (optGraph.hasStepInput()) {
        b.bindInput(OptimizerGraph.STEP, stepIn);
      }
      if (optGraph.hasGradNorm()) {
        b.bindOutput(OptimizerGraph.GRAD_NORM, gradNormOut);
      }
      optRuns[bank] = b.build();
    }
  }

  private static long countValues(List<Tensor> ts) {
    long n = 0;
    for (Tensor t : ts) {
      n += t.shape().numel();
    }
    return n;
  }

  /**
   * The number of updates one epoch takes for a data size.
   *
   * @param examples number of examples
   * @return updates per epoch
   */
  public long stepsPerEpoch(int examples) {
    return stepsPerEpoch(examples, config);
  }

  /**
   * The number of updates one epoch takes.
   *
   * @param examples number of examples
   * @param config the configuration
   * @return updates per epoch
   */
  public static long stepsPerEpoch(int examples, TrainerConfig config) {
    long b = config.batchSize();
    return config.dropLast() ? examples / b : (examples + b - 1) / b;
  }

  // ------------------------------------------------------------------ one train() call

  /**
   * The mutable state of one {@link #train} call: where the run stands (the position to resume
   * from), early stopping, the history so far and the clock.
   */
  private final class Run {
    final BatchSource source;
    final int examples;
    final long perEpoch;
    final long total;
    final Path root; // checkpoint root, or null
    final Map<String, String> settings;
    int epoch;
    long batchInEpoch;
    double best = Double.NaN;
    long bestStep = -1;
    int bad;
    ParameterSnapshot bestParams;
    boolean stoppedEarly;
    long resumedFrom = -1;
    final List<Double> losses = new ArrayList<>();
    final List<ValidationInfo> validations = new ArrayList<>();
    final EpochClock clock;
    // throughput of this call
    long startStep;
    long examplesDone;
    long startNanos;

    Run(BatchSource source, int examples, long perEpoch, long total, Map<String, String> s,
        EpochClock clock) {
      this.source = source;
      this.examples = examples;
      this.perEpoch = perEpoch;
      this.total = total;
      this.root = config.checkpointDir();
      this.settings = s;
      this.clock = clock;
    }

    /** Charges the time since the last charge to a phase of the current epoch. */
    void charge(Phase phase) {
      clock.charge(phase, epoch);
    }

    TrainingHistory history() {
      return new TrainingHistory(losses, validations, clock.timings());
    }

    TrainingCheckpoint.State state(int atEpoch, long atBatch) {
      return new TrainingCheckpoint.State(stepsDone, atEpoch, atBatch, best, bestStep, bad);
    }
  }

  /**
   * Trains on the data, resuming from the newest intact checkpoint when configured.
   *
   * <p>Resuming is safe: a checkpoint records the run's settings (the trainer's own: seed,
   * optimizer, schedule, batch size, micro-batches, epochs, shuffling, validation cadence and
   * patience; the caller's {@link TrainerConfig#runDescription()}; the number of examples and the
   * data fingerprints of {@link TrainerConfig#dataFingerprint()} and {@link
   * BatchSource#fingerprint()}), and a run resumes only when all are equal; only more epochs are
   * accepted, with {@link TrainerConfig.Builder#allowEpochExtension}. Settings of how a run
   * executes (threads, provider, checkpoint cadence, {@code maxSteps}, listeners) may change. If
   * the newest checkpoint is damaged (truncated or missing file, bad manifest) the next older one
   * is used, with a warning naming the damaged one, which is moved aside. The result's history
   * covers the whole run, including the part before the resume.
   *
   * @param source the training examples
   * @return the result
   * @throws TrainingDivergedException if the loss becomes NaN or infinite
   * @throws CheckpointMismatchException if the checkpoint to resume was written with other
   *     settings or data (the message names each difference)
   * @throws IllegalArgumentException if the checkpoint directory holds step checkpoints but all
   *     are damaged (the message names each and why)
   */
  public TrainingResult train(BatchSource source) {
    checkOpen();
    Run run = begin(source);
    while (run.epoch < config.epochs() && stepsDone < run.total && !run.stoppedEarly) {
      runEpoch(run);
    }
    ParameterSnapshot result = config.restoreBest() && run.bestParams != null
        ? run.bestParams : snapshot();
    TrainingHistory h = run.history();
    double lastLoss = h.losses().isEmpty() ? Double.NaN : h.losses().get(h.losses().size() - 1);
    return new TrainingResult(result, stepsDone, Math.min(run.epoch, config.epochs()), lastLoss,
        run.best, run.bestStep, run.stoppedEarly, h.losses(), h.validations(), h.epochs(),
        run.resumedFrom);
  }

  /** Validates the data, resumes if configured, and starts the clock. */
  private Run begin(BatchSource source) {
    long t0 = System.nanoTime();
    int n = source.size();
    if (n <= 0) {
      throw new IllegalArgumentException("BatchSource has no examples");
    }
    List<int[]> own = source.epochBatches(config.seed(), 0, config.batchSize());
    long perEpoch = own != null ? own.size() : stepsPerEpoch(n);
    if (perEpoch == 0) {
      throw new IllegalArgumentException("No complete batch: " + n + " examples < batchSize "
          + config.batchSize() + " with dropLast");
    }
    long total = Math.min(config.maxSteps(), perEpoch * config.epochs());
    Run run = new Run(source, n, perEpoch, total,
        RunSettings.of(config, trainable, config.checkpointDir() != null ? source : null, n),
        new EpochClock(t0, unchargedSetupSeconds));
    unchargedSetupSeconds = 0;
    stepsDone = 0;
    if (run.root != null && config.resume()) {
      resume(run);
    }
    run.charge(Phase.SETUP);
    run.startStep = stepsDone;
    run.startNanos = System.nanoTime();
    return run;
  }

  /** Runs the rest of the current epoch (from {@code run.batchInEpoch}). */
  private void runEpoch(Run run) {
    List<int[]> own = run.source.epochBatches(config.seed(), run.epoch, config.batchSize());
    if (own != null && own.size() != run.perEpoch) {
      throw new IllegalStateException("BatchSource.epochBatches gave " + own.size()
          + " batches for epoch " + run.epoch + " but " + run.perEpoch + " for epoch 0; every "
          + "epoch must have the same number of batches");
    }
    int[] order = own != null ? null
        : permutation(run.examples, config.seed(), run.epoch, config.shuffle());
    for (long b = run.batchInEpoch; b < run.perEpoch && stepsDone < run.total; b++) {
      run.batchInEpoch = b;
      trainBatch(run, own != null ? own.get((int) b) : batchOf(run, order, b));
      boolean epochEnd = b + 1 == run.perEpoch;
      int nextEpoch = epochEnd ? run.epoch + 1 : run.epoch;
      long nextBatch = epochEnd ? 0 : b + 1;
      if (config.validation() != null && (config.validateEvery() > 0
          ? stepsDone % config.validateEvery() == 0 : epochEnd)) {
        if (validate(run, nextEpoch, nextBatch)) {
          LOG.info("Early stopping at step {}: {} validations without improvement", stepsDone,
              run.bad);
          run.stoppedEarly = true;
          writeStepCheckpoint(run, nextEpoch, nextBatch);
          run.epoch = nextEpoch;
          run.batchInEpoch = nextBatch;
          return;
        }
      }
      boolean checkpointDue = config.checkpointEvery() > 0
          ? stepsDone % config.checkpointEvery() == 0 : epochEnd;
      if (checkpointDue || stepsDone == run.total) {
        writeStepCheckpoint(run, nextEpoch, nextBatch);
      }
      run.epoch = nextEpoch;
      run.batchInEpoch = nextBatch;
    }
  }

  /** Batch {@code b} of the default epoch order. */
  private int[] batchOf(Run run, int[] order, long b) {
    int from = (int) (b * config.batchSize());
    int to = (int) Math.min(run.examples, from + (long) config.batchSize());
    return Arrays.copyOfRange(order, from, to);
  }

  /** One update on the given examples, then progress reporting. */
  private void trainBatch(Run run, int[] ids) {
    if (ids.length == 0) {
      throw new IllegalStateException("an empty batch at epoch " + run.epoch + "; every batch "
          + "needs at least one example");
    }
    if (!transferLogged) {
      transferLogged = true;
      StepTransfer t = transferPerStep(run.source, ids);
      LOG.info("per update (first batch's shapes): {} MiB host->device, {} MiB device->host{}"
          + " on {}", String.format("%.2f", t.hostToDevice() / 1048576.0),
          String.format("%.2f", t.deviceToHost() / 1048576.0), frozenOnDevice
              ? String.format("; %.1f MiB of frozen weights resident on the device",
                  t.residentFrozen() / 1048576.0) : "", config.runtime().provider());
    }
    double loss = applyUpdate(run.source, ids, run);
    run.examplesDone += ids.length;
    run.losses.add(loss);
    run.clock.countUpdate(run.epoch);
    long step = stepsDone;
    double elapsed = (System.nanoTime() - run.startNanos) / 1e9;
    double rate = run.examplesDone / Math.max(elapsed, 1e-9);
    double stepsPerSec = (step - run.startStep) / Math.max(elapsed, 1e-9);
    double eta = (run.total - step) / Math.max(stepsPerSec, 1e-9);
    StepInfo info = new StepInfo(step, run.total, run.epoch, loss, lastLr, lastGradNorm, rate,
        eta);
    for (TrainingListener l : config.listeners()) {
      l.onStep(info);
    }
    if (step % config.logEvery() == 0 || step == run.total) {
      LOG.info("step {}/{} epoch {} loss {} lr {} {} ex/s ETA {}", step, run.total, run.epoch,
          String.format("%.5f", loss), String.format("%.3g", lastLr),
          String.format("%.0f", rate), formatSeconds(eta));
    }
    run.charge(Phase.TRAIN);
  }

  /**
   * Validates the current parameters and updates early stopping (and the best checkpoint, whose
   * resume position is {@code nextEpoch}/{@code nextBatch}).
   *
   * @return whether to stop early
   */
  private boolean validate(Run run, int nextEpoch, long nextBatch) {
    long step = stepsDone;
    ParameterSnapshot snap = snapshot();
    double metric = config.validation().evaluate(snap);
    if (!Double.isFinite(metric)) {
      throw new IllegalStateException("Validation hook returned " + metric + " at step "
          + step + "; it must return a finite metric");
    }
    boolean improved = Double.isNaN(run.best)
        || (config.higherIsBetter() ? metric > run.best : metric < run.best);
    if (improved) {
      run.best = metric;
      run.bestStep = step;
      run.bad = 0;
      run.bestParams = snap;
      if (run.root != null) {
        run.charge(Phase.VALIDATION);
        TrainingCheckpoint.write(run.root.resolve(TrainingCheckpoint.BEST_DIR),
            run.state(nextEpoch, nextBatch), run.settings, TrainingHistory.EMPTY, snap.values(),
            Map.of());
        run.charge(Phase.CHECKPOINT);
      }
    } else {
      run.bad++;
    }
    ValidationInfo vi = new ValidationInfo(step, run.epoch, metric, run.best, improved, run.bad);
    run.validations.add(vi);
    for (TrainingListener l : config.listeners()) {
      l.onValidation(vi);
    }
    LOG.info("validation at step {}: {} (best {} at step {})", step,
        String.format("%.5f", metric), String.format("%.5f", run.best), run.bestStep);
    run.charge(Phase.VALIDATION);
    return config.patience() > 0 && run.bad >= config.patience();
  }

  /**
   * Writes a step checkpoint of the current state with the given resume position, marks it
   * latest and prunes old ones; returns it (null without a checkpoint directory).
   */
  private Path writeStepCheckpoint(Run run, int atEpoch, long atBatch) {
    if (run.root == null) {
      return null;
    }
    Path dir = run.root.resolve(TrainingCheckpoint.stepDirName(stepsDone));
    TrainingCheckpoint.write(dir, run.state(atEpoch, atBatch), run.settings, run.history(),
        snapshot().values(), optimizerState());
    TrainingCheckpoint.markLatest(run.root, dir);
    TrainingCheckpoint.prune(run.root, config.keepCheckpoints());
    for (TrainingListener l : config.listeners()) {
      l.onCheckpoint(stepsDone, dir);
    }
    run.charge(Phase.CHECKPOINT);
    return dir;
  }

  // ------------------------------------------------------------------ resume

  /** Continues from the newest intact checkpoint, if any, after checking its settings. */
  private void resume(Run run) {
    TrainingCheckpoint ck = TrainingCheckpoint.newestIntact(run.root);
    if (ck == null) {
      return;
    }
    RunSettings.check(ck, run.settings, config.allowEpochExtension());
    restore(ck);
    TrainingCheckpoint.State s = ck.state();
    stepsDone = s.step();
    run.resumedFrom = s.step();
    run.epoch = s.epoch();
    run.batchInEpoch = s.batchInEpoch();
    run.best = s.bestMetric();
    run.bestStep = s.bestStep();
    run.bad = s.validationsWithoutImprovement();
    run.losses.addAll(ck.history().losses());
    run.validations.addAll(ck.history().validations());
    run.clock.restore(ck.history().epochs());
    Path bestDir = run.root.resolve(TrainingCheckpoint.BEST_DIR);
    if (run.bestStep >= 0 && Files.isDirectory(bestDir)) {
      run.bestParams = TrainingCheckpoint.read(bestDir).parameters();
    }
    LOG.info("Resumed from {} at step {} (epoch {}, batch {})", ck.directory(), stepsDone,
        run.epoch, run.batchInEpoch);
  }

  private void restore(TrainingCheckpoint ck) {
    Map<String, TensorData> p = ck.parameters().values();
    for (Tensor t : trainable) {
      TensorData d = p.get(t.name());
      if (d == null) {
        throw new IllegalArgumentException("Checkpoint " + ck.directory() + " lacks parameter "
            + t.name() + "; it has " + p.keySet());
      }
      HostTensors.copyInto(d, paramBanks.get(cur).get(t.name()), "checkpoint " + ck.directory());
    }
    for (Map.Entry<String, HostTensor> e : fixedParams.entrySet()) {
      TensorData d = p.get(e.getKey());
      if (d != null) {
        HostTensors.copyInto(d, e.getValue(), "checkpoint " + ck.directory());
      }
    }
    for (Map.Entry<String, HostTensor> e : stateBanks.get(cur).entrySet()) {
      TensorData d = ck.optimizerState().get(e.getKey());
      if (d == null) {
        throw new IllegalArgumentException("Checkpoint " + ck.directory()
            + " lacks optimizer state " + e.getKey() + " (was it written by another optimizer?)");
      }
      HostTensors.copyInto(d, e.getValue(), "checkpoint " + ck.directory());
    }
  }

  // ------------------------------------------------------------------ one update

  /**
   * Runs one optimizer update on the given examples outside {@link #train} (for custom loops and
   * benchmarks): forward, backward (micro-batched as configured) and the optimizer step, with the
   * learning rate of the schedule at this trainer's update count. No checkpoint, validation or
   * logging happens here.
   *
   * @param source the examples
   * @param exampleIds the batch's example indices
   * @return the batch's mean loss
   * @throws TrainingDivergedException if the loss or gradient norm is not finite (the update is
   *     then not applied)
   */
  public double trainStep(BatchSource source, int[] exampleIds) {
    checkOpen();
    if (exampleIds.length == 0) {
      throw new IllegalArgumentException("trainStep needs at least one example id");
    }
    return applyUpdate(source, exampleIds, null);
  }

  /**
   * Forward, backward and optimizer update on one batch; on success the banks swap and the
   * update count grows by one. A non-finite loss or gradient norm leaves the parameters as they
   * were and throws, after writing a checkpoint of that state when {@code run} has a checkpoint
   * directory (resuming at the failing batch).
   */
  private double applyUpdate(BatchSource source, int[] ids, Run run) {
    double loss = forwardBackward(source, ids, stepsDone);
    long t = stepsDone + 1;
    if (!Double.isFinite(loss)) {
      Path good = lastGood(run);
      throw new TrainingDivergedException("Training loss became " + loss + " at update " + t
          + where(run) + "; the parameters of the last good update were kept"
          + (good == null ? "" : " in " + good)
          + ". Lower the learning rate, enable gradient clipping, or check the data.",
          stepsDone, good);
    }
    double lr = config.schedule().lrForUpdate(config.optimizer().lr(), t);
    double gradNorm = update(t, lr);
    if (optGraph.hasGradNorm() && !Double.isFinite(gradNorm)) {
      Path good = lastGood(run);
      throw new TrainingDivergedException("Gradient norm became " + gradNorm + " at update " + t
          + where(run) + "; the update was not applied"
          + (good == null ? "" : " and the last good state is in " + good), stepsDone, good);
    }
    cur = 1 - cur;
    stepsDone = t;
    lastLr = lr;
    lastGradNorm = gradNorm;
    return loss;
  }

  private Path lastGood(Run run) {
    return run == null ? null : writeStepCheckpoint(run, run.epoch, run.batchInEpoch);
  }

  private static String where(Run run) {
    return run == null ? "" : " (epoch " + run.epoch + ", batch " + run.batchInEpoch + ")";
  }

  /** Forward and backward over the micro-batches; leaves summed gradients; returns mean loss. */
  private double forwardBackward(BatchSource source, int[] ids, long step) {
    int micro = Math.min(config.microBatches(), ids.length);
    double lossSum = 0;
    microsRun = 0;
    for (int k = 0; k < micro; k++) {
      int[] mids = microBatch(ids, k, micro);
      MicroRun mr = microRun(source, mids);
      source.fill(mids, mr);
      if (noiseKeyIn != null) {
        noiseKeyIn.setLong(0, noiseKey(config.seed(), step, k));
      }
      mr.runs[cur].run();
      lossSum += lossOut.getAsDouble(0);
      microsRun++;
      if (config.microBatches() > 1) {
        accumulate(microsRun == 1);
      }
    }
    return lossSum / microsRun;
  }

  /** Runs the optimizer graph into the other bank; returns the gradient norm (NaN if none). */
  private double update(long t, double lr) {
    lrIn.setDouble(0, lr);
    stepIn.setDouble(0, t);
    gradScaleIn.setDouble(0, 1.0 / microsRun);
    optRuns[cur].run();
    return optGraph.hasGradNorm() ? gradNormOut.getDouble(0) : Double.NaN;
  }

  /**
   * The prepared run for the shapes of a batch of these examples: the most recently used one
   * with equal shapes, else a new one (closing the least recently used beyond {@value
   * #MAX_PREPARED_SHAPES}). A hit allocates nothing.
   */
  /**
   * The bytes one update moves between host buffers and the execution provider's memory for a
   * batch of the given shapes: every bound input of the gradient run (batch, noise key,
   * trainable and fixed parameters, frozen weights unless they are device-resident initializers)
   * and of the optimizer run (parameters, gradients, optimizer state), and every bound output
   * (loss, gradients, new parameters and state). Random numbers are made in the graph: only the
   * noise key crosses. On the CPU provider nothing is copied (buffers are bound in place); the
   * figure is what a GPU run with the same bindings transfers.
   *
   * @param source the batch source
   * @param exampleIds the examples of one batch (one micro-batch each when micro-batching)
   * @return the transfer per update
   */
  public StepTransfer transferPerStep(BatchSource source, int[] exampleIds) {
    checkOpen();
    if (exampleIds.length == 0) {
      throw new IllegalArgumentException("transferPerStep needs at least one example id");
    }
    long params = bytes(paramBanks.get(0).values());
    long state = bytes(stateBanks.get(0).values());
    long fixed = bytes(fixedParams.values()) + (frozenOnDevice ? 0 : bytes(external.values()));
    int micro = Math.max(1, Math.min(config.microBatches(), exampleIds.length));
    long[] batches = new long[micro];
    for (int k = 0; k < micro; k++) {
      Map<String, long[]> shapes = source.inputShapes(microBatch(exampleIds, k, micro));
      long batch = 0;
      for (ValueSpec v : batchInputs) {
        batch += numel(shapes.get(v.name())) * v.dtype().byteSize();
      }
      if (noiseKeyIn != null) {
        batch += noiseKeyIn.byteSize();
      }
      batches[k] = batch;
    }
    // the gradient buffers have the trainable parameters' dtypes and shapes, hence their bytes
    return StepTransfer.of(params, state, fixed, lossOut.byteSize(),
        frozenOnDevice ? bytes(external.values()) : 0, batches);
  }

  /**
   * Micro-batch {@code k} of {@code micro} ({@code 1 <= micro <= ids.length}): contiguous, sizes
   * differing by at most one, never empty; {@code ids} itself when it is the whole batch.
   */
  private static int[] microBatch(int[] ids, int k, int micro) {
    int from = (int) ((long) ids.length * k / micro);
    int to = (int) ((long) ids.length * (k + 1) / micro);
    return from == 0 && to == ids.length ? ids : Arrays.copyOfRange(ids, from, to);
  }

  /**
   * Bytes moved per update (see {@link Trainer#transferPerStep}).
   *
   * @param hostToDevice bytes copied to the provider's memory per update
   * @param deviceToHost bytes copied back per update
   * @param residentFrozen bytes of frozen weights uploaded once as initializers (0 on the CPU)
   */
  public record StepTransfer(long hostToDevice, long deviceToHost, long residentFrozen) {
    /**
     * The transfer of one update from buffer sizes alone: the formula {@link
     * Trainer#transferPerStep} evaluates on its bound buffers, usable for a model too large to
     * build here. Per micro-batch the gradient run receives the batch, the trainable parameters
     * and the fixed inputs and returns the loss and the gradients; once per update the optimizer
     * run receives the parameters, the gradients, the state and three scalars (learning rate,
     * step, gradient scale) and returns the new parameters, the new state and the gradient norm.
     *
     * @param trainableBytes bytes of the trainable parameters (their gradients are as large)
     * @param stateBytes bytes of the optimizer state
     * @param fixedBytes bytes bound per gradient run besides the batch: non-trainable parameters,
     *     and frozen weights kept out of the model unless they are device-resident initializers
     * @param lossBytes bytes of the loss
     * @param residentFrozen bytes of frozen weights uploaded once (reported, not per update)
     * @param microBatchBytes bytes of each micro-batch's batch inputs and noise key (8 bytes when
     *     the graph makes random numbers)
     * @return the transfer
     * @throws IllegalArgumentException if a size is negative or no micro-batch is given
     */
    public static StepTransfer of(long trainableBytes, long stateBytes, long fixedBytes,
        long lossBytes, long residentFrozen, long... microBatchBytes) {
      if (trainableBytes < 0 || stateBytes < 0 || fixedBytes < 0 || lossBytes < 0
          || residentFrozen < 0 || microBatchBytes.length == 0) {
        throw new IllegalArgumentException("StepTransfer.of needs sizes >= 0 and at least one "
            + "micro-batch");
      }
      long toDevice = 2 * trainableBytes + stateBytes + 3 * 8; // optimizer run
      long toHost = trainableBytes + stateBytes + 8;
      for (long batch : microBatchBytes) {
        if (batch < 0) {
          throw new IllegalArgumentException("micro-batch bytes must be >= 0, got " + batch);
        }
        toDevice += batch + trainableBytes + fixedBytes;
        toHost += lossBytes + trainableBytes;
      }
      return new StepTransfer(toDevice, toHost, residentFrozen);
    }
  }

  private static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  private static long bytes(java.util.Collection<HostTensor> ts) {
    long n = 0;
    for (HostTensor t : ts) {
      n += t.byteSize();
    }
    return n;
  }

  private MicroRun microRun(BatchSource source, int[] ids) {
    Map<String, long[]> shapes = source.inputShapes(ids);
    for (int i = 0; i < microRuns.size(); i++) {
      MicroRun r = microRuns.get(i);
      if (r.matches(ids.length, shapes)) {
        if (i > 0) {
          microRuns.remove(i);
          microRuns.add(0, r);
        }
        return r;
      }
    }
    MicroRun r = new MicroRun(ids.length, shapes);
    microRuns.add(0, r);
    if (microRuns.size() > MAX_PREPARED_SHAPES) {
      microRuns.remove(microRuns.size() - 1).close();
    }
    return r;
  }

  /** Number of batch shape signatures with prepared runs (for tests). */
  int preparedShapes() {
    return microRuns.size();
  }

  /**
   * The {@linkplain Graph#noiseKey() noise key} the trainer feeds to one micro-batch run: a
   * function of (seed, update, micro-batch) only, so in-graph random numbers (dropout masks) are
   * reproducible and a resumed run makes the same ones. With {@link
   * io.github.mmesid.core.engine.graph.RandomOps#keepMaskValues} it gives the exact masks of a
   * run.
   *
   * @param seed the trainer's seed
   * @param step the number of updates done before this one (0 for the first update)
   * @param micro the micro-batch index within the update
   * @return the key
   */
  public static long noiseKey(long seed, long step, int micro) {
    return mix(seed, step, micro, 0);
  }

  private void accumulate(boolean first) {
    for (Map.Entry<String, HostTensor> e : grads.entrySet()) {
      HostTensor g = e.getValue();
      HostTensor acc = gradAccum.get(e.getKey());
      if (first) {
        acc.copyFrom(g);
      } else if (g.dtype() == DType.FLOAT64) {
        DoubleBuffer a = acc.doubleView();
        DoubleBuffer s = g.doubleView();
        for (int i = 0, n = g.size(); i < n; i++) {
          a.put(i, a.get(i) + s.get(i));
        }
      } else {
        FloatBuffer a = acc.floatView();
        FloatBuffer s = g.floatView();
        for (int i = 0, n = g.size(); i < n; i++) {
          a.put(i, a.get(i) + s.get(i));
        }
      }
    }
  }

  static long mix(long seed, long step, int micro, int input) {
    long h = seed * 0x9E3779B97F4A7C15L + step;
    h = h * 0xBF58476D1CE4E5B9L + micro;
    h = h * 0x94D049BB133111EBL + input;
    return h ^ (h >>> 31);
  }

  static int[] permutation(int n, long seed, int epoch, boolean shuffle) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    if (shuffle) {
      SplittableRandom r = new SplittableRandom(mix(seed, epoch, -1, -1));
      for (int i = n - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int tmp = p[i];
        p[i] = p[j];
        p[j] = tmp;
      }
    }
    return p;
  }

  // ------------------------------------------------------------------ parameters

  /**
   * A copy of the current values of all parameters (trained and fixed).
   *
   * @return the snapshot
   */
  public ParameterSnapshot snapshot() {
    checkOpen();
    Map<String, TensorData> m = new LinkedHashMap<>();
    for (Tensor t : allParams) {
      HostTensor h = paramBanks.get(cur).get(t.name());
      if (h == null) {
        h = fixedParams.get(t.name());
      }
      m.put(t.name(), h == null ? t.data() : HostTensors.toData(h));
    }
    return new ParameterSnapshot(m);
  }

  /**
   * Overwrites the current values of some parameters between updates, for example from a {@link
   * ValidationHook} or {@link TrainingListener} that re-initialises unused codebook rows. The
   * optimizer state of the parameters is kept; the next update starts from the new values.
   *
   * @param values parameter name to its new value (same dtype and shape as the parameter)
   * @throws IllegalArgumentException if a name is not a parameter of the graph or a value has the
   *     wrong dtype or shape
   * @throws IllegalStateException if the trainer is closed
   */
  public void setParameters(Map<String, TensorData> values) {
    checkOpen();
    for (Map.Entry<String, TensorData> e : values.entrySet()) {
      HostTensor h = paramBanks.get(cur).get(e.getKey());
      if (h == null) {
        h = fixedParams.get(e.getKey());
      }
      if (h == null) {
        throw new IllegalArgumentException("setParameters: '" + e.getKey()
            + "' is not a parameter fed to the training graph; parameters: "
            + paramBanks.get(cur).keySet() + " (trainable), " + fixedParams.keySet() + " (fixed)");
      }
      HostTensors.copyInto(e.getValue(), h, "setParameters value of '" + e.getKey() + "'");
    }
  }

  private Map<String, TensorData> optimizerState() {
    Map<String, TensorData> m = new LinkedHashMap<>();
    for (Map.Entry<String, HostTensor> e : stateBanks.get(cur).entrySet()) {
      m.put(e.getKey(), HostTensors.toData(e.getValue()));
    }
    return m;
  }

  private static String formatSeconds(double s) {
    if (!Double.isFinite(s)) {
      return "?";
    }
    long t = Math.round(s);
    return String.format("%02d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("Trainer is closed");
    }
  }

  /** Releases sessions and buffers; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (MicroRun r : microRuns) {
      r.close();
    }
    microRuns.clear();
    for (PreparedRun r : optRuns) {
      if (r != null) {
        r.close();
      }
    }
    if (gradCompiled != null) {
      gradCompiled.close();
    }
    if (optCompiled != null) {
      optCompiled.close();
    }
    List<HostTensor> all = new ArrayList<>(external.values());
    paramBanks.forEach(m -> all.addAll(m.values()));
    stateBanks.forEach(m -> all.addAll(m.values()));
    all.addAll(fixedParams.values());
    all.addAll(grads.values());
    all.addAll(gradAccum.values());
    for (HostTensor h : new HostTensor[] {lossOut, lrIn, stepIn, gradScaleIn, gradNormOut,
        noiseKeyIn}) {
      if (h != null) {
        all.add(h);
      }
    }
    all.forEach(HostTensor::close);
  }
}
