package io.github.mmesid.core.engine.graph;

import ai.onnx.proto.OnnxMl;
import java.util.List;
import java.util.Map;

/**
 * An exported ONNX model with the description of its inputs and outputs.
 *
 * @param model the ONNX model
 * @param inputs the graph inputs in order (run-time inputs, parameters, the noise key and
 *     external frozen weights)
 * @param outputs the graph outputs in order
 * @param externalValues values of frozen weights kept out of the protobuf, by name: the runtime
 *     binds them as inputs on every run, or, when {@code externalAsInitializers}, supplies them as
 *     initializers when the session is created
 * @param externalAsInitializers whether {@code externalValues} are declared as data-less
 *     initializers rather than inputs
 */
public record ExportedGraph(OnnxMl.ModelProto model, List<ValueSpec> inputs,
    List<ValueSpec> outputs, Map<String, TensorData> externalValues,
    boolean externalAsInitializers) {
  /**
   * Copies the collections.
   *
   * @param model see the record description
   * @param inputs see the record description
   * @param outputs see the record description
   * @param externalValues see the record description
   * @param externalAsInitializers see the record description
   */
  public ExportedGraph {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    externalValues = Map.copyOf(externalValues);
  }

  /**
   * The serialized model.
   *
   * @return protobuf bytes
   */
  public byte[] toByteArray() {
    return model.toByteArray();
  }

  /**
   * The inputs of one kind.
   *
   * @param kind the kind
   * @return the matching inputs in order
   */
  public List<ValueSpec> inputs(Tensor.Kind kind) {
    return inputs.stream().filter(v -> v.kind() == kind).toList();
  }
}
