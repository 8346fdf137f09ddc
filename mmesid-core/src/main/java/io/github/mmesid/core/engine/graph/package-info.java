/**
 * The graph DSL of the training engine: symbolic tensors with dtypes and (partly symbolic) shapes,
 * operations as methods, reverse-mode automatic differentiation into standard ONNX operators, and
 * export to ONNX {@code ModelProto}s that ONNX Runtime executes.
 *
 * <p>A model is a recipe that builds a {@link io.github.mmesid.core.engine.graph.Graph}; it never
 * talks to ONNX Runtime directly. Gradients are derived by {@link
 * io.github.mmesid.core.engine.graph.Autodiff} from per-operator vector-Jacobian products, so every
 * composite (RMSNorm, attention, ...) is differentiable as soon as its primitives are.
 */
package io.github.mmesid.core.engine.graph;
