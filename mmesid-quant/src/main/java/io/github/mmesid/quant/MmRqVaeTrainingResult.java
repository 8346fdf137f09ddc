package io.github.mmesid.quant;

import io.github.mmesid.core.engine.train.TrainingLog;
import io.github.mmesid.core.engine.train.TrainingOutcome;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link MmRqVaeTrainer#train} returns.
 *
 * @param model the trained model (best validated parameters, or the last ones), to be closed by
 *     the caller
 * @param metrics {@code collision_rate_<modality>} for each modality: the nearest-code collision
 *     rate of the training items under the returned model
 * @param log the training log
 */
public record MmRqVaeTrainingResult(MmRqVaeModel model, Map<String, Double> metrics,
    TrainingLog log) implements TrainingOutcome<MmRqVaeModel> {

  /**
   * Copies the metrics, keeping their order.
   *
   * @param model see the record description
   * @param metrics see the record description
   * @param log see the record description
   */
  public MmRqVaeTrainingResult {
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
  }
}
