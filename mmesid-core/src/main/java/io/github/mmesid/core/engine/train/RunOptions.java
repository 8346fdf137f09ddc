package io.github.mmesid.core.engine.train;

import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a model trains, as opposed to what it learns: threads and execution provider, resumable
 * checkpoints, progress logging and listeners. Every model trainer of the SDK takes one
 * ({@code XTrainer.train(data, XConfig, RunOptions)}); the hyperparameters and the seed live in
 * the model's config, never here, so the same config trained with other run options learns the
 * same model (up to floating-point differences between execution providers).
 *
 * <p>Immutable and validated; start from {@link #defaults()} or {@link #builder()}.
 *
 * @param runtime ONNX Runtime options of every session the training creates (training,
 *     validation, and the returned model's inference sessions): threads and execution provider
 * @param checkpointDir directory for resumable checkpoints, or null for none; a run found there is
 *     resumed when {@code resume} is on
 * @param checkpointEvery updates between checkpoints; 0 lets the trainer choose (after each epoch
 *     or validation)
 * @param resume continue from the latest checkpoint in {@code checkpointDir} if there is one
 * @param allowEpochExtension on resume, accept a config whose only difference from the
 *     checkpointed one is a larger number of epochs (any other difference fails)
 * @param logEvery updates between progress log lines; 0 lets the trainer choose
 * @param listeners progress listeners, called on the training thread
 */
public record RunOptions(RuntimeOptions runtime, Path checkpointDir, long checkpointEvery,
    boolean resume, boolean allowEpochExtension, int logEvery, List<TrainingListener> listeners) {

  /**
   * Validates and copies.
   *
   * @param runtime see the record description
   * @param checkpointDir see the record description
   * @param checkpointEvery see the record description
   * @param resume see the record description
   * @param allowEpochExtension see the record description
   * @param logEvery see the record description
   * @param listeners see the record description
   * @throws IllegalArgumentException if runtime or listeners is null or a count is negative
   */
  public RunOptions {
    if (runtime == null) {
      throw new IllegalArgumentException("runtime must not be null; use RuntimeOptions.defaults()");
    }
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException("checkpointEvery = " + checkpointEvery
          + "; allowed: >= 0 (0 = after each epoch or validation)");
    }
    if (logEvery < 0) {
      throw new IllegalArgumentException("logEvery = " + logEvery
          + "; allowed: >= 0 (0 = the trainer's default)");
    }
    if (listeners == null) {
      throw new IllegalArgumentException("listeners must not be null; use an empty list");
    }
    listeners = List.copyOf(listeners);
  }

  /**
   * CPU with one intra-op thread per processor, no checkpoints, default logging, no listeners.
   *
   * @return the default options
   */
  public static RunOptions defaults() {
    return builder().build();
  }

  /**
   * A builder starting from {@link #defaults()}.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder initialised from these options.
   *
   * @return the builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.runtime = runtime.toBuilder();
    b.checkpointDir = checkpointDir;
    b.checkpointEvery = checkpointEvery;
    b.resume = resume;
    b.allowEpochExtension = allowEpochExtension;
    b.logEvery = logEvery;
    b.listeners.addAll(listeners);
    return b;
  }

  /**
   * The execution provider of every session.
   *
   * @return the provider
   */
  public ExecutionProvider provider() {
    return runtime.provider();
  }

  /**
   * Applies the run-related settings (runtime, checkpoints, resume and epoch extension, logging,
   * listeners) to an engine trainer configuration. {@code defaultLogEvery} and {@code
   * defaultCheckpointEvery} are used where these options leave the choice to the trainer (0).
   *
   * @param b the trainer configuration builder (modified and returned)
   * @param defaultLogEvery the model trainer's logging interval, {@code >= 1}
   * @param defaultCheckpointEvery the model trainer's checkpoint interval ({@code 0} = per epoch)
   * @return {@code b}
   */
  public TrainerConfig.Builder applyTo(TrainerConfig.Builder b, int defaultLogEvery,
      long defaultCheckpointEvery) {
    b.runtime(runtime).logEvery(logEvery > 0 ? logEvery : Math.max(1, defaultLogEvery));
    if (checkpointDir != null) {
      b.checkpoints(checkpointDir, checkpointEvery > 0 ? checkpointEvery : defaultCheckpointEvery)
          .resume(resume).allowEpochExtension(allowEpochExtension);
    }
    for (TrainingListener l : listeners) {
      b.listener(l);
    }
    return b;
  }

  /** Builds {@link RunOptions}. */
  public static final class Builder {
    private RuntimeOptions.Builder runtime = RuntimeOptions.builder();
    private Path checkpointDir;
    private long checkpointEvery;
    private boolean resume = true;
    private boolean allowEpochExtension;
    private int logEvery;
    private final List<TrainingListener> listeners = new ArrayList<>();

    private Builder() {}

    /**
     * Replaces all ONNX Runtime options.
     *
     * @param v the options
     * @return this builder
     */
    public Builder runtime(RuntimeOptions v) {
      if (v == null) {
        throw new IllegalArgumentException("runtime must not be null; use RuntimeOptions.defaults()");
      }
      runtime = v.toBuilder();
      return this;
    }

    /**
     * Sets the intra-op thread count of every session.
     *
     * @param v threads, 1..{@value RuntimeOptions#MAX_THREADS}
     * @return this builder
     */
    public Builder threads(int v) {
      runtime.intraOpThreads(v);
      return this;
    }

    /**
     * Sets the execution provider of every session (CPU, or CUDA with REQUIRE / PREFER).
     *
     * @param v the provider
     * @return this builder
     */
    public Builder provider(ExecutionProvider v) {
      runtime.provider(v);
      return this;
    }

    /**
     * Writes resumable checkpoints to a directory and resumes a run found there.
     *
     * @param dir the directory, or null for none
     * @return this builder
     */
    public Builder checkpoints(Path dir) {
      checkpointDir = dir;
      return this;
    }

    /**
     * Sets the checkpoint interval.
     *
     * @param updates updates between checkpoints, 0 = the trainer's default
     * @return this builder
     */
    public Builder checkpointEvery(long updates) {
      checkpointEvery = updates;
      return this;
    }

    /**
     * Whether to continue from the latest checkpoint in the checkpoint directory (default true).
     *
     * @param v true to resume
     * @return this builder
     */
    public Builder resume(boolean v) {
      resume = v;
      return this;
    }

    /**
     * Whether a resumed run may train for more epochs than the checkpointed one (default false).
     *
     * @param v true to allow
     * @return this builder
     */
    public Builder allowEpochExtension(boolean v) {
      allowEpochExtension = v;
      return this;
    }

    /**
     * Sets the logging interval.
     *
     * @param v updates between log lines, 0 = the trainer's default
     * @return this builder
     */
    public Builder logEvery(int v) {
      logEvery = v;
      return this;
    }

    /**
     * Adds a progress listener.
     *
     * @param l the listener
     * @return this builder
     */
    public Builder listener(TrainingListener l) {
      if (l == null) {
        throw new IllegalArgumentException("listener must not be null");
      }
      listeners.add(l);
      return this;
    }

    /**
     * Validates and builds.
     *
     * @return the options
     * @throws IllegalArgumentException if a value is out of range
     */
    public RunOptions build() {
      return new RunOptions(runtime.build(), checkpointDir, checkpointEvery, resume,
          allowEpochExtension, logEvery, listeners);
    }
  }
}
