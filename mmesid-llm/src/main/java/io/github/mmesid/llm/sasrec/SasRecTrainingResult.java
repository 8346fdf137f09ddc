package io.github.mmesid.llm.sasrec;

import io.github.mmesid.core.engine.train.TrainingResult;
import io.github.mmesid.core.engine.train.ValidationInfo;
import java.util.List;

/**
 * What {@link SasRecTrainer#train} returns.
 *
 * @param recommender the trained model (the best validated parameters), to be closed by the caller
 * @param training the engine's training result (steps, epochs, loss history, best metric)
 * @param validations every validation run (NDCG@10 on the validation targets), in order
 * @param trainingSeconds wall-clock seconds of training, validation included
 * @param droppedTargets training targets left out because a batch exceeded its target capacity
 *     (normally 0)
 */
public record SasRecTrainingResult(SasRecRecommender recommender, TrainingResult training,
    List<ValidationInfo> validations, double trainingSeconds, long droppedTargets) {
  /**
   * Copies the validation list.
   *
   * @param recommender the trained model
   * @param training the engine's training result
   * @param validations the validation runs
   * @param trainingSeconds wall-clock seconds of training
   * @param droppedTargets targets left out for capacity
   */
  public SasRecTrainingResult {
    validations = List.copyOf(validations);
  }
}
