package io.github.mmesid.core.engine.graph;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One dimension of a {@link Shape}: either a known size or a symbol (such as {@code "batch"}).
 * Two symbolic dimensions are equal when their symbols are equal; {@link #unknown()} creates a fresh
 * symbol equal to no other.
 */
public final class Dim {
  private static final AtomicLong FRESH = new AtomicLong();

  private final long value; // >= 0 when known, -1 when symbolic
  private final String symbol; // null when known

  private Dim(long value, String symbol) {
    this.value = value;
    this.symbol = symbol;
  }

  /**
   * A known dimension.
   *
   * @param value size, {@code >= 0}
   * @return the dimension
   */
  public static Dim of(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("Dimension must be >= 0, got " + value);
    }
    return new Dim(value, null);
  }

  /**
   * A symbolic dimension.
   *
   * @param symbol non-empty name; equal names denote equal sizes
   * @return the dimension
   */
  public static Dim symbol(String symbol) {
    if (symbol == null || symbol.isEmpty()) {
      throw new IllegalArgumentException("Dimension symbol must be a non-empty string");
    }
    return new Dim(-1, symbol);
  }

  /**
   * A fresh symbolic dimension, equal to no other dimension.
   *
   * @return the dimension
   */
  public static Dim unknown() {
    return new Dim(-1, "?" + FRESH.incrementAndGet());
  }

  /**
   * Whether the size is known.
   *
   * @return true for a known size
   */
  public boolean isKnown() {
    return symbol == null;
  }

  /**
   * The known size.
   *
   * @return the size
   * @throws IllegalStateException if the dimension is symbolic
   */
  public long value() {
    if (symbol != null) {
      throw new IllegalStateException("Dimension " + symbol + " is symbolic");
    }
    return value;
  }

  /**
   * The symbol, or null if the size is known.
   *
   * @return the symbol
   */
  public String symbol() {
    return symbol;
  }

  /**
   * Whether this dimension is the known size 1.
   *
   * @return true if known and equal to 1
   */
  public boolean isOne() {
    return symbol == null && value == 1;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Dim)) {
      return false;
    }
    Dim d = (Dim) o;
    return value == d.value && Objects.equals(symbol, d.symbol);
  }

  @Override
  public int hashCode() {
    return symbol == null ? Long.hashCode(value) : symbol.hashCode();
  }

  @Override
  public String toString() {
    return symbol == null ? Long.toString(value) : symbol;
  }
}
