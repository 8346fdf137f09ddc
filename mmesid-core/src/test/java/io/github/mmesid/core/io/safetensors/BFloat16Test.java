package io.github.mmesid.core.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BFloat16Test {

  /** Independent reference using exact decimal arithmetic on the two neighbouring candidates. */
  private static short reference(float f) {
    int bits = Float.floatToRawIntBits(f);
    int lo = bits >>> 16;
    int hi = lo + 1;
    if ((bits & 0xFFFF) == 0) {
      return (short) lo;
    }
    BigDecimal x = new BigDecimal(f);
    BigDecimal a = new BigDecimal(Float.intBitsToFloat(lo << 16));
    float hiF = Float.intBitsToFloat(hi << 16);
    if (Float.isInfinite(hiF)) {
      // beyond the largest finite bfloat16 the next step would be 2^128; compare with that
      BigDecimal step = new BigDecimal(2).pow(128).subtract(a.abs());
      BigDecimal d = x.abs().subtract(a.abs());
      int c = d.multiply(BigDecimal.valueOf(2)).compareTo(step);
      return (short) (c < 0 || (c == 0 && (lo & 1) == 0) ? lo : hi);
    }
    BigDecimal b = new BigDecimal(hiF);
    int c = x.subtract(a).abs().compareTo(x.subtract(b).abs());
    return (short) (c < 0 || (c == 0 && (lo & 1) == 0) ? lo : hi);
  }

  @Test
  void everyBitPatternRoundTripsExactly() {
    for (int h = 0; h < 0x10000; h++) {
      short bits = (short) h;
      float f = BFloat16.toFloat(bits);
      assertEquals(h << 16, Float.floatToRawIntBits(f), "widening is a shift");
      short back = BFloat16.fromFloat(f);
      if (BFloat16.isNaN(bits)) {
        assertEquals(h | 0x40, back & 0xFFFF, "NaN pattern " + Integer.toHexString(h));
      } else {
        assertEquals(h, back & 0xFFFF, "pattern " + Integer.toHexString(h));
      }
    }
  }

  @Test
  void narrowingMatchesNearestEvenReference() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      float f = Float.intBitsToFloat(rnd.nextInt());
      if (Float.isNaN(f) || Float.isInfinite(f)) {
        continue;
      }
      assertEquals(reference(f), BFloat16.fromFloat(f), "float " + f);
      // exact ties: low half exactly 0x8000
      float tie = Float.intBitsToFloat((Float.floatToRawIntBits(f) & 0xFFFF0000) | 0x8000);
      if (!Float.isNaN(tie)) {
        assertEquals(reference(tie), BFloat16.fromFloat(tie), "tie " + tie);
      }
    }
  }

  @Test
  void specialValues() {
    assertEquals((short) 0x3F80, BFloat16.fromFloat(1.0f));
    assertEquals((short) 0x3F80, BFloat16.fromFloat(Float.intBitsToFloat(0x3F808000))); // tie, even
    assertEquals((short) 0x3F82, BFloat16.fromFloat(Float.intBitsToFloat(0x3F818000))); // tie, up
    assertEquals((short) 0x3F81, BFloat16.fromFloat(Float.intBitsToFloat(0x3F808001)));
    assertEquals(BFloat16.POSITIVE_INFINITY, BFloat16.fromFloat(Float.MAX_VALUE));
    assertEquals(BFloat16.NEGATIVE_INFINITY, BFloat16.fromFloat(-Float.MAX_VALUE));
    assertEquals(BFloat16.NaN, BFloat16.fromFloat(Float.NaN));
    assertTrue(BFloat16.isNaN(BFloat16.fromFloat(Float.intBitsToFloat(0x7F800001))));
    assertEquals((short) 0x8000, BFloat16.fromFloat(-0.0f));
    assertEquals(Float.POSITIVE_INFINITY, BFloat16.toFloat(BFloat16.POSITIVE_INFINITY));
  }
}
