package io.github.mmesid.core.io.safetensors;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {

  @TempDir Path dir;

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  @Test
  void singleF32TensorHasTheSpecByteLayout() throws IOException {
    Path file = dir.resolve("a.safetensors");
    new SafetensorsWriter().addFloat32("a", new long[] {2}, new float[] {1f, 2f}).write(file);
    // header JSON, 54 bytes, padded with 2 spaces to 56 = 0x38
    String json = "{\"a\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}}  ";
    byte[] expected = concat(
        bytes(0x38, 0, 0, 0, 0, 0, 0, 0),
        json.getBytes(US_ASCII),
        bytes(0x00, 0x00, 0x80, 0x3F), // 1.0f = 0x3F800000, little-endian
        bytes(0x00, 0x00, 0x00, 0x40)); // 2.0f = 0x40000000
    assertEquals(56, json.length());
    assertArrayEquals(expected, Files.readAllBytes(file));
  }

  @Test
  void mixedDtypesAreLaidOutWidestFirstWithMetadataFirstInHeader() throws IOException {
    Path file = dir.resolve("mixed.safetensors");
    new SafetensorsWriter()
        .addInts("b", SafetensorsDType.I8, new long[] {3}, new int[] {1, -1, 2})
        .addFloats("a", SafetensorsDType.F16, new long[] {1}, new float[] {1f})
        .putMetadata("format", "pt")
        .write(file);
    String json = "{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"a\":{\"data_offsets\":[0,2],\"dtype\":\"F16\",\"shape\":[1]},"
        + "\"b\":{\"data_offsets\":[2,5],\"dtype\":\"I8\",\"shape\":[3]}}";
    // 32 + 53 + 52 = 137 bytes, padded with 7 spaces to 144 = 0x90
    assertEquals(137, json.length());
    byte[] expected = concat(
        bytes(0x90, 0, 0, 0, 0, 0, 0, 0),
        (json + "       ").getBytes(US_ASCII),
        bytes(0x00, 0x3C), // half 1.0 = 0x3C00
        bytes(0x01, 0xFF, 0x02));
    assertArrayEquals(expected, Files.readAllBytes(file));
  }

  @Test
  void everyDtypeRoundTrips() {
    Path file = dir.resolve("all.safetensors");
    SplittableRandom rnd = new SplittableRandom(1);
    double[] f64 = rnd.doubles(12).map(d -> d * 1e6 - 5e5).toArray();
    float[] f32 = new float[12];
    float[] halfExact = new float[12];
    for (int i = 0; i < 12; i++) {
      f32[i] = (float) rnd.nextGaussian();
      halfExact[i] = Float16.toFloat((short) rnd.nextInt(0x7C00)) * (i % 2 == 0 ? 1 : -1);
    }
    float[] bf16Exact = new float[12];
    for (int i = 0; i < 12; i++) {
      bf16Exact[i] = BFloat16.toFloat(BFloat16.fromFloat(f32[i] * 1000));
    }
    long[] i64 = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 123456789012345L};
    int[] i32 = {Integer.MIN_VALUE, -7, 0, 7, Integer.MAX_VALUE, 42};
    int[] i16 = {Short.MIN_VALUE, -1, 0, 1, Short.MAX_VALUE, 300};
    int[] i8 = {-128, -1, 0, 1, 127, 5};
    int[] u8 = {0, 1, 127, 128, 255, 200};
    int[] bool = {0, 1, 1, 0, 0, 1};
    Map<String, String> meta = Map.of("format", "pt", "step", "1200");
    new SafetensorsWriter()
        .addFloat64("f64", new long[] {3, 4}, f64)
        .addFloat32("f32", new long[] {2, 2, 3}, f32)
        .addFloats("f16", SafetensorsDType.F16, new long[] {12}, halfExact)
        .addFloats("bf16", SafetensorsDType.BF16, new long[] {4, 3}, bf16Exact)
        .addInt64("i64", new long[] {6}, i64)
        .addInt32("i32", new long[] {2, 3}, i32)
        .addInts("i16", SafetensorsDType.I16, new long[] {6}, i16)
        .addInts("i8", SafetensorsDType.I8, new long[] {6}, i8)
        .addInts("u8", SafetensorsDType.U8, new long[] {6}, u8)
        .addInts("bool", SafetensorsDType.BOOL, new long[] {6}, bool)
        .addFloat32("scalar", new long[] {}, new float[] {3.5f})
        .addFloat32("empty", new long[] {0, 5}, new float[0])
        .putMetadata(meta)
        .write(file);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertEquals(meta, f.metadata());
      assertEquals(List.of("bf16", "bool", "empty", "f16", "f32", "f64", "i16", "i32", "i64", "i8",
          "scalar", "u8"), List.copyOf(f.names()));
      assertEquals(SafetensorsDType.F64, f.tensor("f64").dtype());
      assertArrayEquals(new long[] {3, 4}, f.tensor("f64").shape());
      assertArrayEquals(f64, f.readFloat64("f64"));
      assertArrayEquals(f32, f.readFloat32("f32"));
      assertArrayEquals(halfExact, f.readFloat32("f16"));
      assertArrayEquals(bf16Exact, f.readFloat32("bf16"));
      assertArrayEquals(i64, f.readInt64("i64"));
      assertArrayEquals(i32, f.readInt32("i32"));
      assertArrayEquals(i16, f.readInt32("i16"));
      assertArrayEquals(i8, f.readInt32("i8"));
      assertArrayEquals(u8, f.readInt32("u8"));
      assertArrayEquals(bool, f.readInt32("bool"));
      assertArrayEquals(new long[] {-128, -1, 0, 1, 127, 5}, f.readInt64("i8"));
      assertArrayEquals(new float[] {3.5f}, f.readFloat32("scalar"));
      assertEquals(0, f.tensor("scalar").rank());
      assertEquals(1, f.tensor("scalar").elementCount());
      assertEquals(0, f.readFloat32("empty").length);
      assertEquals(0, f.raw("empty").remaining());
      // exact widening of the narrow float types to double
      double[] f16d = f.readFloat64("f16");
      for (int i = 0; i < 12; i++) {
        assertEquals(halfExact[i], f16d[i], 0.0);
      }
      // every tensor is aligned to its element size within the file
      for (TensorInfo t : f.tensors().values()) {
        assertEquals(0, f.fileOffset(t.name()) % t.dtype().byteSize(), t.name());
      }
      assertEquals(0, f.dataStart() % 8);
      // raw view is little-endian and read-only
      ByteBuffer raw = f.raw("i32");
      assertEquals(ByteOrder.LITTLE_ENDIAN, raw.order());
      assertTrue(raw.isReadOnly());
      assertEquals(24, raw.remaining());
      assertEquals(Integer.MIN_VALUE, raw.getInt(0));
      assertEquals(42, raw.getInt(20));
      ByteBuffer part = f.slice("i64", 8, 16);
      assertEquals(-1L, part.getLong(0));
      assertEquals(0L, part.getLong(8));
    }
  }

  @Test
  void narrowOutputTypesRoundToNearestEven() {
    Path file = dir.resolve("narrow.safetensors");
    float[] values = {1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 70000f, 0x1p-25f, 1e-30f,
        Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000), Float.NaN};
    new SafetensorsWriter()
        .addFloats("h", SafetensorsDType.F16, new long[] {values.length}, values)
        .addFloats("b", SafetensorsDType.BF16, new long[] {values.length}, values)
        .addDoubles("d", SafetensorsDType.F32, new long[] {3},
            new double[] {1.0 + 0x1p-24, 1.0 + 0x1p-24 + 0x1p-50, 1e40})
        .write(file);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      ByteBuffer h = f.raw("h");
      assertEquals((short) 0x3C00, h.getShort(0));
      assertEquals((short) 0x3C02, h.getShort(2));
      assertEquals((short) 0x7C00, h.getShort(4));
      assertEquals((short) 0x0000, h.getShort(6));
      assertEquals((short) 0x0000, h.getShort(8));
      assertTrue(Float16.isNaN(h.getShort(14)));
      ByteBuffer b = f.raw("b");
      assertEquals((short) 0x3F80, b.getShort(10));
      assertEquals((short) 0x3F82, b.getShort(12));
      assertTrue(BFloat16.isNaN(b.getShort(14)));
      float[] d = f.readFloat32("d");
      assertEquals(1.0f, d[0]);
      assertEquals(Math.nextUp(1.0f), d[1]);
      assertEquals(Float.POSITIVE_INFINITY, d[2]);
    }
  }

  @Test
  void conversionsToFloat32HandleSpecialValues() {
    Path file = dir.resolve("special.safetensors");
    ByteBuffer half = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    half.putShort((short) 0x0001).putShort((short) 0x03FF).putShort((short) 0x8000)
        .putShort((short) 0x7C00).putShort((short) 0xFC00).putShort((short) 0x7E00).flip();
    ByteBuffer dbl = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
    dbl.putDouble(1.0 + 0x1p-24).putDouble(-1e-50).putDouble(Double.MAX_VALUE)
        .putDouble(Double.NaN).putDouble(0x1.000003p-149).flip();
    new SafetensorsWriter()
        .addRaw("half", SafetensorsDType.F16, new long[] {6}, half)
        .addRaw("dbl", SafetensorsDType.F64, new long[] {5}, dbl)
        .write(file);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      float[] h = f.readFloat32("half");
      assertEquals(0x1p-24f, h[0]);
      assertEquals(1023 * 0x1p-24f, h[1]);
      assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(h[2]));
      assertEquals(Float.POSITIVE_INFINITY, h[3]);
      assertEquals(Float.NEGATIVE_INFINITY, h[4]);
      assertTrue(Float.isNaN(h[5]));
      float[] d = f.readFloat32("dbl");
      assertEquals(1.0f, d[0]); // tie rounds to even
      assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(d[1]));
      assertEquals(Float.POSITIVE_INFINITY, d[2]);
      assertTrue(Float.isNaN(d[3]));
      assertEquals(Float.MIN_VALUE, d[4]); // just above the smallest subnormal
    }
  }

  @Test
  void chunkedReadsMatchWholeReads() {
    Path file = dir.resolve("chunks.safetensors");
    SplittableRandom rnd = new SplittableRandom(3);
    float[] v = new float[37];
    double[] dv = new double[37];
    long[] lv = new long[37];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian();
      dv[i] = rnd.nextGaussian();
      lv[i] = rnd.nextLong();
    }
    new SafetensorsWriter()
        .addFloats("h", SafetensorsDType.F16, new long[] {37}, v)
        .addFloats("b", SafetensorsDType.BF16, new long[] {37}, v)
        .addFloat32("f", new long[] {37}, v)
        .addFloat64("d", new long[] {37}, dv)
        .addInt64("l", new long[] {37}, lv)
        .write(file);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (String name : List.of("h", "b", "f", "d")) {
        float[] whole = f.readFloat32(name);
        for (int chunk : new int[] {1, 6, 8, 24, 1000}) {
          FloatBuffer dst = ByteBuffer.allocateDirect(4 * 40).order(ByteOrder.nativeOrder())
              .asFloatBuffer();
          dst.position(2);
          TensorReads.readFloats(f, f.tensor(name), dst, chunk);
          assertEquals(39, dst.position());
          float[] got = new float[37];
          dst.position(2);
          dst.get(got);
          assertArrayEquals(whole, got, name + " chunk " + chunk);
        }
        // a sub-range read through the public API
        FloatBuffer part = FloatBuffer.allocate(5);
        f.readInto(name, 30, part);
        assertFalse(part.hasRemaining());
        for (int i = 0; i < 5; i++) {
          assertEquals(whole[30 + i], part.get(i), name);
        }
      }
      long[] l = new long[37];
      TensorReads.readLongs(f, f.tensor("l"), l, 16);
      assertArrayEquals(lv, l);
      for (int i = 0; i < 37; i++) {
        assertEquals(Float16.toFloat(Float16.fromFloat(v[i])), f.readFloat32("h")[i]);
      }
    }
  }

  @Test
  void readerRejectsWrongUseWithClearMessages() {
    Path file = dir.resolve("use.safetensors");
    new SafetensorsWriter()
        .addInt64("big", new long[] {2}, new long[] {1L << 40, 3})
        .addFloat32("f", new long[] {4}, new float[] {1, 2, 3, 4})
        .write(file);
    SafetensorsFile f = SafetensorsFile.open(file);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> f.readFloat32("big"));
    assertTrue(e.getMessage().contains("'big'") && e.getMessage().contains("I64")
        && e.getMessage().contains("readInt"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> f.readInt32("big"));
    assertTrue(e.getMessage().contains("element 0") && e.getMessage().contains("readInt64"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> f.readInt64("f"));
    assertTrue(e.getMessage().contains("F32"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> f.tensor("nope"));
    assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("'big'")
        && e.getMessage().contains(file.toString()), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> f.readInto("f", FloatBuffer.allocate(3)));
    assertTrue(e.getMessage().contains("room for only 3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> f.slice("f", 8, 9));
    assertTrue(e.getMessage().contains("outside"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> f.slice("f", -1, 2));
    assertThrows(IllegalArgumentException.class, () -> f.readInto("f", 3, FloatBuffer.allocate(2)));
    ByteBuffer kept = f.raw("f");
    f.close();
    f.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> f.tensor("f"));
    assertThrows(IllegalStateException.class, () -> f.readFloat32("f"));
    assertEquals(2f, kept.getFloat(4)); // buffers handed out stay readable
  }

  @Test
  void writerValidatesItsInput() {
    SafetensorsWriter w = new SafetensorsWriter().addFloat32("x", new long[] {1}, new float[] {1});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> w.addFloat32("x", new long[] {1}, new float[] {1}));
    assertTrue(e.getMessage().contains("already"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> w.addFloat32("y", new long[] {2, 2}, new float[3]));
    assertTrue(e.getMessage().contains("[2, 2]") && e.getMessage().contains("3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> w.addFloat32("z", new long[] {-1}, new float[0]));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> w.addFloat32("__metadata__", new long[] {1}, new float[1]));
    assertThrows(IllegalArgumentException.class,
        () -> w.addFloat32("", new long[] {1}, new float[1]));
    e = assertThrows(IllegalArgumentException.class,
        () -> w.addInts("q", SafetensorsDType.I8, new long[] {2}, new int[] {1, 200}));
    assertTrue(e.getMessage().contains("element 1") && e.getMessage().contains("[-128, 127]"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> w.addFloats("q", SafetensorsDType.I32, new long[] {1}, new float[1]));
    assertTrue(e.getMessage().contains("allowed"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> w.addDoubles("q", SafetensorsDType.F16, new long[] {1}, new double[1]));
    assertThrows(IllegalArgumentException.class,
        () -> w.addRaw("q", SafetensorsDType.F32, new long[] {1}, ByteBuffer.allocate(6)));
    assertThrows(IllegalArgumentException.class, () -> w.writeSharded(dir, 0));
    assertEquals(1, w.size());
    assertEquals(4, w.dataBytes());
  }

  @Test
  void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
    Path file = dir.resolve("sub").resolve("ckpt.safetensors");
    float[] data = {1, 2, 3};
    FloatBuffer buffer = FloatBuffer.wrap(new float[] {9, 9, 9, 9});
    buffer.position(1);
    SafetensorsWriter w = new SafetensorsWriter()
        .addFloat32("w", new long[] {3}, data)
        .addFloats("buf", SafetensorsDType.F32, new long[] {3}, buffer);
    w.write(file);
    data[0] = 10; // the writer references, not copies, its input
    w.write(file);
    assertEquals(1, buffer.position(), "the writer must not move the caller's buffer");
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertArrayEquals(new float[] {10, 2, 3}, f.readFloat32("w"));
      assertArrayEquals(new float[] {9, 9, 9}, f.readFloat32("buf"));
    }
    try (Stream<Path> s = Files.list(file.getParent())) {
      assertEquals(List.of("ckpt.safetensors"),
          s.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
    }
  }

  @Test
  void openDispatchesOnFileAndDirectory() {
    Path d = dir.resolve("m");
    new SafetensorsWriter().addFloat32("x", new long[] {1}, new float[] {5}).writeSharded(d, 1000);
    try (SafetensorsReader r = SafetensorsReader.open(d)) {
      assertTrue(r instanceof SafetensorsFile);
      assertArrayEquals(new float[] {5}, r.readFloat32("x"));
    }
    try (SafetensorsReader r = SafetensorsReader.open(d.resolve("model.safetensors"))) {
      assertArrayEquals(new float[] {5}, r.readFloat32("x"));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SafetensorsReader.open(dir));
    assertTrue(e.getMessage().contains("model.safetensors.index.json"), e.getMessage());
  }
}
