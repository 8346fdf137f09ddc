package io.github.mmesid.llm.mmesid;

import io.github.mmesid.core.engine.train.TrainingLog;
import io.github.mmesid.core.engine.train.TrainingOutcome;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link MmeSidTrainer#train} returns.
 *
 * @param recommender the trained model (the best validated epoch), to be closed by the caller
 * @param metrics {@code valid_ndcg@10} (the best validation NDCG@10) and, with SID embeddings,
 *     {@code sid_tau_before_<m>} / {@code sid_tau_after_<m>} per modality (the forgetting
 *     measurement of METHOD.md section 4)
 * @param log the training log
 */
public record MmeSidTrainingResult(MmeSidRecommender recommender, Map<String, Double> metrics,
    TrainingLog log) implements TrainingOutcome<MmeSidRecommender> {

  /**
   * Copies the metrics, keeping their order.
   *
   * @param recommender see the record description
   * @param metrics see the record description
   * @param log see the record description
   */
  public MmeSidTrainingResult {
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
  }

  /**
   * The trained model; same as {@link #recommender()}.
   *
   * @return the model
   */
  @Override
  public MmeSidRecommender model() {
    return recommender;
  }
}
