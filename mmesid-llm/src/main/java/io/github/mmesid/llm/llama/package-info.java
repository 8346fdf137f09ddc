/**
 * The Llama backbone: Hugging Face {@code config.json} and safetensors checkpoints (single or
 * sharded, F32/F16/BF16, memory-mapped), the decoder stack as a recipe on the engine graph with
 * frozen weights kept out of the ONNX protobuf, training modes, a tiny checkpoint writer and a
 * naive double-precision reference forward pass.
 */
package io.github.mmesid.llm.llama;
