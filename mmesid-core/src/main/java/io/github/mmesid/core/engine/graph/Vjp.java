package io.github.mmesid.core.engine.graph;

import java.util.List;

/**
 * A vector-Jacobian product rule: given the gradients of a node's outputs, emits (into the same
 * graph, with standard ONNX operators) the gradients of its inputs.
 */
@FunctionalInterface
public interface Vjp {
  /** The rule of a node through which no gradient flows (stop-gradient, integer outputs). */
  Vjp NONE = (node, gradOutputs, needGrad) -> null;

  /**
   * Emits the input gradients.
   *
   * @param node the forward node
   * @param gradOutputs gradient of each output (same shape as the output), null where an output
   *     does not influence the loss
   * @param needGrad which inputs need a gradient
   * @return one entry per input (null where none is needed or defined), or null if no gradient
   *     flows through the node at all
   */
  List<Tensor> apply(Node node, List<Tensor> gradOutputs, boolean[] needGrad);
}
