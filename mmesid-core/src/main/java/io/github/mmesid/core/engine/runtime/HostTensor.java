package io.github.mmesid.core.engine.runtime;

import io.github.mmesid.core.engine.graph.DType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * A tensor in pre-allocated, direct, native-order host memory with a fixed data type and shape,
 * together with the ONNX Runtime {@link OnnxTensor} created once over that memory without a copy.
 *
 * <p>Binding a {@code HostTensor} as an input of a {@link PreparedRun} lets ORT read it in place;
 * binding it as a pinned output lets ORT write the result straight into it. Java code reads and
 * writes the same memory through the accessors, so one training step moves no data through the
 * Java heap.
 *
 * <p>Elements are addressed by their flat row-major index ({@link #index(long...)} converts
 * coordinates). A tensor holds at most {@link #MAX_BYTES} bytes. Instances are not safe for
 * concurrent writes; {@link #close()} is idempotent and thread-safe, and any use after close
 * throws {@link IllegalStateException}. Closing releases the native ORT value; the memory itself
 * is freed by the garbage collector once nothing (for example a {@link CompiledGraph} using the
 * tensor as an external initializer) refers to the tensor any more.
 */
public final class HostTensor implements AutoCloseable {

  /** Largest supported size of a tensor in bytes (ORT's Java limit for direct buffers). */
  public static final long MAX_BYTES = Integer.MAX_VALUE - 64L;

  /** Largest supported rank (ORT's limit). */
  public static final int MAX_RANK = 8;

  private final DType dtype;
  private final long[] shape;
  private final int size;
  private final FloatBuffer f32;
  private final DoubleBuffer f64;
  private final IntBuffer i32;
  private final LongBuffer i64;
  private final ByteBuffer u8;
  private final OnnxTensor tensor;
  private volatile boolean closed;

  private HostTensor(DType dtype, long[] shape, int size, Buffer typed) {
    this.dtype = dtype;
    this.shape = shape;
    this.size = size;
    this.f32 = typed instanceof FloatBuffer ? (FloatBuffer) typed : null;
    this.f64 = typed instanceof DoubleBuffer ? (DoubleBuffer) typed : null;
    this.i32 = typed instanceof IntBuffer ? (IntBuffer) typed : null;
    this.i64 = typed instanceof LongBuffer ? (LongBuffer) typed : null;
    this.u8 = typed instanceof ByteBuffer ? (ByteBuffer) typed : null;
    this.tensor = createOrtTensor(dtype, shape, typed);
  }

  private static OnnxTensor createOrtTensor(DType dtype, long[] shape, Buffer typed) {
    OrtEnvironment env = OrtRuntime.get().environment();
    try {
      switch (dtype) {
        case FLOAT32:
          return OnnxTensor.createTensor(env, (FloatBuffer) typed, shape);
        case FLOAT64:
          return OnnxTensor.createTensor(env, (DoubleBuffer) typed, shape);
        case INT32:
          return OnnxTensor.createTensor(env, (IntBuffer) typed, shape);
        case INT64:
          return OnnxTensor.createTensor(env, (LongBuffer) typed, shape);
        case BOOL:
        case UINT8:
          return OnnxTensor.createTensor(env, (ByteBuffer) typed, shape, ElementTypes.ortJavaType(dtype));
        default:
          throw new IllegalArgumentException("Unsupported dtype " + dtype);
      }
    } catch (OrtException e) {
      throw new GraphExecutionException(
          "Creating an ORT tensor " + dtype + Arrays.toString(shape), e);
    }
  }

  /**
   * Allocates a zero-filled tensor in new direct, native-order memory.
   *
   * @param dtype element type
   * @param shape dimensions, each {@code >= 0}, rank at most {@value #MAX_RANK}; an empty shape
   *     is a scalar
   * @return the tensor; the caller closes it
   * @throws IllegalArgumentException if the shape is invalid or larger than {@link #MAX_BYTES}
   */
  public static HostTensor allocate(DType dtype, long... shape) {
    long[] dims = checkShape(dtype, shape);
    int n = elementCount(dtype, dims);
    ByteBuffer bytes = ByteBuffer.allocateDirect(n * dtype.byteSize()).order(ByteOrder.nativeOrder());
    return new HostTensor(dtype, dims, n, typedView(dtype, bytes));
  }

  /**
   * Wraps existing direct, native-order memory without copying. The tensor covers exactly the
   * buffer's remaining elements, starting at its position; the buffer's position and limit are
   * not changed. The tensor keeps the buffer reachable.
   *
   * @param buffer a direct buffer in native byte order: a {@link ByteBuffer} (any dtype, its
   *     remaining bytes must equal the tensor's byte size) or a {@link FloatBuffer}, {@link
   *     DoubleBuffer}, {@link IntBuffer}, {@link LongBuffer} matching FLOAT32, FLOAT64, INT32,
   *     INT64 (its remaining elements must equal the element count)
   * @param dtype element type
   * @param shape dimensions, each {@code >= 0}
   * @return the tensor; the caller closes it
   * @throws IllegalArgumentException if the buffer is heap-backed, not native order, of the wrong
   *     kind or of the wrong size
   */
  public static HostTensor wrap(Buffer buffer, DType dtype, long... shape) {
    if (buffer == null) {
      throw new IllegalArgumentException("buffer must not be null; allowed: a direct, native-order NIO buffer");
    }
    long[] dims = checkShape(dtype, shape);
    int n = elementCount(dtype, dims);
    if (!buffer.isDirect()) {
      throw new IllegalArgumentException(
          "Cannot wrap a heap " + buffer.getClass().getSimpleName()
              + "; allowed: a direct buffer (ByteBuffer.allocateDirect(..).order(ByteOrder.nativeOrder()))");
    }
    if (buffer.isReadOnly()) {
      throw new IllegalArgumentException("Cannot wrap a read-only buffer; allowed: a writable direct buffer");
    }
    Buffer typed;
    if (buffer instanceof ByteBuffer) {
      ByteBuffer bb = (ByteBuffer) buffer;
      checkOrder(bb.order());
      if (bb.remaining() != (long) n * dtype.byteSize()) {
        throw sizeMismatch(bb.remaining() + " bytes", dtype, dims, (long) n * dtype.byteSize() + " bytes");
      }
      typed = typedView(dtype, bb.slice().order(ByteOrder.nativeOrder()));
    } else {
      DType expected = typedBufferDType(buffer);
      if (expected != dtype) {
        throw new IllegalArgumentException(
            "A " + buffer.getClass().getSimpleName() + " holds " + expected + " elements but dtype " + dtype
                + " was requested; allowed: a ByteBuffer for any dtype, or the typed buffer matching the dtype");
      }
      checkOrder(typedOrder(buffer));
      if (buffer.remaining() != n) {
        throw sizeMismatch(buffer.remaining() + " elements", dtype, dims, n + " elements");
      }
      typed = typedSlice(buffer);
    }
    return new HostTensor(dtype, dims, n, typed);
  }

  /**
   * Wraps existing direct, native-order memory that may be read-only (for example a memory-mapped
   * file region or weights shared with a graph description) without copying. ORT only reads such
   * a tensor when it is bound as an input or external initializer; the setters and {@code
   * copyFrom} methods throw {@link java.nio.ReadOnlyBufferException} on read-only memory, and the
   * tensor must never be bound as an output.
   *
   * @param bytes a direct {@link ByteBuffer} in native byte order whose remaining bytes equal the
   *     tensor's byte size; its position and limit are not changed
   * @param dtype element type
   * @param shape dimensions, each {@code >= 0}
   * @return the tensor; the caller closes it
   * @throws IllegalArgumentException if the buffer is heap-backed, not native order or of the
   *     wrong size
   */
  public static HostTensor wrapShared(ByteBuffer bytes, DType dtype, long... shape) {
    if (bytes == null || !bytes.isDirect()) {
      throw new IllegalArgumentException("wrapShared needs a direct ByteBuffer, got "
          + (bytes == null ? "null" : "a heap buffer") + "; allowed: a direct, native-order buffer");
    }
    long[] dims = checkShape(dtype, shape);
    int n = elementCount(dtype, dims);
    checkOrder(bytes.order());
    if (bytes.remaining() != (long) n * dtype.byteSize()) {
      throw sizeMismatch(bytes.remaining() + " bytes", dtype, dims, (long) n * dtype.byteSize() + " bytes");
    }
    return new HostTensor(dtype, dims, n, typedView(dtype, bytes.slice().order(ByteOrder.nativeOrder())));
  }

  /**
   * Allocates a FLOAT32 tensor holding a copy of {@code data}.
   *
   * @param data values in row-major order, length equal to the shape's element count
   * @param shape dimensions
   * @return the tensor; the caller closes it
   */
  public static HostTensor of(float[] data, long... shape) {
    HostTensor t = allocate(DType.FLOAT32, shape);
    t.copyFrom(data);
    return t;
  }

  /**
   * Allocates a FLOAT64 tensor holding a copy of {@code data}.
   *
   * @param data values in row-major order, length equal to the shape's element count
   * @param shape dimensions
   * @return the tensor; the caller closes it
   */
  public static HostTensor of(double[] data, long... shape) {
    HostTensor t = allocate(DType.FLOAT64, shape);
    t.copyFrom(data);
    return t;
  }

  /**
   * Allocates an INT32 tensor holding a copy of {@code data}.
   *
   * @param data values in row-major order, length equal to the shape's element count
   * @param shape dimensions
   * @return the tensor; the caller closes it
   */
  public static HostTensor of(int[] data, long... shape) {
    HostTensor t = allocate(DType.INT32, shape);
    t.copyFrom(data);
    return t;
  }

  /**
   * Allocates an INT64 tensor holding a copy of {@code data}.
   *
   * @param data values in row-major order, length equal to the shape's element count
   * @param shape dimensions
   * @return the tensor; the caller closes it
   */
  public static HostTensor of(long[] data, long... shape) {
    HostTensor t = allocate(DType.INT64, shape);
    t.copyFrom(data);
    return t;
  }

  /**
   * Allocates a BOOL tensor holding a copy of {@code data}.
   *
   * @param data values in row-major order, length equal to the shape's element count
   * @param shape dimensions
   * @return the tensor; the caller closes it
   */
  public static HostTensor of(boolean[] data, long... shape) {
    HostTensor t = allocate(DType.BOOL, shape);
    t.copyFrom(data);
    return t;
  }

  // ---------------------------------------------------------------- metadata

  /**
   * The element type.
   *
   * @return the dtype
   */
  public DType dtype() {
    return dtype;
  }

  /**
   * A copy of the dimensions.
   *
   * @return the shape
   */
  public long[] shape() {
    return shape.clone();
  }

  /**
   * Dimension {@code axis}.
   *
   * @param axis 0 &le; axis &lt; rank
   * @return the length of that dimension
   */
  public long dim(int axis) {
    if (axis < 0 || axis >= shape.length) {
      throw new IllegalArgumentException("axis was " + axis + "; allowed: 0.." + (shape.length - 1));
    }
    return shape[axis];
  }

  /**
   * Number of dimensions.
   *
   * @return the rank, 0 for a scalar
   */
  public int rank() {
    return shape.length;
  }

  /**
   * Number of elements.
   *
   * @return the product of the dimensions
   */
  public int size() {
    return size;
  }

  /**
   * Size of the data in bytes.
   *
   * @return {@code size() * dtype().byteSize()}
   */
  public long byteSize() {
    return (long) size * dtype.byteSize();
  }

  /**
   * Whether {@link #close()} has been called.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Whether this tensor has the given dtype and exactly the given shape.
   *
   * @param otherType a dtype
   * @param otherShape a shape
   * @return true if both match
   */
  public boolean hasLayout(DType otherType, long[] otherShape) {
    return dtype == otherType && Arrays.equals(shape, otherShape);
  }

  /**
   * The flat row-major index of an element.
   *
   * @param coords one coordinate per dimension, each within its dimension
   * @return the flat index
   */
  public int index(long... coords) {
    if (coords.length != shape.length) {
      throw new IllegalArgumentException(
          "Got " + coords.length + " coordinates; allowed: exactly rank = " + shape.length + " for shape " + Arrays.toString(shape));
    }
    long idx = 0;
    for (int d = 0; d < shape.length; d++) {
      if (coords[d] < 0 || coords[d] >= shape[d]) {
        throw new IndexOutOfBoundsException(
            "Coordinate " + coords[d] + " on axis " + d + " is outside 0.." + (shape[d] - 1) + " of shape " + Arrays.toString(shape));
      }
      idx = idx * shape[d] + coords[d];
    }
    return (int) idx;
  }

  // ---------------------------------------------------------------- element access

  /**
   * Reads a FLOAT32 element.
   *
   * @param i flat index
   * @return the value
   */
  public float getFloat(int i) {
    return need(f32, DType.FLOAT32).get(i);
  }

  /**
   * Writes a FLOAT32 element.
   *
   * @param i flat index
   * @param v the value
   */
  public void setFloat(int i, float v) {
    need(f32, DType.FLOAT32).put(i, v);
  }

  /**
   * Reads a FLOAT64 element.
   *
   * @param i flat index
   * @return the value
   */
  public double getDouble(int i) {
    return need(f64, DType.FLOAT64).get(i);
  }

  /**
   * Writes a FLOAT64 element.
   *
   * @param i flat index
   * @param v the value
   */
  public void setDouble(int i, double v) {
    need(f64, DType.FLOAT64).put(i, v);
  }

  /**
   * Reads an INT32 element.
   *
   * @param i flat index
   * @return the value
   */
  public int getInt(int i) {
    return need(i32, DType.INT32).get(i);
  }

  /**
   * Writes an INT32 element.
   *
   * @param i flat index
   * @param v the value
   */
  public void setInt(int i, int v) {
    need(i32, DType.INT32).put(i, v);
  }

  /**
   * Reads an INT64 element.
   *
   * @param i flat index
   * @return the value
   */
  public long getLong(int i) {
    return need(i64, DType.INT64).get(i);
  }

  /**
   * Writes an INT64 element.
   *
   * @param i flat index
   * @param v the value
   */
  public void setLong(int i, long v) {
    need(i64, DType.INT64).put(i, v);
  }

  /**
   * Reads a BOOL element.
   *
   * @param i flat index
   * @return the value (any non-zero byte reads as true)
   */
  public boolean getBoolean(int i) {
    return needByte(DType.BOOL).get(i) != 0;
  }

  /**
   * Writes a BOOL element.
   *
   * @param i flat index
   * @param v the value
   */
  public void setBoolean(int i, boolean v) {
    needByte(DType.BOOL).put(i, v ? (byte) 1 : (byte) 0);
  }

  /**
   * Reads a UINT8 element.
   *
   * @param i flat index
   * @return the value in 0..255
   */
  public int getUint8(int i) {
    return needByte(DType.UINT8).get(i) & 0xFF;
  }

  /**
   * Writes a UINT8 element.
   *
   * @param i flat index
   * @param v the value, 0..255
   */
  public void setUint8(int i, int v) {
    if (v < 0 || v > 255) {
      throw new IllegalArgumentException("UINT8 value was " + v + "; allowed: 0..255");
    }
    needByte(DType.UINT8).put(i, (byte) v);
  }

  /**
   * Reads any element converted to double (BOOL reads as 0 or 1, UINT8 as 0..255).
   *
   * @param i flat index
   * @return the value as a double
   */
  public double getAsDouble(int i) {
    checkOpen();
    switch (dtype) {
      case FLOAT32:
        return f32.get(i);
      case FLOAT64:
        return f64.get(i);
      case INT32:
        return i32.get(i);
      case INT64:
        return i64.get(i);
      case BOOL:
        return u8.get(i) != 0 ? 1.0 : 0.0;
      case UINT8:
        return u8.get(i) & 0xFF;
      default:
        throw new IllegalStateException("Unsupported dtype " + dtype);
    }
  }

  // ---------------------------------------------------------------- bulk access

  /**
   * Fills every element with {@code value} converted to the dtype. For integer types the value
   * must be integral and in range; for BOOL it must be 0 or 1.
   *
   * @param value the fill value
   */
  public void fill(double value) {
    checkOpen();
    switch (dtype) {
      case FLOAT32:
        fillFloat((float) value);
        return;
      case FLOAT64:
        for (int i = 0; i < size; i++) {
          f64.put(i, value);
        }
        return;
      case INT32:
        int iv = (int) checkIntegral(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
        for (int i = 0; i < size; i++) {
          i32.put(i, iv);
        }
        return;
      case INT64:
        long lv = checkIntegral(value, Long.MIN_VALUE, Long.MAX_VALUE);
        for (int i = 0; i < size; i++) {
          i64.put(i, lv);
        }
        return;
      case BOOL:
        fillBytes((byte) checkIntegral(value, 0, 1));
        return;
      case UINT8:
        fillBytes((byte) checkIntegral(value, 0, 255));
        return;
      default:
        throw new IllegalStateException("Unsupported dtype " + dtype);
    }
  }

  private void fillFloat(float v) {
    for (int i = 0; i < size; i++) {
      f32.put(i, v);
    }
  }

  private void fillBytes(byte v) {
    for (int i = 0; i < size; i++) {
      u8.put(i, v);
    }
  }

  private long checkIntegral(double value, long min, long max) {
    if (value != Math.rint(value) || value < min || value > max) {
      throw new IllegalArgumentException(
          "Fill value " + value + " does not fit " + dtype + "; allowed: an integral value in " + min + ".." + max);
    }
    return (long) value;
  }

  /**
   * Sets every element to zero (false for BOOL).
   */
  public void zero() {
    fill(0.0);
  }

  /**
   * Copies all elements of another tensor of the same dtype and shape into this one.
   *
   * @param src the source; may not be this tensor
   */
  public void copyFrom(HostTensor src) {
    checkOpen();
    src.checkOpen();
    if (src == this) {
      return;
    }
    if (!src.hasLayout(dtype, shape)) {
      throw new IllegalArgumentException(
          "Cannot copy a " + src.describe() + " into a " + describe() + "; allowed: the same dtype and shape");
    }
    switch (dtype) {
      case FLOAT32:
        f32.put(0, src.f32, 0, size);
        return;
      case FLOAT64:
        f64.put(0, src.f64, 0, size);
        return;
      case INT32:
        i32.put(0, src.i32, 0, size);
        return;
      case INT64:
        i64.put(0, src.i64, 0, size);
        return;
      default:
        u8.put(0, src.u8, 0, size);
    }
  }

  /**
   * Copies a FLOAT32 array into this tensor.
   *
   * @param src exactly {@link #size()} values
   */
  public void copyFrom(float[] src) {
    need(f32, DType.FLOAT32).put(0, src, 0, checkLength(src.length));
  }

  /**
   * Copies a FLOAT64 array into this tensor.
   *
   * @param src exactly {@link #size()} values
   */
  public void copyFrom(double[] src) {
    need(f64, DType.FLOAT64).put(0, src, 0, checkLength(src.length));
  }

  /**
   * Copies an INT32 array into this tensor.
   *
   * @param src exactly {@link #size()} values
   */
  public void copyFrom(int[] src) {
    need(i32, DType.INT32).put(0, src, 0, checkLength(src.length));
  }

  /**
   * Copies an INT64 array into this tensor.
   *
   * @param src exactly {@link #size()} values
   */
  public void copyFrom(long[] src) {
    need(i64, DType.INT64).put(0, src, 0, checkLength(src.length));
  }

  /**
   * Copies a boolean array into this BOOL tensor.
   *
   * @param src exactly {@link #size()} values
   */
  public void copyFrom(boolean[] src) {
    ByteBuffer b = needByte(DType.BOOL);
    checkLength(src.length);
    for (int i = 0; i < size; i++) {
      b.put(i, src[i] ? (byte) 1 : (byte) 0);
    }
  }

  /**
   * Copies raw bytes into this BOOL or UINT8 tensor.
   *
   * @param src exactly {@link #size()} bytes (for BOOL each must be 0 or 1)
   */
  public void copyFrom(byte[] src) {
    ByteBuffer b = needByte(null);
    checkLength(src.length);
    if (dtype == DType.BOOL) {
      for (int i = 0; i < src.length; i++) {
        if (src[i] != 0 && src[i] != 1) {
          throw new IllegalArgumentException("BOOL byte at index " + i + " was " + src[i] + "; allowed: 0 or 1");
        }
      }
    }
    b.put(0, src, 0, size);
  }

  /**
   * Copies this FLOAT32 tensor into an array.
   *
   * @param dst an array of exactly {@link #size()} elements
   */
  public void copyTo(float[] dst) {
    need(f32, DType.FLOAT32).get(0, dst, 0, checkLength(dst.length));
  }

  /**
   * Copies this FLOAT64 tensor into an array.
   *
   * @param dst an array of exactly {@link #size()} elements
   */
  public void copyTo(double[] dst) {
    need(f64, DType.FLOAT64).get(0, dst, 0, checkLength(dst.length));
  }

  /**
   * Copies this INT32 tensor into an array.
   *
   * @param dst an array of exactly {@link #size()} elements
   */
  public void copyTo(int[] dst) {
    need(i32, DType.INT32).get(0, dst, 0, checkLength(dst.length));
  }

  /**
   * Copies this INT64 tensor into an array.
   *
   * @param dst an array of exactly {@link #size()} elements
   */
  public void copyTo(long[] dst) {
    need(i64, DType.INT64).get(0, dst, 0, checkLength(dst.length));
  }

  /**
   * Copies this BOOL tensor into an array.
   *
   * @param dst an array of exactly {@link #size()} elements
   */
  public void copyTo(boolean[] dst) {
    ByteBuffer b = needByte(DType.BOOL);
    checkLength(dst.length);
    for (int i = 0; i < size; i++) {
      dst[i] = b.get(i) != 0;
    }
  }

  /**
   * Copies the raw bytes of this BOOL or UINT8 tensor into an array.
   *
   * @param dst an array of exactly {@link #size()} elements
   */
  public void copyTo(byte[] dst) {
    needByte(null).get(0, dst, 0, checkLength(dst.length));
  }

  /**
   * A new array with the values of this FLOAT32 tensor.
   *
   * @return the values in row-major order
   */
  public float[] toFloatArray() {
    float[] a = new float[size];
    copyTo(a);
    return a;
  }

  /**
   * A new array with the values of this FLOAT64 tensor.
   *
   * @return the values in row-major order
   */
  public double[] toDoubleArray() {
    double[] a = new double[size];
    copyTo(a);
    return a;
  }

  /**
   * A new array with the values of this INT32 tensor.
   *
   * @return the values in row-major order
   */
  public int[] toIntArray() {
    int[] a = new int[size];
    copyTo(a);
    return a;
  }

  /**
   * A new array with the values of this INT64 tensor.
   *
   * @return the values in row-major order
   */
  public long[] toLongArray() {
    long[] a = new long[size];
    copyTo(a);
    return a;
  }

  /**
   * A new array with the values of this BOOL tensor.
   *
   * @return the values in row-major order
   */
  public boolean[] toBooleanArray() {
    boolean[] a = new boolean[size];
    copyTo(a);
    return a;
  }

  /**
   * A new array with the raw bytes of this BOOL or UINT8 tensor.
   *
   * @return the bytes in row-major order
   */
  public byte[] toByteArray() {
    byte[] a = new byte[size];
    copyTo(a);
    return a;
  }

  /**
   * A new view of the memory of a FLOAT32 tensor (position 0, limit {@link #size()}); writes
   * through the view are seen by ORT. The view must not be used after close.
   *
   * @return a float view sharing this tensor's memory
   */
  public FloatBuffer floatView() {
    return need(f32, DType.FLOAT32).duplicate();
  }

  /**
   * A new view of the memory of a FLOAT64 tensor; see {@link #floatView()}.
   *
   * @return a double view sharing this tensor's memory
   */
  public DoubleBuffer doubleView() {
    return need(f64, DType.FLOAT64).duplicate();
  }

  /**
   * A new view of the memory of an INT32 tensor; see {@link #floatView()}.
   *
   * @return an int view sharing this tensor's memory
   */
  public IntBuffer intView() {
    return need(i32, DType.INT32).duplicate();
  }

  /**
   * A new view of the memory of an INT64 tensor; see {@link #floatView()}.
   *
   * @return a long view sharing this tensor's memory
   */
  public LongBuffer longView() {
    return need(i64, DType.INT64).duplicate();
  }

  /**
   * A new view of the memory of a BOOL or UINT8 tensor; see {@link #floatView()}.
   *
   * @return a native-order byte view sharing this tensor's memory
   */
  public ByteBuffer byteView() {
    return needByte(null).duplicate().order(ByteOrder.nativeOrder());
  }

  /** Copies raw native-order bytes (exactly {@link #byteSize()} of them) into this tensor. */
  void copyRawFrom(ByteBuffer src) {
    checkOpen();
    ByteBuffer b = src.duplicate().order(ByteOrder.nativeOrder());
    if (b.remaining() != byteSize()) {
      throw new IllegalArgumentException(
          "Got " + b.remaining() + " bytes; allowed: exactly " + byteSize() + " for " + describe());
    }
    switch (dtype) {
      case FLOAT32:
        f32.put(0, b.asFloatBuffer(), 0, size);
        return;
      case FLOAT64:
        f64.put(0, b.asDoubleBuffer(), 0, size);
        return;
      case INT32:
        i32.put(0, b.asIntBuffer(), 0, size);
        return;
      case INT64:
        i64.put(0, b.asLongBuffer(), 0, size);
        return;
      default:
        u8.put(0, b, b.position(), size);
    }
  }

  // ---------------------------------------------------------------- ORT access

  /**
   * The ORT value over this tensor's memory; package-private so that only this package can hand
   * it to ORT.
   */
  OnnxTensor ortTensor() {
    checkOpen();
    return tensor;
  }

  /**
   * Releases the ORT value. Idempotent and thread-safe. The memory is freed by the garbage
   * collector when the tensor is no longer referenced.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    tensor.close();
  }

  /**
   * A short description such as {@code FLOAT32[2, 3]}.
   *
   * @return the dtype and shape
   */
  public String describe() {
    return dtype + Arrays.toString(shape);
  }

  @Override
  public String toString() {
    return "HostTensor(" + describe() + (closed ? ", closed)" : ")");
  }

  // ---------------------------------------------------------------- helpers

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("HostTensor " + describe() + " is closed; allowed: use before close()");
    }
  }

  private <B extends Buffer> B need(B buffer, DType expected) {
    checkOpen();
    if (buffer == null) {
      throw new IllegalStateException(
          "HostTensor " + describe() + " holds " + dtype + " elements; this accessor needs " + expected);
    }
    return buffer;
  }

  private ByteBuffer needByte(DType expected) {
    checkOpen();
    if (u8 == null || (expected != null && expected != dtype)) {
      throw new IllegalStateException(
          "HostTensor " + describe() + " holds " + dtype + " elements; this accessor needs "
              + (expected == null ? "BOOL or UINT8" : expected.toString()));
    }
    return u8;
  }

  private int checkLength(int length) {
    if (length != size) {
      throw new IllegalArgumentException(
          "Array length was " + length + "; allowed: exactly " + size + " elements for " + describe());
    }
    return length;
  }

  private static long[] checkShape(DType dtype, long[] shape) {
    ElementTypes.check(dtype);
    if (shape == null) {
      throw new IllegalArgumentException("shape must not be null; allowed: dimensions >= 0 (empty for a scalar)");
    }
    if (shape.length > MAX_RANK) {
      throw new IllegalArgumentException(
          "Rank was " + shape.length + " for shape " + Arrays.toString(shape) + "; allowed: at most " + MAX_RANK);
    }
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] < 0) {
        throw new IllegalArgumentException(
            "Dimension " + d + " of shape " + Arrays.toString(shape) + " was " + shape[d] + "; allowed: >= 0");
      }
    }
    return shape.clone();
  }

  private static int elementCount(DType dtype, long[] dims) {
    long n = 1;
    long limit = MAX_BYTES / dtype.byteSize();
    for (long d : dims) {
      if (d != 0 && n > limit / d) {
        throw tooLarge(dtype, dims);
      }
      n *= d;
    }
    if (n > limit) {
      throw tooLarge(dtype, dims);
    }
    return (int) n;
  }

  private static IllegalArgumentException tooLarge(DType dtype, long[] dims) {
    return new IllegalArgumentException(
        "Shape " + Arrays.toString(dims) + " of " + dtype + " exceeds " + MAX_BYTES
            + " bytes; allowed: at most " + MAX_BYTES / dtype.byteSize() + " elements");
  }

  private static IllegalArgumentException sizeMismatch(String found, DType dtype, long[] dims, String needed) {
    return new IllegalArgumentException(
        "Buffer has " + found + " remaining but " + dtype + Arrays.toString(dims) + " needs exactly " + needed);
  }

  private static void checkOrder(ByteOrder order) {
    if (order != ByteOrder.nativeOrder()) {
      throw new IllegalArgumentException(
          "Buffer byte order is " + order + "; allowed: the native order " + ByteOrder.nativeOrder());
    }
  }

  private static Buffer typedView(DType dtype, ByteBuffer bytes) {
    switch (dtype) {
      case FLOAT32:
        return bytes.asFloatBuffer();
      case FLOAT64:
        return bytes.asDoubleBuffer();
      case INT32:
        return bytes.asIntBuffer();
      case INT64:
        return bytes.asLongBuffer();
      default:
        return bytes;
    }
  }

  private static DType typedBufferDType(Buffer buffer) {
    if (buffer instanceof FloatBuffer) {
      return DType.FLOAT32;
    } else if (buffer instanceof DoubleBuffer) {
      return DType.FLOAT64;
    } else if (buffer instanceof IntBuffer) {
      return DType.INT32;
    } else if (buffer instanceof LongBuffer) {
      return DType.INT64;
    }
    throw new IllegalArgumentException(
        "Unsupported buffer type " + buffer.getClass().getName()
            + "; allowed: ByteBuffer, FloatBuffer, DoubleBuffer, IntBuffer, LongBuffer");
  }

  private static ByteOrder typedOrder(Buffer buffer) {
    if (buffer instanceof FloatBuffer) {
      return ((FloatBuffer) buffer).order();
    } else if (buffer instanceof DoubleBuffer) {
      return ((DoubleBuffer) buffer).order();
    } else if (buffer instanceof IntBuffer) {
      return ((IntBuffer) buffer).order();
    }
    return ((LongBuffer) buffer).order();
  }

  private static Buffer typedSlice(Buffer buffer) {
    if (buffer instanceof FloatBuffer) {
      return ((FloatBuffer) buffer).slice();
    } else if (buffer instanceof DoubleBuffer) {
      return ((DoubleBuffer) buffer).slice();
    } else if (buffer instanceof IntBuffer) {
      return ((IntBuffer) buffer).slice();
    }
    return ((LongBuffer) buffer).slice();
  }
}
