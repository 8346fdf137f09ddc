/**
 * Measurements of a quantization: Kendall's tau between pair distances of two spaces, code usage
 * and perplexity, and the agreement of two code assignments.
 */
package io.github.mmesid.quant.metrics;
