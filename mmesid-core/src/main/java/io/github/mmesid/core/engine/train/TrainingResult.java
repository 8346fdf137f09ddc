package io.github.mmesid.core.engine.train;

import java.util.List;

/**
 * What a {@link Trainer#fit} returns.
 *
 * @param parameters the trained parameters (the best validated ones when validation and
 *     {@code restoreBest} are on, else the last)
 * @param steps updates done in total (including those before a resume)
 * @param epochsCompleted full epochs completed
 * @param lastLoss loss of the last update (NaN if no update ran)
 * @param bestMetric best validation metric (NaN without validation)
 * @param bestStep step of the best metric (-1 without validation)
 * @param stoppedEarly whether early stopping ended training
 * @param lossHistory mean loss of each update of this fit
 */
public record TrainingResult(ParameterSnapshot parameters, long steps, int epochsCompleted,
    double lastLoss, double bestMetric, long bestStep, boolean stoppedEarly,
    List<Double> lossHistory) {
  /**
   * Copies the history.
   *
   * @param parameters see the record description
   * @param steps see the record description
   * @param epochsCompleted see the record description
   * @param lastLoss see the record description
   * @param bestMetric see the record description
   * @param bestStep see the record description
   * @param stoppedEarly see the record description
   * @param lossHistory see the record description
   */
  public TrainingResult {
    lossHistory = List.copyOf(lossHistory);
  }
}
