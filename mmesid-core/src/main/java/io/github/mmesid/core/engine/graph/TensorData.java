package io.github.mmesid.core.engine.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Concrete tensor values (dtype, shape, little-endian bytes) used for parameter initial values,
 * frozen weights and constants. The bytes are owned by this object and never exposed mutably.
 */
public final class TensorData {
  private final DType dtype;
  private final long[] shape;
  private final ByteBuffer bytes; // little-endian, read-only view, position 0

  private TensorData(DType dtype, long[] shape, ByteBuffer bytes) {
    long n = 1;
    for (long s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException("Negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, s);
    }
    long expected = Math.multiplyExact(n, dtype.byteSize());
    if (bytes.remaining() != expected) {
      throw new IllegalArgumentException(
          "Tensor of dtype " + dtype + " and shape " + Arrays.toString(shape) + " needs " + expected
              + " bytes, got " + bytes.remaining());
    }
    this.dtype = dtype;
    this.shape = shape.clone();
    this.bytes = bytes.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Float32 values.
   *
   * @param shape the shape
   * @param values row-major values, length = product of shape
   * @return the data
   */
  public static TensorData ofFloats(long[] shape, float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return new TensorData(DType.FLOAT32, shape, b);
  }

  /**
   * Float64 values.
   *
   * @param shape the shape
   * @param values row-major values, length = product of shape
   * @return the data
   */
  public static TensorData ofDoubles(long[] shape, double... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asDoubleBuffer().put(values);
    return new TensorData(DType.FLOAT64, shape, b);
  }

  /**
   * Int64 values.
   *
   * @param shape the shape
   * @param values row-major values, length = product of shape
   * @return the data
   */
  public static TensorData ofLongs(long[] shape, long... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return new TensorData(DType.INT64, shape, b);
  }

  /**
   * Int32 values.
   *
   * @param shape the shape
   * @param values row-major values, length = product of shape
   * @return the data
   */
  public static TensorData ofInts(long[] shape, int... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(values);
    return new TensorData(DType.INT32, shape, b);
  }

  /**
   * Boolean values.
   *
   * @param shape the shape
   * @param values row-major values, length = product of shape
   * @return the data
   */
  public static TensorData ofBooleans(long[] shape, boolean... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length);
    for (boolean v : values) {
      b.put((byte) (v ? 1 : 0));
    }
    b.flip();
    return new TensorData(DType.BOOL, shape, b);
  }

  /**
   * Floating-point values converted to the given floating dtype (FLOAT32 or FLOAT64).
   *
   * @param dtype FLOAT32 or FLOAT64
   * @param shape the shape
   * @param values row-major values
   * @return the data
   */
  public static TensorData ofReals(DType dtype, long[] shape, double... values) {
    switch (dtype) {
      case FLOAT64:
        return ofDoubles(shape, values);
      case FLOAT32:
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
          f[i] = (float) values[i];
        }
        return ofFloats(shape, f);
      default:
        throw new IllegalArgumentException(
            "ofReals supports FLOAT32 and FLOAT64, got " + dtype);
    }
  }

  /**
   * Raw little-endian bytes (copied).
   *
   * @param dtype element type
   * @param shape the shape
   * @param littleEndianBytes the bytes from position to limit
   * @return the data
   */
  public static TensorData ofBytes(DType dtype, long[] shape, ByteBuffer littleEndianBytes) {
    ByteBuffer copy = ByteBuffer.allocate(littleEndianBytes.remaining());
    copy.put(littleEndianBytes.duplicate());
    copy.flip();
    return new TensorData(dtype, shape, copy);
  }

  /**
   * Wraps little-endian bytes without copying them (for large frozen weights, for example a
   * direct buffer holding a converted checkpoint tensor or a memory-mapped file region). The
   * caller must not modify the bytes afterwards. When the buffer is direct, runtimes bind it
   * without a copy (see {@link #isDirect()}).
   *
   * @param dtype element type
   * @param shape the shape
   * @param littleEndianBytes the bytes from position to limit (not copied)
   * @return the data
   */
  public static TensorData wrap(DType dtype, long[] shape, ByteBuffer littleEndianBytes) {
    return new TensorData(dtype, shape, littleEndianBytes);
  }

  /**
   * Whether the values live in direct (off-heap) memory, so that a runtime can bind them in place.
   *
   * @return true for data created by {@link #wrap} over a direct buffer
   */
  public boolean isDirect() {
    return bytes.isDirect();
  }

  /**
   * The element type.
   *
   * @return the dtype
   */
  public DType dtype() {
    return dtype;
  }

  /**
   * The shape.
   *
   * @return a copy of the shape
   */
  public long[] shape() {
    return shape.clone();
  }

  /**
   * Number of elements.
   *
   * @return product of the shape
   */
  public long numel() {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  /**
   * Size of the values in bytes.
   *
   * @return byte count
   */
  public long byteSize() {
    return bytes.remaining();
  }

  /**
   * A read-only little-endian view of the bytes.
   *
   * @return the view (independent position)
   */
  public ByteBuffer bytes() {
    return bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Values as doubles (any numeric dtype except FLOAT16/BFLOAT16).
   *
   * @return a new array
   */
  public double[] toDoubles() {
    int n = Math.toIntExact(numel());
    double[] out = new double[n];
    ByteBuffer b = bytes();
    for (int i = 0; i < n; i++) {
      switch (dtype) {
        case FLOAT32:
          out[i] = b.getFloat(i * 4);
          break;
        case FLOAT64:
          out[i] = b.getDouble(i * 8);
          break;
        case INT32:
          out[i] = b.getInt(i * 4);
          break;
        case INT64:
          out[i] = b.getLong(i * 8);
          break;
        case BOOL:
        case UINT8:
          out[i] = b.get(i) & 0xff;
          break;
        case INT8:
          out[i] = b.get(i);
          break;
        default:
          throw new IllegalStateException("toDoubles does not support " + dtype);
      }
    }
    return out;
  }

  /**
   * Values as floats (see {@link #toDoubles()}).
   *
   * @return a new array
   */
  public float[] toFloats() {
    double[] d = toDoubles();
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  @Override
  public String toString() {
    return "TensorData[" + dtype + " " + Arrays.toString(shape) + "]";
  }
}
