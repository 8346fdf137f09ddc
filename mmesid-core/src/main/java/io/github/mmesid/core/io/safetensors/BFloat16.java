package io.github.mmesid.core.io.safetensors;

/**
 * Conversions between bfloat16 bit patterns (safetensors {@code BF16}: the upper half of a binary32),
 * held in a {@code short}, and Java {@code float}s.
 *
 * <p>Widening is exact. Narrowing rounds to nearest, ties to even (overflowing to infinity); NaNs
 * stay NaN with their sign and top payload bits, with the quiet bit set.
 */
public final class BFloat16 {

  /** Bit pattern of positive infinity. */
  public static final short POSITIVE_INFINITY = (short) 0x7F80;
  /** Bit pattern of negative infinity. */
  public static final short NEGATIVE_INFINITY = (short) 0xFF80;
  /** Bit pattern of the canonical quiet NaN. */
  public static final short NaN = (short) 0x7FC0;

  private BFloat16() {}

  /**
   * Widens a bfloat16 bit pattern to a float, exactly.
   *
   * @param bits the bfloat16 bits
   * @return the same value as a float
   */
  public static float toFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /**
   * Narrows a float to the nearest bfloat16 value, ties to even.
   *
   * @param value the float
   * @return the bfloat16 bits
   */
  public static short fromFloat(float value) {
    int bits = Float.floatToRawIntBits(value);
    if ((bits & 0x7F800000) == 0x7F800000 && (bits & 0x7FFFFF) != 0) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  /**
   * Tells whether a bfloat16 bit pattern is a NaN.
   *
   * @param bits the bfloat16 bits
   * @return true for any NaN pattern
   */
  public static boolean isNaN(short bits) {
    return (bits & 0x7F80) == 0x7F80 && (bits & 0x7F) != 0;
  }
}
