/**
 * MM-RQ-VAE: the multimodal residual-quantized VAE that turns item embeddings into semantic IDs
 * and code embeddings (METHOD.md section 2).
 */
package io.github.mmesid.quant;
