/**
 * Numerical checks of the engine: finite-difference gradient checking of any graph recipe,
 * executed through ONNX Runtime.
 */
package io.github.mmesid.core.engine.check;
