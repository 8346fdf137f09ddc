package io.github.mmesid.core.engine.graph;

/**
 * How a graph is exported.
 *
 * @param parametersAsInitializers embed parameters' current values as initializers (inference
 *     export) instead of declaring them as inputs (training, where the trainer feeds them)
 * @param maxEmbeddedFrozenBytes frozen weights larger than this are not embedded in the
 *     protobuf; they become inputs listed in {@link ExportedGraph#externalValues()} that the
 *     runtime binds (zero-copy) on every run
 * @param opset ONNX opset of the default domain (ONNX Runtime 1.29 accepts up to 26)
 * @param externalAsInitializers declare the frozen weights kept out of the protobuf as
 *     external-data initializers whose values the runtime supplies when the session is created
 *     (ONNX Runtime copies them into the session and may constant-fold and pre-pack them: faster
 *     small-batch inference, one more copy of the weights), instead of as run inputs, which are
 *     read in place and never copied (the default, and what training uses)
 */
public record ExportOptions(boolean parametersAsInitializers, long maxEmbeddedFrozenBytes,
    int opset, boolean externalAsInitializers) {
  /** The default opset. */
  public static final int DEFAULT_OPSET = 21;

  /**
   * Validates the fields.
   *
   * @param parametersAsInitializers see the record description
   * @param maxEmbeddedFrozenBytes see the record description
   * @param opset see the record description
   * @param externalAsInitializers see the record description
   */
  public ExportOptions {
    if (maxEmbeddedFrozenBytes < 0) {
      throw new IllegalArgumentException(
          "maxEmbeddedFrozenBytes must be >= 0, got " + maxEmbeddedFrozenBytes);
    }
    if (opset < 21 || opset > 26) {
      throw new IllegalArgumentException("opset must be in [21, 26], got " + opset);
    }
  }

  /**
   * Options with frozen weights bound as run inputs.
   *
   * @param parametersAsInitializers embed parameters
   * @param maxEmbeddedFrozenBytes embedding limit of frozen weights
   * @param opset the opset
   */
  public ExportOptions(boolean parametersAsInitializers, long maxEmbeddedFrozenBytes, int opset) {
    this(parametersAsInitializers, maxEmbeddedFrozenBytes, opset, false);
  }

  /**
   * A copy with {@link #externalAsInitializers()} set.
   *
   * @param value the new value
   * @return the options
   */
  public ExportOptions withExternalAsInitializers(boolean value) {
    return new ExportOptions(parametersAsInitializers, maxEmbeddedFrozenBytes, opset, value);
  }

  /**
   * Training defaults: parameters as inputs, frozen weights over 1 MiB kept out of the
   * protobuf, opset 21.
   *
   * @return the options
   */
  public static ExportOptions training() {
    return new ExportOptions(false, 1L << 20, DEFAULT_OPSET);
  }

  /**
   * Inference defaults: parameters embedded, frozen weights over 1 MiB kept out of the protobuf.
   *
   * @return the options
   */
  public static ExportOptions inference() {
    return new ExportOptions(true, 1L << 20, DEFAULT_OPSET);
  }
}
