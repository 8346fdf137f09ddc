package io.github.mmesid.core.io.safetensors;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/** Chunked, converting reads shared by the {@link SafetensorsReader} implementations. */
final class TensorReads {

  /** Bytes mapped per step when converting; a multiple of every dtype size. */
  static final int CHUNK_BYTES = 64 << 20;

  /** Largest array length the JVM reliably allocates. */
  static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

  private TensorReads() {}

  /** Consumes one mapped chunk holding {@code count} elements, the first being element {@code first}. */
  @FunctionalInterface
  private interface ChunkSink {
    void accept(ByteBuffer chunk, int count, long first);
  }

  static int arrayLength(SafetensorsReader r, TensorInfo t) {
    if (t.elementCount() > MAX_ARRAY_LENGTH) {
      throw new IllegalArgumentException(
          r.path() + ": tensor '" + t.name() + "' has " + t.elementCount()
              + " elements, more than a Java array holds (" + MAX_ARRAY_LENGTH
              + "); read it into a buffer with readInto or in parts with slice");
    }
    return (int) t.elementCount();
  }

  private static void forEachChunk(SafetensorsReader r, TensorInfo t, int chunkBytes,
      ChunkSink sink) {
    forEachChunk(r, t, 0, t.elementCount(), chunkBytes, sink);
  }

  private static void forEachChunk(SafetensorsReader r, TensorInfo t, long start, long total,
      int chunkBytes, ChunkSink sink) {
    int size = t.dtype().byteSize();
    long perChunk = Math.max(1, chunkBytes / size);
    long end = start + total;
    for (long first = start; first < end; first += perChunk) {
      int count = (int) Math.min(perChunk, end - first);
      ByteBuffer chunk = r.slice(t.name(), first * size, count * size);
      sink.accept(chunk, count, first);
    }
  }

  private static IllegalArgumentException wrongType(SafetensorsReader r, TensorInfo t,
      String reader, String allowed) {
    return new IllegalArgumentException(
        r.path() + ": tensor '" + t.name() + "' has dtype " + t.dtype() + ", which " + reader
            + " cannot read; it accepts " + allowed);
  }

  private static void checkRoom(SafetensorsReader r, TensorInfo t, int remaining) {
    if (remaining < t.elementCount()) {
      throw new IllegalArgumentException(
          r.path() + ": tensor '" + t.name() + "' has " + t.elementCount()
              + " elements but the destination buffer has room for only " + remaining
              + "; pass a buffer with at least that many remaining");
    }
  }

  static void readFloats(SafetensorsReader r, TensorInfo t, FloatBuffer dst, int chunkBytes) {
    checkRoom(r, t, dst.remaining());
    readFloats(r, t, 0, t.elementCount(), dst, chunkBytes);
  }

  static void readFloats(SafetensorsReader r, TensorInfo t, long start, long total,
      FloatBuffer dst, int chunkBytes) {
    SafetensorsDType d = t.dtype();
    if (!d.isFloatingPoint()) {
      throw wrongType(r, t, "a float reader", "F32, F16, BF16, F64 (use readInt32/readInt64 for "
          + "integer tensors)");
    }
    if (start < 0 || total < 0 || start > t.elementCount() - total) {
      throw new IllegalArgumentException(
          r.path() + ": tensor '" + t.name() + "': elements [" + start + ", " + (start + total)
              + ") are outside its " + t.elementCount() + " elements; the first element must be"
              + " >= 0 and the range must end at most " + t.elementCount());
    }
    forEachChunk(r, t, start, total, chunkBytes, (chunk, count, first) -> {
      switch (d) {
        case F32:
          dst.put(chunk.asFloatBuffer());
          break;
        case F16:
          for (int i = 0; i < count; i++) {
            dst.put(Float16.toFloat(chunk.getShort(i << 1)));
          }
          break;
        case BF16:
          for (int i = 0; i < count; i++) {
            dst.put(BFloat16.toFloat(chunk.getShort(i << 1)));
          }
          break;
        case F64:
          for (int i = 0; i < count; i++) {
            dst.put((float) chunk.getDouble(i << 3));
          }
          break;
        default:
          throw new IllegalStateException("unreachable dtype " + d);
      }
    });
  }

  static void readDoubles(SafetensorsReader r, TensorInfo t, DoubleBuffer dst, int chunkBytes) {
    SafetensorsDType d = t.dtype();
    if (!d.isFloatingPoint()) {
      throw wrongType(r, t, "readFloat64", "F64, F32, F16, BF16 (use readInt32/readInt64 for "
          + "integer tensors)");
    }
    checkRoom(r, t, dst.remaining());
    forEachChunk(r, t, chunkBytes, (chunk, count, first) -> {
      switch (d) {
        case F64:
          dst.put(chunk.asDoubleBuffer());
          break;
        case F32:
          for (int i = 0; i < count; i++) {
            dst.put(chunk.getFloat(i << 2));
          }
          break;
        case F16:
          for (int i = 0; i < count; i++) {
            dst.put(Float16.toFloat(chunk.getShort(i << 1)));
          }
          break;
        case BF16:
          for (int i = 0; i < count; i++) {
            dst.put(BFloat16.toFloat(chunk.getShort(i << 1)));
          }
          break;
        default:
          throw new IllegalStateException("unreachable dtype " + d);
      }
    });
  }

  private static long integerAt(ByteBuffer chunk, SafetensorsDType d, int i) {
    switch (d) {
      case I64:
        return chunk.getLong(i << 3);
      case I32:
        return chunk.getInt(i << 2);
      case I16:
        return chunk.getShort(i << 1);
      case I8:
        return chunk.get(i);
      case U8:
        return chunk.get(i) & 0xFF;
      case BOOL:
        return chunk.get(i) != 0 ? 1 : 0;
      default:
        throw new IllegalStateException("unreachable dtype " + d);
    }
  }

  static void readLongs(SafetensorsReader r, TensorInfo t, long[] dst, int chunkBytes) {
    SafetensorsDType d = t.dtype();
    if (d.isFloatingPoint()) {
      throw wrongType(r, t, "readInt64", "I64, I32, I16, I8, U8, BOOL (use readFloat32/readFloat64"
          + " for floating-point tensors)");
    }
    checkRoom(r, t, dst.length);
    forEachChunk(r, t, chunkBytes, (chunk, count, first) -> {
      int base = (int) first;
      if (d == SafetensorsDType.I64) {
        chunk.asLongBuffer().get(dst, base, count);
        return;
      }
      for (int i = 0; i < count; i++) {
        dst[base + i] = integerAt(chunk, d, i);
      }
    });
  }

  static void readInts(SafetensorsReader r, TensorInfo t, int[] dst, int chunkBytes) {
    SafetensorsDType d = t.dtype();
    if (d.isFloatingPoint()) {
      throw wrongType(r, t, "readInt32", "I64 (values within int range), I32, I16, I8, U8, BOOL "
          + "(use readFloat32/readFloat64 for floating-point tensors)");
    }
    checkRoom(r, t, dst.length);
    forEachChunk(r, t, chunkBytes, (chunk, count, first) -> {
      int base = (int) first;
      if (d == SafetensorsDType.I32) {
        chunk.asIntBuffer().get(dst, base, count);
        return;
      }
      for (int i = 0; i < count; i++) {
        long v = integerAt(chunk, d, i);
        if (v != (int) v) {
          throw new IllegalArgumentException(
              r.path() + ": tensor '" + t.name() + "' element " + (first + i) + " is " + v
                  + ", outside int range [" + Integer.MIN_VALUE + ", " + Integer.MAX_VALUE
                  + "]; read it with readInt64");
        }
        dst[base + i] = (int) v;
      }
    });
  }
}
