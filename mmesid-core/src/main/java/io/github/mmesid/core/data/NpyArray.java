package io.github.mmesid.core.data;

import java.util.Arrays;

/**
 * An n-dimensional numeric array as stored in a NumPy {@code .npy} file: a dtype, a shape and
 * the values in C (row-major) order. Immutable: factories copy their input and accessors return
 * copies.
 */
public final class NpyArray {

  /** The element types supported by {@link Npy}. */
  public enum DType {
    /** 32-bit IEEE float ({@code f4}). */
    FLOAT32("f4", 4),
    /** 64-bit IEEE float ({@code f8}). */
    FLOAT64("f8", 8),
    /** 32-bit signed integer ({@code i4}). */
    INT32("i4", 4),
    /** 64-bit signed integer ({@code i8}). */
    INT64("i8", 8);

    private final String code;
    private final int bytes;

    DType(String code, int bytes) {
      this.code = code;
      this.bytes = bytes;
    }

    /**
     * Returns the NumPy type code without byte order, e.g. {@code f4}.
     *
     * @return the code
     */
    public String code() {
      return code;
    }

    /**
     * Returns the size of one element in bytes.
     *
     * @return 4 or 8
     */
    public int bytes() {
      return bytes;
    }

    /**
     * Returns whether this is an integer type.
     *
     * @return true for INT32 and INT64
     */
    public boolean isInteger() {
      return this == INT32 || this == INT64;
    }
  }

  private final DType dtype;
  private final int[] shape;
  private final Object data; // float[], double[], int[] or long[] matching dtype

  private NpyArray(DType dtype, int[] shape, Object data, int length) {
    this.dtype = dtype;
    this.shape = checkShape(shape, length);
    this.data = data;
  }

  private static int[] checkShape(int[] shape, int length) {
    if (shape == null) {
      throw new IllegalArgumentException("shape must not be null; use an empty shape for a scalar");
    }
    long size = 1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " has a negative dimension at axis " + i + "; dimensions must be >= 0");
      }
      size *= shape[i];
      if (size > Integer.MAX_VALUE) {
        size = Long.MAX_VALUE;
      }
    }
    if (size != length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + (size == Long.MAX_VALUE ? "too many" : Long.toString(size))
              + " elements but " + length + " values were given; the product of the shape must equal the value count");
    }
    return shape.clone();
  }

  /**
   * Wraps float32 values (copied).
   *
   * @param values the values in C order
   * @param shape the shape; its product must equal {@code values.length}
   * @return the array
   * @throws IllegalArgumentException if the shape does not match
   */
  public static NpyArray ofFloats(float[] values, int... shape) {
    return new NpyArray(DType.FLOAT32, shape, values.clone(), values.length);
  }

  /**
   * Wraps float64 values (copied).
   *
   * @param values the values in C order
   * @param shape the shape; its product must equal {@code values.length}
   * @return the array
   * @throws IllegalArgumentException if the shape does not match
   */
  public static NpyArray ofDoubles(double[] values, int... shape) {
    return new NpyArray(DType.FLOAT64, shape, values.clone(), values.length);
  }

  /**
   * Wraps int32 values (copied).
   *
   * @param values the values in C order
   * @param shape the shape; its product must equal {@code values.length}
   * @return the array
   * @throws IllegalArgumentException if the shape does not match
   */
  public static NpyArray ofInts(int[] values, int... shape) {
    return new NpyArray(DType.INT32, shape, values.clone(), values.length);
  }

  /**
   * Wraps int64 values (copied).
   *
   * @param values the values in C order
   * @param shape the shape; its product must equal {@code values.length}
   * @return the array
   * @throws IllegalArgumentException if the shape does not match
   */
  public static NpyArray ofLongs(long[] values, int... shape) {
    return new NpyArray(DType.INT64, shape, values.clone(), values.length);
  }

  /**
   * Wraps a rectangular float matrix as a 2-D float32 array.
   *
   * @param matrix rows of equal length
   * @return the array, shape {@code [rows, cols]}
   * @throws IllegalArgumentException if the rows differ in length (naming the row)
   */
  public static NpyArray ofMatrix(float[][] matrix) {
    int rows = matrix.length;
    int cols = rows == 0 ? 0 : matrix[0].length;
    float[] flat = new float[Math.multiplyExact(rows, cols)];
    for (int r = 0; r < rows; r++) {
      if (matrix[r].length != cols) {
        throw new IllegalArgumentException(
            "matrix row " + r + " has " + matrix[r].length + " values; all rows must have " + cols + " (the length of row 0)");
      }
      System.arraycopy(matrix[r], 0, flat, r * cols, cols);
    }
    return new NpyArray(DType.FLOAT32, new int[] {rows, cols}, flat, flat.length);
  }

  /**
   * Wraps a rectangular int matrix as a 2-D int32 array.
   *
   * @param matrix rows of equal length
   * @return the array, shape {@code [rows, cols]}
   * @throws IllegalArgumentException if the rows differ in length (naming the row)
   */
  public static NpyArray ofMatrix(int[][] matrix) {
    int rows = matrix.length;
    int cols = rows == 0 ? 0 : matrix[0].length;
    int[] flat = new int[Math.multiplyExact(rows, cols)];
    for (int r = 0; r < rows; r++) {
      if (matrix[r].length != cols) {
        throw new IllegalArgumentException(
            "matrix row " + r + " has " + matrix[r].length + " values; all rows must have " + cols + " (the length of row 0)");
      }
      System.arraycopy(matrix[r], 0, flat, r * cols, cols);
    }
    return new NpyArray(DType.INT32, new int[] {rows, cols}, flat, flat.length);
  }

  /** Wraps an array produced by the reader without copying. */
  static NpyArray wrap(DType dtype, int[] shape, Object data, int length) {
    return new NpyArray(dtype, shape, data, length);
  }

  /** Returns the backing array without copying (for the writer). */
  Object raw() {
    return data;
  }

  /**
   * Returns the element type.
   *
   * @return the dtype
   */
  public DType dtype() {
    return dtype;
  }

  /**
   * Returns a copy of the shape.
   *
   * @return the dimensions
   */
  public int[] shape() {
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
   * Returns the number of elements.
   *
   * @return the product of the shape
   */
  public int size() {
    switch (dtype) {
      case FLOAT32:
        return ((float[]) data).length;
      case FLOAT64:
        return ((double[]) data).length;
      case INT32:
        return ((int[]) data).length;
      default:
        return ((long[]) data).length;
    }
  }

  /**
   * Returns the values as floats (float64 and integers are converted, possibly rounding).
   *
   * @return a new array in C order
   */
  public float[] toFloats() {
    int n = size();
    switch (dtype) {
      case FLOAT32:
        return ((float[]) data).clone();
      case FLOAT64: {
        double[] d = (double[]) data;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = (float) d[i];
        }
        return out;
      }
      case INT32: {
        int[] d = (int[]) data;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = d[i];
        }
        return out;
      }
      default: {
        long[] d = (long[]) data;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = d[i];
        }
        return out;
      }
    }
  }

  /**
   * Returns the values as doubles (exact for float32, float64 and int32).
   *
   * @return a new array in C order
   */
  public double[] toDoubles() {
    int n = size();
    double[] out = new double[n];
    switch (dtype) {
      case FLOAT32: {
        float[] d = (float[]) data;
        for (int i = 0; i < n; i++) {
          out[i] = d[i];
        }
        return out;
      }
      case FLOAT64:
        return ((double[]) data).clone();
      case INT32: {
        int[] d = (int[]) data;
        for (int i = 0; i < n; i++) {
          out[i] = d[i];
        }
        return out;
      }
      default: {
        long[] d = (long[]) data;
        for (int i = 0; i < n; i++) {
          out[i] = d[i];
        }
        return out;
      }
    }
  }

  /**
   * Returns the values as ints; only for integer dtypes.
   *
   * @return a new array in C order
   * @throws IllegalArgumentException if the dtype is a float type or an int64 value does not fit
   */
  public int[] toInts() {
    if (dtype == DType.INT32) {
      return ((int[]) data).clone();
    }
    if (dtype != DType.INT64) {
      throw new IllegalArgumentException("array has dtype " + dtype + "; toInts() needs INT32 or INT64");
    }
    long[] d = (long[]) data;
    int[] out = new int[d.length];
    for (int i = 0; i < d.length; i++) {
      if (d[i] < Integer.MIN_VALUE || d[i] > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "element " + i + " = " + d[i] + " does not fit in an int; allowed " + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE);
      }
      out[i] = (int) d[i];
    }
    return out;
  }

  /**
   * Returns the values as longs; only for integer dtypes.
   *
   * @return a new array in C order
   * @throws IllegalArgumentException if the dtype is a float type
   */
  public long[] toLongs() {
    if (dtype == DType.INT64) {
      return ((long[]) data).clone();
    }
    if (dtype != DType.INT32) {
      throw new IllegalArgumentException("array has dtype " + dtype + "; toLongs() needs INT32 or INT64");
    }
    int[] d = (int[]) data;
    long[] out = new long[d.length];
    for (int i = 0; i < d.length; i++) {
      out[i] = d[i];
    }
    return out;
  }

  /**
   * Returns a 2-D array as float rows.
   *
   * @return {@code [rows][cols]}
   * @throws IllegalArgumentException if the array is not 2-D
   */
  public float[][] toFloatMatrix() {
    check2d();
    float[] flat = toFloats();
    float[][] out = new float[shape[0]][shape[1]];
    for (int r = 0; r < shape[0]; r++) {
      System.arraycopy(flat, r * shape[1], out[r], 0, shape[1]);
    }
    return out;
  }

  /**
   * Returns a 2-D integer array as int rows.
   *
   * @return {@code [rows][cols]}
   * @throws IllegalArgumentException if the array is not 2-D or not of an integer dtype
   */
  public int[][] toIntMatrix() {
    check2d();
    int[] flat = toInts();
    int[][] out = new int[shape[0]][shape[1]];
    for (int r = 0; r < shape[0]; r++) {
      System.arraycopy(flat, r * shape[1], out[r], 0, shape[1]);
    }
    return out;
  }

  private void check2d() {
    if (shape.length != 2) {
      throw new IllegalArgumentException(
          "array has shape " + Arrays.toString(shape) + "; a matrix needs exactly 2 dimensions");
    }
  }

  /** Returns dtype and shape, e.g. {@code NpyArray[FLOAT32, (12087, 64)]}. */
  @Override
  public String toString() {
    return "NpyArray[" + dtype + ", " + Npy.shapeString(shape) + "]";
  }
}
