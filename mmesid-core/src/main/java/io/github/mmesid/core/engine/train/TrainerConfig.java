package io.github.mmesid.core.engine.train;

import com.google.common.collect.ImmutableSortedMap;
import io.github.mmesid.core.engine.optim.LrSchedule;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validated configuration of a {@link Trainer}. Build it with {@link #builder(long)}; the seed is
 * mandatory so that every run is reproducible.
 *
 * @param seed seed of shuffling and random (dropout) inputs
 * @param optimizer the optimizer (its {@code lr} is the base learning rate)
 * @param schedule learning-rate schedule applied to the base rate
 * @param batchSize examples per optimizer update, {@code >= 1}
 * @param microBatches gradient-accumulation splits of a batch, in {@code [1, batchSize]}
 * @param epochs passes over the data, {@code >= 1}
 * @param maxSteps upper bound on updates ({@code Long.MAX_VALUE}: epochs decide)
 * @param shuffle shuffle examples each epoch (seeded by {@code seed} and the epoch)
 * @param dropLast drop the last incomplete batch of an epoch
 * @param runtime ONNX Runtime options of the training sessions
 * @param checkpointDir directory of checkpoints, or null for none
 * @param checkpointEvery write a checkpoint every this many updates (0: at the end of each epoch)
 * @param keepCheckpoints how many step checkpoints to keep, {@code >= 2} (an older one is the
 *     fallback when the newest is damaged)
 * @param resume continue from the newest intact checkpoint in {@code checkpointDir} if there is
 *     one; its recorded settings must equal this run's (see {@link Trainer#train})
 * @param validation validation hook, or null
 * @param validateEvery validate every this many updates (0: at the end of each epoch)
 * @param higherIsBetter whether a larger validation metric is better
 * @param patience stop after this many validations without improvement (0: never stop early)
 * @param restoreBest return the best validated parameters instead of the last ones
 * @param logEvery log progress every this many updates ({@code >= 1})
 * @param listeners progress listeners
 * @param runDescription the caller's settings of the run (for example a model's hyperparameters
 *     and its data path), by name, in text form; recorded in checkpoints and compared on resume
 * @param dataFingerprint a fingerprint of the training data (see {@link DataFingerprint}), or
 *     null; recorded in checkpoints and compared on resume
 * @param allowEpochExtension whether a run may resume a checkpoint written with fewer epochs
 */
public record TrainerConfig(long seed, Optimizer optimizer, LrSchedule schedule, int batchSize,
    int microBatches, int epochs, long maxSteps, boolean shuffle, boolean dropLast,
    RuntimeOptions runtime, Path checkpointDir, long checkpointEvery, int keepCheckpoints,
    boolean resume, ValidationHook validation, long validateEvery, boolean higherIsBetter,
    int patience, boolean restoreBest, int logEvery, List<TrainingListener> listeners,
    Map<String, String> runDescription, String dataFingerprint, boolean allowEpochExtension) {

  /**
   * Validates the fields.
   *
   * @param seed see the record description
   * @param optimizer see the record description
   * @param schedule see the record description
   * @param batchSize see the record description
   * @param microBatches see the record description
   * @param epochs see the record description
   * @param maxSteps see the record description
   * @param shuffle see the record description
   * @param dropLast see the record description
   * @param runtime see the record description
   * @param checkpointDir see the record description
   * @param checkpointEvery see the record description
   * @param keepCheckpoints see the record description
   * @param resume see the record description
   * @param validation see the record description
   * @param validateEvery see the record description
   * @param higherIsBetter see the record description
   * @param patience see the record description
   * @param restoreBest see the record description
   * @param logEvery see the record description
   * @param listeners see the record description
   * @param runDescription see the record description
   * @param dataFingerprint see the record description
   * @param allowEpochExtension see the record description
   */
  public TrainerConfig {
    if (optimizer == null || schedule == null || runtime == null) {
      throw new IllegalArgumentException("optimizer, schedule and runtime must be non-null");
    }
    check(batchSize >= 1, "batchSize", batchSize, ">= 1");
    check(microBatches >= 1 && microBatches <= batchSize, "microBatches", microBatches,
        "in [1, batchSize=" + batchSize + "]");
    check(epochs >= 1, "epochs", epochs, ">= 1");
    check(maxSteps >= 1, "maxSteps", maxSteps, ">= 1");
    check(checkpointEvery >= 0, "checkpointEvery", checkpointEvery, ">= 0");
    check(keepCheckpoints >= 2, "keepCheckpoints", keepCheckpoints,
        ">= 2 (the older one is the fallback when the newest is damaged)");
    check(validateEvery >= 0, "validateEvery", validateEvery, ">= 0");
    check(patience >= 0, "patience", patience, ">= 0");
    check(logEvery >= 1, "logEvery", logEvery, ">= 1");
    listeners = List.copyOf(listeners);
    for (String k : runDescription.keySet()) {
      if (k.isBlank() || k.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("TrainerConfig.runDescription has the invalid key '"
            + k + "'; allowed: non-blank names without control characters");
      }
    }
    runDescription = ImmutableSortedMap.copyOf(runDescription);
    if (dataFingerprint != null && dataFingerprint.isBlank()) {
      throw new IllegalArgumentException("TrainerConfig.dataFingerprint is blank; allowed: null "
          + "(none) or a non-blank fingerprint such as DataFingerprint.build()");
    }
  }

  /**
   * The text form in which a setting is recorded and compared: {@code String.valueOf} for
   * scalars, strings, enums and paths, {@code Arrays.toString} for arrays, {@code "null"} for
   * null.
   *
   * @param value a setting's value
   * @return its text form
   */
  public static String settingText(Object value) {
    if (value == null) {
      return "null";
    }
    if (value.getClass().isArray()) {
      String s = Arrays.deepToString(new Object[] {value});
      return s.substring(1, s.length() - 1);
    }
    return String.valueOf(value);
  }

  private static void check(boolean ok, String field, Object value, String allowed) {
    if (!ok) {
      throw new IllegalArgumentException(
          "TrainerConfig." + field + " = " + value + " is invalid; allowed: " + allowed);
    }
  }

  /**
   * A builder with defaults: AdamW(1e-3), constant schedule, batch 32, 1 micro-batch, 1 epoch,
   * shuffling, no checkpoints, no validation, logging every 50 updates.
   *
   * @param seed the mandatory seed
   * @return the builder
   */
  public static Builder builder(long seed) {
    return new Builder(seed);
  }

  /**
   * A builder initialised from this configuration.
   *
   * @return the builder
   */
  public Builder toBuilder() {
    Builder b = new Builder(seed);
    b.optimizer = optimizer;
    b.schedule = schedule;
    b.batchSize = batchSize;
    b.microBatches = microBatches;
    b.epochs = epochs;
    b.maxSteps = maxSteps;
    b.shuffle = shuffle;
    b.dropLast = dropLast;
    b.runtime = runtime;
    b.checkpointDir = checkpointDir;
    b.checkpointEvery = checkpointEvery;
    b.keepCheckpoints = keepCheckpoints;
    b.resume = resume;
    b.validation = validation;
    b.validateEvery = validateEvery;
    b.higherIsBetter = higherIsBetter;
    b.patience = patience;
    b.restoreBest = restoreBest;
    b.logEvery = logEvery;
    b.listeners.addAll(listeners);
    b.runDescription.putAll(runDescription);
    b.dataFingerprint = dataFingerprint;
    b.allowEpochExtension = allowEpochExtension;
    return b;
  }

  /** Builder of {@link TrainerConfig}. */
  public static final class Builder {
    private final long seed;
    private Optimizer optimizer = Optimizer.adamW(1e-3);
    private LrSchedule schedule = LrSchedule.constant();
    private int batchSize = 32;
    private int microBatches = 1;
    private int epochs = 1;
    private long maxSteps = Long.MAX_VALUE;
    private boolean shuffle = true;
    private boolean dropLast = false;
    private RuntimeOptions runtime = RuntimeOptions.defaults();
    private Path checkpointDir;
    private long checkpointEvery = 0;
    private int keepCheckpoints = 2;
    private boolean resume = true;
    private ValidationHook validation;
    private long validateEvery = 0;
    private boolean higherIsBetter = true;
    private int patience = 0;
    private boolean restoreBest = true;
    private int logEvery = 50;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private final Map<String, String> runDescription = new TreeMap<>();
    private String dataFingerprint;
    private boolean allowEpochExtension;

    private Builder(long seed) {
      this.seed = seed;
    }

    /**
     * Sets the optimizer.
     *
     * @param v the optimizer
     * @return this builder
     */
    public Builder optimizer(Optimizer v) {
      optimizer = v;
      return this;
    }

    /**
     * Sets the learning-rate schedule.
     *
     * @param v the schedule
     * @return this builder
     */
    public Builder schedule(LrSchedule v) {
      schedule = v;
      return this;
    }

    /**
     * Sets the batch size.
     *
     * @param v examples per update
     * @return this builder
     */
    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    /**
     * Sets gradient accumulation.
     *
     * @param v micro-batches per update
     * @return this builder
     */
    public Builder microBatches(int v) {
      microBatches = v;
      return this;
    }

    /**
     * Sets the number of epochs.
     *
     * @param v epochs
     * @return this builder
     */
    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    /**
     * Caps the number of updates.
     *
     * @param v maximum updates
     * @return this builder
     */
    public Builder maxSteps(long v) {
      maxSteps = v;
      return this;
    }

    /**
     * Sets shuffling.
     *
     * @param v whether to shuffle each epoch
     * @return this builder
     */
    public Builder shuffle(boolean v) {
      shuffle = v;
      return this;
    }

    /**
     * Sets whether the last incomplete batch is dropped.
     *
     * @param v drop it
     * @return this builder
     */
    public Builder dropLast(boolean v) {
      dropLast = v;
      return this;
    }

    /**
     * Sets the runtime options.
     *
     * @param v options
     * @return this builder
     */
    public Builder runtime(RuntimeOptions v) {
      runtime = v;
      return this;
    }

    /**
     * Enables checkpoints.
     *
     * @param dir directory (created if absent)
     * @param everySteps every this many updates (0: each epoch end)
     * @return this builder
     */
    public Builder checkpoints(Path dir, long everySteps) {
      checkpointDir = dir;
      checkpointEvery = everySteps;
      return this;
    }

    /**
     * Sets how many step checkpoints are kept.
     *
     * @param v count
     * @return this builder
     */
    public Builder keepCheckpoints(int v) {
      keepCheckpoints = v;
      return this;
    }

    /**
     * Sets whether to resume from the latest checkpoint.
     *
     * @param v resume
     * @return this builder
     */
    public Builder resume(boolean v) {
      resume = v;
      return this;
    }

    /**
     * Enables validation.
     *
     * @param hook the hook
     * @param everySteps every this many updates (0: each epoch end)
     * @param higherBetter whether larger is better
     * @param patienceValidations early-stopping patience (0: never stop early)
     * @return this builder
     */
    public Builder validation(ValidationHook hook, long everySteps, boolean higherBetter,
        int patienceValidations) {
      validation = hook;
      validateEvery = everySteps;
      higherIsBetter = higherBetter;
      patience = patienceValidations;
      return this;
    }

    /**
     * Sets whether the best validated parameters are returned.
     *
     * @param v restore best
     * @return this builder
     */
    public Builder restoreBest(boolean v) {
      restoreBest = v;
      return this;
    }

    /**
     * Sets the logging interval.
     *
     * @param v updates between log lines
     * @return this builder
     */
    public Builder logEvery(int v) {
      logEvery = v;
      return this;
    }

    /**
     * Adds a listener.
     *
     * @param l the listener
     * @return this builder
     */
    public Builder listener(TrainingListener l) {
      listeners.add(l);
      return this;
    }

    /**
     * Describes the run for checkpoints: every setting that shapes the trained model and is not a
     * field of this configuration (a model's hyperparameters, the data file, ...). The trainer
     * records them with its own settings (seed, optimizer, schedule, batch size, epochs, ...) and
     * resumes a checkpoint only if all are equal. Values are compared in their {@link
     * TrainerConfig#settingText text form}; a key equal to one of the trainer's own setting names
     * must have the same value. Replaces earlier descriptions.
     *
     * @param settings setting name to value
     * @return this builder
     */
    public Builder runDescription(Map<String, ?> settings) {
      runDescription.clear();
      for (Map.Entry<String, ?> e : settings.entrySet()) {
        runDescription.put(e.getKey(), settingText(e.getValue()));
      }
      return this;
    }

    /**
     * Sets the fingerprint of the training data, recorded in checkpoints and compared on resume
     * (see {@link DataFingerprint}).
     *
     * @param fingerprint the fingerprint, or null for none
     * @return this builder
     */
    public Builder dataFingerprint(String fingerprint) {
      dataFingerprint = fingerprint;
      return this;
    }

    /**
     * Allows resuming a checkpoint that was written with fewer epochs (every other setting must
     * still be equal). Off by default.
     *
     * @param v allow it
     * @return this builder
     */
    public Builder allowEpochExtension(boolean v) {
      allowEpochExtension = v;
      return this;
    }

    /**
     * Builds and validates the configuration.
     *
     * @return the configuration
     */
    public TrainerConfig build() {
      return new TrainerConfig(seed, optimizer, schedule, batchSize, microBatches, epochs,
          maxSteps, shuffle, dropLast, runtime, checkpointDir, checkpointEvery, keepCheckpoints,
          resume, validation, validateEvery, higherIsBetter, patience, restoreBest, logEvery,
          listeners, runDescription, dataFingerprint, allowEpochExtension);
    }
  }
}
