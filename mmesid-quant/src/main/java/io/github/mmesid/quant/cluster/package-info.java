/**
 * Clustering and balanced assignment used by the quantizer outside autodiff: k-means (k-means++
 * seeding, optionally size-balanced) and Sinkhorn-Knopp transport plans, in double precision.
 */
package io.github.mmesid.quant.cluster;
