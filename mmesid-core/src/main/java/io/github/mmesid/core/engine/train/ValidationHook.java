package io.github.mmesid.core.engine.train;

/**
 * Evaluates the current parameters on held-out data (e.g. NDCG@10 on validation targets).
 */
@FunctionalInterface
public interface ValidationHook {
  /**
   * Computes the validation metric.
   *
   * @param parameters a snapshot of all parameters
   * @return the metric (finite)
   */
  double evaluate(ParameterSnapshot parameters);
}
