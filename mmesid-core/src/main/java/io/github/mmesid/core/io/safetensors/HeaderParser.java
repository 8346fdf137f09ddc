package io.github.mmesid.core.io.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.google.common.collect.ImmutableSortedMap;
import io.github.mmesid.core.io.safetensors.SafetensorsFormatException.Problem;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Parses and validates the JSON header of a safetensors file. */
final class HeaderParser {

  /** Largest header accepted, in bytes (100 MiB). */
  static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  /** Name of the reserved metadata entry. */
  static final String METADATA_KEY = "__metadata__";

  private static final JsonFactory JSON = JsonFactory.builder().build();

  /** The validated content of a header. */
  static final class Header {
    final Map<String, TensorInfo> tensors;
    final Map<String, String> metadata;

    Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
      this.tensors = tensors;
      this.metadata = metadata;
    }
  }

  private final String file;

  private HeaderParser(String file) {
    this.file = file;
  }

  /**
   * Parses a header and validates every entry against the data region.
   *
   * @param file the file name, for messages
   * @param json the header bytes (UTF-8 JSON, possibly padded with trailing whitespace)
   * @param dataSize the size of the data region in bytes
   * @return the tensors (sorted by name) and metadata
   */
  static Header parse(String file, byte[] json, long dataSize) {
    HeaderParser p = new HeaderParser(file);
    Header h = p.parseJson(json, dataSize);
    p.checkLayout(h.tensors.values(), dataSize);
    return h;
  }

  private SafetensorsFormatException error(Problem problem, String what) {
    return new SafetensorsFormatException(problem, file, file + ": " + what);
  }

  private SafetensorsFormatException tensorError(Problem problem, String tensor, String what) {
    return new SafetensorsFormatException(problem, file, file + ": tensor '" + tensor + "': " + what);
  }

  private Header parseJson(byte[] json, long dataSize) {
    if (json.length == 0 || json[0] != '{') {
      throw error(Problem.HEADER_JSON,
          "header must be a JSON object starting with '{' at byte 8, found "
              + (json.length == 0 ? "nothing" : "byte 0x" + Integer.toHexString(json[0] & 0xFF)));
    }
    for (int i = 0; i < json.length; i++) {
      // UTF-8 JSON never contains a raw NUL; rejecting it also stops the parser from guessing a
      // UTF-16 or UTF-32 encoding
      if (json[i] == 0) {
        throw error(Problem.HEADER_JSON,
            "header contains a NUL byte at header offset " + i + "; it must be UTF-8 JSON");
      }
    }
    Map<String, TensorInfo> tensors = new TreeMap<>();
    Map<String, String> metadata = Collections.emptyMap();
    boolean sawMetadata = false;
    try (JsonParser p = JSON.createParser(json)) {
      expect(p.nextToken(), JsonToken.START_OBJECT, "header");
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (METADATA_KEY.equals(name)) {
          if (sawMetadata) {
            throw error(Problem.DUPLICATE_NAME, "'" + METADATA_KEY + "' appears more than once");
          }
          sawMetadata = true;
          metadata = parseMetadata(p, value);
        } else {
          if (tensors.containsKey(name)) {
            throw tensorError(Problem.DUPLICATE_NAME, name,
                "name appears more than once in the header; tensor names must be unique");
          }
          tensors.put(name, parseEntry(p, value, name, dataSize));
        }
      }
      expect(t, JsonToken.END_OBJECT, "header");
      JsonToken trailing = p.nextToken();
      if (trailing != null) {
        throw error(Problem.HEADER_JSON,
            "unexpected " + trailing + " after the header object; only whitespace padding is allowed");
      }
    } catch (JsonProcessingException e) {
      throw new SafetensorsFormatException(Problem.HEADER_JSON, file,
          file + ": header is not valid JSON: " + e.getOriginalMessage() + " (at header byte "
              + e.getLocation().getByteOffset() + ")");
    } catch (IOException e) {
      // parsing an in-memory array does no real IO; report it as a malformed header
      throw new SafetensorsFormatException(Problem.HEADER_JSON, file,
          file + ": header could not be parsed: " + e.getMessage());
    }
    return new Header(Collections.unmodifiableMap(tensors), metadata);
  }

  private void expect(JsonToken actual, JsonToken wanted, String where) {
    if (actual != wanted) {
      throw error(Problem.HEADER_JSON, where + ": expected " + wanted + " but found " + actual);
    }
  }

  private Map<String, String> parseMetadata(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return Collections.emptyMap();
    }
    if (value != JsonToken.START_OBJECT) {
      throw error(Problem.BAD_METADATA,
          "'" + METADATA_KEY + "' must be an object of string values, found " + value);
    }
    Map<String, String> m = new LinkedHashMap<>();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      if (v != JsonToken.VALUE_STRING) {
        throw error(Problem.BAD_METADATA,
            "'" + METADATA_KEY + "' entry '" + key + "' must be a string, found " + v
                + "; only string-to-string metadata is allowed");
      }
      if (m.put(key, p.getText()) != null) {
        throw error(Problem.DUPLICATE_NAME,
            "'" + METADATA_KEY + "' has key '" + key + "' more than once");
      }
    }
    expect(t, JsonToken.END_OBJECT, METADATA_KEY);
    return ImmutableSortedMap.copyOf(m);
  }

  private TensorInfo parseEntry(JsonParser p, JsonToken value, String name, long dataSize)
      throws IOException {
    if (value != JsonToken.START_OBJECT) {
      throw tensorError(Problem.HEADER_JSON, name,
          "entry must be an object with dtype, shape and data_offsets, found " + value);
    }
    String dtypeName = null;
    long[] shape = null;
    long[] offsets = null;
    Set<String> seen = new HashSet<>();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      if (!seen.add(key)) {
        throw tensorError(Problem.DUPLICATE_NAME, name, "key '" + key + "' appears more than once");
      }
      switch (key) {
        case "dtype":
          if (v != JsonToken.VALUE_STRING) {
            throw tensorError(Problem.UNKNOWN_DTYPE, name,
                "dtype must be a string, found " + v + "; allowed: " + SafetensorsDType.allowedNames());
          }
          dtypeName = p.getText();
          break;
        case "shape":
          shape = readLongArray(p, v, name, "shape", Problem.BAD_SHAPE, -1);
          break;
        case "data_offsets":
          offsets = readLongArray(p, v, name, "data_offsets", Problem.BAD_OFFSETS, 2);
          break;
        default:
          p.skipChildren(); // unknown keys are tolerated, like the reference reader
          break;
      }
    }
    expect(t, JsonToken.END_OBJECT, "tensor '" + name + "'");
    if (dtypeName == null || shape == null || offsets == null) {
      throw tensorError(Problem.HEADER_JSON, name,
          "entry must have dtype, shape and data_offsets; missing "
              + (dtypeName == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
    }
    SafetensorsDType dtype;
    try {
      dtype = SafetensorsDType.fromName(dtypeName);
    } catch (IllegalArgumentException e) {
      throw tensorError(Problem.UNKNOWN_DTYPE, name, e.getMessage());
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end) {
      throw tensorError(Problem.BAD_OFFSETS, name,
          "data_offsets [" + begin + ", " + end + "] are reversed; begin must be <= end");
    }
    if (end > dataSize) {
      throw tensorError(Problem.BAD_OFFSETS, name,
          "data_offsets [" + begin + ", " + end + "] end beyond the data region of " + dataSize
              + " bytes");
    }
    long elements;
    long expected;
    try {
      elements = TensorInfo.elementCount(name, shape);
      expected = TensorInfo.byteCount(name, elements, dtype);
    } catch (IllegalArgumentException e) {
      throw tensorError(Problem.BAD_SHAPE, name, e.getMessage());
    }
    if (expected != end - begin) {
      throw tensorError(Problem.SIZE_MISMATCH, name,
          "data_offsets [" + begin + ", " + end + "] span " + (end - begin) + " bytes but shape "
              + Arrays.toString(shape) + " of " + dtype + " needs " + expected);
    }
    return new TensorInfo(name, dtype, shape, begin, end - begin);
  }

  private long[] readLongArray(JsonParser p, JsonToken v, String name, String key, Problem problem,
      int requiredLength) throws IOException {
    String what = requiredLength > 0
        ? "an array of " + requiredLength + " non-negative integers"
        : "an array of non-negative integers";
    if (v != JsonToken.START_ARRAY) {
      throw tensorError(problem, name, key + " must be " + what + ", found " + v);
    }
    List<Long> values = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.VALUE_NUMBER_INT) {
        throw tensorError(problem, name, key + " must be " + what + ", found element " + t
            + (t == JsonToken.VALUE_NUMBER_FLOAT ? " " + p.getText() : ""));
      }
      BigInteger b = p.getBigIntegerValue();
      if (b.signum() < 0) {
        throw tensorError(problem, name,
            key + " has negative value " + b + " at index " + values.size() + "; must be " + what);
      }
      if (b.bitLength() > 63) {
        throw tensorError(problem, name,
            key + " value " + b + " at index " + values.size() + " exceeds " + Long.MAX_VALUE);
      }
      values.add(b.longValue());
    }
    if (requiredLength > 0 && values.size() != requiredLength) {
      throw tensorError(problem, name,
          key + " must be " + what + ", found " + values.size() + " values " + values);
    }
    long[] out = new long[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  private void checkLayout(Iterable<TensorInfo> tensors, long dataSize) {
    List<TensorInfo> sorted = new ArrayList<>();
    tensors.forEach(sorted::add);
    sorted.sort(Comparator.comparingLong(TensorInfo::byteOffset)
        .thenComparingLong(TensorInfo::byteEnd)
        .thenComparing(TensorInfo::name));
    long cursor = 0;
    TensorInfo previous = null;
    for (TensorInfo t : sorted) {
      if (t.byteOffset() < cursor) {
        throw tensorError(Problem.OVERLAP, t.name(),
            "data_offsets [" + t.byteOffset() + ", " + t.byteEnd() + "] overlap tensor '"
                + previous.name() + "' at [" + previous.byteOffset() + ", " + previous.byteEnd()
                + "]; tensors must not share bytes");
      }
      if (t.byteOffset() > cursor) {
        throw tensorError(Problem.HOLE, t.name(),
            "data_offsets [" + t.byteOffset() + ", " + t.byteEnd() + "] leave a hole of "
                + (t.byteOffset() - cursor) + " bytes at data offset " + cursor
                + (previous == null ? " (start of the data region)"
                    : " after tensor '" + previous.name() + "'")
                + "; tensors must cover the data region contiguously");
      }
      cursor = t.byteEnd();
      previous = t;
    }
    if (cursor != dataSize) {
      throw error(Problem.HOLE,
          (dataSize - cursor) + " trailing bytes after the last tensor"
              + (previous == null ? "" : " '" + previous.name() + "'")
              + " (data region is " + dataSize + " bytes, tensors end at " + cursor
              + "); tensors must cover the data region exactly");
    }
  }
}
