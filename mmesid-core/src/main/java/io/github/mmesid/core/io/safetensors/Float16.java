package io.github.mmesid.core.io.safetensors;

/**
 * Conversions between IEEE 754 binary16 ("half", safetensors {@code F16}) bit patterns, held in a
 * {@code short}, and Java {@code float}s.
 *
 * <p>Widening is exact (subnormals, signed zeros and infinities included; NaN payloads are kept).
 * Narrowing rounds to nearest, ties to even, overflows to infinity and underflows through the
 * subnormal range to signed zero; NaNs stay NaN with their sign and the top payload bits, with the
 * quiet bit set.
 */
public final class Float16 {

  /** Bit pattern of positive infinity. */
  public static final short POSITIVE_INFINITY = (short) 0x7C00;
  /** Bit pattern of negative infinity. */
  public static final short NEGATIVE_INFINITY = (short) 0xFC00;
  /** Bit pattern of the canonical quiet NaN. */
  public static final short NaN = (short) 0x7E00;
  /** Bit pattern of the largest finite value, 65504. */
  public static final short MAX_VALUE = (short) 0x7BFF;
  /** Bit pattern of the smallest positive subnormal value, 2^-24. */
  public static final short MIN_VALUE = (short) 0x0001;

  private Float16() {}

  /**
   * Widens a binary16 bit pattern to a float, exactly.
   *
   * @param bits the binary16 bits
   * @return the same value as a float
   */
  public static float toFloat(short bits) {
    int h = bits & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1F;
    int mant = h & 0x3FF;
    if (exp == 0x1F) {
      // infinity or NaN: keep the payload in the top mantissa bits
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    if (exp == 0) {
      // zero or subnormal: mant * 2^-24, exactly representable as a float
      float magnitude = mant * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exp + (127 - 15)) << 23) | (mant << 13));
  }

  /**
   * Narrows a float to the nearest binary16 value, ties to even.
   *
   * @param value the float
   * @return the binary16 bits
   */
  public static short fromFloat(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xFF;
    int mant = bits & 0x7FFFFF;
    if (exp == 0xFF) {
      if (mant == 0) {
        return (short) (sign | 0x7C00);
      }
      return (short) (sign | 0x7C00 | 0x200 | (mant >>> 13));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1F) {
      return (short) (sign | 0x7C00);
    }
    if (e <= 0) {
      // result is subnormal or zero: value = m * 2^(E - 23) with m the 24-bit significand;
      // in units of 2^-24 that is m >> (14 - e)
      if (e < -10) {
        return (short) sign;
      }
      int m = mant | 0x800000;
      int shift = 14 - e;
      int half = m >>> shift;
      int rest = m & ((1 << shift) - 1);
      int halfway = 1 << (shift - 1);
      if (rest > halfway || (rest == halfway && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rest = mant & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
      half++; // may carry into the exponent, up to infinity, which is the right result
    }
    return (short) (sign | half);
  }

  /**
   * Tells whether a binary16 bit pattern is a NaN.
   *
   * @param bits the binary16 bits
   * @return true for any NaN pattern
   */
  public static boolean isNaN(short bits) {
    return (bits & 0x7C00) == 0x7C00 && (bits & 0x3FF) != 0;
  }
}
