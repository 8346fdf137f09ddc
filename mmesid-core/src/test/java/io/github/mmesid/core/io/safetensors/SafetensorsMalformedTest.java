package io.github.mmesid.core.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.io.safetensors.SafetensorsFormatException.Problem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsMalformedTest {

  @TempDir Path dir;

  private Path file(String name, long headerLength, byte[] header, int dataBytes)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(headerLength).put(header);
    Path p = dir.resolve(name);
    Files.write(p, b.array());
    return p;
  }

  private Path file(String name, String json, int dataBytes) throws IOException {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    return file(name, h.length, h, dataBytes);
  }

  /** Opens the file, expects a format error of the given kind, and checks the message. */
  private SafetensorsFormatException expect(Path p, Problem problem, String... fragments) {
    SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
        () -> SafetensorsFile.open(p).close());
    assertEquals(problem, e.problem(), e.getMessage());
    assertEquals(p.toString(), e.file());
    assertTrue(e.getMessage().contains(p.toString()), "names the file: " + e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
    }
    return e;
  }

  @Test
  void headerLengthTooLarge() throws IOException {
    expect(file("big.st", 100L * 1024 * 1024 + 1, new byte[] {'{', '}'}, 0),
        Problem.HEADER_LENGTH, "exceeds the limit");
    expect(file("huge.st", -1L, new byte[] {'{', '}'}, 0), Problem.HEADER_LENGTH,
        "18446744073709551615");
  }

  @Test
  void headerLengthBeyondFile() throws IOException {
    expect(file("beyond.st", 1000, "{}".getBytes(StandardCharsets.US_ASCII), 0),
        Problem.HEADER_LENGTH, "exceeds the file size of 10 bytes");
  }

  @Test
  void headerLengthTooSmallAndFileTooShort() throws IOException {
    expect(file("one.st", 1, new byte[] {'{'}, 0), Problem.HEADER_LENGTH, "at least 2");
    Path tiny = dir.resolve("tiny.st");
    Files.write(tiny, new byte[] {1, 2, 3});
    expect(tiny, Problem.HEADER_LENGTH, "3 bytes");
  }

  @Test
  void emptyHeaderObjectIsAValidEmptyFile() throws IOException {
    try (SafetensorsFile f = SafetensorsFile.open(file("empty.st", "{}", 0))) {
      assertTrue(f.names().isEmpty());
      assertTrue(f.metadata().isEmpty());
    }
  }

  @Test
  void nonJson() throws IOException {
    expect(file("nonjson.st", "{not json}", 0), Problem.HEADER_JSON, "not valid JSON");
    expect(file("array.st", "[1, 2]", 0), Problem.HEADER_JSON, "'{'");
    expect(file("trailing.st", "{} {}", 0), Problem.HEADER_JSON, "after the header");
    expect(file("utf8.st", 3, new byte[] {'{', (byte) 0xC3, '}'}, 0), Problem.HEADER_JSON);
    expect(file("utf16.st", 4, new byte[] {'{', 0, '}', 0}, 0), Problem.HEADER_JSON, "NUL");
    expect(file("notobj.st", "{\"a\": 5}", 0), Problem.HEADER_JSON, "'a'");
    expect(file("missing.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), Problem.HEADER_JSON,
        "'a'", "data_offsets");
  }

  @Test
  void trailingSpacePaddingIsAccepted() throws IOException {
    Path p = file("pad.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}    ", 4);
    try (SafetensorsFile f = SafetensorsFile.open(p)) {
      assertEquals(1, f.names().size());
    }
  }

  @Test
  void unknownDtype() throws IOException {
    SafetensorsFormatException e = expect(
        file("dtype.st", "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2),
        Problem.UNKNOWN_DTYPE, "'w'", "F8_E4M3", "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
    assertTrue(e.getMessage().contains("allowed"));
    expect(file("lower.st", "{\"w\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
        Problem.UNKNOWN_DTYPE, "did you mean F32");
  }

  @Test
  void offsetsBeyondFile() throws IOException {
    expect(file("off.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
        Problem.BAD_OFFSETS, "'w'", "beyond the data region of 8 bytes");
    expect(file("rev.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4),
        Problem.BAD_OFFSETS, "reversed");
    expect(file("three.st", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 1),
        Problem.BAD_OFFSETS, "2 non-negative integers");
    expect(file("negoff.st", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[-1,0]}}", 1),
        Problem.BAD_OFFSETS, "negative");
  }

  @Test
  void overlappingTensors() throws IOException {
    expect(file("overlap.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
        Problem.OVERLAP, "'b'", "'a'", "[4, 12]");
    expect(file("same.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8),
        Problem.OVERLAP);
  }

  @Test
  void holesAreReported() throws IOException {
    expect(file("hole.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12),
        Problem.HOLE, "'b'", "hole of 4 bytes", "after tensor 'a'");
    expect(file("tail.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 10),
        Problem.HOLE, "6 trailing bytes");
  }

  @Test
  void sizeMismatch() throws IOException {
    expect(file("size.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
        Problem.SIZE_MISMATCH, "'w'", "span 8 bytes", "needs 12");
  }

  @Test
  void badShapes() throws IOException {
    expect(file("neg.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,0]}}", 0),
        Problem.BAD_SHAPE, "'w'", "negative");
    expect(file("flt.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,0]}}", 0),
        Problem.BAD_SHAPE, "2.5");
    expect(file("ovf.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
        + "\"data_offsets\":[0,0]}}", 0), Problem.BAD_SHAPE, "64-bit");
    expect(file("ovfb.st", "{\"w\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904],"
        + "\"data_offsets\":[0,0]}}", 0), Problem.BAD_SHAPE, "bytes");
    expect(file("bigint.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],"
        + "\"data_offsets\":[0,0]}}", 0), Problem.BAD_SHAPE, "exceeds");
    expect(file("str.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8),
        Problem.BAD_SHAPE);
  }

  @Test
  void duplicateNames() throws IOException {
    expect(file("dup.st", "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
            + "\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2),
        Problem.DUPLICATE_NAME, "'w'", "more than once");
    expect(file("dupkey.st", "{\"w\":{\"dtype\":\"U8\",\"dtype\":\"I8\",\"shape\":[1],"
        + "\"data_offsets\":[0,1]}}", 1), Problem.DUPLICATE_NAME, "'dtype'");
  }

  @Test
  void badMetadata() throws IOException {
    expect(file("meta.st", "{\"__metadata__\":{\"step\":5}}", 0), Problem.BAD_METADATA,
        "'step'", "string");
    expect(file("meta2.st", "{\"__metadata__\":[1]}", 0), Problem.BAD_METADATA);
    try (SafetensorsFile f = SafetensorsFile.open(file("meta3.st", "{\"__metadata__\":null}", 0))) {
      assertTrue(f.metadata().isEmpty());
    }
  }

  @Test
  void missingFileIsAnIoError() {
    Path p = dir.resolve("absent.safetensors");
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> SafetensorsFile.open(p));
    assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
  }
}
