package io.github.mmesid.core.engine.train;

import java.util.Map;

/**
 * Training examples, addressed by index, that fill the run-time inputs of a training graph.
 * Implementations must be deterministic: the same indices give the same batch.
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
   * @return input name to shape
   */
  Map<String, long[]> inputShapes(int batchSize);

  /**
   * Writes the given examples into the batch buffers (every element of every buffer must be
   * written: buffers are reused between batches).
   *
   * @param exampleIds indices in {@code [0, size())}, length = {@code batch.size()}
   * @param batch the buffers to fill
   */
  void fill(int[] exampleIds, Batch batch);
}
