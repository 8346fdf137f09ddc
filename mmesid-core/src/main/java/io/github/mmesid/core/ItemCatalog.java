package io.github.mmesid.core;

import com.google.common.collect.ImmutableList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * N items and their modality embeddings: an ordered set of named modalities, each an
 * {@code (N + 1) x d} float matrix whose row r is item r's vector and row 0 is the padding row.
 * Immutable; accessors return copies.
 */
public final class ItemCatalog {

  private final int numItems;
  private final LinkedHashMap<String, Modality> modalities;

  private record Modality(int dim, float[] data) {}

  private ItemCatalog(int numItems, LinkedHashMap<String, Modality> modalities) {
    this.numItems = numItems;
    this.modalities = modalities;
  }

  /**
   * Starts a catalog of {@code numItems} items.
   *
   * @param numItems N, at least 1
   * @return a builder
   * @throws IllegalArgumentException if {@code numItems < 1}
   */
  public static Builder builder(int numItems) {
    if (numItems < 1) {
      throw new IllegalArgumentException("numItems = " + numItems + "; a catalog needs N >= 1 items");
    }
    return new Builder(numItems);
  }

  /**
   * Returns N.
   *
   * @return the number of items
   */
  public int numItems() {
    return numItems;
  }

  /**
   * Returns the modality names in the order they were added.
   *
   * @return an unmodifiable list
   */
  public List<String> modalities() {
    return ImmutableList.copyOf(modalities.keySet());
  }

  /**
   * Returns whether a modality exists.
   *
   * @param name the modality name
   * @return true if present
   */
  public boolean hasModality(String name) {
    return modalities.containsKey(name);
  }

  /**
   * Returns a modality's vector dimension d.
   *
   * @param name the modality name
   * @return d
   * @throws IllegalArgumentException if there is no such modality
   */
  public int dim(String name) {
    return get(name).dim;
  }

  /**
   * Returns a copy of one item's vector.
   *
   * @param name the modality name
   * @param item the item id, 0..N (0 = padding row)
   * @return a vector of length {@link #dim(String)}
   * @throws IllegalArgumentException if the modality or item is unknown
   */
  public float[] row(String name, int item) {
    Modality m = get(name);
    float[] out = new float[m.dim];
    copyRow(name, item, out, 0);
    return out;
  }

  /**
   * Copies one item's vector into {@code dst} at {@code offset}.
   *
   * @param name the modality name
   * @param item the item id, 0..N
   * @param dst destination array
   * @param offset where to write in {@code dst}
   * @throws IllegalArgumentException if the modality or item is unknown or {@code dst} too short
   */
  public void copyRow(String name, int item, float[] dst, int offset) {
    Modality m = get(name);
    if (item < 0 || item > numItems) {
      throw new IllegalArgumentException(
          "item " + item + " is out of range for modality '" + name + "'; allowed 0.." + numItems);
    }
    if (offset < 0 || dst.length - offset < m.dim) {
      throw new IllegalArgumentException(
          "destination has room for " + Math.max(0, dst.length - offset) + " values at offset "
              + offset + "; modality '" + name + "' needs " + m.dim);
    }
    System.arraycopy(m.data, item * m.dim, dst, offset, m.dim);
  }

  /**
   * Returns a copy of a modality's matrix.
   *
   * @param name the modality name
   * @return {@code [N + 1][d]}
   * @throws IllegalArgumentException if there is no such modality
   */
  public float[][] matrix(String name) {
    Modality m = get(name);
    float[][] out = new float[numItems + 1][m.dim];
    for (int r = 0; r <= numItems; r++) {
      System.arraycopy(m.data, r * m.dim, out[r], 0, m.dim);
    }
    return out;
  }

  /**
   * Returns a copy of a modality's matrix in row-major order.
   *
   * @param name the modality name
   * @return {@code (N + 1) * d} values
   * @throws IllegalArgumentException if there is no such modality
   */
  public float[] flat(String name) {
    return get(name).data.clone();
  }

  private Modality get(String name) {
    Modality m = modalities.get(name);
    if (m == null) {
      throw new IllegalArgumentException(
          "unknown modality '" + name + "'; this catalog has " + modalities.keySet());
    }
    return m;
  }

  /** Collects modalities and validates them. Not thread-safe. */
  public static final class Builder {
    private final int numItems;
    private final LinkedHashMap<String, Modality> modalities = new LinkedHashMap<>();

    private Builder(int numItems) {
      this.numItems = numItems;
    }

    /**
     * Adds a modality from a matrix (copied).
     *
     * @param name a unique non-blank name
     * @param matrix {@code [N + 1][d]}, d at least 1, all values finite
     * @return this builder
     * @throws IllegalArgumentException naming the modality and row if the matrix is malformed
     */
    public Builder add(String name, float[][] matrix) {
      checkName(name);
      if (matrix == null || matrix.length != numItems + 1) {
        throw new IllegalArgumentException(
            "modality '" + name + "' has " + (matrix == null ? "no" : matrix.length)
                + " rows; it must have N + 1 = " + (numItems + 1)
                + " rows (row 0 = padding, row r = item r)");
      }
      int dim = matrix[0] == null ? 0 : matrix[0].length;
      if (dim < 1) {
        throw new IllegalArgumentException(
            "modality '" + name + "' row 0 is empty; rows must have d >= 1 values");
      }
      float[] data = new float[(numItems + 1) * dim];
      for (int r = 0; r <= numItems; r++) {
        if (matrix[r] == null || matrix[r].length != dim) {
          throw new IllegalArgumentException(
              "modality '" + name + "' row " + r + " has " + (matrix[r] == null ? 0 : matrix[r].length)
                  + " values; all rows must have d = " + dim + " (the length of row 0)");
        }
        System.arraycopy(matrix[r], 0, data, r * dim, dim);
      }
      return put(name, dim, data);
    }

    /**
     * Adds a modality from a row-major array (copied).
     *
     * @param name a unique non-blank name
     * @param data {@code (N + 1) * dim} values, all finite
     * @param dim d, at least 1
     * @return this builder
     * @throws IllegalArgumentException naming the modality and row if the data is malformed
     */
    public Builder add(String name, float[] data, int dim) {
      checkName(name);
      if (dim < 1) {
        throw new IllegalArgumentException("modality '" + name + "' has dim " + dim + "; need d >= 1");
      }
      long expected = (long) (numItems + 1) * dim;
      if (data == null || data.length != expected) {
        throw new IllegalArgumentException(
            "modality '" + name + "' has " + (data == null ? 0 : data.length) + " values; it must have (N + 1) * d = "
                + expected + " (" + (numItems + 1) + " rows of " + dim + ")");
      }
      return put(name, dim, data.clone());
    }

    private void checkName(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("modality name must be non-blank");
      }
      if (modalities.containsKey(name)) {
        throw new IllegalArgumentException(
            "modality '" + name + "' was already added; names must be unique (have " + modalities.keySet() + ")");
      }
    }

    private Builder put(String name, int dim, float[] data) {
      for (int i = 0; i < data.length; i++) {
        if (!Float.isFinite(data[i])) {
          throw new IllegalArgumentException(
              "modality '" + name + "' row " + (i / dim) + ", column " + (i % dim) + " = " + data[i]
                  + "; values must be finite");
        }
      }
      modalities.put(name, new Modality(dim, data));
      return this;
    }

    /**
     * Builds the catalog.
     *
     * @return the immutable catalog
     * @throws IllegalArgumentException if no modality was added
     */
    public ItemCatalog build() {
      if (modalities.isEmpty()) {
        throw new IllegalArgumentException("an ItemCatalog needs at least one modality; none was added");
      }
      return new ItemCatalog(numItems, new LinkedHashMap<>(modalities));
    }
  }

  /** Returns a short description: N and each modality with its dimension. */
  @Override
  public String toString() {
    Map<String, Integer> dims = new LinkedHashMap<>();
    modalities.forEach((k, v) -> dims.put(k, v.dim));
    return "ItemCatalog[items=" + numItems + ", modalities=" + dims + "]";
  }
}
