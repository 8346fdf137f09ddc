package io.github.mmesid.core.engine.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** An immutable tensor shape whose dimensions may be known sizes or symbols. */
public final class Shape {
  private final List<Dim> dims;

  private Shape(List<Dim> dims) {
    this.dims = Collections.unmodifiableList(new ArrayList<>(dims));
  }

  /**
   * A shape of known sizes.
   *
   * @param sizes sizes, each {@code >= 0}; none gives a scalar
   * @return the shape
   */
  public static Shape of(long... sizes) {
    List<Dim> d = new ArrayList<>(sizes.length);
    for (long s : sizes) {
      d.add(Dim.of(s));
    }
    return new Shape(d);
  }

  /**
   * A shape of known sizes given as ints.
   *
   * @param sizes sizes, each {@code >= 0}
   * @return the shape
   */
  public static Shape ofInts(int... sizes) {
    long[] l = new long[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      l[i] = sizes[i];
    }
    return of(l);
  }

  /**
   * A shape from mixed dimensions: {@link Number}s are known sizes, {@link String}s are symbols,
   * {@link Dim}s are taken as they are.
   *
   * @param dims the dimensions
   * @return the shape
   */
  public static Shape mixed(Object... dims) {
    List<Dim> d = new ArrayList<>(dims.length);
    for (Object o : dims) {
      if (o instanceof Dim) {
        d.add((Dim) o);
      } else if (o instanceof Number) {
        d.add(Dim.of(((Number) o).longValue()));
      } else if (o instanceof String) {
        d.add(Dim.symbol((String) o));
      } else {
        throw new IllegalArgumentException(
            "Shape dimension must be a Number, String or Dim, got " + o);
      }
    }
    return new Shape(d);
  }

  /**
   * A shape from a list of dimensions.
   *
   * @param dims the dimensions
   * @return the shape
   */
  public static Shape of(List<Dim> dims) {
    return new Shape(dims);
  }

  /** The scalar (rank-0) shape. */
  public static final Shape SCALAR = new Shape(List.of());

  /**
   * The rank.
   *
   * @return number of dimensions
   */
  public int rank() {
    return dims.size();
  }

  /**
   * One dimension; negative indices count from the end.
   *
   * @param axis index in {@code [-rank, rank)}
   * @return the dimension
   */
  public Dim dim(int axis) {
    return dims.get(normalizeAxis(axis, rank()));
  }

  /**
   * All dimensions.
   *
   * @return an unmodifiable list
   */
  public List<Dim> dims() {
    return dims;
  }

  /**
   * Whether every dimension is known.
   *
   * @return true if fully static
   */
  public boolean isStatic() {
    for (Dim d : dims) {
      if (!d.isKnown()) {
        return false;
      }
    }
    return true;
  }

  /**
   * The known sizes.
   *
   * @return sizes
   * @throws IllegalStateException if any dimension is symbolic
   */
  public long[] toArray() {
    long[] out = new long[dims.size()];
    for (int i = 0; i < out.length; i++) {
      Dim d = dims.get(i);
      if (!d.isKnown()) {
        throw new IllegalStateException("Shape " + this + " has symbolic dimension " + d);
      }
      out[i] = d.value();
    }
    return out;
  }

  /**
   * The number of elements.
   *
   * @return product of the sizes
   * @throws IllegalStateException if any dimension is symbolic
   */
  public long numel() {
    long n = 1;
    for (long s : toArray()) {
      n = Math.multiplyExact(n, s);
    }
    return n;
  }

  /**
   * A copy with one dimension replaced.
   *
   * @param axis the axis (negative counts from the end)
   * @param d the new dimension
   * @return the new shape
   */
  public Shape with(int axis, Dim d) {
    List<Dim> l = new ArrayList<>(dims);
    l.set(normalizeAxis(axis, rank()), d);
    return new Shape(l);
  }

  /**
   * A copy without the given axes.
   *
   * @param axes axes to drop (negative counts from the end)
   * @return the new shape
   */
  public Shape without(int... axes) {
    boolean[] drop = new boolean[rank()];
    for (int a : axes) {
      drop[normalizeAxis(a, rank())] = true;
    }
    List<Dim> l = new ArrayList<>();
    for (int i = 0; i < rank(); i++) {
      if (!drop[i]) {
        l.add(dims.get(i));
      }
    }
    return new Shape(l);
  }

  /**
   * The sub-shape {@code [from, to)}.
   *
   * @param from first axis
   * @param to end axis (exclusive)
   * @return the new shape
   */
  public Shape sub(int from, int to) {
    return new Shape(dims.subList(from, to));
  }

  /**
   * Concatenation of two shapes.
   *
   * @param other the shape to append
   * @return the new shape
   */
  public Shape concat(Shape other) {
    List<Dim> l = new ArrayList<>(dims);
    l.addAll(other.dims);
    return new Shape(l);
  }

  /**
   * The NumPy/ONNX broadcast of two shapes.
   *
   * @param a first shape
   * @param b second shape
   * @return the broadcast shape
   * @throws IllegalArgumentException if two known sizes differ and neither is 1
   */
  public static Shape broadcast(Shape a, Shape b) {
    int r = Math.max(a.rank(), b.rank());
    List<Dim> out = new ArrayList<>(r);
    for (int i = 0; i < r; i++) {
      int ia = i - (r - a.rank());
      int ib = i - (r - b.rank());
      Dim da = ia >= 0 ? a.dims.get(ia) : null;
      Dim db = ib >= 0 ? b.dims.get(ib) : null;
      if (da == null) {
        out.add(db);
      } else if (db == null) {
        out.add(da);
      } else if (da.equals(db) || db.isOne()) {
        out.add(da);
      } else if (da.isOne()) {
        out.add(db);
      } else if (da.isKnown() && db.isKnown()) {
        throw new IllegalArgumentException(
            "Shapes " + a + " and " + b + " cannot be broadcast: dimension " + i + " is "
                + da + " vs " + db + " (sizes must be equal or one of them 1)");
      } else {
        // One symbolic, one known (not 1) or two different symbols: at run time they must agree.
        out.add(da.isKnown() ? da : db);
      }
    }
    return new Shape(out);
  }

  /**
   * Normalises an axis index.
   *
   * @param axis axis in {@code [-rank, rank)}
   * @param rank the rank
   * @return the axis in {@code [0, rank)}
   */
  public static int normalizeAxis(int axis, int rank) {
    int a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw new IllegalArgumentException(
          "Axis " + axis + " is out of range for rank " + rank + ", allowed [" + (-rank) + ", "
              + (rank - 1) + "]");
    }
    return a;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape && dims.equals(((Shape) o).dims);
  }

  @Override
  public int hashCode() {
    return dims.hashCode();
  }

  @Override
  public String toString() {
    return dims.toString();
  }

  static long[] copy(long[] a) {
    return Arrays.copyOf(a, a.length);
  }
}
