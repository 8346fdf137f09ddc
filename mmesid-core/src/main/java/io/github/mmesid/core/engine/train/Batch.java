package io.github.mmesid.core.engine.train;

import io.github.mmesid.core.engine.runtime.HostTensor;
import java.util.Set;

/** The input buffers of one (micro-)batch that a {@link BatchSource} fills. */
public interface Batch {
  /**
   * The buffer of one graph input, shaped as {@link BatchSource#inputShapes(int[])} said.
   *
   * @param inputName a graph input name
   * @return the writable buffer
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  HostTensor tensor(String inputName);

  /**
   * The names of the buffers to fill.
   *
   * @return the input names
   */
  Set<String> names();

  /**
   * Number of examples in this batch.
   *
   * @return the batch size
   */
  int size();
}
