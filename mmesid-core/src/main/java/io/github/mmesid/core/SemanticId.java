package io.github.mmesid.core;

import java.util.Arrays;

/**
 * An item's semantic ID: an immutable tuple of non-negative codes, one per quantizer level,
 * optionally followed by a disambiguation code. Ordered lexicographically (a prefix sorts before
 * its extensions).
 */
public final class SemanticId implements Comparable<SemanticId> {

  private final int[] codes;

  private SemanticId(int[] codes) {
    this.codes = codes;
  }

  /**
   * Creates a semantic ID; the array is copied.
   *
   * @param codes at least one code, each {@code >= 0}
   * @return the ID
   * @throws IllegalArgumentException if there are no codes or a code is negative
   */
  public static SemanticId of(int... codes) {
    if (codes == null || codes.length == 0) {
      throw new IllegalArgumentException("a SemanticId needs at least one code; got none");
    }
    for (int i = 0; i < codes.length; i++) {
      if (codes[i] < 0) {
        throw new IllegalArgumentException(
            "code " + i + " = " + codes[i] + " is negative; codes must be >= 0");
      }
    }
    return new SemanticId(codes.clone());
  }

  /**
   * Returns the number of codes.
   *
   * @return the length, at least 1
   */
  public int length() {
    return codes.length;
  }

  /**
   * Returns one code.
   *
   * @param i the position, 0..length()-1
   * @return the code
   * @throws IllegalArgumentException if {@code i} is out of range
   */
  public int code(int i) {
    if (i < 0 || i >= codes.length) {
      throw new IllegalArgumentException(
          "code position " + i + " is out of range; allowed 0.." + (codes.length - 1));
    }
    return codes[i];
  }

  /**
   * Returns a copy of the codes.
   *
   * @return the codes
   */
  public int[] codes() {
    return codes.clone();
  }

  /**
   * Returns the ID made of the first {@code n} codes.
   *
   * @param n how many codes, 1..length()
   * @return the prefix ({@code this} if {@code n == length()})
   * @throws IllegalArgumentException if {@code n} is out of range
   */
  public SemanticId prefix(int n) {
    if (n < 1 || n > codes.length) {
      throw new IllegalArgumentException(
          "prefix length " + n + " is out of range; allowed 1.." + codes.length);
    }
    return n == codes.length ? this : new SemanticId(Arrays.copyOf(codes, n));
  }

  /**
   * Returns this ID with one more code appended (e.g. a disambiguation code).
   *
   * @param code the code, {@code >= 0}
   * @return the longer ID
   * @throws IllegalArgumentException if the code is negative
   */
  public SemanticId append(int code) {
    if (code < 0) {
      throw new IllegalArgumentException("appended code " + code + " is negative; codes must be >= 0");
    }
    int[] c = Arrays.copyOf(codes, codes.length + 1);
    c[codes.length] = code;
    return new SemanticId(c);
  }

  /**
   * Returns whether this ID starts with the given codes.
   *
   * @param prefix the codes; an empty prefix matches every ID
   * @return true if {@code prefix} is a prefix of this ID
   */
  public boolean startsWith(int... prefix) {
    if (prefix.length > codes.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (codes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int compareTo(SemanticId other) {
    return Arrays.compare(codes, other.codes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SemanticId && Arrays.equals(codes, ((SemanticId) o).codes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(codes);
  }

  /** Returns the codes as {@code <c0,c1,...>}, e.g. {@code <12,3,200>}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("<");
    for (int i = 0; i < codes.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(codes[i]);
    }
    return sb.append('>').toString();
  }
}
