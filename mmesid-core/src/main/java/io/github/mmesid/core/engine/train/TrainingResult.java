package io.github.mmesid.core.engine.train;

import java.util.List;

/**
 * What a {@link Trainer#train} returns. For a resumed run, the counts and histories cover the
 * whole run, including the part before the interruption.
 *
 * @param parameters the trained parameters (the best validated ones when validation and
 *     {@code restoreBest} are on, else the last)
 * @param steps updates done in total (including those before a resume)
 * @param epochsCompleted full epochs completed
 * @param lastLoss loss of the last update (NaN if no update ran)
 * @param bestMetric best validation metric (NaN without validation)
 * @param bestStep step of the best metric (-1 without validation)
 * @param stoppedEarly whether early stopping ended training
 * @param lossHistory mean loss of each update of the run, in order (one per step)
 * @param validations every validation of the run, in order
 * @param epochs where the wall time of each epoch begun went, in order
 * @param resumedFromStep the step of the checkpoint this call resumed from, or -1 if it started
 *     afresh
 */
public record TrainingResult(ParameterSnapshot parameters, long steps, int epochsCompleted,
    double lastLoss, double bestMetric, long bestStep, boolean stoppedEarly,
    List<Double> lossHistory, List<ValidationInfo> validations, List<EpochTiming> epochs,
    long resumedFromStep) {
  /**
   * Copies the lists.
   *
   * @param parameters see the record description
   * @param steps see the record description
   * @param epochsCompleted see the record description
   * @param lastLoss see the record description
   * @param bestMetric see the record description
   * @param bestStep see the record description
   * @param stoppedEarly see the record description
   * @param lossHistory see the record description
   * @param validations see the record description
   * @param epochs see the record description
   * @param resumedFromStep see the record description
   */
  public TrainingResult {
    lossHistory = List.copyOf(lossHistory);
    validations = List.copyOf(validations);
    epochs = List.copyOf(epochs);
  }

  /**
   * Total wall time of the run so far, by the epochs' timings.
   *
   * @return the sum of every epoch's {@link EpochTiming#totalSeconds()}
   */
  public double totalSeconds() {
    double s = 0;
    for (EpochTiming e : epochs) {
      s += e.totalSeconds();
    }
    return s;
  }
}
