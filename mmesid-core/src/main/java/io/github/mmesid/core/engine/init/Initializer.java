package io.github.mmesid.core.engine.init;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;

/**
 * Creates the initial value of a parameter. Implementations are deterministic functions of their
 * arguments: the same seed, name, dtype and shape give bit-identical values on every JVM, and
 * different names under one seed give independent streams. See {@link Initializers} for the
 * standard schemes.
 */
@FunctionalInterface
public interface Initializer {
  /**
   * Creates the values.
   *
   * @param seed the run's base seed
   * @param name the parameter's name (e.g. {@code "encoder.0.weight"}); selects the stream
   * @param dtype FLOAT32 or FLOAT64
   * @param shape the shape, each size {@code >= 0}
   * @return new values of that dtype and shape
   */
  TensorData create(long seed, String name, DType dtype, long... shape);
}
