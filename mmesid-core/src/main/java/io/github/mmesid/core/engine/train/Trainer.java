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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the parameters of a graph by minimising a scalar loss.
 *
 * <p>The trainer derives the gradient graph ({@code batch + parameters -> loss + gradients}) with
 * {@link Autodiff} and the optimizer graph ({@code parameters + gradients + state -> new
 * parameters + state}) with {@link OptimizerGraph}, compiles both once, and runs them as ONNX
 * Runtime sessions over buffers allocated once: parameters and optimizer state live in two banks
 * of direct buffers that swap roles after each update, gradients and batches in fixed buffers,
 * so a step allocates nothing proportional to the model.
 *
 * <p>Determinism: example order depends only on ({@code seed}, epoch), random (dropout) inputs
 * only on ({@code seed}, step, micro-batch, input), so a run resumed from a checkpoint continues
 * exactly like the uninterrupted run.
 *
 * <p>A trainer is single-use per {@link #fit} call and not thread-safe; it owns native
 * resources until {@link #close()}.
 */
public final class Trainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  private static final String LOSS = "loss";
  private static final String GRAD_PREFIX = "g.";

  private final TrainerConfig config;
  private final Graph graph;
  private final List<Tensor> trainable;
  private final List<Tensor> allParams;
  private final ExportedGraph gradExport;
  private final OptimizerGraph optGraph;
  private final CompiledGraph gradCompiled;
  private final CompiledGraph optCompiled;
  private final List<ValueSpec> batchInputs;
  private final List<ValueSpec> randomInputs;
  private final Map<String, HostTensor> external = new LinkedHashMap<>();
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
  private final Map<Integer, MicroRun> microRuns = new HashMap<>();
  private int cur = 0;
  private int microsRun;
  private long stepsDone;
  private double lastLr;
  private double lastGradNorm;
  private boolean closed;

  /** Buffers and prepared gradient runs for one micro-batch size. */
  private final class MicroRun implements Batch {
    final int size;
    final Map<String, HostTensor> inputs = new LinkedHashMap<>();
    final Map<String, HostTensor> randoms = new LinkedHashMap<>();
    final PreparedRun[] runs = new PreparedRun[2];

    MicroRun(int size, BatchSource source) {
      this.size = size;
      Map<String, long[]> shapes = source.inputShapes(size);
      for (ValueSpec v : batchInputs) {
        long[] shape = shapes.get(v.name());
        if (shape == null) {
          throw new IllegalArgumentException("BatchSource.inputShapes(" + size
              + ") gives no shape for graph input '" + v.name() + "'; graph inputs: "
              + Trainer.names(batchInputs));
        }
        checkShape(v, shape);
        inputs.put(v.name(), OrtRuntime.get().allocate(v.dtype(), shape));
      }
      for (ValueSpec v : randomInputs) {
        long[] shape = shapes.get(v.name());
        if (shape == null) {
          throw new IllegalArgumentException("BatchSource.inputShapes(" + size
              + ") gives no shape for random input '" + v.name() + "' " + v.shape()
              + "; include it (known: " + shapes.keySet() + ")");
        }
        checkShape(v, shape);
        randoms.put(v.name(), OrtRuntime.get().allocate(v.dtype(), shape));
      }
      for (int bank = 0; bank < 2; bank++) {
        PreparedRun.Builder b = gradCompiled.prepare();
        b.bindInputs(inputs).bindInputs(randoms).bindInputs(external).bindInputs(fixedParams);
        b.bindInputs(onlyDeclared(paramBanks.get(bank), gradExport));
        b.bindOutput(LOSS, lossOut);
        for (Tensor p : trainable) {
          b.bindOutput(GRAD_PREFIX + p.name(), grads.get(p.name()));
        }
        runs[bank] = b.build();
      }
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
      return Collections.unmodifiableSet(inputs.keySet());
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
      randoms.values().forEach(HostTensor::close);
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

  private static Map<String, HostTensor> onlyDeclared(Map<String, HostTensor> m,
      ExportedGraph e) {
    Set<String> declared = new HashSet<>();
    for (ValueSpec v : e.inputs()) {
      declared.add(v.name());
    }
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
    this.gradExport = OnnxExporter.export(graph, outs, ExportOptions.training());
    this.batchInputs = gradExport.inputs(Tensor.Kind.INPUT);
    this.randomInputs = gradExport.inputs(Tensor.Kind.RANDOM);
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
        grads.put(t.name(), OrtRuntime.get().allocate(t.dtype(),
            t.shape().toArray()));
      }
      if (config.microBatches() > 1) {
        for (Tensor t : this.trainable) {
          gradAccum.put(t.name(), OrtRuntime.get().allocate(t.dtype(),
              t.shape().toArray()));
        }
      }
      lossOut = OrtRuntime.get().allocate(loss.dtype(),
          loss.shape().toArray());
      lrIn = OrtRuntime.get().allocate(DType.FLOAT64);
      stepIn = OrtRuntime.get().allocate(DType.FLOAT64);
      gradScaleIn = OrtRuntime.get().allocate(DType.FLOAT64);
      gradNormOut = OrtRuntime.get().allocate(DType.FLOAT64);
      gradCompiled = OrtRuntime.get().compile(gradExport.model(), config.runtime());
      optCompiled = OrtRuntime.get().compile(optGraph.exported().model(), config.runtime());
      Map<String, HostTensor> sumGrads = config.microBatches() > 1 ? gradAccum : grads;
      for (int bank = 0; bank < 2; bank++) {
        int next = 1 - bank;
        PreparedRun.Builder b = optCompiled.prepare();
        for (Tensor t : this.trainable) {
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
      ok = true;
    } finally {
      if (!ok) {
        close();
      }
    }
    LOG.info("Trainer for graph '{}': {} trainable tensors ({} values), {} frozen-by-choice, "
        + "{} batch inputs, optimizer {}", graph.name(), this.trainable.size(),
        countValues(this.trainable), fixedParams.size(), batchInputs.size(),
        config.optimizer().name());
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

  /**
   * Trains on the data, resuming from the latest checkpoint when configured.
   *
   * @param source the training examples
   * @return the result
   * @throws TrainingDivergedException if the loss becomes NaN or infinite
   */
  public TrainingResult fit(BatchSource source) {
    checkOpen();
    int n = source.size();
    if (n <= 0) {
      throw new IllegalArgumentException("BatchSource has no examples");
    }
    long perEpoch = stepsPerEpoch(n);
    if (perEpoch == 0) {
      throw new IllegalArgumentException("No complete batch: " + n + " examples < batchSize "
          + config.batchSize() + " with dropLast");
    }
    long total = Math.min(config.maxSteps(), perEpoch * config.epochs());
    long step = 0;
    int epoch = 0;
    long batchInEpoch = 0;
    double best = Double.NaN;
    long bestStep = -1;
    int bad = 0;
    ParameterSnapshot bestParams = null;
    Path root = config.checkpointDir();
    if (root != null && config.resume()) {
      Optional<Path> latest = TrainingCheckpoint.latest(root);
      if (latest.isPresent()) {
        TrainingCheckpoint ck = TrainingCheckpoint.read(latest.get());
        restore(ck);
        TrainingCheckpoint.State s = ck.state();
        if (s.seed() != config.seed()) {
          throw new IllegalArgumentException("Checkpoint " + latest.get() + " was trained with seed "
              + s.seed() + " but this trainer has seed " + config.seed()
              + "; use the same seed or resume(false)");
        }
        step = s.step();
        epoch = s.epoch();
        batchInEpoch = s.batchInEpoch();
        best = s.bestMetric();
        bestStep = s.bestStep();
        bad = s.validationsWithoutImprovement();
        Path bestDir = root.resolve(TrainingCheckpoint.BEST_DIR);
        if (bestStep >= 0 && Files.isDirectory(bestDir)) {
          bestParams = TrainingCheckpoint.read(bestDir).parameters();
        }
        LOG.info("Resumed from {} at step {} (epoch {}, batch {})", latest.get(), step, epoch,
            batchInEpoch);
      }
    }
    stepsDone = step;
    List<Double> history = new ArrayList<>();
    long examplesDone = 0;
    long startNanos = System.nanoTime();
    long startStep = step;
    double lastLoss = Double.NaN;
    boolean stoppedEarly = false;
    outer:
    while (epoch < config.epochs() && step < total) {
      int[] order = permutation(n, config.seed(), epoch, config.shuffle());
      for (long b = batchInEpoch; b < perEpoch && step < total; b++) {
        int from = (int) (b * config.batchSize());
        int to = (int) Math.min(n, from + (long) config.batchSize());
        int bs = to - from;
        int[] ids = Arrays.copyOfRange(order, from, to);
        final int epochNow = epoch;
        final long batchNow = b;
        final double bestNow = best;
        final long bestStepNow = bestStep;
        final int badNow = bad;
        double loss = applyUpdate(source, ids, " (epoch " + epoch + ", batch " + b + ")",
            () -> root == null ? null : writeStepCheckpoint(root, stepsDone, epochNow, batchNow,
                bestNow, bestStepNow, badNow));
        step = stepsDone;
        double lr = lastLr;
        double gradNorm = lastGradNorm;
        examplesDone += bs;
        lastLoss = loss;
        history.add(loss);
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        double rate = examplesDone / Math.max(elapsed, 1e-9);
        double stepsPerSec = (step - startStep) / Math.max(elapsed, 1e-9);
        double eta = (total - step) / Math.max(stepsPerSec, 1e-9);
        StepInfo info = new StepInfo(step, total, epoch, loss, lr, gradNorm, rate, eta);
        for (TrainingListener l : config.listeners()) {
          l.onStep(info);
        }
        if (step % config.logEvery() == 0 || step == total) {
          LOG.info("step {}/{} epoch {} loss {} lr {} {} ex/s ETA {}", step, total, epoch,
              String.format("%.5f", loss), String.format("%.3g", lr), String.format("%.0f", rate),
              formatSeconds(eta));
        }
        boolean epochEnd = b + 1 == perEpoch;
        long nextBatch = epochEnd ? 0 : b + 1;
        int nextEpoch = epochEnd ? epoch + 1 : epoch;
        if (config.validation() != null && (config.validateEvery() > 0
            ? step % config.validateEvery() == 0 : epochEnd)) {
          ParameterSnapshot snap = snapshot();
          double metric = config.validation().evaluate(snap);
          if (!Double.isFinite(metric)) {
            throw new IllegalStateException("Validation hook returned " + metric + " at step "
                + step + "; it must return a finite metric");
          }
          boolean improved = Double.isNaN(best)
              || (config.higherIsBetter() ? metric > best : metric < best);
          if (improved) {
            best = metric;
            bestStep = step;
            bad = 0;
            bestParams = snap;
            if (root != null) {
              TrainingCheckpoint.write(root.resolve(TrainingCheckpoint.BEST_DIR),
                  new TrainingCheckpoint.State(step, nextEpoch, nextBatch, config.seed(), best,
                      bestStep, bad), snap.values(), Map.of());
            }
          } else {
            bad++;
          }
          ValidationInfo vi = new ValidationInfo(step, epoch, metric, best, improved, bad);
          for (TrainingListener l : config.listeners()) {
            l.onValidation(vi);
          }
          LOG.info("validation at step {}: {} (best {} at step {})", step,
              String.format("%.5f", metric), String.format("%.5f", best), bestStep);
          if (config.patience() > 0 && bad >= config.patience()) {
            LOG.info("Early stopping at step {}: {} validations without improvement", step, bad);
            stoppedEarly = true;
            if (root != null) {
              writeStepCheckpoint(root, step, nextEpoch, nextBatch, best, bestStep, bad);
            }
            epoch = nextEpoch;
            break outer;
          }
        }
        boolean checkpointDue = config.checkpointEvery() > 0
            ? step % config.checkpointEvery() == 0 : epochEnd;
        if (root != null && (checkpointDue || step == total)) {
          writeStepCheckpoint(root, step, nextEpoch, nextBatch, best, bestStep, bad);
        }
      }
      epoch++;
      batchInEpoch = 0;
    }
    ParameterSnapshot result = config.restoreBest() && bestParams != null ? bestParams
        : snapshot();
    return new TrainingResult(result, step, Math.min(epoch, config.epochs()), lastLoss, best,
        bestStep, stoppedEarly, history);
  }

  /**
   * Runs one optimizer update on the given examples outside {@link #fit} (for custom loops and
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
    return applyUpdate(source, exampleIds, "", () -> null);
  }

  /**
   * Forward, backward and optimizer update on one batch; on success the banks swap and the
   * update count grows by one. A non-finite loss or gradient norm leaves the parameters as they
   * were and throws, after asking {@code lastGood} for a checkpoint of that state.
   */
  private double applyUpdate(BatchSource source, int[] ids, String where,
      Supplier<Path> lastGood) {
    double loss = forwardBackward(source, ids, stepsDone);
    long t = stepsDone + 1;
    if (!Double.isFinite(loss)) {
      Path good = lastGood.get();
      throw new TrainingDivergedException("Training loss became " + loss + " at update " + t
          + where + "; the parameters of the last good update were kept"
          + (good == null ? "" : " in " + good)
          + ". Lower the learning rate, enable gradient clipping, or check the data.",
          stepsDone, good);
    }
    double lr = config.schedule().lrForUpdate(config.optimizer().lr(), t);
    double gradNorm = update(t, lr);
    if (optGraph.hasGradNorm() && !Double.isFinite(gradNorm)) {
      Path good = lastGood.get();
      throw new TrainingDivergedException("Gradient norm became " + gradNorm + " at update " + t
          + where + "; the update was not applied"
          + (good == null ? "" : " and the last good state is in " + good), stepsDone, good);
    }
    cur = 1 - cur;
    stepsDone = t;
    lastLr = lr;
    lastGradNorm = gradNorm;
    return loss;
  }

  /** Forward and backward over the micro-batches; leaves summed gradients; returns mean loss. */
  private double forwardBackward(BatchSource source, int[] ids, long step) {
    int micro = Math.min(config.microBatches(), ids.length);
    double lossSum = 0;
    microsRun = 0;
    for (int k = 0; k < micro; k++) {
      int mFrom = (int) ((long) ids.length * k / micro);
      int mTo = (int) ((long) ids.length * (k + 1) / micro);
      if (mTo <= mFrom) {
        continue;
      }
      MicroRun mr = microRun(mTo - mFrom, source);
      source.fill(mFrom == 0 && mTo == ids.length ? ids : Arrays.copyOfRange(ids, mFrom, mTo), mr);
      fillRandom(mr, step, k);
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

  private MicroRun microRun(int size, BatchSource source) {
    MicroRun r = microRuns.get(size);
    if (r == null) {
      r = new MicroRun(size, source);
      microRuns.put(size, r);
    }
    return r;
  }

  private void fillRandom(MicroRun mr, long step, int micro) {
    int k = 0;
    for (HostTensor t : mr.randoms.values()) {
      SplittableRandom r = new SplittableRandom(mix(config.seed(), step, micro, k++));
      int size = t.size();
      if (t.dtype() == DType.FLOAT64) {
        for (int i = 0; i < size; i++) {
          t.setDouble(i, r.nextDouble());
        }
      } else {
        for (int i = 0; i < size; i++) {
          t.setFloat(i, (float) r.nextDouble());
        }
      }
    }
  }

  private void accumulate(boolean first) {
    for (Map.Entry<String, HostTensor> e : grads.entrySet()) {
      HostTensor g = e.getValue();
      HostTensor acc = gradAccum.get(e.getKey());
      if (first) {
        acc.copyFrom(g);
      } else if (g.dtype() == DType.FLOAT64) {
        java.nio.DoubleBuffer a = acc.doubleView();
        java.nio.DoubleBuffer s = g.doubleView();
        for (int i = 0, n = g.size(); i < n; i++) {
          a.put(i, a.get(i) + s.get(i));
        }
      } else {
        java.nio.FloatBuffer a = acc.floatView();
        java.nio.FloatBuffer s = g.floatView();
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

  private Path writeStepCheckpoint(Path root, long step, int epoch, long batchInEpoch,
      double best, long bestStep, int bad) {
    Path dir = root.resolve(TrainingCheckpoint.stepDirName(step));
    TrainingCheckpoint.write(dir, new TrainingCheckpoint.State(step, epoch, batchInEpoch,
        config.seed(), best, bestStep, bad), snapshot().values(), optimizerState());
    TrainingCheckpoint.markLatest(root, dir);
    TrainingCheckpoint.prune(root, config.keepCheckpoints());
    for (TrainingListener l : config.listeners()) {
      l.onCheckpoint(step, dir);
    }
    return dir;
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
    for (MicroRun r : microRuns.values()) {
      r.close();
    }
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
    for (HostTensor h : new HostTensor[] {lossOut, lrIn, stepIn, gradScaleIn, gradNormOut}) {
      if (h != null) {
        all.add(h);
      }
    }
    all.forEach(HostTensor::close);
  }
}
