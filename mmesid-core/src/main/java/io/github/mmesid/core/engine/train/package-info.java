/**
 * The training loop of the engine: gradient and optimizer graphs run as ONNX Runtime sessions
 * over pre-allocated buffers, with shuffling, micro-batching, validation with early stopping,
 * progress reporting and atomic, resumable checkpoints (safetensors + JSON manifest).
 */
package io.github.mmesid.core.engine.train;
