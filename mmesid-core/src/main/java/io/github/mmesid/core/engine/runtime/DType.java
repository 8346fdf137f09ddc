package io.github.mmesid.core.engine.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;

/** Element types that a {@link HostTensor} can hold, with their ONNX and ORT equivalents. */
public enum DType {
  /** 32-bit IEEE float ({@code tensor(float)}). */
  FLOAT32(4, 1, OnnxJavaType.FLOAT),
  /** 64-bit IEEE float ({@code tensor(double)}). */
  FLOAT64(8, 11, OnnxJavaType.DOUBLE),
  /** 32-bit signed integer ({@code tensor(int32)}). */
  INT32(4, 6, OnnxJavaType.INT32),
  /** 64-bit signed integer ({@code tensor(int64)}). */
  INT64(8, 7, OnnxJavaType.INT64),
  /** Boolean stored as one byte, 0 or 1 ({@code tensor(bool)}). */
  BOOL(1, 9, OnnxJavaType.BOOL),
  /** Unsigned 8-bit integer ({@code tensor(uint8)}). */
  UINT8(1, 2, OnnxJavaType.UINT8);

  private final int byteSize;
  private final int onnxCode;
  private final OnnxJavaType javaType;

  DType(int byteSize, int onnxCode, OnnxJavaType javaType) {
    this.byteSize = byteSize;
    this.onnxCode = onnxCode;
    this.javaType = javaType;
  }

  /**
   * Size of one element in bytes.
   *
   * @return 1, 4 or 8
   */
  public int byteSize() {
    return byteSize;
  }

  /**
   * The {@code TensorProto.DataType} number of this type in the ONNX specification.
   *
   * @return the ONNX element-type code (e.g. 1 for FLOAT)
   */
  public int onnxCode() {
    return onnxCode;
  }

  OnnxJavaType ortJavaType() {
    return javaType;
  }

  /**
   * Looks up the type for an ONNX {@code TensorProto.DataType} code.
   *
   * @param code the ONNX element-type code
   * @return the matching type
   * @throws IllegalArgumentException if the code is not one of the supported types
   */
  public static DType fromOnnxCode(int code) {
    for (DType t : values()) {
      if (t.onnxCode == code) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "Unsupported ONNX element type code " + code + "; supported codes: " + supportedCodes());
  }

  /** The type for ORT's tensor element type, or null if HostTensor cannot hold it. */
  static DType fromOrt(OnnxTensorType type) {
    // ORT-Java's OnnxTensorType.value uses its own numbering, not ONNX's; match via the Java type
    OnnxJavaType jt = OnnxJavaType.mapFromOnnxTensorType(type);
    for (DType t : values()) {
      if (t.javaType == jt) {
        return t;
      }
    }
    return null;
  }

  private static String supportedCodes() {
    StringBuilder sb = new StringBuilder("[");
    for (DType t : values()) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(t.onnxCode).append('=').append(t.name());
    }
    return sb.append(']').toString();
  }
}
