package io.github.mmesid.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class FiniteTest {

  @Test
  void finiteValuesPass() {
    Finite.check(new float[] {0f, -1f, Float.MAX_VALUE, -Float.MIN_VALUE}, "v");
    Finite.check(new double[] {0, 1e308}, "v");
    Finite.check(new float[][] {{1f}, null, {2f, 3f}}, "m");
    Finite.check(FloatBuffer.wrap(new float[] {1, 2, 3}), new long[] {3}, "b");
    assertEquals(-1, Finite.firstNonFinite(new float[0]));
  }

  @Test
  void namesTheValueAndTheFirstBadElement() {
    Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class,
        () -> Finite.check(new float[] {1, 2, 3, 4, 5, Float.NaN, Float.POSITIVE_INFINITY}, new long[] {2, 3, 1},
            "tensor 'w'"));
    assertEquals("tensor 'w': element [1, 2, 0] is NaN; values must be finite (no NaN or infinity)", e.getMessage());
    assertEquals(5, e.index());
    assertEquals("tensor 'w'", e.what());
    e = assertThrows(Finite.NonFiniteException.class,
        () -> Finite.check(new double[] {1, Double.NEGATIVE_INFINITY}, "d"));
    assertTrue(e.getMessage().startsWith("d: element 1 is -Infinity"), e.getMessage());
    e = assertThrows(Finite.NonFiniteException.class,
        () -> Finite.check(new float[][] {{1, 2}, {3, Float.POSITIVE_INFINITY}}, "m"));
    assertTrue(e.getMessage().startsWith("m: row 1, column 1 is Infinity"), e.getMessage());
    assertEquals(3, e.index());
  }

  @Test
  void buffersAreCheckedFromTheirPositionWithoutMovingIt() {
    FloatBuffer fb = FloatBuffer.wrap(new float[] {Float.NaN, 1, 2, Float.NaN, 4});
    fb.position(1);
    assertEquals(2, Finite.firstNonFinite(fb));
    assertEquals(1, fb.position());
    fb.limit(3);
    Finite.check(fb, null, "slice");
    DoubleBuffer db = ByteBuffer.allocateDirect(24).asDoubleBuffer().put(0, 1).put(1, 2).put(2, Double.NaN);
    Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class,
        () -> Finite.check(db, new long[] {3}, "direct"));
    assertTrue(e.getMessage().startsWith("direct: element 2 is NaN"), e.getMessage());
  }
}
