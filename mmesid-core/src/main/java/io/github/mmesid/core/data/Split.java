package io.github.mmesid.core.data;

import java.util.Locale;

/** Which held-out item of the leave-one-out split an evaluation targets. */
public enum Split {
  /** The last item of each sequence; the history is everything before it. */
  TEST,
  /** The second-to-last item; the history is everything before it. */
  VALID;

  /**
   * Parses {@code test}, {@code valid} or {@code validation} (case-insensitive).
   *
   * @param s the name
   * @return the split
   * @throws IllegalArgumentException if the name is not one of the allowed values
   */
  public static Split parse(String s) {
    switch (s == null ? "" : s.toLowerCase(Locale.ROOT)) {
      case "test":
        return TEST;
      case "valid":
      case "validation":
        return VALID;
      default:
        throw new IllegalArgumentException("split '" + s + "' is unknown; allowed: test, valid");
    }
  }

  /** Returns the lower-case name ({@code test} or {@code valid}). */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
