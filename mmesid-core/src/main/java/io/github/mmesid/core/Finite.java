package io.github.mmesid.core;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The one place where the SDK checks numbers for NaN and infinity: model weights when they are
 * loaded, and every inference output (scores, embeddings, latents, hidden states) before it is
 * returned or written. A failed check throws a {@link NonFiniteException} that names the value
 * (e.g. a tensor) and the first bad element, with its multi-dimensional index when a shape is
 * given.
 *
 * <p>The checks stream over the values once without allocating; a buffer's position and limit
 * are not changed.
 */
public final class Finite {

  private Finite() {}

  /**
   * A value held NaN or an infinity where finite numbers are required. The CLI reports it as bad
   * input data (exit status 1).
   */
  public static final class NonFiniteException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The name of the checked value. */
    private final String what;
    /** The flat index of the first non-finite element. */
    private final long index;

    /**
     * Creates the exception.
     *
     * @param message the full message
     * @param what the name of the checked value
     * @param index the flat index of the first non-finite element
     */
    public NonFiniteException(String message, String what, long index) {
      super(message);
      this.what = what;
      this.index = index;
    }

    /**
     * Returns the name of the value that failed the check.
     *
     * @return e.g. a tensor name
     */
    public String what() {
      return what;
    }

    /**
     * Returns the flat (row-major) index of the first non-finite element.
     *
     * @return the index, {@code >= 0}
     */
    public long index() {
      return index;
    }
  }

  /**
   * Returns the index of the first NaN or infinite element.
   *
   * @param values the values
   * @return the index, or -1 if all are finite
   */
  public static int firstNonFinite(float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Returns the index of the first NaN or infinite element.
   *
   * @param values the values
   * @return the index, or -1 if all are finite
   */
  public static int firstNonFinite(double[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Returns the index (relative to the position) of the first NaN or infinite element between
   * the buffer's position and limit.
   *
   * @param values the values (not modified)
   * @return the index, or -1 if all are finite
   */
  public static long firstNonFinite(FloatBuffer values) {
    int p = values.position();
    int n = values.limit();
    for (int i = p; i < n; i++) {
      if (!Float.isFinite(values.get(i))) {
        return i - p;
      }
    }
    return -1;
  }

  /**
   * Returns the index (relative to the position) of the first NaN or infinite element between
   * the buffer's position and limit.
   *
   * @param values the values (not modified)
   * @return the index, or -1 if all are finite
   */
  public static long firstNonFinite(DoubleBuffer values) {
    int p = values.position();
    int n = values.limit();
    for (int i = p; i < n; i++) {
      if (!Double.isFinite(values.get(i))) {
        return i - p;
      }
    }
    return -1;
  }

  /**
   * Checks that every value is finite.
   *
   * @param values the values
   * @param what what they are, for the message (e.g. {@code "tensor 'layers.0.w'"})
   * @throws NonFiniteException naming {@code what} and the first bad element
   */
  public static void check(float[] values, String what) {
    check(values, null, what);
  }

  /**
   * Checks that every value of a row-major tensor is finite.
   *
   * @param values the values, row-major
   * @param shape the tensor's shape (names the bad element's index), or null
   * @param what what they are, for the message
   * @throws NonFiniteException naming {@code what} and the first bad element
   */
  public static void check(float[] values, long[] shape, String what) {
    int i = firstNonFinite(values);
    if (i >= 0) {
      throw failure(what, shape, i, values[i]);
    }
  }

  /**
   * Checks that every value is finite.
   *
   * @param values the values
   * @param what what they are, for the message
   * @throws NonFiniteException naming {@code what} and the first bad element
   */
  public static void check(double[] values, String what) {
    int i = firstNonFinite(values);
    if (i >= 0) {
      throw failure(what, null, i, values[i]);
    }
  }

  /**
   * Checks that every value of a matrix is finite.
   *
   * @param rows the rows (null rows are skipped)
   * @param what what they are, for the message
   * @throws NonFiniteException naming {@code what}, the row and the column of the first bad
   *     element
   */
  public static void check(float[][] rows, String what) {
    long offset = 0;
    for (int r = 0; r < rows.length; r++) {
      float[] row = rows[r];
      if (row == null) {
        continue;
      }
      int j = firstNonFinite(row);
      if (j >= 0) {
        throw new NonFiniteException(what + ": row " + r + ", column " + j + " is " + name(row[j])
            + "; values must be finite (no NaN or infinity)", what, offset + j);
      }
      offset += row.length;
    }
  }

  /**
   * Checks that every value between a buffer's position and limit is finite.
   *
   * @param values the values, row-major (not modified)
   * @param shape the tensor's shape (names the bad element's index), or null
   * @param what what they are, for the message
   * @throws NonFiniteException naming {@code what} and the first bad element
   */
  public static void check(FloatBuffer values, long[] shape, String what) {
    long i = firstNonFinite(values);
    if (i >= 0) {
      throw failure(what, shape, i, values.get(values.position() + (int) i));
    }
  }

  /**
   * Checks that every value between a buffer's position and limit is finite.
   *
   * @param values the values, row-major (not modified)
   * @param shape the tensor's shape (names the bad element's index), or null
   * @param what what they are, for the message
   * @throws NonFiniteException naming {@code what} and the first bad element
   */
  public static void check(DoubleBuffer values, long[] shape, String what) {
    long i = firstNonFinite(values);
    if (i >= 0) {
      throw failure(what, shape, i, values.get(values.position() + (int) i));
    }
  }

  private static NonFiniteException failure(String what, long[] shape, long flat, double value) {
    return new NonFiniteException(what + ": element " + index(shape, flat) + " is " + name(value)
        + "; values must be finite (no NaN or infinity)", what, flat);
  }

  private static String name(double value) {
    return Double.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  }

  /** The multi-index of a flat row-major position, e.g. {@code [2, 17]}, or the flat index. */
  static String index(long[] shape, long flat) {
    if (shape == null || shape.length < 2) {
      return Long.toString(flat);
    }
    long[] idx = new long[shape.length];
    long rest = flat;
    for (int d = shape.length - 1; d >= 0; d--) {
      long s = Math.max(1, shape[d]);
      idx[d] = rest % s;
      rest /= s;
    }
    return Arrays.toString(idx);
  }
}
