package io.github.mmesid.core.io.safetensors;

/**
 * Thrown when a safetensors file or a sharded-checkpoint index is malformed. The message names the
 * file and, where relevant, the tensor; {@link #problem()} classifies the defect for callers that
 * want to react programmatically.
 */
public final class SafetensorsFormatException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /** The kinds of defect that are reported. */
  public enum Problem {
    /** The 8-byte header length is missing, too small, too large or beyond the file. */
    HEADER_LENGTH,
    /** The header is not valid UTF-8 JSON of the expected structure. */
    HEADER_JSON,
    /** The same tensor name appears twice in the header (or a key twice in an entry). */
    DUPLICATE_NAME,
    /** A tensor's dtype is not one of {@link SafetensorsDType#allowedNames()}. */
    UNKNOWN_DTYPE,
    /** A tensor's shape is not a list of non-negative integers, or its element count overflows. */
    BAD_SHAPE,
    /** A tensor's {@code data_offsets} are malformed, reversed or beyond the data region. */
    BAD_OFFSETS,
    /** A tensor's byte length does not equal its element count times its dtype size. */
    SIZE_MISMATCH,
    /** Two tensors share bytes. */
    OVERLAP,
    /** Bytes of the data region belong to no tensor. */
    HOLE,
    /** The {@code __metadata__} entry is not a string-to-string map. */
    BAD_METADATA,
    /** A sharded-checkpoint index is malformed. */
    BAD_INDEX,
    /** An index names a shard file that is not a plain file name inside the directory. */
    UNSAFE_SHARD_PATH,
    /** An index names a shard file that does not exist. */
    MISSING_SHARD,
    /** An index maps a tensor to a shard that does not contain it. */
    MISSING_TENSOR
  }

  /** The kind of defect. */
  private final Problem problem;
  /** The malformed file, as a path string. */
  private final String file;

  /**
   * Creates the exception.
   *
   * @param problem the kind of defect
   * @param file the file concerned, as a string (kept as text so the exception stays simple)
   * @param message the full message, which should name the file and tensor
   */
  public SafetensorsFormatException(Problem problem, String file, String message) {
    super(message);
    this.problem = problem;
    this.file = file;
  }

  /**
   * Returns the kind of defect.
   *
   * @return the problem, never null
   */
  public Problem problem() {
    return problem;
  }

  /**
   * Returns the file that is malformed.
   *
   * @return the path as a string
   */
  public String file() {
    return file;
  }
}
