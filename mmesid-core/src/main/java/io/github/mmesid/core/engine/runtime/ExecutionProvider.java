package io.github.mmesid.core.engine.runtime;

/**
 * Which ONNX Runtime execution provider a graph runs on, and what to do when it is unavailable.
 *
 * <p>CPU is always available. CUDA needs the GPU build of ONNX Runtime
 * ({@value #CUDA_ARTIFACT}) plus CUDA 12 and cuDNN 9 libraries on the library path; with
 * {@link Policy#REQUIRE} a missing piece fails graph compilation with a
 * {@link ProviderUnavailableException} that names it, with {@link Policy#PREFER} one warning is
 * logged per JVM and the graph runs on CPU.
 *
 * @param kind the provider family
 * @param deviceId the CUDA device ordinal (always 0 for CPU)
 * @param policy what to do when the provider cannot be used (always REQUIRE for CPU)
 */
public record ExecutionProvider(Kind kind, int deviceId, Policy policy) {

  /** Maven coordinates of the ONNX Runtime build that contains the CUDA provider. */
  public static final String CUDA_ARTIFACT = "com.microsoft.onnxruntime:onnxruntime_gpu:1.29.0";

  /** Provider families this SDK can configure. */
  public enum Kind {
    /** ONNX Runtime's default CPU provider. */
    CPU,
    /** NVIDIA CUDA provider (needs the GPU build of ONNX Runtime). */
    CUDA
  }

  /** What to do when the requested provider cannot be used. */
  public enum Policy {
    /** Fail with a {@link ProviderUnavailableException} naming what is missing. */
    REQUIRE,
    /** Log one warning per JVM and run on CPU instead. */
    PREFER
  }

  /**
   * Validates the components.
   *
   * @param kind the provider family, not null
   * @param deviceId a device ordinal {@code >= 0}; must be 0 for CPU
   * @param policy the fallback policy, not null
   */
  public ExecutionProvider {
    if (kind == null) {
      throw new IllegalArgumentException("kind must not be null; allowed: " + java.util.Arrays.toString(Kind.values()));
    }
    if (policy == null) {
      throw new IllegalArgumentException("policy must not be null; allowed: REQUIRE or PREFER");
    }
    if (deviceId < 0) {
      throw new IllegalArgumentException("deviceId was " + deviceId + "; allowed: a device ordinal >= 0");
    }
    if (kind == Kind.CPU && deviceId != 0) {
      throw new IllegalArgumentException("deviceId was " + deviceId + " for CPU; allowed: 0 (CPU has no device ordinal)");
    }
  }

  /**
   * The CPU provider.
   *
   * @return the CPU provider
   */
  public static ExecutionProvider cpu() {
    return new ExecutionProvider(Kind.CPU, 0, Policy.REQUIRE);
  }

  /**
   * The CUDA provider on one device.
   *
   * @param deviceId CUDA device ordinal, {@code >= 0}
   * @param policy REQUIRE to fail when CUDA is unusable, PREFER to fall back to CPU
   * @return the CUDA provider
   */
  public static ExecutionProvider cuda(int deviceId, Policy policy) {
    return new ExecutionProvider(Kind.CUDA, deviceId, policy);
  }

  /**
   * Whether this is the CPU provider.
   *
   * @return true for CPU
   */
  public boolean isCpu() {
    return kind == Kind.CPU;
  }

  @Override
  public String toString() {
    return kind == Kind.CPU ? "CPU" : "CUDA(device " + deviceId + ", " + policy + ")";
  }
}
