package io.github.mmesid.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.SharedData;
import io.github.mmesid.core.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

  @TempDir
  Path dir;

  @Test
  void roundTripsAllDtypes() {
    Path f = dir.resolve("a.npy");
    Npy.write(f, NpyArray.ofFloats(new float[] {1.5f, -2f, 3f, 4f, 5f, Float.MIN_VALUE}, 2, 3));
    NpyArray a = Npy.read(f);
    assertEquals(NpyArray.DType.FLOAT32, a.dtype());
    assertArrayEquals(new int[] {2, 3}, a.shape());
    assertArrayEquals(new float[] {1.5f, -2f, 3f, 4f, 5f, Float.MIN_VALUE}, a.toFloats());
    assertEquals(0, (f.toFile().length() - 24) % 64, "header padded to 64 bytes");

    Npy.write(f, NpyArray.ofDoubles(new double[] {Math.PI, -1e300}, 2));
    assertArrayEquals(new double[] {Math.PI, -1e300}, Npy.read(f).toDoubles());

    Npy.write(f, NpyArray.ofInts(new int[] {Integer.MIN_VALUE, 0, 7, Integer.MAX_VALUE}, 2, 1, 2));
    NpyArray i = Npy.read(f);
    assertArrayEquals(new int[] {2, 1, 2}, i.shape());
    assertArrayEquals(new int[] {Integer.MIN_VALUE, 0, 7, Integer.MAX_VALUE}, i.toInts());

    Npy.write(f, NpyArray.ofLongs(new long[] {Long.MAX_VALUE, -3}, 2));
    NpyArray l = Npy.read(f);
    assertArrayEquals(new long[] {Long.MAX_VALUE, -3}, l.toLongs());
    assertThrows(IllegalArgumentException.class, l::toInts);

    Npy.write(f, NpyArray.ofFloats(new float[] {42f}));
    NpyArray scalar = Npy.read(f);
    assertEquals(0, scalar.rank());
    assertEquals(1, scalar.size());

    Npy.write(f, NpyArray.ofFloats(new float[0], 0, 5));
    assertArrayEquals(new int[] {0, 5}, Npy.read(f).shape());

    Npy.writeFloatMatrix(f, new float[][] {{1, 2}, {3, 4}, {5, 6}});
    assertArrayEquals(new float[] {5, 6}, Npy.readFloatMatrix(f)[2]);
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary files left behind");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void writesTheStandardHeader() throws IOException {
    Path f = dir.resolve("h.npy");
    Npy.write(f, NpyArray.ofFloats(new float[] {1, 2, 3}, 3));
    byte[] b = Files.readAllBytes(f);
    int headerLen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
    String header = new String(b, 10, headerLen, StandardCharsets.ISO_8859_1);
    assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", header.trim());
    assertEquals(0, (10 + headerLen) % 64);
    assertTrue(header.endsWith("\n"));
  }

  @Test
  void readsBigEndianAndVersion2() throws IOException {
    ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
    data.putFloat(1.25f).putFloat(-3f).putFloat(0.5f).putFloat(8f);
    Path f = dir.resolve("be.npy");
    Files.write(f, npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", data.array()));
    assertArrayEquals(new float[] {1.25f, -3f, 0.5f, 8f}, Npy.read(f).toFloats());

    ByteBuffer longs = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
    longs.putLong(1L << 40).putLong(-5);
    Files.write(f, npy(2, "{'descr': '>i8', 'fortran_order': False, 'shape': (2,), }", longs.array()));
    assertArrayEquals(new long[] {1L << 40, -5}, Npy.read(f).toLongs());

    ByteBuffer ints = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    ints.putInt(3).putInt(-4);
    Files.write(f, npy(1, "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<i4\"}", ints.array()));
    assertArrayEquals(new int[] {3, -4}, Npy.read(f).toInts());
  }

  @Test
  void rejectsMalformedFilesWithClearMessages() throws IOException {
    byte[] four = new byte[16];
    assertBad(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", four), "Fortran");
    assertBad(npy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", four), "dtype '|O'");
    assertBad(npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", four), "supported dtypes");
    assertBad(npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", four), "structured");
    assertBad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", four), "truncated data");
    assertBad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", four), "size mismatch");
    assertBad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }", four), "elements");
    assertBad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", four), "malformed header");
    assertBad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", four), "malformed header");
    assertBad(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}", four), "malformed header");
    assertBad(npy(1, "{'descr': '<f4', 'fortran_order': False}", four), "shape");
    assertBad("not numpy at all".getBytes(StandardCharsets.US_ASCII), "not a .npy file");
    assertBad(new byte[] {(byte) 0x93, 'N', 'U'}, "truncated");
    byte[] v9 = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four);
    v9[6] = 9;
    assertBad(v9, "version 9");
    // oversized header: version 2 declares 1 GiB of header
    ByteBuffer big = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    big.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(1 << 30).putInt(0);
    assertBad(big.array(), "too large");
    // truncated header: version 1 declares more bytes than the file has
    ByteBuffer shortHeader = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
    shortHeader.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) 500);
    assertBad(shortHeader.array(), "truncated header");
    assertThrows(java.io.UncheckedIOException.class, () -> Npy.read(dir.resolve("missing.npy")));
  }

  @Test
  void failedWriteLeavesPreviousFileIntact() throws IOException {
    Path f = dir.resolve("keep.npy");
    Npy.write(f, NpyArray.ofInts(new int[] {1, 2}, 2));
    byte[] before = Files.readAllBytes(f);
    assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, out -> {
      out.write(new byte[100]);
      throw new IllegalStateException("boom");
    }));
    assertArrayEquals(before, Files.readAllBytes(f));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count());
    }
  }

  @Test
  void readsTheReferenceSasrecEmbeddings() {
    Path f = SharedData.require("beauty/sasrec_item_emb.npy");
    NpyArray a = Npy.read(f);
    assertEquals(NpyArray.DType.FLOAT32, a.dtype());
    assertArrayEquals(new int[] {12087, 64}, a.shape());
    float[][] m = a.toFloatMatrix();
    double norm0 = norm(m[0]);
    assertEquals(0.10, norm0, 0.01, "padding row norm per the data README");
    for (int r = 1; r < m.length; r++) {
      double n = norm(m[r]);
      assertTrue(n > 0.7 && n < 3.0, "row " + r + " norm " + n);
    }
    assertFalse(Arrays.equals(m[1], m[2]));
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  private void assertBad(byte[] content, String expected) throws IOException {
    Path f = dir.resolve("bad.npy");
    Files.write(f, content);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.read(f));
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    assertTrue(e.getMessage().contains("bad.npy"), "message names the file: " + e.getMessage());
  }

  private static byte[] npy(int version, String dict, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int prefix = version == 1 ? 10 : 12;
    StringBuilder h = new StringBuilder(dict);
    while ((prefix + h.length() + 1) % 16 != 0) {
      h.append(' ');
    }
    h.append('\n');
    byte[] hb = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer pre = ByteBuffer.allocate(prefix).order(ByteOrder.LITTLE_ENDIAN);
    pre.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
    if (version == 1) {
      pre.putShort((short) hb.length);
    } else {
      pre.putInt(hb.length);
    }
    out.writeBytes(pre.array());
    out.writeBytes(hb);
    out.writeBytes(data);
    return out.toByteArray();
  }
}
