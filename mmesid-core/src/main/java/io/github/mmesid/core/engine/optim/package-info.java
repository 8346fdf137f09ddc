/**
 * The optimizer side of the training engine: validated optimizer configurations (SGD, Adam,
 * AdamW with PyTorch semantics), learning-rate schedules evaluated in Java, and the builder of the
 * separate ONNX graph that applies one update step to all parameters and their optimizer state.
 */
package io.github.mmesid.core.engine.optim;
