package io.github.mmesid.core.engine.train;

import java.util.List;
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
   * The batches of one epoch in training order, for a source that composes its batches itself
   * (for example examples grouped by sequence length, so that a batch's shapes fit its
   * examples). The batches must depend only on the arguments (exact resume replays them), every
   * epoch must have the same number of batches, and each batch at least one example. The trainer
   * then ignores its own shuffling and {@code dropLast}.
   *
   * @param seed the trainer's seed
   * @param epoch the 0-based epoch
   * @param batchSize the configured batch size (an upper bound for each batch)
   * @return the batches (example indices), or null for the trainer's default: a seeded shuffle of
   *     all examples cut into batches of {@code batchSize}
   */
  default List<int[]> epochBatches(long seed, int epoch, int batchSize) {
    return null;
  }

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
