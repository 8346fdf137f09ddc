package io.github.mmesid.core.engine.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import io.github.mmesid.core.engine.graph.DType;
import java.util.EnumSet;
import java.util.Set;

/** The element types that {@link HostTensor} can hold, and their ONNX Runtime equivalents. */
final class ElementTypes {
  /** The supported types. */
  static final Set<DType> SUPPORTED = EnumSet.of(DType.FLOAT32, DType.FLOAT64, DType.INT32,
      DType.INT64, DType.BOOL, DType.UINT8);

  private ElementTypes() {}

  /** Throws if the type cannot be held by a {@link HostTensor}. */
  static DType check(DType dtype) {
    if (dtype == null || !SUPPORTED.contains(dtype)) {
      throw new IllegalArgumentException("Element type " + dtype
          + " is not supported by the runtime; allowed: " + SUPPORTED);
    }
    return dtype;
  }

  /** ORT-Java's type of a supported element type. */
  static OnnxJavaType ortJavaType(DType dtype) {
    switch (check(dtype)) {
      case FLOAT32:
        return OnnxJavaType.FLOAT;
      case FLOAT64:
        return OnnxJavaType.DOUBLE;
      case INT32:
        return OnnxJavaType.INT32;
      case INT64:
        return OnnxJavaType.INT64;
      case BOOL:
        return OnnxJavaType.BOOL;
      default:
        return OnnxJavaType.UINT8;
    }
  }

  /** The type for ORT's tensor element type, or null if a HostTensor cannot hold it. */
  static DType fromOrt(OnnxTensorType type) {
    // ORT-Java's OnnxTensorType numbering is its own; match via the Java type.
    OnnxJavaType jt = OnnxJavaType.mapFromOnnxTensorType(type);
    for (DType t : SUPPORTED) {
      if (ortJavaType(t) == jt) {
        return t;
      }
    }
    return null;
  }
}
