package io.github.mmesid.core.engine.graph;

import java.util.Arrays;

/** Element types of engine tensors, with their ONNX {@code TensorProto.DataType} codes. */
public enum DType {
  /** 32-bit IEEE float. */
  FLOAT32(1, 4),
  /** 8-bit unsigned integer. */
  UINT8(2, 1),
  /** 8-bit signed integer. */
  INT8(3, 1),
  /** 32-bit signed integer. */
  INT32(6, 4),
  /** 64-bit signed integer. */
  INT64(7, 8),
  /**
   * 64-bit unsigned integer: intermediate values of in-graph random numbers ({@link RandomOps});
   * runtime buffers do not hold it.
   */
  UINT64(13, 8),
  /** Boolean (one byte per element). */
  BOOL(9, 1),
  /** 16-bit IEEE float. */
  FLOAT16(10, 2),
  /** 64-bit IEEE float. */
  FLOAT64(11, 8),
  /** bfloat16. */
  BFLOAT16(16, 2);

  private final int onnxCode;
  private final int byteSize;

  DType(int onnxCode, int byteSize) {
    this.onnxCode = onnxCode;
    this.byteSize = byteSize;
  }

  /**
   * Returns the ONNX {@code TensorProto.DataType} code.
   *
   * @return the code
   */
  public int onnxCode() {
    return onnxCode;
  }

  /**
   * Returns the size of one element in bytes.
   *
   * @return bytes per element
   */
  public int byteSize() {
    return byteSize;
  }

  /**
   * Whether this is a floating-point type (gradients exist only for these).
   *
   * @return true for FLOAT16, BFLOAT16, FLOAT32 and FLOAT64
   */
  public boolean isFloatingPoint() {
    return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16;
  }

  /**
   * Looks a type up by its ONNX code.
   *
   * @param code ONNX {@code TensorProto.DataType} code
   * @return the type
   * @throws IllegalArgumentException if the code is not one of the supported types
   */
  public static DType fromOnnxCode(int code) {
    for (DType t : values()) {
      if (t.onnxCode == code) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "Unsupported ONNX data type code " + code + ", expected one of " + Arrays.toString(values()));
  }
}
