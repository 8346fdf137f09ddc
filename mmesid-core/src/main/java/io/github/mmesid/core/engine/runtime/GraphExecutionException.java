package io.github.mmesid.core.engine.runtime;

import ai.onnxruntime.OrtException;

/**
 * Thrown when ONNX Runtime rejects a graph or fails while running it. The message names the
 * graph and the operation and carries ORT's own error code and text.
 */
public final class GraphExecutionException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** ORT's error code name, e.g. {@code ORT_FAIL}. */
  private final String ortErrorCode;

  /**
   * Creates the exception from an ONNX Runtime failure.
   *
   * @param what the operation that failed, e.g. "Running graph 'g'"
   * @param cause ONNX Runtime's exception
   */
  public GraphExecutionException(String what, OrtException cause) {
    super(what + " failed in ONNX Runtime [" + cause.getCode() + "]: " + cause.getMessage(), cause);
    this.ortErrorCode = cause.getCode().name();
  }

  /**
   * ONNX Runtime's error code, e.g. {@code ORT_INVALID_ARGUMENT}.
   *
   * @return the code name
   */
  public String ortErrorCode() {
    return ortErrorCode;
  }
}
