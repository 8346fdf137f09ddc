package io.github.mmesid.core.engine.runtime;

import io.github.mmesid.core.engine.graph.DType;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Facade over the single ONNX Runtime environment of the JVM (ORT's {@code OrtEnvironment} is a
 * process-wide singleton). Everything in this package obtains the environment here.
 *
 * <p>The environment is created lazily on first use with WARNING native logging and lives until
 * the JVM exits; it is never closed by this SDK.
 */
public final class OrtRuntime {

  /** Name under which the environment is registered with ONNX Runtime. */
  public static final String ENVIRONMENT_NAME = "mmesid";

  private static final class Holder {
    static final OrtRuntime INSTANCE =
        new OrtRuntime(
            OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, ENVIRONMENT_NAME));
  }

  private final OrtEnvironment environment;

  private OrtRuntime(OrtEnvironment environment) {
    this.environment = environment;
  }

  /**
   * The runtime of this JVM, creating ORT's environment on first call.
   *
   * @return the shared runtime
   */
  public static OrtRuntime get() {
    return Holder.INSTANCE;
  }

  /**
   * ORT's environment, for code that needs to call ONNX Runtime directly.
   *
   * @return the shared environment
   */
  public OrtEnvironment environment() {
    return environment;
  }

  /**
   * Version string of the loaded ONNX Runtime native library.
   *
   * @return e.g. "1.29.0"
   */
  public String version() {
    return environment.getVersion();
  }

  /**
   * Execution providers compiled into the ONNX Runtime build on the class path. CUDA appears
   * only with {@value ExecutionProvider#CUDA_ARTIFACT}; its presence does not prove that the
   * CUDA libraries can be loaded.
   *
   * @return an unmodifiable set of providers
   */
  public Set<OrtProvider> availableProviders() {
    EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
    return Collections.unmodifiableSet(providers);
  }

  /**
   * Allocates a zero-filled host tensor.
   *
   * @param dtype element type
   * @param shape dimensions, each {@code >= 0}
   * @return a new tensor; the caller closes it
   * @see HostTensor#allocate(DType, long...)
   */
  public HostTensor allocate(DType dtype, long... shape) {
    return HostTensor.allocate(dtype, shape);
  }

  /**
   * Compiles a graph without external initializers.
   *
   * @param model the ONNX model
   * @param options session options
   * @return the compiled graph; the caller closes it
   */
  public CompiledGraph compile(ModelProto model, RuntimeOptions options) {
    return CompiledGraph.builder(model).options(options).build();
  }

  /**
   * Compiles a graph with external initializers.
   *
   * @param model the ONNX model
   * @param externalInitializers name to {@link HostTensor} or direct, native-order {@link
   *     java.nio.Buffer}; see {@link CompiledGraph.Builder#externalInitializer(String, HostTensor)}
   * @param options session options
   * @return the compiled graph; the caller closes it
   */
  public CompiledGraph compile(
      ModelProto model, Map<String, ?> externalInitializers, RuntimeOptions options) {
    return CompiledGraph.builder(model).externalInitializers(externalInitializers).options(options).build();
  }

  /**
   * Compiles an ONNX model file, e.g. a {@code model.onnx} exported from PyTorch; ONNX Runtime
   * reads the file itself and resolves external-data files next to it.
   *
   * @param modelFile path of the ONNX model
   * @param options session options
   * @return the compiled graph, named after the file; the caller closes it
   * @throws java.io.UncheckedIOException if the file does not exist or cannot be read
   * @throws GraphExecutionException if ONNX Runtime rejects the file
   * @see CompiledGraph#builder(java.nio.file.Path)
   */
  public CompiledGraph compile(java.nio.file.Path modelFile, RuntimeOptions options) {
    return CompiledGraph.builder(modelFile).options(options).build();
  }

  /**
   * Compiles a serialized graph with external initializers.
   *
   * @param model the serialized ONNX model
   * @param externalInitializers name to {@link HostTensor} or direct, native-order {@link
   *     java.nio.Buffer}
   * @param options session options
   * @return the compiled graph; the caller closes it
   */
  public CompiledGraph compile(
      byte[] model, Map<String, ?> externalInitializers, RuntimeOptions options) {
    return CompiledGraph.builder(model).externalInitializers(externalInitializers).options(options).build();
  }
}
