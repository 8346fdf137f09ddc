package io.github.mmesid.core.engine.train;

import java.util.List;

/**
 * What happened in a training run so far, kept in checkpoints so that a resumed run reports the
 * whole run.
 *
 * @param losses mean loss of every update, in order (one per update)
 * @param validations every validation, in order
 * @param epochs wall-time split of every epoch begun, in order
 */
public record TrainingHistory(List<Double> losses, List<ValidationInfo> validations,
    List<EpochTiming> epochs) {
  /** No updates, validations or epochs. */
  public static final TrainingHistory EMPTY = new TrainingHistory(List.of(), List.of(), List.of());

  /**
   * Copies the lists.
   *
   * @param losses see the record description
   * @param validations see the record description
   * @param epochs see the record description
   */
  public TrainingHistory {
    losses = List.copyOf(losses);
    validations = List.copyOf(validations);
    epochs = List.copyOf(epochs);
  }
}
