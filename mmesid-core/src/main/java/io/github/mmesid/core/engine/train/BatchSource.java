package io.github.mmesid.core.engine.train;

import java.util.Map;
import java.util.Optional;

/**
 * Training examples, addressed by index, that fill the run-time inputs of a training graph.
 * Implementations must be deterministic: the same indices give the same batch.
 *
 * <p>Shapes may depend on the examples of a batch, not only on their number: a source that groups
 * sequences by length overrides {@link #inputShapes(int[])} so that a batch of short histories is
 * not padded to the longest one. The trainer keeps prepared runs (and their buffers) for the most
 * recently used shape signatures.
 */
public interface BatchSource {
  /**
   * Number of examples.
   *
   * @return the count, {@code > 0}
   */
  int size();

  /**
   * The concrete shape of every run-time input of the graph for a batch of the given size.
   *
   * @param batchSize examples in the batch
   * @return input name to shape (the trainer does not modify the map or the arrays)
   */
  Map<String, long[]> inputShapes(int batchSize);

  /**
   * The concrete shape of every run-time input for a batch of exactly these examples. The trainer
   * calls it for every (micro-)batch, so it should be cheap; returning the same map instance for
   * the same shapes avoids an allocation per step.
   *
   * @param exampleIds indices in {@code [0, size())}
   * @return input name to shape; by default {@code inputShapes(exampleIds.length)}
   */
  default Map<String, long[]> inputShapes(int[] exampleIds) {
    return inputShapes(exampleIds.length);
  }

  /**
   * Writes the given examples into the batch buffers (every element of every buffer must be
   * written: buffers are reused between batches of the same shapes).
   *
   * @param exampleIds indices in {@code [0, size())}, length = {@code batch.size()}
   * @param batch the buffers to fill, shaped as {@link #inputShapes(int[])} said for these ids
   */
  void fill(int[] exampleIds, Batch batch);

  /**
   * A fingerprint of all examples (for example {@link DataFingerprint}), recorded in checkpoints
   * so that a run does not resume on other data.
   *
   * @return the fingerprint, or empty when the source cannot compute one cheaply (the default)
   */
  default Optional<String> fingerprint() {
    return Optional.empty();
  }
}
