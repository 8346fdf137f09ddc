package io.github.mmesid.core.engine.runtime;

import io.github.mmesid.core.engine.graph.DType;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.Arrays;

/**
 * Declarations of initializers whose data is supplied when a graph is compiled ("external
 * initializers"), and the rules {@link CompiledGraph} applies to them.
 *
 * <p>ONNX Runtime 1.29.0 accepts supplied weights in two ways, and the declaration in the model
 * selects which one {@code CompiledGraph} uses:
 * <ul>
 *   <li>{@link #external(String, DType, long...)} declares the initializer with {@code
 *       data_location = EXTERNAL}; the data is passed with {@code
 *       SessionOptions.addExternalInitializers} and <b>copied</b> by ORT into session-owned memory
 *       while the session is created ({@link Binding#COPIED}).</li>
 *   <li>{@link #shared(String, DType, long...)} declares only name, data type and dims; the data
 *       is passed with {@code SessionOptions.addInitializer} and used <b>in place</b>, without a
 *       copy ({@link Binding#SHARED}); the buffer must not change while the graph is open.</li>
 * </ul>
 * A graph input without an initializer cannot receive an external initializer in ORT 1.29 (it
 * fails with "Failed to find existing initializer"); bind such a value as a run input instead.
 */
public final class InitializerDeclarations {

  /** Location written into {@link #external} declarations; ORT never reads it when data is supplied. */
  public static final String EXTERNAL_LOCATION = "mmesid-supplied-at-compile-time";

  /** How ORT takes a supplied initializer. */
  public enum Binding {
    /** Declared EXTERNAL; ORT copies the data when the session is created. */
    COPIED,
    /** Declared without data; ORT reads the caller's memory in place for the session's lifetime. */
    SHARED
  }

  /** What a model's initializer declaration says about its data. */
  enum Kind {
    /** data_location = EXTERNAL. */
    EXTERNAL,
    /** Only type and dims, no data, non-zero element count. */
    PLACEHOLDER,
    /** Data inside the protobuf. */
    EMBEDDED
  }

  private InitializerDeclarations() {}

  /**
   * Declares an initializer whose data ORT copies from a tensor supplied at compile time.
   *
   * @param name initializer name
   * @param dtype element type
   * @param shape dimensions, each {@code >= 0}
   * @return the declaration to add to {@code GraphProto.initializer}
   */
  public static TensorProto external(String name, DType dtype, long... shape) {
    return base(name, dtype, shape)
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(EXTERNAL_LOCATION))
        .build();
  }

  /**
   * Declares an initializer whose data ORT reads in place from a tensor supplied at compile time.
   *
   * @param name initializer name
   * @param dtype element type
   * @param shape dimensions, each {@code >= 0}
   * @return the declaration to add to {@code GraphProto.initializer}
   */
  public static TensorProto shared(String name, DType dtype, long... shape) {
    return base(name, dtype, shape).build();
  }

  private static TensorProto.Builder base(String name, DType dtype, long[] shape) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("Initializer name was blank; allowed: a non-empty name");
    }
    if (dtype == null) {
      throw new IllegalArgumentException("dtype must not be null; allowed: " + ElementTypes.SUPPORTED);
    }
    TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(dtype.onnxCode());
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "Dimension " + d + " in shape " + Arrays.toString(shape) + " of '" + name + "'; allowed: >= 0");
      }
      b.addDims(d);
    }
    return b;
  }

  static Kind kindOf(TensorProto t) {
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      return Kind.EXTERNAL;
    }
    boolean hasData =
        !t.getRawData().isEmpty()
            || t.getFloatDataCount() > 0
            || t.getDoubleDataCount() > 0
            || t.getInt32DataCount() > 0
            || t.getInt64DataCount() > 0
            || t.getUint64DataCount() > 0
            || t.getStringDataCount() > 0;
    if (hasData) {
      return Kind.EMBEDDED;
    }
    return t.getDimsList().contains(0L) ? Kind.EMBEDDED : Kind.PLACEHOLDER;
  }
}
