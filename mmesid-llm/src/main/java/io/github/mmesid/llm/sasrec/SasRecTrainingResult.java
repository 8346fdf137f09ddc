package io.github.mmesid.llm.sasrec;

import io.github.mmesid.core.engine.train.TrainingLog;
import io.github.mmesid.core.engine.train.TrainingOutcome;
import java.util.Map;

/**
 * What {@link SasRecTrainer#train} returns.
 *
 * @param recommender the trained model (the best validated parameters), to be closed by the
 *     caller
 * @param metrics {@code valid_ndcg@10}: the best validation NDCG@10
 * @param log the training log (updates, epochs, losses, validations, time, memory)
 * @param droppedTargets training targets left out because a batch exceeded its target capacity
 *     (normally 0)
 */
public record SasRecTrainingResult(SasRecRecommender recommender, Map<String, Double> metrics,
    TrainingLog log, long droppedTargets) implements TrainingOutcome<SasRecRecommender> {

  /**
   * Copies the metrics.
   *
   * @param recommender see the record description
   * @param metrics see the record description
   * @param log see the record description
   * @param droppedTargets see the record description
   */
  public SasRecTrainingResult {
    metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
  }

  /**
   * The trained model; same as {@link #recommender()}.
   *
   * @return the model
   */
  @Override
  public SasRecRecommender model() {
    return recommender;
  }
}
