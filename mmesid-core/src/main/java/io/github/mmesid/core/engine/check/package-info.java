/**
 * Checks of the engine: finite-difference gradient checking of any graph recipe, executed through
 * ONNX Runtime ({@link io.github.mmesid.core.engine.check.GradientChecker}), and device
 * readiness without the device: {@link io.github.mmesid.core.engine.check.KernelAudit} checks an
 * exported graph's nodes against an execution provider's {@link
 * io.github.mmesid.core.engine.check.KernelTable} (ONNX Runtime 1.29's CUDA kernels ship with
 * the SDK), and {@link io.github.mmesid.core.engine.check.DeviceCheckCase} holds one graph the
 * SDK runs, with inputs, for that audit and for the GPU check of {@code benchmarks/gpu}.
 */
package io.github.mmesid.core.engine.check;
