package io.github.mmesid.core.engine.runtime;

import io.github.mmesid.core.engine.graph.DType;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HostTensorTest {

  @Test
  void rejectsElementTypesTheRuntimeCannotHold() {
    for (DType t : new DType[] {DType.FLOAT16, DType.BFLOAT16, DType.INT8}) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
          IllegalArgumentException.class, () -> HostTensor.allocate(t, 2));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("allowed"),
          e.getMessage());
    }
  }

  @Test
  void allocatesZeroFilledDirectMemoryOfEveryType() {
    for (DType t : ElementTypes.SUPPORTED) {
      try (HostTensor h = HostTensor.allocate(t, 2, 3)) {
        assertEquals(t, h.dtype());
        assertEquals(6, h.size());
        assertEquals(2, h.rank());
        assertEquals(6L * t.byteSize(), h.byteSize());
        assertArrayEquals(new long[] {2, 3}, h.shape());
        for (int i = 0; i < h.size(); i++) {
          assertEquals(0.0, h.getAsDouble(i));
        }
        assertEquals(t, ElementTypes.fromOrt(h.ortTensor().getInfo().onnxType), "ORT sees the same element type");
        assertArrayEquals(new long[] {2, 3}, h.ortTensor().getInfo().getShape());
      }
    }
  }

  @Test
  void scalarAndEmptyShapesAreAllowed() {
    try (HostTensor s = HostTensor.allocate(DType.FLOAT64);
        HostTensor e = HostTensor.allocate(DType.INT32, 0, 5)) {
      assertEquals(1, s.size());
      assertEquals(0, s.rank());
      s.setDouble(0, 2.5);
      assertEquals(2.5, s.getDouble(0));
      assertEquals(0, e.size());
    }
  }

  @Test
  void elementAccessorsRoundTrip() {
    try (HostTensor f = HostTensor.allocate(DType.FLOAT32, 3);
        HostTensor d = HostTensor.allocate(DType.FLOAT64, 3);
        HostTensor i = HostTensor.allocate(DType.INT32, 3);
        HostTensor l = HostTensor.allocate(DType.INT64, 3);
        HostTensor b = HostTensor.allocate(DType.BOOL, 3);
        HostTensor u = HostTensor.allocate(DType.UINT8, 3)) {
      f.setFloat(1, 1.5f);
      d.setDouble(2, -2.25);
      i.setInt(0, Integer.MIN_VALUE);
      l.setLong(1, Long.MAX_VALUE);
      b.setBoolean(2, true);
      u.setUint8(0, 255);
      assertEquals(1.5f, f.getFloat(1));
      assertEquals(-2.25, d.getDouble(2));
      assertEquals(Integer.MIN_VALUE, i.getInt(0));
      assertEquals(Long.MAX_VALUE, l.getLong(1));
      assertTrue(b.getBoolean(2));
      assertFalse(b.getBoolean(0));
      assertEquals(255, u.getUint8(0));
      assertEquals(255.0, u.getAsDouble(0));
      assertEquals(1.0, b.getAsDouble(2));
    }
  }

  @Test
  void bulkCopiesRoundTrip() {
    Random rnd = new Random(42);
    float[] fs = new float[12];
    double[] ds = new double[12];
    int[] is = new int[12];
    long[] ls = new long[12];
    boolean[] bs = new boolean[12];
    byte[] us = new byte[12];
    for (int k = 0; k < 12; k++) {
      fs[k] = rnd.nextFloat();
      ds[k] = rnd.nextGaussian();
      is[k] = rnd.nextInt();
      ls[k] = rnd.nextLong();
      bs[k] = rnd.nextBoolean();
      us[k] = (byte) rnd.nextInt(256);
    }
    try (HostTensor f = HostTensor.of(fs, 3, 4);
        HostTensor d = HostTensor.of(ds, 12);
        HostTensor i = HostTensor.of(is, 2, 6);
        HostTensor l = HostTensor.of(ls, 4, 3);
        HostTensor b = HostTensor.of(bs, 12);
        HostTensor u = HostTensor.allocate(DType.UINT8, 12)) {
      u.copyFrom(us);
      assertArrayEquals(fs, f.toFloatArray());
      assertArrayEquals(ds, d.toDoubleArray());
      assertArrayEquals(is, i.toIntArray());
      assertArrayEquals(ls, l.toLongArray());
      assertArrayEquals(bs, b.toBooleanArray());
      assertArrayEquals(us, u.toByteArray());
      assertEquals(fs[1 * 4 + 2], f.getFloat(f.index(1, 2)));
    }
  }

  @Test
  void fillZeroAndCopyFromTensor() {
    try (HostTensor a = HostTensor.allocate(DType.FLOAT32, 2, 2);
        HostTensor b = HostTensor.allocate(DType.FLOAT32, 2, 2);
        HostTensor n = HostTensor.allocate(DType.INT64, 3);
        HostTensor flag = HostTensor.allocate(DType.BOOL, 2)) {
      a.fill(3.5);
      b.copyFrom(a);
      assertArrayEquals(new float[] {3.5f, 3.5f, 3.5f, 3.5f}, b.toFloatArray());
      b.zero();
      assertArrayEquals(new float[4], b.toFloatArray());
      n.fill(-7);
      assertArrayEquals(new long[] {-7, -7, -7}, n.toLongArray());
      flag.fill(1);
      assertArrayEquals(new boolean[] {true, true}, flag.toBooleanArray());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> n.fill(0.5));
      assertTrue(e.getMessage().contains("integral"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> flag.fill(2));
    }
  }

  @Test
  void rejectsMismatchedCopiesAndAccessors() {
    try (HostTensor f = HostTensor.allocate(DType.FLOAT32, 4);
        HostTensor g = HostTensor.allocate(DType.FLOAT32, 2, 2);
        HostTensor i = HostTensor.allocate(DType.INT32, 4)) {
      IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> f.copyFrom(g));
      assertTrue(shape.getMessage().contains("FLOAT32[2, 2]") && shape.getMessage().contains("FLOAT32[4]"), shape.getMessage());
      assertThrows(IllegalArgumentException.class, () -> f.copyFrom(i));
      IllegalArgumentException len = assertThrows(IllegalArgumentException.class, () -> f.copyFrom(new float[3]));
      assertTrue(len.getMessage().contains("exactly 4"), len.getMessage());
      IllegalStateException type = assertThrows(IllegalStateException.class, () -> i.getFloat(0));
      assertTrue(type.getMessage().contains("INT32") && type.getMessage().contains("FLOAT32"), type.getMessage());
      assertThrows(IndexOutOfBoundsException.class, () -> g.index(2, 0));
      assertThrows(IllegalArgumentException.class, () -> g.index(1));
      assertThrows(IllegalArgumentException.class, () -> HostTensor.allocate(DType.UINT8, 1).setUint8(0, 256));
    }
  }

  @Test
  void rejectsBadShapes() {
    IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> HostTensor.allocate(DType.FLOAT32, 2, -1));
    assertTrue(neg.getMessage().contains(">= 0"), neg.getMessage());
    IllegalArgumentException big =
        assertThrows(IllegalArgumentException.class, () -> HostTensor.allocate(DType.FLOAT64, 1L << 20, 1L << 20));
    assertTrue(big.getMessage().contains("exceeds"), big.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HostTensor.allocate(DType.FLOAT32, new long[9]));
  }

  @Test
  void wrapSharesMemoryWithoutCopy() {
    ByteBuffer bytes = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
    try (HostTensor h = HostTensor.wrap(bytes, DType.FLOAT32, 4)) {
      bytes.putFloat(8, 7f);
      assertEquals(7f, h.getFloat(2));
      h.setFloat(3, 9f);
      assertEquals(9f, bytes.getFloat(12));
      assertEquals(0, bytes.position(), "wrap leaves the caller's position alone");
    }
    FloatBuffer floats = ByteBuffer.allocateDirect(24).order(ByteOrder.nativeOrder()).asFloatBuffer();
    try (HostTensor h = HostTensor.wrap(floats, DType.FLOAT32, 2, 3)) {
      floats.put(5, 1.25f);
      assertEquals(1.25f, h.getFloat(5));
    }
  }

  @Test
  void wrapRejectsUnsuitableBuffers() {
    IllegalArgumentException heap =
        assertThrows(IllegalArgumentException.class, () -> HostTensor.wrap(FloatBuffer.allocate(4), DType.FLOAT32, 4));
    assertTrue(heap.getMessage().contains("direct"), heap.getMessage());
    ByteOrder other = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    IllegalArgumentException order =
        assertThrows(IllegalArgumentException.class, () -> HostTensor.wrap(ByteBuffer.allocateDirect(16).order(other), DType.FLOAT32, 4));
    assertTrue(order.getMessage().contains("native order"), order.getMessage());
    IllegalArgumentException size = assertThrows(
        IllegalArgumentException.class,
        () -> HostTensor.wrap(ByteBuffer.allocateDirect(12).order(ByteOrder.nativeOrder()), DType.FLOAT32, 4));
    assertTrue(size.getMessage().contains("12 bytes") && size.getMessage().contains("16 bytes"), size.getMessage());
    IllegalArgumentException kind = assertThrows(
        IllegalArgumentException.class,
        () -> HostTensor.wrap(ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()).asFloatBuffer(), DType.INT32, 4));
    assertTrue(kind.getMessage().contains("FLOAT32") && kind.getMessage().contains("INT32"), kind.getMessage());
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseFails() {
    HostTensor h = HostTensor.allocate(DType.FLOAT32, 2);
    h.close();
    h.close();
    assertTrue(h.isClosed());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.getFloat(0));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> h.setFloat(0, 1f));
    assertThrows(IllegalStateException.class, () -> h.copyFrom(new float[2]));
    assertThrows(IllegalStateException.class, h::toFloatArray);
    assertThrows(IllegalStateException.class, h::ortTensor);
    assertThrows(IllegalStateException.class, () -> h.fill(1));
  }
}
