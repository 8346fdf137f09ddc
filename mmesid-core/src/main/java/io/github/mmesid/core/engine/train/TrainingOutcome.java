package io.github.mmesid.core.engine.train;

import java.util.Map;

/**
 * What every model trainer of the SDK returns ({@code XTrainer.train(data, XConfig, RunOptions)}):
 * the trained model, its metrics and the training log. Each model family has its own result type
 * implementing this interface, so the three accessors read the same everywhere.
 *
 * @param <M> the model type; the caller owns it and closes it
 */
public interface TrainingOutcome<M extends AutoCloseable> {

  /**
   * The trained model (the best validated one where the trainer validates). The caller closes
   * it.
   *
   * @return the model
   */
  M model();

  /**
   * Metrics of the trained model measured by the trainer, with snake_case keys as written to
   * JSON (e.g. {@code valid_ndcg@10}, {@code collision_rate_collab}).
   *
   * @return an unmodifiable map, in a stable order
   */
  Map<String, Double> metrics();

  /**
   * The training log (written as {@code training.json} by the CLI).
   *
   * @return the log
   */
  TrainingLog log();
}
