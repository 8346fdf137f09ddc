package io.github.mmesid.core.engine.runtime;

/**
 * Thrown when a graph is compiled for an execution provider with {@link
 * ExecutionProvider.Policy#REQUIRE} and that provider cannot be used; the message says what is
 * missing (the provider in this ONNX Runtime build, or native libraries) and how to fix it.
 */
public final class ProviderUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is missing and how to provide it
   * @param cause the ONNX Runtime failure, or null when the provider is not compiled in
   */
  public ProviderUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
