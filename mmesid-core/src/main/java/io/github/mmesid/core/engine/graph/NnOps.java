package io.github.mmesid.core.engine.graph;

/**
 * Neural-network operations and composites (activations, softmax, losses, normalisation,
 * attention) with their gradient rules.
 */
public final class NnOps {
  private NnOps() {}

  static void registerVjps() {
    // Rules are registered by the op implementations below as they are added.
  }
}
