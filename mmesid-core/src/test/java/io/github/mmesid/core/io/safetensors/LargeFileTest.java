package io.github.mmesid.core.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files and tensors beyond 2 GiB, built as sparse files so the test writes only a few bytes: a
 * BF16 tensor "big" of 2^30 + 8 elements (2 GiB + 16 bytes) whose tail lies past file offset 2^31,
 * followed by a small F32 tensor "x" entirely past 2^31.
 */
class LargeFileTest {

  @TempDir Path dir;

  private static final long BIG_ELEMENTS = (1L << 30) + 8;
  private static final long BIG_BYTES = BIG_ELEMENTS * 2;

  @Test
  void readsTensorsBeyondTwoGibibytes() throws IOException {
    Path file = dir.resolve("sparse.safetensors");
    String json = "{\"big\":{\"dtype\":\"BF16\",\"shape\":[" + BIG_ELEMENTS + "],\"data_offsets\":[0,"
        + BIG_BYTES + "]},\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" + BIG_BYTES + ","
        + (BIG_BYTES + 16) + "]}}";
    while (json.length() % 8 != 0) {
      json += " ";
    }
    byte[] header = json.getBytes(StandardCharsets.US_ASCII);
    long dataStart = 8 + header.length;
    float[] x = {1.5f, -2.25f, 1e20f, -0f};
    float[] tail = {3f, -4f, 0.5f, 7f}; // the last four BF16 elements of "big"
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      try {
        raf.setLength(dataStart + BIG_BYTES + 16);
      } catch (IOException e) {
        Assumptions.abort("filesystem refuses a sparse file of 2 GiB: " + e);
      }
      ByteBuffer b = ByteBuffer.allocate((int) dataStart).order(ByteOrder.LITTLE_ENDIAN);
      b.putLong(header.length).put(header);
      raf.seek(0);
      raf.write(b.array());
      ByteBuffer t = ByteBuffer.allocate(8 + 16).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : tail) {
        t.putShort(BFloat16.fromFloat(v));
      }
      for (float v : x) {
        t.putFloat(v);
      }
      raf.seek(dataStart + BIG_BYTES - 8);
      raf.write(t.array());
    }
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      SafetensorsFile f = (SafetensorsFile) r;
      assertTrue(f.fileOffset("x") > Integer.MAX_VALUE);
      assertTrue(f.fileSize() > (1L << 31));
      assertArrayEquals(x, r.readFloat32("x"));
      assertEquals(BIG_BYTES, r.tensor("big").byteLength());

      // chunked access inside the > 2 GiB tensor, across the 2^31 boundary of the file
      ByteBuffer s = r.slice("big", BIG_BYTES - 12, 12);
      assertEquals(0, s.getShort(0));
      assertEquals(0, s.getShort(2));
      assertEquals(3f, BFloat16.toFloat(s.getShort(4)));
      assertEquals(7f, BFloat16.toFloat(s.getShort(10)));
      FloatBuffer dst = FloatBuffer.allocate(6);
      r.readInto("big", BIG_ELEMENTS - 6, dst);
      assertArrayEquals(new float[] {0f, 0f, 3f, -4f, 0.5f, 7f}, dst.array());
      FloatBuffer head = FloatBuffer.allocate(4);
      r.readInto("big", 0, head);
      assertArrayEquals(new float[4], head.array());

      // whole-tensor views are refused with a pointer to the chunked API
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.raw("big"));
      assertTrue(e.getMessage().contains("slice"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> r.readInto("big", FloatBuffer.allocate(3)));
      assertTrue(e.getMessage().contains("room for only 3"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> r.readInto("big", BIG_ELEMENTS - 2, FloatBuffer.allocate(3)));
      assertTrue(e.getMessage().contains("outside"), e.getMessage());
    }
  }

  @Test
  void tensorWithMoreElementsThanAnArrayPointsToChunkedReads() throws IOException {
    Path file = dir.resolve("bytes.safetensors");
    long n = 1L << 31;
    String json = "{\"u\":{\"dtype\":\"U8\",\"shape\":[" + n + "],\"data_offsets\":[0," + n + "]}}";
    while (json.length() % 8 != 0) {
      json += " ";
    }
    byte[] header = json.getBytes(StandardCharsets.US_ASCII);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      try {
        raf.setLength(8 + header.length + n);
      } catch (IOException e) {
        Assumptions.abort("filesystem refuses a sparse file of 2 GiB: " + e);
      }
      ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
      b.putLong(header.length).put(header);
      raf.write(b.array());
      raf.seek(8 + header.length + n - 1);
      raf.write(200);
    }
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> f.readInt64("u"));
      assertTrue(e.getMessage().contains("more than a Java array holds"), e.getMessage());
      assertEquals(200, f.slice("u", n - 1, 1).get(0) & 0xFF);
    }
  }
}
