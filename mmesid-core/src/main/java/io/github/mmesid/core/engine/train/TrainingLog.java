package io.github.mmesid.core.engine.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What happened during a training run, in the form every {@code training.json} the SDK writes
 * uses (snake_case keys through {@link io.github.mmesid.core.io.Json}): updates and epochs done,
 * the loss of every update, every validation, the best validated metric and where it was reached,
 * whether early stopping ended the run, wall time and the process's peak memory.
 *
 * @param steps updates done in total (including those before a resume)
 * @param epochsCompleted full epochs completed
 * @param stoppedEarly whether early stopping ended training
 * @param metric the name of the validation metric (e.g. {@code ndcg@10}), or null without
 *     validation
 * @param bestMetric the best validation metric (NaN without validation)
 * @param bestStep the update of the best metric (-1 without validation)
 * @param lastLoss loss of the last update (NaN if no update ran)
 * @param lossHistory mean loss of each update, in order
 * @param validations every validation, in order
 * @param epochs per epoch: updates and seconds of setup, training, validation and checkpoints
 * @param resumedFromStep the checkpoint step this run resumed from, or -1
 * @param seconds wall-clock seconds of the model trainer's whole run (data preparation, setup,
 *     training, validation, building the returned model)
 * @param peakRssBytes the process's peak resident set size when the run ended, or -1 if unknown
 */
public record TrainingLog(long steps, int epochsCompleted, boolean stoppedEarly, String metric,
    double bestMetric, long bestStep, double lastLoss, List<Double> lossHistory,
    List<ValidationInfo> validations, List<EpochTiming> epochs, long resumedFromStep,
    double seconds, long peakRssBytes) {

  /**
   * Copies the lists.
   *
   * @param steps see the record description
   * @param epochsCompleted see the record description
   * @param stoppedEarly see the record description
   * @param metric see the record description
   * @param bestMetric see the record description
   * @param bestStep see the record description
   * @param lastLoss see the record description
   * @param lossHistory see the record description
   * @param validations see the record description
   * @param epochs see the record description
   * @param resumedFromStep see the record description
   * @param seconds see the record description
   * @param peakRssBytes see the record description
   */
  public TrainingLog {
    lossHistory = List.copyOf(lossHistory);
    validations = List.copyOf(validations);
    epochs = List.copyOf(epochs);
  }

  /**
   * Builds the log of an engine training run.
   *
   * @param result the trainer's result
   * @param metric the validation metric's name, or null
   * @param seconds wall-clock seconds of the model trainer's run
   * @return the log, with the current peak memory
   */
  public static TrainingLog of(TrainingResult result, String metric, double seconds) {
    return new TrainingLog(result.steps(), result.epochsCompleted(), result.stoppedEarly(),
        metric, result.bestMetric(), result.bestStep(), result.lastLoss(), result.lossHistory(),
        result.validations(), result.epochs(), result.resumedFromStep(), seconds,
        currentPeakRssBytes());
  }

  /**
   * The peak resident set size of this process ({@code VmHWM} of {@code /proc/self/status}).
   *
   * @return bytes, or -1 where the platform does not report it
   */
  public static long currentPeakRssBytes() {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
        if (line.startsWith("VmHWM:")) {
          String[] p = line.substring(6).trim().split("\\s+");
          return Long.parseLong(p[0]) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
