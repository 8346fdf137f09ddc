package io.github.mmesid.core.engine.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Allocation-free access to the JNI entry point behind {@code OrtSession.run}.
 *
 * <p>Why: ORT-Java's public {@code run(inputs, requested, pinnedOutputs, runOptions)} rebuilds
 * name and handle arrays from the maps, iterates them, and wraps the result in a {@code Result}
 * holding a {@code LinkedHashMap} and an {@code ArrayList} on every call: about 350 bytes of
 * garbage per run for a two-input, one-output graph (measured with JMH {@code -prof gc}). The
 * native method it finally calls takes plain arrays, which a {@link PreparedRun} can build once;
 * the only heap allocation left is the {@code boolean[]} that the JNI code itself creates.
 *
 * <p>The private native method is reached by reflection, so the fast path is enabled only for
 * the ORT line it was verified against ({@value #VERIFIED_VERSION_PREFIX}x) and only when every
 * member is found with the expected signature; otherwise, or with the system property {@code
 * mmesid.runtime.directRun=false}, the public API is used. Inputs and outputs are validated when
 * a {@code PreparedRun} is built, which is the validation the public API would repeat per call.
 */
final class DirectRun {
  private static final Logger LOG = LoggerFactory.getLogger(DirectRun.class);

  /** ORT versions whose JNI signature this class was verified against. */
  static final String VERIFIED_VERSION_PREFIX = "1.29.";

  /** System property that disables the fast path when set to {@code false}. */
  static final String PROPERTY = "mmesid.runtime.directRun";

  private static final MethodHandle RUN;
  private static final long API_HANDLE;
  private static final Field SESSION_HANDLE;
  private static final Field SESSION_ALLOCATOR;
  private static final Field ALLOCATOR_HANDLE;
  private static final Field VALUE_HANDLE;
  private static final Method RUN_OPTIONS_HANDLE;
  private static final String UNAVAILABLE_REASON;

  static {
    MethodHandle run = null;
    long api = 0;
    Field sessionHandle = null;
    Field sessionAllocator = null;
    Field allocatorHandle = null;
    Field valueHandle = null;
    Method runOptionsHandle = null;
    String reason = null;
    try {
      String version = OrtRuntime.get().version();
      if (!"true".equalsIgnoreCase(System.getProperty(PROPERTY, "true"))) {
        reason = "disabled by -D" + PROPERTY + "=false";
      } else if (!version.startsWith(VERIFIED_VERSION_PREFIX)) {
        reason = "ONNX Runtime " + version + " is not the verified " + VERIFIED_VERSION_PREFIX + "x line";
      } else {
        Method m =
            OrtSession.class.getDeclaredMethod(
                "run",
                long.class, long.class, long.class,
                String[].class, long[].class, long.class,
                String[].class, long.class,
                OnnxValue[].class, long[].class, long.class);
        if (m.getReturnType() != boolean[].class) {
          throw new NoSuchMethodException("OrtSession.run native returns " + m.getReturnType());
        }
        m.setAccessible(true);
        run = MethodHandles.lookup().unreflect(m);
        Class<?> onnxRuntime = Class.forName("ai.onnxruntime.OnnxRuntime");
        Field apiField = onnxRuntime.getDeclaredField("ortApiHandle");
        apiField.setAccessible(true);
        api = apiField.getLong(null);
        sessionHandle = accessible(OrtSession.class.getDeclaredField("nativeHandle"));
        sessionAllocator = accessible(OrtSession.class.getDeclaredField("allocator"));
        allocatorHandle = accessible(sessionAllocator.getType().getDeclaredField("handle"));
        valueHandle = accessible(OnnxTensorLike.class.getDeclaredField("nativeHandle"));
        runOptionsHandle = OrtSession.RunOptions.class.getDeclaredMethod("getNativeHandle");
        runOptionsHandle.setAccessible(true);
        if (api == 0) {
          throw new IllegalStateException("ORT API handle is 0");
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      reason = "ORT-Java internals differ from " + VERIFIED_VERSION_PREFIX + "x (" + e + ")";
      run = null;
    }
    if (reason != null) {
      LOG.debug("Allocation-free run path disabled, using the public OrtSession.run: {}", reason);
    }
    RUN = run;
    API_HANDLE = api;
    SESSION_HANDLE = sessionHandle;
    SESSION_ALLOCATOR = sessionAllocator;
    ALLOCATOR_HANDLE = allocatorHandle;
    VALUE_HANDLE = valueHandle;
    RUN_OPTIONS_HANDLE = runOptionsHandle;
    UNAVAILABLE_REASON = reason;
  }

  private static Field accessible(Field f) {
    f.setAccessible(true);
    return f;
  }

  private DirectRun() {}

  /** Whether the fast path can be used in this JVM. */
  static boolean available() {
    return RUN != null;
  }

  /** Why the fast path is off, or null when it is on. */
  static String unavailableReason() {
    return UNAVAILABLE_REASON;
  }

  /** Native handles of a session, read once per graph. */
  static final class SessionHandles {
    final long session;
    final long allocator;

    SessionHandles(long session, long allocator) {
      this.session = session;
      this.allocator = allocator;
    }
  }

  static SessionHandles handles(OrtSession session) {
    try {
      return new SessionHandles(SESSION_HANDLE.getLong(session), ALLOCATOR_HANDLE.getLong(SESSION_ALLOCATOR.get(session)));
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("Cannot read ORT session handles: " + e.getMessage(), e);
    }
  }

  static long handle(OnnxTensor tensor) {
    try {
      return VALUE_HANDLE.getLong(tensor);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("Cannot read an ORT tensor handle: " + e.getMessage(), e);
    }
  }

  static long handle(OrtSession.RunOptions runOptions) {
    try {
      return (Long) RUN_OPTIONS_HANDLE.invoke(runOptions);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Cannot read an ORT RunOptions handle: " + e.getMessage(), e);
    }
  }

  /**
   * Calls the native run with pre-built arrays; every output must be pinned (non-null value).
   *
   * @throws OrtException as ORT reports it
   */
  static void run(
      OrtSession session,
      SessionHandles handles,
      String[] inputNames,
      long[] inputHandles,
      String[] outputNames,
      OnnxValue[] outputValues,
      long[] outputHandles,
      long runOptionsHandle)
      throws OrtException {
    try {
      boolean[] ownedByResult =
          (boolean[])
              RUN.invokeExact(
                  session,
                  API_HANDLE,
                  handles.session,
                  handles.allocator,
                  inputNames,
                  inputHandles,
                  (long) inputNames.length,
                  outputNames,
                  (long) outputNames.length,
                  outputValues,
                  outputHandles,
                  runOptionsHandle);
      if (ownedByResult == null) {
        throw new OrtException("ORT's native run returned no status array");
      }
    } catch (OrtException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("Unexpected failure in ORT's native run: " + t, t);
    }
  }
}
