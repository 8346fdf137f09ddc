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
 */
public record SasRecTrainingResult(SasRecRecommender recommender, Map<String, Double> metrics,
    TrainingLog log) implements TrainingOutcome<SasRecRecommender> {

  /**
   * Copies the metrics.
   *
   * @param recommender see the record description
   * @param metrics see the record description
   * @param log see the record description
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
