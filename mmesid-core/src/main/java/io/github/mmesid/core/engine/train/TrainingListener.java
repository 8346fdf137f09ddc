package io.github.mmesid.core.engine.train;

import java.nio.file.Path;

/** Receives training progress; every method has an empty default. Called on the training thread. */
public interface TrainingListener {
  /**
   * After each optimizer update.
   *
   * @param info the progress
   */
  default void onStep(StepInfo info) {}

  /**
   * After each validation.
   *
   * @param info the validation result
   */
  default void onValidation(ValidationInfo info) {}

  /**
   * After a checkpoint was written.
   *
   * @param step updates done
   * @param directory the checkpoint directory
   */
  default void onCheckpoint(long step, Path directory) {}
}
