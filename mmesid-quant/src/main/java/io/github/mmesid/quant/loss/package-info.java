/**
 * Graph composites of the MM-RQ-VAE objective built from the engine's public ops: the multi-kernel
 * MMD, the symmetric InfoNCE, and the (gradient-free) nearest-code and Sinkhorn code selections.
 */
package io.github.mmesid.quant.loss;
