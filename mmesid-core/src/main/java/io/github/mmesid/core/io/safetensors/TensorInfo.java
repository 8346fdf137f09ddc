package io.github.mmesid.core.io.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * Describes one tensor of a safetensors file: its name, element type, shape and where its bytes
 * lie. Immutable; {@link #shape()} returns a copy.
 */
public final class TensorInfo {

  private final String name;
  private final SafetensorsDType dtype;
  private final long[] shape;
  private final long byteOffset;
  private final long byteLength;
  private final long elementCount;

  /**
   * Creates a description and checks that it is self-consistent.
   *
   * @param name the tensor name
   * @param dtype the element type
   * @param shape the dimensions, each non-negative (an empty array is a scalar)
   * @param byteOffset where the tensor starts, relative to the start of the data region (the
   *     first entry of {@code data_offsets})
   * @param byteLength the number of bytes, which must equal the element count times the dtype
   *     size
   * @throws IllegalArgumentException if any value is negative, the element count overflows or the
   *     length does not match
   */
  public TensorInfo(String name, SafetensorsDType dtype, long[] shape, long byteOffset, long byteLength) {
    this.name = Objects.requireNonNull(name, "name");
    this.dtype = Objects.requireNonNull(dtype, "dtype");
    this.shape = Objects.requireNonNull(shape, "shape").clone();
    if (byteOffset < 0 || byteLength < 0) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': byte offset and length must be >= 0, got offset " + byteOffset
              + " and length " + byteLength);
    }
    this.elementCount = elementCount(name, this.shape);
    long expected = byteCount(name, elementCount, dtype);
    if (expected != byteLength) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': " + byteLength + " bytes given but shape "
              + Arrays.toString(this.shape) + " of " + dtype + " needs " + expected);
    }
    this.byteOffset = byteOffset;
    this.byteLength = byteLength;
  }

  /**
   * Computes the number of elements of a shape, checking for negative dimensions and overflow.
   *
   * @param name the tensor name, for messages
   * @param shape the dimensions
   * @return the product of the dimensions (1 for a scalar)
   * @throws IllegalArgumentException if a dimension is negative or the product exceeds
   *     {@link Long#MAX_VALUE}
   */
  static long elementCount(String name, long[] shape) {
    long n = 1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new IllegalArgumentException(
            "tensor '" + name + "': shape " + Arrays.toString(shape) + " has negative dimension "
                + shape[i] + " at index " + i + "; dimensions must be >= 0");
      }
    }
    for (long d : shape) {
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException(
            "tensor '" + name + "': shape " + Arrays.toString(shape)
                + " has more elements than fit in a signed 64-bit count", e);
      }
    }
    return n;
  }

  /**
   * Computes the byte size of {@code elements} elements of {@code dtype}, checking for overflow.
   *
   * @param name the tensor name, for messages
   * @param elements the element count
   * @param dtype the element type
   * @return the byte count
   * @throws IllegalArgumentException on overflow
   */
  static long byteCount(String name, long elements, SafetensorsDType dtype) {
    try {
      return Math.multiplyExact(elements, (long) dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': " + elements + " elements of " + dtype
              + " need more bytes than fit in a signed 64-bit count", e);
    }
  }

  /**
   * Returns the tensor name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the element type.
   *
   * @return the dtype
   */
  public SafetensorsDType dtype() {
    return dtype;
  }

  /**
   * Returns a copy of the shape.
   *
   * @return the dimensions (empty for a scalar)
   */
  public long[] shape() {
    return shape.clone();
  }

  /**
   * Returns the number of dimensions.
   *
   * @return the rank (0 for a scalar)
   */
  public int rank() {
    return shape.length;
  }

  /**
   * Returns the number of elements (the product of the shape; 1 for a scalar).
   *
   * @return the element count
   */
  public long elementCount() {
    return elementCount;
  }

  /**
   * Returns where the tensor's bytes start, relative to the start of the data region (that is,
   * after the 8-byte length and the JSON header), as written in {@code data_offsets[0]}.
   *
   * @return the offset in bytes
   */
  public long byteOffset() {
    return byteOffset;
  }

  /**
   * Returns the number of bytes the tensor occupies.
   *
   * @return the length in bytes
   */
  public long byteLength() {
    return byteLength;
  }

  /**
   * Returns the end of the tensor's bytes relative to the data region ({@code data_offsets[1]}).
   *
   * @return offset plus length
   */
  public long byteEnd() {
    return byteOffset + byteLength;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TensorInfo)) {
      return false;
    }
    TensorInfo t = (TensorInfo) o;
    return name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
        && byteOffset == t.byteOffset && byteLength == t.byteLength;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), byteOffset, byteLength);
  }

  @Override
  public String toString() {
    return "TensorInfo[" + name + ", " + dtype + ", shape=" + Arrays.toString(shape)
        + ", offsets=[" + byteOffset + ", " + byteEnd() + "]]";
  }
}
