package io.github.mmesid.core.io.safetensors;

import io.github.mmesid.core.io.safetensors.SafetensorsFormatException.Problem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * One safetensors file, opened for memory-mapped reading.
 *
 * <p>The layout is an unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON mapping
 * each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (plus an optional
 * string-to-string {@code "__metadata__"}), then the data region, to which the offsets are
 * relative. {@link #open} bounds N (2 to 100 MiB, within the file) and validates every entry
 * before anything is mapped: known dtype, non-negative shape, offsets inside the data region whose
 * span equals the element count times the dtype size (overflow-checked), no overlaps, and no
 * uncovered bytes. Files and tensors larger than 2 GiB are supported: regions are mapped per
 * request. Closing is idempotent.
 */
public final class SafetensorsFile implements SafetensorsReader {

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final long fileSize;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;
  private volatile boolean closed;

  private SafetensorsFile(Path path, FileChannel channel, long dataStart, long fileSize,
      HeaderParser.Header header) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.fileSize = fileSize;
    this.tensors = header.tensors;
    this.metadata = header.metadata;
  }

  /**
   * Opens and validates a safetensors file.
   *
   * @param file the file
   * @return the open file, to be closed by the caller
   * @throws SafetensorsFormatException if the file is malformed; the message names the file and,
   *     where relevant, the tensor
   * @throws UncheckedIOException if the file cannot be opened or read
   */
  public static SafetensorsFile open(Path file) {
    Objects.requireNonNull(file, "file");
    String name = file.toString();
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": cannot open safetensors file", e);
    }
    try {
      long size = ch.size();
      if (size < 8) {
        throw new SafetensorsFormatException(Problem.HEADER_LENGTH, name,
            name + ": file is " + size + " bytes, too short for the 8-byte header length");
      }
      ByteBuffer len = readFully(ch, 0, 8, name).order(ByteOrder.LITTLE_ENDIAN);
      long n = len.getLong(0);
      if (Long.compareUnsigned(n, HeaderParser.MAX_HEADER_BYTES) > 0) {
        throw new SafetensorsFormatException(Problem.HEADER_LENGTH, name,
            name + ": header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                + HeaderParser.MAX_HEADER_BYTES + " bytes (100 MiB)");
      }
      if (n < 2) {
        throw new SafetensorsFormatException(Problem.HEADER_LENGTH, name,
            name + ": header length " + n + " is too small; it must be at least 2 (\"{}\")");
      }
      if (n + 8 > size) {
        throw new SafetensorsFormatException(Problem.HEADER_LENGTH, name,
            name + ": header length " + n + " plus 8 exceeds the file size of " + size + " bytes");
      }
      ByteBuffer hb = readFully(ch, 8, (int) n, name);
      byte[] json = new byte[(int) n];
      hb.get(json);
      HeaderParser.Header header = HeaderParser.parse(name, json, size - 8 - n);
      return new SafetensorsFile(file, ch, 8 + n, size, header);
    } catch (IOException e) {
      closeQuietly(ch, e);
      throw new UncheckedIOException(name + ": cannot read safetensors header", e);
    } catch (RuntimeException e) {
      closeQuietly(ch, e);
      throw e;
    }
  }

  private static void closeQuietly(FileChannel ch, Exception primary) {
    try {
      ch.close();
    } catch (IOException suppressed) {
      primary.addSuppressed(suppressed);
    }
  }

  private static ByteBuffer readFully(FileChannel ch, long position, int length, String name)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length);
    long pos = position;
    while (b.hasRemaining()) {
      int r = ch.read(b, pos);
      if (r < 0) {
        throw new SafetensorsFormatException(Problem.HEADER_LENGTH, name,
            name + ": file ended at byte " + pos + " while reading the header");
      }
      pos += r;
    }
    b.flip();
    return b;
  }

  @Override
  public Path path() {
    return path;
  }

  /**
   * Returns the absolute file position where the data region starts (8 plus the header length).
   *
   * @return the position in bytes
   */
  public long dataStart() {
    return dataStart;
  }

  /**
   * Returns the file size seen at open time.
   *
   * @return the size in bytes
   */
  public long fileSize() {
    return fileSize;
  }

  /**
   * Returns the absolute file position of a tensor's first byte.
   *
   * @param name the tensor name
   * @return {@link #dataStart()} plus the tensor's {@link TensorInfo#byteOffset()}
   * @throws IllegalArgumentException if there is no such tensor
   */
  public long fileOffset(String name) {
    return dataStart + tensor(name).byteOffset();
  }

  @Override
  public Map<String, TensorInfo> tensors() {
    ensureOpen();
    return tensors;
  }

  @Override
  public TensorInfo tensor(String name) {
    ensureOpen();
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          path + ": no tensor named '" + name + "'; the file has " + tensors.size()
              + " tensors" + sample(tensors.keySet().iterator()));
    }
    return t;
  }

  static String sample(Iterator<String> names) {
    if (!names.hasNext()) {
      return "";
    }
    StringBuilder sb = new StringBuilder(", e.g. ");
    for (int i = 0; i < 5 && names.hasNext(); i++) {
      sb.append(i == 0 ? "'" : ", '").append(names.next()).append('\'');
    }
    if (names.hasNext()) {
      sb.append(", ...");
    }
    return sb.toString();
  }

  @Override
  public Map<String, String> metadata() {
    ensureOpen();
    return metadata;
  }

  @Override
  public ByteBuffer slice(String name, long byteOffsetInTensor, int length) {
    TensorInfo t = tensor(name);
    if (byteOffsetInTensor < 0 || length < 0 || byteOffsetInTensor > t.byteLength() - length) {
      throw new IllegalArgumentException(
          path + ": tensor '" + name + "': byte range [" + byteOffsetInTensor + ", "
              + (byteOffsetInTensor + length) + ") is outside the tensor's " + t.byteLength()
              + " bytes; offset and length must be >= 0 and end at most " + t.byteLength());
    }
    if (length == 0) {
      return ByteBuffer.allocate(0).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
    long position = dataStart + t.byteOffset() + byteOffsetInTensor;
    try {
      return channel.map(FileChannel.MapMode.READ_ONLY, position, length)
          .order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      ensureOpen();
      throw new UncheckedIOException(
          path + ": cannot map " + length + " bytes of tensor '" + name + "' at file position "
              + position, e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(path + ": safetensors file is closed");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": cannot close", e);
    }
  }

  @Override
  public String toString() {
    return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
  }
}
