package io.github.mmesid.core.engine.runtime;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates ORT sessions: applies {@link RuntimeOptions}, picks the provider, adds initializers. */
final class SessionFactory {
  private static final Logger LOG = LoggerFactory.getLogger(CompiledGraph.class);
  private static final AtomicBoolean CUDA_FALLBACK_WARNED = new AtomicBoolean();
  private static final AtomicInteger FALLBACK_WARNINGS = new AtomicInteger();

  /** ORT session config key controlling busy-waiting of intra-op worker threads. */
  static final String SPINNING_KEY = "session.intra_op.allow_spinning";

  private SessionFactory() {}

  /** A created session and the provider it really runs on. */
  static final class Created {
    final OrtSession session;
    final ExecutionProvider provider;

    Created(OrtSession session, ExecutionProvider provider) {
      this.session = session;
      this.provider = provider;
    }
  }

  /** Number of CPU-fallback warnings logged in this JVM (0 or 1). */
  static int fallbackWarnings() {
    return FALLBACK_WARNINGS.get();
  }

  static Created create(
      String graphName,
      byte[] model,
      RuntimeOptions options,
      Map<String, OnnxTensorLike> external,
      Map<String, OnnxTensorLike> shared,
      Set<OrtProvider> available) {
    return create(graphName, model, null, options, external, shared, available);
  }

  /**
   * Creates a session from exactly one of {@code model} (serialized bytes) or {@code modelFile}
   * (a path ORT opens itself, resolving external data files next to it).
   */
  static Created create(
      String graphName,
      byte[] model,
      java.nio.file.Path modelFile,
      RuntimeOptions options,
      Map<String, OnnxTensorLike> external,
      Map<String, OnnxTensorLike> shared,
      Set<OrtProvider> available) {
    ExecutionProvider requested = options.provider();
    boolean useCuda = requested.kind() == ExecutionProvider.Kind.CUDA;
    if (useCuda && !available.contains(OrtProvider.CUDA)) {
      String msg = CudaDiagnostics.notCompiledIn(available);
      if (requested.policy() == ExecutionProvider.Policy.REQUIRE) {
        throw new ProviderUnavailableException(msg, null);
      }
      warnFallback(msg);
      useCuda = false;
    }
    if (useCuda) {
      try {
        return new Created(open(graphName, model, modelFile, options, external, shared, true), requested);
      } catch (ProviderSetupException e) {
        handleProviderFailure(requested, e.ortCause());
      } catch (OrtException e) {
        if (!mentionsCuda(e)) {
          throw new GraphExecutionException("Compiling graph '" + graphName + "' for " + requested, e);
        }
        handleProviderFailure(requested, e);
      }
    }
    try {
      return new Created(open(graphName, model, modelFile, options, external, shared, false), ExecutionProvider.cpu());
    } catch (OrtException e) {
      throw new GraphExecutionException("Compiling graph '" + graphName + "' for CPU", e);
    } catch (ProviderSetupException e) {
      throw new IllegalStateException("Unreachable: no provider was added for CPU", e);
    }
  }

  private static void handleProviderFailure(ExecutionProvider requested, OrtException cause) {
    String msg = CudaDiagnostics.diagnoseProviderFailure(requested.deviceId(), cause.getMessage());
    if (requested.policy() == ExecutionProvider.Policy.REQUIRE) {
      throw new ProviderUnavailableException(msg, cause);
    }
    warnFallback(msg);
  }

  private static boolean mentionsCuda(OrtException e) {
    if (e.getCode() == OrtException.OrtErrorCode.ORT_EP_FAIL) {
      return true;
    }
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return m.contains("cuda") || m.contains("cudnn") || m.contains("cublas");
  }

  private static void warnFallback(String msg) {
    if (CUDA_FALLBACK_WARNED.compareAndSet(false, true)) {
      FALLBACK_WARNINGS.incrementAndGet();
      LOG.warn("{} Falling back to the CPU provider (ExecutionProvider policy PREFER; this warning is logged once per JVM).", msg);
    } else {
      LOG.debug("CUDA unavailable, using CPU: {}", msg);
    }
  }

  /** Signals that adding the provider to the session options failed. */
  private static final class ProviderSetupException extends Exception {
    private static final long serialVersionUID = 1L;

    ProviderSetupException(OrtException cause) {
      super(cause.getMessage(), cause);
    }

    OrtException ortCause() {
      return (OrtException) getCause();
    }
  }

  private static OrtSession open(
      String graphName,
      byte[] model,
      java.nio.file.Path modelFile,
      RuntimeOptions o,
      Map<String, OnnxTensorLike> external,
      Map<String, OnnxTensorLike> shared,
      boolean cuda)
      throws OrtException, ProviderSetupException {
    OrtEnvironment env = OrtRuntime.get().environment();
    try (SessionOptions so = new SessionOptions()) {
      so.setLoggerId("mmesid:" + graphName);
      so.setSessionLogLevel(o.logSeverity().toOrt());
      so.setIntraOpNumThreads(o.intraOpThreads());
      so.setInterOpNumThreads(o.interOpThreads());
      so.setExecutionMode(
          o.interOpThreads() > 1
              ? SessionOptions.ExecutionMode.PARALLEL
              : SessionOptions.ExecutionMode.SEQUENTIAL);
      so.setOptimizationLevel(o.optimizationLevel().toOrt());
      so.setDeterministicCompute(o.deterministicCompute());
      so.setMemoryPatternOptimization(o.memoryPattern());
      so.setCPUArenaAllocator(o.cpuArena());
      so.addConfigEntry(SPINNING_KEY, o.threadSpinning() ? "1" : "0");
      if (cuda) {
        try {
          so.addCUDA(o.provider().deviceId());
        } catch (OrtException e) {
          throw new ProviderSetupException(e);
        }
      }
      if (!external.isEmpty()) {
        so.addExternalInitializers(external);
      }
      for (Map.Entry<String, OnnxTensorLike> e : shared.entrySet()) {
        so.addInitializer(e.getKey(), e.getValue());
      }
      return model != null ? env.createSession(model, so) : env.createSession(modelFile.toString(), so);
    }
  }
}
