package io.github.mmesid.quant;

import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.TrainingListener;
import java.nio.file.Path;
import java.util.List;

/**
 * How an MM-RQ-VAE training run executes (as opposed to what it learns, {@link MmRqVaeConfig}).
 *
 * @param runtime ONNX Runtime options of the training and inference sessions
 * @param checkpointDir directory for resumable checkpoints (written at every validation), or null
 * @param resume continue from the latest checkpoint in {@code checkpointDir} if there is one
 * @param logEvery log the loss every this many updates, {@code >= 1}
 * @param listeners progress listeners (steps, validations, checkpoints)
 */
public record TrainingOptions(RuntimeOptions runtime, Path checkpointDir, boolean resume,
    int logEvery, List<TrainingListener> listeners) {

  /**
   * Validates and copies.
   *
   * @param runtime see the record description
   * @param checkpointDir see the record description
   * @param resume see the record description
   * @param logEvery see the record description
   * @param listeners see the record description
   * @throws IllegalArgumentException if runtime is null or logEvery is below 1
   */
  public TrainingOptions {
    if (runtime == null) {
      throw new IllegalArgumentException("runtime options must be non-null; use RuntimeOptions.defaults()");
    }
    if (logEvery < 1) {
      throw new IllegalArgumentException("logEvery = " + logEvery + "; allowed: >= 1");
    }
    listeners = List.copyOf(listeners);
  }

  /**
   * Default runtime options, no checkpoints, logging every 100 updates, no listeners.
   *
   * @return the options
   */
  public static TrainingOptions defaults() {
    return new TrainingOptions(RuntimeOptions.defaults(), null, true, 100, List.of());
  }

  /**
   * Returns these options with other runtime options.
   *
   * @param v the runtime options
   * @return the new options
   */
  public TrainingOptions withRuntime(RuntimeOptions v) {
    return new TrainingOptions(v, checkpointDir, resume, logEvery, listeners);
  }

  /**
   * Returns these options writing resumable checkpoints to a directory.
   *
   * @param dir the directory, or null for none
   * @param resumeFromLatest continue from the latest checkpoint there if any
   * @return the new options
   */
  public TrainingOptions withCheckpoints(Path dir, boolean resumeFromLatest) {
    return new TrainingOptions(runtime, dir, resumeFromLatest, logEvery, listeners);
  }

  /**
   * Returns these options with a listener added.
   *
   * @param l the listener
   * @return the new options
   */
  public TrainingOptions withListener(TrainingListener l) {
    List<TrainingListener> ls = new java.util.ArrayList<>(listeners);
    ls.add(l);
    return new TrainingOptions(runtime, checkpointDir, resume, logEvery, ls);
  }

  /**
   * Returns these options with another logging interval.
   *
   * @param v updates between log lines
   * @return the new options
   */
  public TrainingOptions withLogEvery(int v) {
    return new TrainingOptions(runtime, checkpointDir, resume, v, listeners);
  }
}
