package io.github.mmesid.core.engine.graph;

/**
 * The description of one input or output of an exported graph.
 *
 * @param name ONNX value name
 * @param dtype element type
 * @param shape shape (symbolic dimensions allowed)
 * @param kind where an input's value comes from ({@link Tensor.Kind#COMPUTED} for outputs)
 */
public record ValueSpec(String name, DType dtype, Shape shape, Tensor.Kind kind) {
  /**
   * Validates the fields.
   *
   * @param name see the record description
   * @param dtype see the record description
   * @param shape see the record description
   * @param kind see the record description
   */
  public ValueSpec {
    if (name == null || dtype == null || shape == null || kind == null) {
      throw new IllegalArgumentException("ValueSpec fields must be non-null");
    }
  }
}
