package io.github.mmesid.core.engine.train;

import io.github.mmesid.core.engine.runtime.HostTensor;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Examples held in memory as named row-major arrays: input {@code name} of example {@code i} is
 * the slice {@code [i * rowSize, (i + 1) * rowSize)} of its array, and a batch of {@code B}
 * examples has shape {@code [B, exampleShape...]}.
 */
public final class InMemoryBatchSource implements BatchSource {
  private final int size;
  private final Map<String, Column> columns;

  private record Column(Object data, long[] exampleShape, int rowSize) {}

  /** The shapes of the last batch size asked for, reused so that a step allocates nothing. */
  private record Shapes(int batchSize, Map<String, long[]> map) {}

  private volatile Shapes lastShapes;
  private volatile String fingerprint;

  private InMemoryBatchSource(int size, Map<String, Column> columns) {
    this.size = size;
    this.columns = columns;
  }

  /**
   * Starts a source of {@code n} examples.
   *
   * @param n number of examples, {@code >= 1}
   * @return the builder
   */
  public static Builder builder(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("Number of examples must be >= 1, got " + n);
    }
    return new Builder(n);
  }

  @Override
  public int size() {
    return size;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The map is unmodifiable and reused for repeated calls with the same size; callers must not
   * modify its arrays.
   */
  @Override
  public Map<String, long[]> inputShapes(int batchSize) {
    Shapes last = lastShapes;
    if (last != null && last.batchSize() == batchSize) {
      return last.map();
    }
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Column> e : columns.entrySet()) {
      long[] es = e.getValue().exampleShape();
      long[] s = new long[es.length + 1];
      s[0] = batchSize;
      System.arraycopy(es, 0, s, 1, es.length);
      out.put(e.getKey(), s);
    }
    Map<String, long[]> map = Collections.unmodifiableMap(out);
    lastShapes = new Shapes(batchSize, map);
    return map;
  }

  /**
   * A {@link DataFingerprint} of every input's name, example shape and values (computed once).
   *
   * @return the fingerprint
   */
  @Override
  public Optional<String> fingerprint() {
    String f = fingerprint;
    if (f == null) {
      DataFingerprint d = DataFingerprint.create().putLong(size);
      for (Map.Entry<String, Column> e : columns.entrySet()) {
        Column c = e.getValue();
        d.putString(e.getKey()).putLongs(c.exampleShape());
        if (c.data() instanceof float[] x) {
          d.putString("float32").putFloats(x);
        } else if (c.data() instanceof double[] x) {
          d.putString("float64").putDoubles(x);
        } else if (c.data() instanceof long[] x) {
          d.putString("int64").putLongs(x);
        } else {
          d.putString("int32").putInts((int[]) c.data());
        }
      }
      f = d.build();
      fingerprint = f;
    }
    return Optional.of(f);
  }

  @Override
  public void fill(int[] exampleIds, Batch batch) {
    for (Map.Entry<String, Column> e : columns.entrySet()) {
      if (!batch.names().contains(e.getKey())) {
        continue; // pruned from the graph
      }
      HostTensor t = batch.tensor(e.getKey());
      Column c = e.getValue();
      int rs = c.rowSize();
      for (int r = 0; r < exampleIds.length; r++) {
        int id = exampleIds[r];
        if (id < 0 || id >= size) {
          throw new IllegalArgumentException("Example id " + id + " out of range [0, " + size + ")");
        }
        int base = r * rs;
        int src = id * rs;
        if (c.data() instanceof float[] f) {
          t.floatView().put(base, f, src, rs);
        } else if (c.data() instanceof double[] d) {
          t.doubleView().put(base, d, src, rs);
        } else if (c.data() instanceof long[] l) {
          t.longView().put(base, l, src, rs);
        } else {
          t.intView().put(base, (int[]) c.data(), src, rs);
        }
      }
    }
  }

  /** Builder of {@link InMemoryBatchSource}. */
  public static final class Builder {
    private final int n;
    private final Map<String, Column> columns = new LinkedHashMap<>();

    private Builder(int n) {
      this.n = n;
    }

    private Builder add(String name, Object data, int length, long[] exampleShape) {
      long rs = 1;
      for (long d : exampleShape) {
        if (d < 0) {
          throw new IllegalArgumentException("Negative dimension in " + Arrays.toString(
              exampleShape));
        }
        rs *= d;
      }
      if (rs * n != length) {
        throw new IllegalArgumentException("Input '" + name + "' has " + length + " values; "
            + n + " examples of shape " + Arrays.toString(exampleShape) + " need " + rs * n);
      }
      if (columns.put(name, new Column(data, exampleShape.clone(), (int) rs)) != null) {
        throw new IllegalArgumentException("Duplicate input name '" + name + "'");
      }
      return this;
    }

    /**
     * Adds a float32 input.
     *
     * @param name graph input name
     * @param data row-major values of all examples
     * @param exampleShape shape of one example (empty for a scalar per example)
     * @return this builder
     */
    public Builder floats(String name, float[] data, long... exampleShape) {
      return add(name, data.clone(), data.length, exampleShape);
    }

    /**
     * Adds a float64 input.
     *
     * @param name graph input name
     * @param data row-major values of all examples
     * @param exampleShape shape of one example
     * @return this builder
     */
    public Builder doubles(String name, double[] data, long... exampleShape) {
      return add(name, data.clone(), data.length, exampleShape);
    }

    /**
     * Adds an int64 input.
     *
     * @param name graph input name
     * @param data row-major values of all examples
     * @param exampleShape shape of one example
     * @return this builder
     */
    public Builder longs(String name, long[] data, long... exampleShape) {
      return add(name, data.clone(), data.length, exampleShape);
    }

    /**
     * Adds an int32 input.
     *
     * @param name graph input name
     * @param data row-major values of all examples
     * @param exampleShape shape of one example
     * @return this builder
     */
    public Builder ints(String name, int[] data, long... exampleShape) {
      return add(name, data.clone(), data.length, exampleShape);
    }

    /**
     * Builds the source.
     *
     * @return the source
     */
    public InMemoryBatchSource build() {
      if (columns.isEmpty()) {
        throw new IllegalArgumentException("InMemoryBatchSource needs at least one input");
      }
      return new InMemoryBatchSource(n, new LinkedHashMap<>(columns));
    }
  }
}
