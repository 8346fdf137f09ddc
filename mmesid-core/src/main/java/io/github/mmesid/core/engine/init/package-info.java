/**
 * Seeded, reproducible parameter initialisers (Xavier/Glorot, Kaiming, normal, uniform,
 * constants) that produce engine {@code TensorData} values.
 */
package io.github.mmesid.core.engine.init;
