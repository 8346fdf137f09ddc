package io.github.mmesid.core.data;

import io.github.mmesid.core.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0) holding float32,
 * float64, int32 or int64 arrays in C order, in either byte order. Files are written in little
 * endian, format 1.0 (2.0 if the header needs it), header padded to a multiple of 64 bytes.
 *
 * <p>Input is untrusted: the header length is bounded ({@value #MAX_HEADER_BYTES} bytes), the
 * header dictionary is parsed strictly, and the data size must match the shape exactly.
 */
public final class Npy {

  /** The largest header accepted when reading. */
  public static final int MAX_HEADER_BYTES = 65536;

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final String SUPPORTED =
      "'<f4', '>f4', '<f8', '>f8', '<i4', '>i4', '<i8', '>i8'";

  private Npy() {}

  /**
   * Reads a {@code .npy} file.
   *
   * @param file the file
   * @return the array
   * @throws IllegalArgumentException naming the file if the content is not a supported .npy
   *     array (bad magic, unsupported version or dtype, Fortran order, malformed or oversized
   *     header, truncated or oversized data)
   * @throws UncheckedIOException if the file cannot be read
   */
  public static NpyArray read(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, pre, file, "the magic string and header length");
      pre.flip();
      for (int i = 0; i < MAGIC.length; i++) {
        if (pre.get(i) != MAGIC[i]) {
          throw bad(file, "not a .npy file (the first 6 bytes must be \\x93NUMPY)");
        }
      }
      int major = pre.get(6) & 0xff;
      int minor = pre.get(7) & 0xff;
      long headerLen;
      int prefix;
      if (major == 1) {
        headerLen = pre.getShort(8) & 0xffff;
        prefix = 10;
      } else if (major == 2 || major == 3) {
        headerLen = pre.getInt(8) & 0xffffffffL;
        prefix = 12;
      } else {
        throw bad(file, "format version " + major + "." + minor + " is not supported; supported versions are 1.x, 2.x, 3.x");
      }
      if (headerLen > MAX_HEADER_BYTES) {
        throw bad(file, "header of " + headerLen + " bytes is too large; at most " + MAX_HEADER_BYTES + " bytes are accepted");
      }
      if (prefix + headerLen > fileSize) {
        throw bad(file, "truncated header: it declares " + headerLen + " bytes but the file has only "
            + Math.max(0, fileSize - prefix));
      }
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      ch.position(prefix);
      readFully(ch, hb, file, "the header");
      String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
      Map<String, Object> dict = parseHeader(header, file);
      Header h = interpret(dict, file);
      long count = 1;
      for (int d : h.shape) {
        count *= d;
        if (count > Integer.MAX_VALUE - 8) {
          throw bad(file, "shape " + shapeString(h.shape) + " has more than " + (Integer.MAX_VALUE - 8)
              + " elements; larger arrays are not supported");
        }
      }
      long dataBytes = count * h.dtype.bytes();
      long available = fileSize - prefix - headerLen;
      if (available < dataBytes) {
        throw bad(file, "truncated data: shape " + shapeString(h.shape) + " of " + h.dtype.code() + " needs "
            + dataBytes + " bytes but the file has " + available);
      }
      if (available > dataBytes) {
        throw bad(file, "size mismatch: shape " + shapeString(h.shape) + " of " + h.dtype.code() + " needs "
            + dataBytes + " bytes but the file has " + available + " (" + (available - dataBytes) + " extra)");
      }
      return NpyArray.wrap(h.dtype, h.shape, readData(ch, h, (int) count, file), (int) count);
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(".npy file not found: " + file, e);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + file + ": " + e, e);
    }
  }

  /**
   * Reads a 2-D {@code .npy} file as float rows (converting float64/integers).
   *
   * @param file the file
   * @return {@code [rows][cols]}
   * @throws IllegalArgumentException if the file is malformed or not 2-D
   * @throws UncheckedIOException if the file cannot be read
   */
  public static float[][] readFloatMatrix(Path file) {
    NpyArray a = read(file);
    if (a.rank() != 2) {
      throw bad(file, "shape " + shapeString(a.shape()) + " is not 2-D; expected (rows, cols)");
    }
    return a.toFloatMatrix();
  }

  /**
   * Writes an array atomically (little endian, C order).
   *
   * @param file the target file
   * @param array the array
   * @throws UncheckedIOException if writing fails
   */
  public static void write(Path file, NpyArray array) {
    NpyArray.DType dt = array.dtype();
    String dict = "{'descr': '<" + dt.code() + "', 'fortran_order': False, 'shape': "
        + shapeString(array.shape()) + ", }";
    // pad with spaces + '\n' so that magic + version + length + header is a multiple of 64
    int version = 1;
    int prefix = 10;
    int total = prefix + dict.length() + 1;
    int padded = (total + 63) / 64 * 64;
    if (padded - prefix > 0xffff) {
      version = 2;
      prefix = 12;
      total = prefix + dict.length() + 1;
      padded = (total + 63) / 64 * 64;
    }
    int headerLen = padded - prefix;
    StringBuilder sb = new StringBuilder(dict);
    while (sb.length() < headerLen - 1) {
      sb.append(' ');
    }
    sb.append('\n');
    byte[] headerBytes = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    final int v = version;
    final int prefixLen = prefix;
    AtomicFiles.write(file, out -> {
      ByteBuffer pre = ByteBuffer.allocate(prefixLen).order(ByteOrder.LITTLE_ENDIAN);
      pre.put(MAGIC).put((byte) v).put((byte) 0);
      if (v == 1) {
        pre.putShort((short) headerLen);
      } else {
        pre.putInt(headerLen);
      }
      out.write(pre.array());
      out.write(headerBytes);
      writeData(Channels.newChannel(out), array);
      out.flush();
    });
  }

  /**
   * Writes a float matrix as a 2-D float32 array, atomically.
   *
   * @param file the target file
   * @param matrix rows of equal length
   * @throws IllegalArgumentException if the rows differ in length
   * @throws UncheckedIOException if writing fails
   */
  public static void writeFloatMatrix(Path file, float[][] matrix) {
    write(file, NpyArray.ofMatrix(matrix));
  }

  static String shapeString(int[] shape) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(shape[i]);
    }
    if (shape.length == 1) {
      sb.append(',');
    }
    return sb.append(')').toString();
  }

  private static final int CHUNK = 1 << 20;

  private static void writeData(WritableByteChannel ch, NpyArray a) throws IOException {
    Object raw = a.raw();
    int n = a.size();
    int per = a.dtype().bytes();
    ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    int perChunk = CHUNK / per;
    for (int start = 0; start < n; start += perChunk) {
      int len = Math.min(perChunk, n - start);
      buf.clear();
      switch (a.dtype()) {
        case FLOAT32:
          buf.asFloatBuffer().put((float[]) raw, start, len);
          break;
        case FLOAT64:
          buf.asDoubleBuffer().put((double[]) raw, start, len);
          break;
        case INT32:
          buf.asIntBuffer().put((int[]) raw, start, len);
          break;
        default:
          buf.asLongBuffer().put((long[]) raw, start, len);
          break;
      }
      buf.limit(len * per);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    }
  }

  private static Object readData(FileChannel ch, Header h, int count, Path file) throws IOException {
    int per = h.dtype.bytes();
    Object out;
    switch (h.dtype) {
      case FLOAT32:
        out = new float[count];
        break;
      case FLOAT64:
        out = new double[count];
        break;
      case INT32:
        out = new int[count];
        break;
      default:
        out = new long[count];
        break;
    }
    ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(h.order);
    int perChunk = CHUNK / per;
    for (int start = 0; start < count; start += perChunk) {
      int len = Math.min(perChunk, count - start);
      buf.clear();
      buf.limit(len * per);
      readFully(ch, buf, file, "the data");
      buf.flip();
      switch (h.dtype) {
        case FLOAT32:
          buf.asFloatBuffer().get((float[]) out, start, len);
          break;
        case FLOAT64:
          buf.asDoubleBuffer().get((double[]) out, start, len);
          break;
        case INT32:
          buf.asIntBuffer().get((int[]) out, start, len);
          break;
        default:
          buf.asLongBuffer().get((long[]) out, start, len);
          break;
      }
    }
    return out;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, Path file, String what) throws IOException {
    while (buf.hasRemaining()) {
      if (ch.read(buf) < 0) {
        throw bad(file, "truncated: the file ends inside " + what);
      }
    }
  }

  private static IllegalArgumentException bad(Path file, String msg) {
    return new IllegalArgumentException(file + ": " + msg);
  }

  private static final class Header {
    NpyArray.DType dtype;
    ByteOrder order;
    int[] shape;
  }

  private static Header interpret(Map<String, Object> dict, Path file) {
    for (String key : dict.keySet()) {
      if (!key.equals("descr") && !key.equals("fortran_order") && !key.equals("shape")) {
        throw bad(file, "unexpected header key '" + key + "'; allowed keys are 'descr', 'fortran_order', 'shape'");
      }
    }
    Object descr = dict.get("descr");
    Object fortran = dict.get("fortran_order");
    Object shape = dict.get("shape");
    if (!(descr instanceof String)) {
      throw bad(file, "header lacks a string 'descr' (the dtype); supported dtypes are " + SUPPORTED
          + (descr == null ? "" : ", got " + descr));
    }
    if (!(fortran instanceof Boolean)) {
      throw bad(file, "header lacks a boolean 'fortran_order'");
    }
    if (!(shape instanceof int[])) {
      throw bad(file, "header lacks a 'shape' tuple of integers");
    }
    if ((Boolean) fortran) {
      throw bad(file, "Fortran (column-major) order is not supported; save the array in C order (numpy.ascontiguousarray)");
    }
    String d = (String) descr;
    Header h = new Header();
    if (d.length() == 3 && (d.charAt(0) == '<' || d.charAt(0) == '>' || d.charAt(0) == '=')) {
      h.order = d.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
      for (NpyArray.DType t : NpyArray.DType.values()) {
        if (t.code().equals(d.substring(1))) {
          h.dtype = t;
        }
      }
    }
    if (h.dtype == null) {
      throw bad(file, "dtype '" + d + "' is not supported; supported dtypes are " + SUPPORTED);
    }
    h.shape = (int[]) shape;
    return h;
  }

  /** Parses the header: a Python dict literal with string keys. */
  static Map<String, Object> parseHeader(String header, Path file) {
    HeaderParser p = new HeaderParser(header, file);
    return p.parseDict();
  }

  private static final class HeaderParser {
    private final String s;
    private final Path file;
    private int i;

    HeaderParser(String s, Path file) {
      this.s = s;
      this.file = file;
    }

    IllegalArgumentException error(String what) {
      String shown = s.trim();
      if (shown.length() > 200) {
        shown = shown.substring(0, 200) + "...";
      }
      return bad(file, "malformed header at character " + i + ": " + what + "; header was: " + shown);
    }

    void skipSpace() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    void expect(char c) {
      skipSpace();
      if (i >= s.length() || s.charAt(i) != c) {
        throw error("expected '" + c + "'");
      }
      i++;
    }

    boolean peek(char c) {
      skipSpace();
      return i < s.length() && s.charAt(i) == c;
    }

    Map<String, Object> parseDict() {
      Map<String, Object> out = new LinkedHashMap<>();
      expect('{');
      while (!peek('}')) {
        String key = parseString();
        expect(':');
        Object value = parseValue();
        if (out.put(key, value) != null) {
          throw error("duplicate key '" + key + "'");
        }
        if (peek(',')) {
          i++;
        } else if (!peek('}')) {
          throw error("expected ',' or '}'");
        }
      }
      expect('}');
      skipSpace();
      if (i != s.length()) {
        throw error("unexpected text after the dictionary");
      }
      return out;
    }

    String parseString() {
      skipSpace();
      if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) {
        throw error("expected a quoted string");
      }
      char q = s.charAt(i++);
      int start = i;
      while (i < s.length() && s.charAt(i) != q) {
        if (s.charAt(i) == '\\') {
          throw error("escape sequences are not supported in header strings");
        }
        i++;
      }
      if (i >= s.length()) {
        throw error("unterminated string");
      }
      return s.substring(start, i++);
    }

    Object parseValue() {
      skipSpace();
      if (i >= s.length()) {
        throw error("expected a value");
      }
      char c = s.charAt(i);
      if (c == '\'' || c == '"') {
        return parseString();
      }
      if (s.startsWith("True", i)) {
        i += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("False", i)) {
        i += 5;
        return Boolean.FALSE;
      }
      if (c == '(') {
        return parseTuple();
      }
      if (c == '[' || c == '{') {
        throw error("nested lists/dicts are not supported (structured or object dtypes cannot be read)");
      }
      throw error("expected a string, True, False or a tuple");
    }

    int[] parseTuple() {
      expect('(');
      List<Integer> dims = new ArrayList<>();
      while (!peek(')')) {
        skipSpace();
        int start = i;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
          i++;
        }
        if (start == i) {
          throw error("expected a non-negative integer dimension");
        }
        if (i - start > 10) {
          throw error("dimension " + s.substring(start, i) + " is too large; dimensions must be below 2^31");
        }
        long v = Long.parseLong(s.substring(start, i));
        if (v > Integer.MAX_VALUE) {
          throw error("dimension " + v + " is too large; dimensions must be below 2^31");
        }
        if (s.startsWith("L", i)) {
          i++; // Python 2 long suffix
        }
        dims.add((int) v);
        if (dims.size() > 32) {
          throw error("more than 32 dimensions");
        }
        if (peek(',')) {
          i++;
        } else if (!peek(')')) {
          throw error("expected ',' or ')'");
        }
      }
      expect(')');
      return dims.stream().mapToInt(Integer::intValue).toArray();
    }
  }
}
