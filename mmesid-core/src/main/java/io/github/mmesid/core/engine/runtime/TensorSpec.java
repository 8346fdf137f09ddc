package io.github.mmesid.core.engine.runtime;

import io.github.mmesid.core.engine.graph.DType;
import java.util.Arrays;
import java.util.Objects;

/**
 * Name, element type and shape of one graph input or output as ONNX Runtime reports it. A
 * dimension of {@code -1} is dynamic (symbolic or unknown); its symbolic name, if any, is in
 * {@link #dimensionNames()}.
 */
public final class TensorSpec {
  private final String name;
  private final DType dtype;
  private final String onnxType;
  private final long[] shape;
  private final String[] dimensionNames;

  TensorSpec(String name, DType dtype, String onnxType, long[] shape, String[] dimensionNames) {
    this.name = name;
    this.dtype = dtype;
    this.onnxType = onnxType;
    this.shape = shape.clone();
    this.dimensionNames = dimensionNames.clone();
  }

  /**
   * The input or output name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Whether the element type is one a {@link HostTensor} can hold.
   *
   * @return true if {@link #dtype()} may be called
   */
  public boolean isSupported() {
    return dtype != null;
  }

  /**
   * The element type.
   *
   * @return the dtype
   * @throws IllegalStateException if the ONNX type is not one the runtime supports (FLOAT32, FLOAT64, INT32, INT64, BOOL, UINT8)
   */
  public DType dtype() {
    if (dtype == null) {
      throw new IllegalStateException(
          "'" + name + "' has ONNX element type " + onnxType + ", which HostTensor does not support; supported: "
              + ElementTypes.SUPPORTED);
    }
    return dtype;
  }

  /**
   * ORT's name for the element type, e.g. {@code ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT}.
   *
   * @return the element type as ORT names it
   */
  public String onnxType() {
    return onnxType;
  }

  /**
   * A copy of the shape, {@code -1} marking dynamic dimensions.
   *
   * @return the shape
   */
  public long[] shape() {
    return shape.clone();
  }

  /**
   * A copy of the symbolic dimension names ({@code ""} where a dimension has none).
   *
   * @return one name per dimension
   */
  public String[] dimensionNames() {
    return dimensionNames.clone();
  }

  /**
   * Whether every dimension is known.
   *
   * @return true if no dimension is dynamic
   */
  public boolean isStatic() {
    for (long d : shape) {
      if (d < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a concrete shape fits this spec: same rank, equal wherever this spec is static.
   *
   * @param concrete a concrete shape
   * @return true if it fits
   */
  public boolean accepts(long[] concrete) {
    if (concrete.length != shape.length) {
      return false;
    }
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] >= 0 && shape[d] != concrete[d]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks that a tensor matches this spec's dtype and shape.
   *
   * @param role "input" or "output", for the message
   * @param tensor the tensor to check
   * @throws IllegalArgumentException naming the expected and actual dtype or shape
   */
  void check(String role, HostTensor tensor) {
    if (tensor == null) {
      throw new IllegalArgumentException(role + " '" + name + "' was bound to null; allowed: an open HostTensor");
    }
    tensor.checkOpen();
    if (dtype != tensor.dtype()) {
      throw new IllegalArgumentException(
          role + " '" + name + "' expects " + (dtype == null ? onnxType : dtype) + " but the bound tensor is "
              + tensor.describe() + "; allowed: a " + (dtype == null ? onnxType : dtype) + " tensor");
    }
    long[] s = tensor.shape();
    if (!accepts(s)) {
      throw new IllegalArgumentException(
          role + " '" + name + "' expects shape " + Arrays.toString(shape) + " (-1 = any) but the bound tensor is "
              + tensor.describe() + "; allowed: the same rank, equal in every fixed dimension");
    }
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TensorSpec)) {
      return false;
    }
    TensorSpec t = (TensorSpec) o;
    return name.equals(t.name)
        && Objects.equals(dtype, t.dtype)
        && onnxType.equals(t.onnxType)
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(dimensionNames, t.dimensionNames);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, onnxType, Arrays.hashCode(shape));
  }

  @Override
  public String toString() {
    return name + ":" + (dtype == null ? onnxType : dtype.toString()) + Arrays.toString(shape);
  }
}
