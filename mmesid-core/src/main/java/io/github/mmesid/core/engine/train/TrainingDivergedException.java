package io.github.mmesid.core.engine.train;

import java.nio.file.Path;

/**
 * Training stopped because the loss (or gradient norm) became NaN or infinite. The parameters of
 * the last good step are kept, in {@link #lastGoodCheckpoint()} when checkpointing is enabled.
 */
public final class TrainingDivergedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final long step;
  private final transient Path lastGoodCheckpoint;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param step updates completed before the failing one
   * @param lastGoodCheckpoint checkpoint of the last good state, or null
   */
  public TrainingDivergedException(String message, long step, Path lastGoodCheckpoint) {
    super(message);
    this.step = step;
    this.lastGoodCheckpoint = lastGoodCheckpoint;
  }

  /**
   * Updates completed before the failing one.
   *
   * @return the step
   */
  public long step() {
    return step;
  }

  /**
   * The checkpoint of the last good state.
   *
   * @return the directory, or null when checkpointing was off
   */
  public Path lastGoodCheckpoint() {
    return lastGoodCheckpoint;
  }
}
