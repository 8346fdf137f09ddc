package io.github.mmesid.core.engine.train;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds a fingerprint of training data for {@link TrainerConfig.Builder#dataFingerprint}: a
 * 128-bit MurmurHash3 of everything put into it, in order. Each array is hashed with its length,
 * so {@code [1, 2], [3]} and {@code [1], [2, 3]} differ, and with its element type; floating-point
 * values are hashed by their bits. The hash detects accidental changes of the data (another file, another filter), not
 * deliberate collisions. Not thread-safe; single use.
 *
 * <pre>{@code
 * String fp = DataFingerprint.create().putString(path.getFileName().toString())
 *     .putInts(sequences).build();
 * }</pre>
 */
public final class DataFingerprint {
  private static final String PREFIX = "murmur3_128:";

  private final Hasher hasher = Hashing.murmur3_128().newHasher();
  private final ByteBuffer chunk = ByteBuffer.allocate(1 << 15).order(ByteOrder.LITTLE_ENDIAN);
  private boolean built;

  private DataFingerprint() {}

  /**
   * Starts an empty fingerprint.
   *
   * @return a new builder
   */
  public static DataFingerprint create() {
    return new DataFingerprint();
  }

  /**
   * Adds a string (UTF-8, with its length).
   *
   * @param s the string
   * @return this builder
   */
  public DataFingerprint putString(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    open().putByte((byte) 's').putInt(b.length).putBytes(b);
    return this;
  }

  /**
   * Adds a long (for example a count).
   *
   * @param v the value
   * @return this builder
   */
  public DataFingerprint putLong(long v) {
    open().putByte((byte) 'j').putLong(v);
    return this;
  }

  /**
   * Adds an int array.
   *
   * @param v the values
   * @return this builder
   */
  public DataFingerprint putInts(int[] v) {
    open().putByte((byte) 'i').putInt(v.length);
    for (int i = 0; i < v.length; ) {
      chunk.clear();
      int n = Math.min(v.length - i, chunk.capacity() / Integer.BYTES);
      chunk.asIntBuffer().put(v, i, n);
      hasher.putBytes(chunk.array(), 0, n * Integer.BYTES);
      i += n;
    }
    return this;
  }

  /**
   * Adds rows of ints (for example user sequences), each with its length.
   *
   * @param rows the rows
   * @return this builder
   */
  public DataFingerprint putInts(int[][] rows) {
    open().putByte((byte) 'I').putInt(rows.length);
    for (int[] r : rows) {
      putInts(r);
    }
    return this;
  }

  /**
   * Adds a long array.
   *
   * @param v the values
   * @return this builder
   */
  public DataFingerprint putLongs(long[] v) {
    open().putByte((byte) 'l').putInt(v.length);
    for (int i = 0; i < v.length; ) {
      chunk.clear();
      int n = Math.min(v.length - i, chunk.capacity() / Long.BYTES);
      chunk.asLongBuffer().put(v, i, n);
      hasher.putBytes(chunk.array(), 0, n * Long.BYTES);
      i += n;
    }
    return this;
  }

  /**
   * Adds a float array (by bits).
   *
   * @param v the values
   * @return this builder
   */
  public DataFingerprint putFloats(float[] v) {
    open().putByte((byte) 'f').putInt(v.length);
    for (int i = 0; i < v.length; ) {
      chunk.clear();
      int n = Math.min(v.length - i, chunk.capacity() / Float.BYTES);
      chunk.asFloatBuffer().put(v, i, n);
      hasher.putBytes(chunk.array(), 0, n * Float.BYTES);
      i += n;
    }
    return this;
  }

  /**
   * Adds rows of floats (for example item embeddings), each with its length.
   *
   * @param rows the rows
   * @return this builder
   */
  public DataFingerprint putFloats(float[][] rows) {
    open().putByte((byte) 'F').putInt(rows.length);
    for (float[] r : rows) {
      putFloats(r);
    }
    return this;
  }

  /**
   * Adds a double array (by bits).
   *
   * @param v the values
   * @return this builder
   */
  public DataFingerprint putDoubles(double[] v) {
    open().putByte((byte) 'd').putInt(v.length);
    for (int i = 0; i < v.length; ) {
      chunk.clear();
      int n = Math.min(v.length - i, chunk.capacity() / Double.BYTES);
      chunk.asDoubleBuffer().put(v, i, n);
      hasher.putBytes(chunk.array(), 0, n * Double.BYTES);
      i += n;
    }
    return this;
  }

  /**
   * Finishes the fingerprint.
   *
   * @return {@code "murmur3_128:"} followed by 32 hex digits
   * @throws IllegalStateException if called twice
   */
  public String build() {
    Hasher h = open();
    built = true;
    return PREFIX + h.hash();
  }

  private Hasher open() {
    if (built) {
      throw new IllegalStateException("DataFingerprint.build() was already called; create() a "
          + "new one");
    }
    return hasher;
  }
}
