package io.github.mmesid.core.io.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import io.github.mmesid.core.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntToLongFunction;
import java.util.regex.Pattern;

/**
 * Collects named tensors and writes them as a safetensors file, or as a Hugging Face style sharded
 * checkpoint.
 *
 * <p>The header is compact JSON with keys sorted ({@code __metadata__} first, then tensor names,
 * and within an entry {@code data_offsets}, {@code dtype}, {@code shape}), padded with spaces so
 * that the data region starts at a multiple of 8. Tensors are laid out contiguously, widest dtype
 * first and then by name, so every tensor is aligned to its element size and no bytes are wasted.
 * Files are streamed (header, then each tensor through a small buffer) to a temporary file in the
 * target directory, synced, and moved over the target atomically.
 *
 * <p>The writer keeps references to the arrays and buffers it is given (it does not copy them), so
 * they must not change until {@link #write} returns. Buffers are read from their position to their
 * limit at the time they are added; their position is not changed. A writer can be written more
 * than once. Not thread-safe.
 */
public final class SafetensorsWriter {

  private static final int SCRATCH_BYTES = 1 << 20;
  private static final JsonFactory JSON = JsonFactory.builder().build();
  private static final Pattern SHARD_NAME =
      Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

  /** Streams one tensor's bytes. */
  @FunctionalInterface
  private interface Source {
    void writeTo(FileChannel ch, ByteBuffer scratch) throws IOException;
  }

  private static final class Entry {
    final String name;
    final SafetensorsDType dtype;
    final long[] shape;
    final long byteLength;
    final Source source;

    Entry(String name, SafetensorsDType dtype, long[] shape, long byteLength, Source source) {
      this.name = name;
      this.dtype = dtype;
      this.shape = shape;
      this.byteLength = byteLength;
      this.source = source;
    }
  }

  private final Map<String, Entry> entries = new TreeMap<>();
  private final Map<String, String> metadata = new TreeMap<>();

  /** Creates an empty writer. */
  public SafetensorsWriter() {}

  /**
   * Adds a {@code __metadata__} entry (for example {@code "format" -> "pt"}).
   *
   * @param key the key, not null
   * @param value the value, not null
   * @return this writer
   */
  public SafetensorsWriter putMetadata(String key, String value) {
    metadata.put(Objects.requireNonNull(key, "metadata key"),
        Objects.requireNonNull(value, "metadata value for '" + key + "'"));
    return this;
  }

  /**
   * Adds every entry of a map to {@code __metadata__}.
   *
   * @param entries keys and values, none null
   * @return this writer
   */
  public SafetensorsWriter putMetadata(Map<String, String> entries) {
    entries.forEach(this::putMetadata);
    return this;
  }

  /**
   * Adds an F32 tensor.
   *
   * @param name a unique, non-empty name other than {@code __metadata__}
   * @param shape the dimensions, non-negative, whose product is {@code data.length}
   * @param data the values in row-major order
   * @return this writer
   * @throws IllegalArgumentException if the name is taken or invalid or the sizes disagree
   */
  public SafetensorsWriter addFloat32(String name, long[] shape, float[] data) {
    return addFloats(name, SafetensorsDType.F32, shape, FloatBuffer.wrap(data));
  }

  /**
   * Adds a tensor from float data, stored as F32, F16 or BF16 (rounded to nearest, ties to even)
   * or F64 (exact).
   *
   * @param name a unique, non-empty name other than {@code __metadata__}
   * @param dtype F32, F16, BF16 or F64
   * @param shape the dimensions, non-negative, whose product is {@code data.length}
   * @param data the values in row-major order
   * @return this writer
   * @throws IllegalArgumentException if the dtype is not a floating-point one, the name is taken
   *     or invalid, or the sizes disagree
   */
  public SafetensorsWriter addFloats(String name, SafetensorsDType dtype, long[] shape,
      float[] data) {
    return addFloats(name, dtype, shape, FloatBuffer.wrap(data));
  }

  /**
   * Adds a tensor from the remaining floats of a buffer (heap or direct), stored as F32, F16,
   * BF16 or F64.
   *
   * @param name a unique, non-empty name other than {@code __metadata__}
   * @param dtype F32, F16, BF16 or F64
   * @param shape the dimensions, whose product is {@code data.remaining()}
   * @param data the values in row-major order, from position to limit
   * @return this writer
   * @throws IllegalArgumentException if the dtype is not a floating-point one, the name is taken
   *     or invalid, or the sizes disagree
   */
  public SafetensorsWriter addFloats(String name, SafetensorsDType dtype, long[] shape,
      FloatBuffer data) {
    Objects.requireNonNull(dtype, "dtype");
    if (!dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("tensor '" + name + "': float data cannot be stored as "
          + dtype + "; allowed: F32, F16, BF16, F64");
    }
    FloatBuffer src = Objects.requireNonNull(data, "data").duplicate();
    int base = src.position();
    return addElements(name, dtype, shape, src.remaining(),
        (out, i) -> putFloating(out, dtype, src.get(base + i)));
  }

  /**
   * Adds an F64 tensor.
   *
   * @param name a unique, non-empty name other than {@code __metadata__}
   * @param shape the dimensions, whose product is {@code data.length}
   * @param data the values in row-major order
   * @return this writer
   * @throws IllegalArgumentException if the name is taken or invalid or the sizes disagree
   */
  public SafetensorsWriter addFloat64(String name, long[] shape, double[] data) {
    return addDoubles(name, SafetensorsDType.F64, shape, data);
  }

  /**
   * Adds a tensor from double data, stored as F64 (exact) or F32 (rounded to nearest, ties to
   * even).
   *
   * @param name a unique, non-empty name other than {@code __metadata__}
   * @param dtype F64 or F32
   * @param shape the dimensions, whose product is {@code data.length}
   * @param data the values in row-major order
   * @return this writer
   * @throws IllegalArgumentException if the dtype is neither F64 nor F32, the name is taken or
   *     invalid, or the sizes disagree
   */
  public SafetensorsWriter addDoubles(String name, SafetensorsDType dtype, long[] shape,
      double[] data) {
    Objects.requireNonNull(dtype, "dtype");
    if (dtype != SafetensorsDType.F64 && dtype != SafetensorsDType.F32) {
      throw new IllegalArgumentException("tensor '" + name + "': double data cannot be stored as "
          + dtype + "; allowed: F64, F32 (convert to float first for F16/BF16)");
    }
    Objects.requireNonNull(data, "data");
    return addElements(name, dtype, shape, data.length,
        (out, i) -> putFloating(out, dtype, data[i]));
  }

  /**
   * Adds an I32 tensor.
   *
   * @param name a unique, non-empty name other than {@code __metadata__}
   * @param shape the dimensions, whose product is {@code data.length}
   * @param data the values in row-major order
   * @return this writer
   * @throws IllegalArgumentException if the name is taken or invalid or the sizes disagree
   */
  public SafetensorsWriter addInt32(String name, long[] shape, int[] data) {
    return addInts(name, SafetensorsDType.I32, shape, data);
  }

  /**
   * Adds a tensor from int data, stored as any integer dtype or BOOL; every value must fit the
   * target type (I8: -128..127, U8: 0..255, I16: -32768..32767, BOOL: 0 or 1).
   *
   * @param name a unique, non-empty name other than {@code __metadata__}
   * @param dtype I64, I32, I16, I8, U8 or BOOL
   * @param shape the dimensions, whose product is {@code data.length}
   * @param data the values in row-major order
   * @return this writer
   * @throws IllegalArgumentException if the dtype is floating-point, a value does not fit (the
   *     message gives its index), the name is taken or invalid, or the sizes disagree
   */
  public SafetensorsWriter addInts(String name, SafetensorsDType dtype, long[] shape,
      int[] data) {
    Objects.requireNonNull(data, "data");
    return addIntegers(name, dtype, shape, data.length, i -> data[i]);
  }

  /**
   * Adds an I64 tensor.
   *
   * @param name a unique, non-empty name other than {@code __metadata__}
   * @param shape the dimensions, whose product is {@code data.length}
   * @param data the values in row-major order
   * @return this writer
   * @throws IllegalArgumentException if the name is taken or invalid or the sizes disagree
   */
  public SafetensorsWriter addInt64(String name, long[] shape, long[] data) {
    return addLongs(name, SafetensorsDType.I64, shape, data);
  }

  /**
   * Adds a tensor from long data, stored as any integer dtype or BOOL; every value must fit the
   * target type (I32: int range, and as for {@link #addInts}).
   *
   * @param name a unique, non-empty name other than {@code __metadata__}
   * @param dtype I64, I32, I16, I8, U8 or BOOL
   * @param shape the dimensions, whose product is {@code data.length}
   * @param data the values in row-major order
   * @return this writer
   * @throws IllegalArgumentException if the dtype is floating-point, a value does not fit (the
   *     message gives its index), the name is taken or invalid, or the sizes disagree
   */
  public SafetensorsWriter addLongs(String name, SafetensorsDType dtype, long[] shape,
      long[] data) {
    Objects.requireNonNull(data, "data");
    return addIntegers(name, dtype, shape, data.length, i -> data[i]);
  }

  /**
   * Adds a tensor from raw bytes already in safetensors form (little-endian elements of
   * {@code dtype}), for example a buffer mapped from another file.
   *
   * @param name a unique, non-empty name other than {@code __metadata__}
   * @param dtype any dtype
   * @param shape the dimensions; their product times the dtype size must equal
   *     {@code data.remaining()}
   * @param data the bytes, from position to limit
   * @return this writer
   * @throws IllegalArgumentException if the name is taken or invalid or the sizes disagree
   */
  public SafetensorsWriter addRaw(String name, SafetensorsDType dtype, long[] shape,
      ByteBuffer data) {
    Objects.requireNonNull(dtype, "dtype");
    ByteBuffer src = Objects.requireNonNull(data, "data").duplicate();
    int bytes = src.remaining();
    if (bytes % dtype.byteSize() != 0) {
      throw new IllegalArgumentException("tensor '" + name + "': " + bytes
          + " raw bytes are not a whole number of " + dtype + " elements ("
          + dtype.byteSize() + " bytes each)");
    }
    return add(name, dtype, shape, bytes / dtype.byteSize(),
        (ch, scratch) -> AtomicFiles.writeFully(ch, src.duplicate()));
  }

  /** Encodes element {@code index} of a tensor into the scratch buffer. */
  @FunctionalInterface
  private interface ElementWriter {
    void put(ByteBuffer out, int index);
  }

  /**
   * The one path of every typed {@code add} method: registers a tensor whose elements are
   * encoded one by one into the scratch buffer, which is flushed to the file whenever fewer than
   * 8 bytes (the widest element) remain.
   */
  private SafetensorsWriter addElements(String name, SafetensorsDType dtype, long[] shape,
      int count, ElementWriter element) {
    return add(name, dtype, shape, count, (ch, scratch) -> {
      int i = 0;
      while (i < count) {
        scratch.clear();
        while (i < count && scratch.remaining() >= 8) {
          element.put(scratch, i++);
        }
        scratch.flip();
        AtomicFiles.writeFully(ch, scratch);
      }
    });
  }

  /** Integer data of any width, range-checked now and again when written. */
  private SafetensorsWriter addIntegers(String name, SafetensorsDType dtype, long[] shape,
      int count, IntToLongFunction value) {
    requireIntegerDtype(name, dtype);
    for (int i = 0; i < count; i++) {
      checkRange(name, dtype, value.applyAsLong(i), i);
    }
    return addElements(name, dtype, shape, count,
        (out, i) -> putInteger(out, name, dtype, value.applyAsLong(i), i));
  }

  private static void putFloating(ByteBuffer out, SafetensorsDType dtype, float v) {
    switch (dtype) {
      case F32:
        out.putFloat(v);
        break;
      case F16:
        out.putShort(Float16.fromFloat(v));
        break;
      case BF16:
        out.putShort(BFloat16.fromFloat(v));
        break;
      default:
        out.putDouble(v);
        break;
    }
  }

  private static void putFloating(ByteBuffer out, SafetensorsDType dtype, double v) {
    if (dtype == SafetensorsDType.F64) {
      out.putDouble(v);
    } else {
      out.putFloat((float) v);
    }
  }

  private static void requireIntegerDtype(String name, SafetensorsDType dtype) {
    Objects.requireNonNull(dtype, "dtype");
    if (dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("tensor '" + name + "': integer data cannot be stored"
          + " as " + dtype + "; allowed: I64, I32, I16, I8, U8, BOOL");
    }
  }

  private static void checkRange(String name, SafetensorsDType dtype, long v, long index) {
    long min;
    long max;
    switch (dtype) {
      case I32:
        min = Integer.MIN_VALUE;
        max = Integer.MAX_VALUE;
        break;
      case I16:
        min = Short.MIN_VALUE;
        max = Short.MAX_VALUE;
        break;
      case I8:
        min = Byte.MIN_VALUE;
        max = Byte.MAX_VALUE;
        break;
      case U8:
        min = 0;
        max = 255;
        break;
      case BOOL:
        min = 0;
        max = 1;
        break;
      default:
        return;
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException("tensor '" + name + "': element " + index + " is " + v
          + ", which does not fit " + dtype + "; allowed range is [" + min + ", " + max + "]");
    }
  }

  private static void putInteger(ByteBuffer out, String name, SafetensorsDType dtype, long v, long index) {
    checkRange(name, dtype, v, index); // the data may have changed since it was added
    switch (dtype) {
      case I64:
        out.putLong(v);
        break;
      case I32:
        out.putInt((int) v);
        break;
      case I16:
        out.putShort((short) v);
        break;
      default:
        out.put((byte) v);
        break;
    }
  }

  private SafetensorsWriter add(String name, SafetensorsDType dtype, long[] shape, long elements,
      Source source) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(shape, "shape");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("tensor name must not be empty");
    }
    if (HeaderParser.METADATA_KEY.equals(name)) {
      throw new IllegalArgumentException("tensor name '" + HeaderParser.METADATA_KEY
          + "' is reserved for metadata; use putMetadata");
    }
    if (entries.containsKey(name)) {
      throw new IllegalArgumentException("tensor '" + name + "' was already added; names must be"
          + " unique");
    }
    long[] dims = shape.clone();
    long expected = TensorInfo.elementCount(name, dims);
    if (expected != elements) {
      throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(dims)
          + " has " + expected + " elements but the data has " + elements);
    }
    long bytes = TensorInfo.byteCount(name, elements, dtype);
    entries.put(name, new Entry(name, dtype, dims, bytes, source));
    return this;
  }

  /**
   * Returns the number of tensors added.
   *
   * @return the count
   */
  public int size() {
    return entries.size();
  }

  /**
   * Returns the total number of tensor data bytes that will be written.
   *
   * @return the sum of all tensors' byte lengths
   */
  public long dataBytes() {
    long total = 0;
    for (Entry e : entries.values()) {
      total += e.byteLength;
    }
    return total;
  }

  /**
   * Writes all tensors and the metadata to one file, atomically: a temporary file in the same
   * directory (created if missing) is written, synced and moved over {@code file}.
   *
   * @param file the target file
   * @throws java.io.UncheckedIOException if writing fails (the target is then left unchanged)
   * @throws IllegalArgumentException if an integer value changed since it was added and no longer
   *     fits its dtype
   */
  public void write(Path file) {
    writeFile(file, new ArrayList<>(entries.values()), metadata);
  }

  /**
   * Writes a Hugging Face style checkpoint into a directory: tensors taken in name order are
   * packed greedily into shards of at most {@code maxShardBytes} data bytes (a larger tensor gets
   * a shard of its own), written as {@code model-00001-of-0000N.safetensors} with this writer's
   * metadata, followed by {@value SafetensorsReader#INDEX_FILE_NAME} with {@code
   * metadata.total_size} and {@code weight_map}. If everything fits one shard, a single
   * {@value SafetensorsReader#SINGLE_FILE_NAME} is written instead, without an index, as
   * transformers does. Each file is written atomically, the index last; afterwards, files from an
   * earlier checkpoint in the directory that the new one does not use (other {@code
   * model-NNNNN-of-NNNNN.safetensors}, {@code model.safetensors}, or the index) are deleted so
   * that the directory holds exactly one checkpoint.
   *
   * @param directory the target directory, created if missing
   * @param maxShardBytes the largest number of tensor data bytes per shard, {@code > 0}
   * @return the files written, shards first and then the index, if any
   * @throws IllegalArgumentException if {@code maxShardBytes <= 0}
   * @throws java.io.UncheckedIOException if writing fails
   */
  public List<Path> writeSharded(Path directory, long maxShardBytes) {
    Objects.requireNonNull(directory, "directory");
    if (maxShardBytes <= 0) {
      throw new IllegalArgumentException(
          "maxShardBytes must be > 0 (bytes of tensor data per shard), got " + maxShardBytes);
    }
    List<List<Entry>> shards = new ArrayList<>();
    List<Entry> current = new ArrayList<>();
    long currentBytes = 0;
    for (Entry e : entries.values()) {
      if (!current.isEmpty() && currentBytes + e.byteLength > maxShardBytes) {
        shards.add(current);
        current = new ArrayList<>();
        currentBytes = 0;
      }
      current.add(e);
      currentBytes += e.byteLength;
    }
    if (!current.isEmpty() || shards.isEmpty()) {
      shards.add(current);
    }
    List<Path> written = new ArrayList<>();
    Path indexFile = directory.resolve(SafetensorsReader.INDEX_FILE_NAME);
    if (shards.size() == 1) {
      Path single = directory.resolve(SafetensorsReader.SINGLE_FILE_NAME);
      writeFile(single, shards.get(0), metadata);
      written.add(single);
    } else {
      Map<String, String> weightMap = new TreeMap<>();
      int n = shards.size();
      for (int i = 0; i < n; i++) {
        String fileName = String.format(java.util.Locale.ROOT, "model-%05d-of-%05d.safetensors",
            i + 1, n);
        Path shard = directory.resolve(fileName);
        writeFile(shard, shards.get(i), metadata);
        written.add(shard);
        for (Entry e : shards.get(i)) {
          weightMap.put(e.name, fileName);
        }
      }
      byte[] index = indexJson(dataBytes(), weightMap);
      AtomicFiles.writeBytes(indexFile, index);
      written.add(indexFile);
    }
    removeStale(directory, written);
    return Collections.unmodifiableList(written);
  }

  private static void removeStale(Path directory, List<Path> keep) {
    Set<String> kept = new HashSet<>();
    for (Path p : keep) {
      kept.add(p.getFileName().toString());
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        boolean ours = SHARD_NAME.matcher(n).matches()
            || n.equals(SafetensorsReader.SINGLE_FILE_NAME)
            || n.equals(SafetensorsReader.INDEX_FILE_NAME);
        if (ours && !kept.contains(n)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "checkpoint written to " + directory + " but stale files could not be removed", e);
    }
  }

  private static byte[] indexJson(long totalSize, Map<String, String> weightMap) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DefaultPrettyPrinter pp = new DefaultPrettyPrinter(Separators.createDefaultInstance()
        .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
        .withObjectIndenter(new DefaultIndenter("  ", "\n"));
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.setPrettyPrinter(pp);
      g.writeStartObject();
      g.writeObjectFieldStart("metadata");
      g.writeNumberField("total_size", totalSize);
      g.writeEndObject();
      g.writeObjectFieldStart("weight_map");
      for (Map.Entry<String, String> e : weightMap.entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build the shard index JSON", e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  /** Orders tensors in the data region: widest dtype first, then by name. */
  private static final Comparator<Entry> DATA_ORDER =
      Comparator.<Entry>comparingInt(e -> -e.dtype.byteSize()).thenComparing(e -> e.name);

  private static void writeFile(Path file, List<Entry> tensors, Map<String, String> metadata) {
    List<Entry> layout = new ArrayList<>(tensors);
    layout.sort(DATA_ORDER);
    Map<String, long[]> offsets = new LinkedHashMap<>();
    long cursor = 0;
    for (Entry e : layout) {
      offsets.put(e.name, new long[] {cursor, cursor + e.byteLength});
      cursor += e.byteLength;
    }
    long dataBytes = cursor;
    Map<String, Entry> byName = new TreeMap<>();
    for (Entry e : tensors) {
      byName.put(e.name, e);
    }
    byte[] header = headerBytes(byName, offsets, metadata);
    if (header.length > HeaderParser.MAX_HEADER_BYTES) {
      throw new IllegalArgumentException("header for " + file + " would be " + header.length
          + " bytes, more than readers accept (" + HeaderParser.MAX_HEADER_BYTES
          + "); write fewer tensors per file, e.g. with writeSharded");
    }
    AtomicFiles.writeChannel(file, ch -> {
      ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
      prefix.putLong(header.length).put(header).flip();
      AtomicFiles.writeFully(ch, prefix);
      ByteBuffer scratch = ByteBuffer.allocate(SCRATCH_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (Entry e : layout) {
        long before = ch.position();
        e.source.writeTo(ch, scratch);
        long wrote = ch.position() - before;
        if (wrote != e.byteLength) {
          throw new IllegalStateException("tensor '" + e.name + "' wrote " + wrote
              + " bytes but its header entry says " + e.byteLength
              + "; its data changed size after it was added");
        }
      }
      long expected = 8L + header.length + dataBytes;
      if (ch.position() != expected) {
        throw new IllegalStateException("wrote " + ch.position() + " bytes to " + file
            + " but the layout needs " + expected);
      }
    });
  }

  private static byte[] headerBytes(Map<String, Entry> byName, Map<String, long[]> offsets,
      Map<String, String> metadata) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      if (!metadata.isEmpty()) {
        g.writeObjectFieldStart(HeaderParser.METADATA_KEY);
        for (Map.Entry<String, String> m : metadata.entrySet()) {
          g.writeStringField(m.getKey(), m.getValue());
        }
        g.writeEndObject();
      }
      for (Entry e : byName.values()) {
        long[] o = offsets.get(e.name);
        g.writeObjectFieldStart(e.name);
        g.writeArrayFieldStart("data_offsets");
        g.writeNumber(o[0]);
        g.writeNumber(o[1]);
        g.writeEndArray();
        g.writeStringField("dtype", e.dtype.name());
        g.writeArrayFieldStart("shape");
        for (long d : e.shape) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build the safetensors header JSON", e);
    }
    int padding = (8 - out.size() % 8) % 8;
    for (int i = 0; i < padding; i++) {
      out.write(' ');
    }
    return out.toByteArray();
  }
}
