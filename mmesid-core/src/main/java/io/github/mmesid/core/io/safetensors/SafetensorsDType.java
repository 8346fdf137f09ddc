package io.github.mmesid.core.io.safetensors;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The element types this library accepts in a safetensors file, with their on-disk names and
 * sizes. All multi-byte types are stored little-endian.
 */
public enum SafetensorsDType {
  /** IEEE 754 binary64. */
  F64(8),
  /** IEEE 754 binary32. */
  F32(4),
  /** IEEE 754 binary16 (half precision). */
  F16(2),
  /** bfloat16: the upper 16 bits of a binary32. */
  BF16(2),
  /** Signed 64-bit integer. */
  I64(8),
  /** Signed 32-bit integer. */
  I32(4),
  /** Signed 16-bit integer. */
  I16(2),
  /** Signed 8-bit integer. */
  I8(1),
  /** Unsigned 8-bit integer. */
  U8(1),
  /** Boolean stored as one byte (0 = false, anything else = true). */
  BOOL(1);

  private static final String ALLOWED =
      Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

  private final int byteSize;

  SafetensorsDType(int byteSize) {
    this.byteSize = byteSize;
  }

  /**
   * Returns the number of bytes one element of this type occupies.
   *
   * @return 1, 2, 4 or 8
   */
  public int byteSize() {
    return byteSize;
  }

  /**
   * Tells whether this is a floating-point type (F64, F32, F16, BF16).
   *
   * @return true for floating-point types
   */
  public boolean isFloatingPoint() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  /**
   * Returns the comma-separated list of accepted dtype names, for error messages.
   *
   * @return for example {@code "F64, F32, F16, BF16, ..."}
   */
  public static String allowedNames() {
    return ALLOWED;
  }

  /**
   * Looks a dtype up by its safetensors name (exact, upper case, for example {@code "BF16"}).
   *
   * @param name the name as written in a safetensors header
   * @return the dtype
   * @throws IllegalArgumentException if the name is not one of the accepted ones; the message
   *     lists them
   */
  public static SafetensorsDType fromName(String name) {
    if (name != null) {
      for (SafetensorsDType d : values()) {
        if (d.name().equals(name)) {
          return d;
        }
      }
    }
    String hint = "";
    if (name != null) {
      String upper = name.toUpperCase(Locale.ROOT);
      for (SafetensorsDType d : values()) {
        if (d.name().equals(upper)) {
          hint = " (names are case-sensitive; did you mean " + d.name() + "?)";
        }
      }
    }
    throw new IllegalArgumentException(
        "unsupported dtype '" + name + "'" + hint + "; allowed: " + ALLOWED);
  }
}
