package io.github.mmesid.core.engine.graph;

import java.util.Map;
import java.util.TreeMap;

/** The registry of gradient rules by ONNX op type, filled by the op classes. */
final class VjpRules {
  private static final Map<String, Vjp> RULES = new TreeMap<>();

  static {
    MathOps.registerVjps();
    ArrayOps.registerVjps();
    NnOps.registerVjps();
  }

  private VjpRules() {}

  static void register(String opType, Vjp rule) {
    if (RULES.put(opType, rule) != null) {
      throw new IllegalStateException("Duplicate gradient rule for " + opType);
    }
  }

  /**
   * The rule for a node: its own, else the registered one for its op type.
   *
   * @param node the node
   * @return the rule
   * @throws IllegalArgumentException if the op type has no gradient
   */
  static Vjp forNode(Node node) {
    if (node.vjp() != null) {
      return node.vjp();
    }
    return registered(node);
  }

  /**
   * The registered rule for a node's op type, ignoring a node-specific rule (for node rules that
   * fall back to the generic one).
   *
   * @param node the node
   * @return the rule
   * @throws IllegalArgumentException if the op type has no gradient
   */
  static Vjp registered(Node node) {
    Vjp r = RULES.get(node.opType());
    if (r == null) {
      throw new IllegalArgumentException(
          "No gradient rule for op " + node.opType() + " (node " + node.name()
              + "); ops with gradients: " + RULES.keySet());
    }
    return r;
  }
}
