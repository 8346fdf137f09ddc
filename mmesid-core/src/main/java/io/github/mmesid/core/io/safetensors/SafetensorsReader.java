package io.github.mmesid.core.io.safetensors;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Read access to a set of named tensors stored in safetensors form: one file ({@link
 * SafetensorsFile}) or a sharded checkpoint ({@link ShardedSafetensors}).
 *
 * <p>Data is read through memory mapping, a region at a time, so reading never holds a second copy
 * of a whole file; tensors larger than 2 GiB are read with {@link #slice} or converted in chunks by
 * {@link #readInto(String, FloatBuffer)}. Byte buffers handed out are read-only, little-endian, and
 * stay readable after {@link #close()} until they are garbage collected; every other method throws
 * {@link IllegalStateException} once the reader is closed. Implementations are safe for concurrent
 * reads.
 */
public interface SafetensorsReader extends AutoCloseable {

  /** File name of a single-file Hugging Face checkpoint. */
  String SINGLE_FILE_NAME = "model.safetensors";

  /** File name of a sharded Hugging Face checkpoint's index. */
  String INDEX_FILE_NAME = "model.safetensors.index.json";

  /**
   * Opens a safetensors file, a sharded-checkpoint index ({@code *.index.json}), or a directory
   * holding either {@value #SINGLE_FILE_NAME} or {@value #INDEX_FILE_NAME} (the single file is
   * preferred when both exist, as Hugging Face transformers does).
   *
   * @param fileOrDirectory the path to open
   * @return an open reader, to be closed by the caller
   * @throws IllegalArgumentException if the path is a directory with neither file, or a file is
   *     malformed ({@link SafetensorsFormatException})
   * @throws java.io.UncheckedIOException if a file cannot be read
   */
  static SafetensorsReader open(Path fileOrDirectory) {
    return ShardedSafetensors.openModel(fileOrDirectory);
  }

  /**
   * Returns the path this reader was opened from (the file, or the index file).
   *
   * @return the path
   */
  Path path();

  /**
   * Returns all tensors by name, sorted by name.
   *
   * @return an unmodifiable map from name to description
   */
  Map<String, TensorInfo> tensors();

  /**
   * Returns the tensor names, sorted.
   *
   * @return an unmodifiable set of names
   */
  default Set<String> names() {
    return tensors().keySet();
  }

  /**
   * Tells whether a tensor exists.
   *
   * @param name the tensor name
   * @return true if present
   */
  default boolean contains(String name) {
    return tensors().containsKey(name);
  }

  /**
   * Returns the description of one tensor.
   *
   * @param name the tensor name
   * @return its description
   * @throws IllegalArgumentException if there is no such tensor; the message names the file and
   *     some of the names that exist
   */
  TensorInfo tensor(String name);

  /**
   * Returns the string metadata ({@code __metadata__}); for a sharded checkpoint, that of its first
   * shard.
   *
   * @return an unmodifiable map, empty if the file has none
   */
  Map<String, String> metadata();

  /**
   * Maps part of a tensor's bytes. Works for tensors of any size, including those larger than 2
   * GiB.
   *
   * @param name the tensor name
   * @param byteOffsetInTensor where to start, in bytes from the tensor's first byte, {@code >= 0}
   * @param length how many bytes, {@code >= 0}, with offset plus length at most the tensor's byte
   *     length
   * @return a read-only little-endian buffer of exactly {@code length} bytes
   * @throws IllegalArgumentException if the tensor does not exist or the range is outside it
   * @throws java.io.UncheckedIOException if mapping fails
   */
  ByteBuffer slice(String name, long byteOffsetInTensor, int length);

  /**
   * Maps a whole tensor's bytes.
   *
   * @param name the tensor name
   * @return a read-only little-endian buffer over the tensor's bytes
   * @throws IllegalArgumentException if the tensor does not exist or is larger than {@link
   *     Integer#MAX_VALUE} bytes (use {@link #slice} or {@link #readInto(String, FloatBuffer)})
   */
  default ByteBuffer raw(String name) {
    TensorInfo t = tensor(name);
    if (t.byteLength() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          path() + ": tensor '" + name + "' is " + t.byteLength()
              + " bytes, more than one ByteBuffer can hold (" + Integer.MAX_VALUE
              + "); read it in parts with slice(name, offset, length) or readInto(name, buffer)");
    }
    return slice(name, 0, (int) t.byteLength());
  }

  /**
   * Reads a floating-point tensor (F32, F16, BF16 or F64) as floats: F16 and BF16 widen exactly,
   * F64 rounds to nearest-even.
   *
   * @param name the tensor name
   * @return a new array in row-major order
   * @throws IllegalArgumentException if the tensor is missing, not floating-point, or has more
   *     elements than a Java array can hold (use {@link #readInto(String, FloatBuffer)})
   */
  default float[] readFloat32(String name) {
    TensorInfo t = tensor(name);
    float[] out = new float[TensorReads.arrayLength(this, t)];
    TensorReads.readFloats(this, t, FloatBuffer.wrap(out), TensorReads.CHUNK_BYTES);
    return out;
  }

  /**
   * Reads a floating-point tensor (F32, F16, BF16 or F64) into a caller's buffer, converting to
   * float as {@link #readFloat32} does, a chunk at a time; suits tensors of any size and direct
   * buffers (for example one that backs a native tensor).
   *
   * @param name the tensor name
   * @param dst receives {@code elementCount} floats from its position, which advances past them
   * @throws IllegalArgumentException if the tensor is missing or not floating-point, or {@code dst}
   *     has fewer remaining elements than the tensor
   */
  default void readInto(String name, FloatBuffer dst) {
    TensorReads.readFloats(this, tensor(name), dst, TensorReads.CHUNK_BYTES);
  }

  /**
   * Reads part of a floating-point tensor into a caller's buffer, converting to float as {@link
   * #readFloat32} does: {@code dst.remaining()} consecutive elements (in row-major order) starting
   * at element {@code firstElement}. Useful for loading row ranges of a tensor too large to read
   * whole.
   *
   * @param name the tensor name
   * @param firstElement the index of the first element to read, {@code >= 0}
   * @param dst receives the elements from its position, which advances to its limit
   * @throws IllegalArgumentException if the tensor is missing or not floating-point, or the range
   *     extends past the tensor's last element
   */
  default void readInto(String name, long firstElement, FloatBuffer dst) {
    TensorReads.readFloats(this, tensor(name), firstElement, dst.remaining(), dst,
        TensorReads.CHUNK_BYTES);
  }

  /**
   * Reads a floating-point tensor (F64, F32, F16 or BF16) as doubles; every conversion is exact.
   *
   * @param name the tensor name
   * @return a new array in row-major order
   * @throws IllegalArgumentException if the tensor is missing, not floating-point, or too large for
   *     an array
   */
  default double[] readFloat64(String name) {
    TensorInfo t = tensor(name);
    double[] out = new double[TensorReads.arrayLength(this, t)];
    TensorReads.readDoubles(this, t, DoubleBuffer.wrap(out), TensorReads.CHUNK_BYTES);
    return out;
  }

  /**
   * Reads an integer or boolean tensor (I64, I32, I16, I8, U8, BOOL) as longs: signed types
   * sign-extend, U8 zero-extends, BOOL gives 0 or 1.
   *
   * @param name the tensor name
   * @return a new array in row-major order
   * @throws IllegalArgumentException if the tensor is missing, not an integer type, or too large
   *     for an array
   */
  default long[] readInt64(String name) {
    TensorInfo t = tensor(name);
    long[] out = new long[TensorReads.arrayLength(this, t)];
    TensorReads.readLongs(this, t, out, TensorReads.CHUNK_BYTES);
    return out;
  }

  /**
   * Reads an integer or boolean tensor as ints, like {@link #readInt64}; I64 values must fit in an
   * int.
   *
   * @param name the tensor name
   * @return a new array in row-major order
   * @throws IllegalArgumentException if the tensor is missing, not an integer type, too large for
   *     an array, or an I64 value is out of int range (the message gives its index)
   */
  default int[] readInt32(String name) {
    TensorInfo t = tensor(name);
    int[] out = new int[TensorReads.arrayLength(this, t)];
    TensorReads.readInts(this, t, out, TensorReads.CHUNK_BYTES);
    return out;
  }

  /** Releases the underlying files. Idempotent. */
  @Override
  void close();
}
