package io.github.mmesid.core.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Float16Test {

  /** All non-negative finite half values as doubles, indexed by bit pattern 0..0x7BFF. */
  private static final double[] POSITIVE_FINITE = new double[0x7C00];

  static {
    for (int h = 0; h < 0x7C00; h++) {
      int exp = h >>> 10;
      int mant = h & 0x3FF;
      POSITIVE_FINITE[h] = exp == 0 ? mant * Math.pow(2, -24)
          : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
    }
  }

  /** Independent reference: nearest half by table search, ties to the even bit pattern. */
  private static short reference(float f) {
    if (Float.isNaN(f)) {
      throw new IllegalArgumentException("NaN has no reference");
    }
    int sign = (Float.floatToRawIntBits(f) >>> 31) << 15;
    double a = Math.abs((double) f);
    double max = POSITIVE_FINITE[0x7BFF];
    // halfway between 65504 and the next (unrepresentable) step 65536 is 65520
    if (a >= 65520.0) {
      return (short) (sign | 0x7C00);
    }
    int i = Arrays.binarySearch(POSITIVE_FINITE, a);
    if (i >= 0) {
      return (short) (sign | i);
    }
    int hi = -i - 1;
    int lo = hi - 1;
    if (hi >= POSITIVE_FINITE.length) {
      return (short) (sign | (a - max < 16.0 ? 0x7BFF : 0x7C00));
    }
    double dLo = a - POSITIVE_FINITE[lo];
    double dHi = POSITIVE_FINITE[hi] - a;
    int pick = dLo < dHi ? lo : dHi < dLo ? hi : ((lo & 1) == 0 ? lo : hi);
    return (short) (sign | pick);
  }

  @Test
  void everyBitPatternRoundTripsThroughFloat() {
    int nans = 0;
    for (int h = 0; h < 0x10000; h++) {
      short bits = (short) h;
      float f = Float16.toFloat(bits);
      short back = Float16.fromFloat(f);
      if (Float16.isNaN(bits)) {
        nans++;
        assertTrue(Float.isNaN(f), "pattern " + Integer.toHexString(h));
        // NaN payload canonicalisation: only the quiet bit may be added
        assertEquals(h | 0x200, back & 0xFFFF, "NaN pattern " + Integer.toHexString(h));
      } else {
        assertEquals(h, back & 0xFFFF, "pattern " + Integer.toHexString(h));
        if ((h & 0x7FFF) < 0x7C00) {
          double expected = POSITIVE_FINITE[h & 0x7FFF] * ((h & 0x8000) != 0 ? -1 : 1);
          assertEquals(expected, f, 0.0, "value of pattern " + Integer.toHexString(h));
        }
      }
    }
    assertEquals(2 * 1023, nans);
  }

  @Test
  void specialValues() {
    assertEquals(Float.POSITIVE_INFINITY, Float16.toFloat(Float16.POSITIVE_INFINITY));
    assertEquals(Float.NEGATIVE_INFINITY, Float16.toFloat(Float16.NEGATIVE_INFINITY));
    assertTrue(Float.isNaN(Float16.toFloat(Float16.NaN)));
    assertEquals(65504f, Float16.toFloat(Float16.MAX_VALUE));
    assertEquals(0x1p-24f, Float16.toFloat(Float16.MIN_VALUE));
    assertEquals(0x1p-14f, Float16.toFloat((short) 0x0400)); // smallest normal
    assertEquals(0x3FFp-24f, Float16.toFloat((short) 0x03FF)); // largest subnormal
    assertEquals(Float.floatToRawIntBits(-0.0f),
        Float.floatToRawIntBits(Float16.toFloat((short) 0x8000)));
    assertEquals((short) 0x8000, Float16.fromFloat(-0.0f));
    assertEquals((short) 0x3C00, Float16.fromFloat(1.0f));
    assertEquals((short) 0xC000, Float16.fromFloat(-2.0f));
    assertEquals((short) 0x7E00, Float16.fromFloat(Float.NaN));
    assertEquals((short) 0x7C00, Float16.fromFloat(1e10f));
    assertEquals((short) 0xFC00, Float16.fromFloat(Float.NEGATIVE_INFINITY));
    assertEquals((short) 0x7BFF, Float16.fromFloat(65519.99f)); // just below the overflow tie
    assertEquals((short) 0x7C00, Float16.fromFloat(65520f)); // tie goes to even, i.e. infinity
    assertEquals((short) 0x0000, Float16.fromFloat(0x1p-25f)); // tie between 0 and 2^-24: even
    assertEquals((short) 0x0001, Float16.fromFloat(Math.nextUp(0x1p-25f)));
    assertEquals((short) 0x0002, Float16.fromFloat(0x1.8p-24f)); // 1.5 ulp ties to even 2
    assertEquals((short) 0x0002, Float16.fromFloat(0x1.4p-23f)); // 2.5 ulp ties to even 2
    assertEquals((short) 0x0003, Float16.fromFloat(0x1.8p-23f)); // exactly 3 ulp
    assertEquals((short) 0x0400, Float16.fromFloat(0x3FF.8p-24f)); // rounds up into normals
    assertEquals((short) 0x3C00, Float16.fromFloat(1.0f + 0x1p-11f)); // tie to even: down
    assertEquals((short) 0x3C02, Float16.fromFloat(1.0f + 3 * 0x1p-11f)); // tie to even: up
    assertEquals((short) 0x0000, Float16.fromFloat(Float.MIN_VALUE)); // float subnormal
  }

  @Test
  void narrowingMatchesNearestEvenReference() {
    List<Float> samples = new ArrayList<>();
    // every half value, the midpoints between neighbours, and one float ulp either side
    for (int h = 0; h < 0x7C00; h++) {
      float v = (float) POSITIVE_FINITE[h];
      samples.add(v);
      samples.add(Math.nextUp(v));
      samples.add(Math.nextDown(v));
      if (h + 1 < 0x7C00) {
        float mid = (float) ((POSITIVE_FINITE[h] + POSITIVE_FINITE[h + 1]) / 2);
        samples.add(mid);
        samples.add(Math.nextUp(mid));
        samples.add(Math.nextDown(mid));
      }
    }
    SplittableRandom rnd = new SplittableRandom(42);
    for (int i = 0; i < 400_000; i++) {
      float f = Float.intBitsToFloat(rnd.nextInt());
      if (!Float.isNaN(f)) {
        samples.add(f);
      }
    }
    for (float f : samples) {
      for (float s : new float[] {f, -f}) {
        assertEquals(reference(s), Float16.fromFloat(s), "float " + s + " ("
            + Integer.toHexString(Float.floatToRawIntBits(s)) + ")");
      }
    }
  }

  @Test
  void nanSignAndPayloadAreKept() {
    float payloadNaN = Float.intBitsToFloat(0xFFC12345);
    short h = Float16.fromFloat(payloadNaN);
    assertTrue(Float16.isNaN(h));
    assertEquals(0x8000, h & 0x8000);
    assertEquals((0x412345 >>> 13) | 0x200, h & 0x3FF);
    // a NaN whose payload lies only in the low bits stays NaN
    assertTrue(Float16.isNaN(Float16.fromFloat(Float.intBitsToFloat(0x7F800001))));
  }
}
