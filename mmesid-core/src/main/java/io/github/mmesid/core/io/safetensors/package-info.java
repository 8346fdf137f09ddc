/**
 * Reading and writing tensors in the safetensors format (single files and Hugging Face style
 * sharded checkpoints), memory-mapped on read and written atomically, plus half-precision
 * ({@link io.github.mmesid.core.io.safetensors.Float16}, {@link
 * io.github.mmesid.core.io.safetensors.BFloat16}) conversions.
 */
package io.github.mmesid.core.io.safetensors;
