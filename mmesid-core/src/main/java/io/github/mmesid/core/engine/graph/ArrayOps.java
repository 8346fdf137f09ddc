package io.github.mmesid.core.engine.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Shape, layout, type, comparison and selection operations with their gradient rules.
 */
public final class ArrayOps {
  private ArrayOps() {}

  /**
   * An identity copy (gradient passes through).
   *
   * @param x input
   * @return a new tensor equal to {@code x}
   */
  public static Tensor identity(Tensor x) {
    return x.graph().apply("Identity", List.of(x), Map.of(), x.dtype(), x.shape());
  }

  /**
   * An identity copy through which no gradient flows (for straight-through estimators and
   * stop-gradient terms such as {@code sg(z_q - z)}).
   *
   * @param x input
   * @return a new tensor equal to {@code x}, treated as a constant by autodiff
   */
  public static Tensor stopGradient(Tensor x) {
    return x.graph().addNode("Identity", List.of(x), Map.of(), new DType[] {x.dtype()},
        new Shape[] {x.shape()}, Vjp.NONE).output(0);
  }

  /**
   * The run-time shape of a tensor (ONNX Shape).
   *
   * @param x input
   * @return an int64 vector of length {@code rank(x)}
   */
  public static Tensor shapeOf(Tensor x) {
    return x.graph().apply("Shape", List.of(x), Map.of(), DType.INT64,
        Shape.of(x.rank()));
  }

  /**
   * Converts the element type.
   *
   * @param x input
   * @param to target type
   * @return the converted tensor
   */
  public static Tensor cast(Tensor x, DType to) {
    if (x.dtype() == to) {
      return x;
    }
    return x.graph().apply("Cast", List.of(x), Map.of("to", (long) to.onnxCode()), to, x.shape());
  }

  /**
   * Reshape with ONNX semantics: 0 keeps the input's dimension at that position, -1 is inferred.
   *
   * @param x input
   * @param dims target dimensions
   * @return the reshaped tensor
   */
  public static Tensor reshape(Tensor x, long... dims) {
    int inferred = -1;
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < dims.length; i++) {
      long d = dims[i];
      if (d == 0) {
        if (i >= x.rank()) {
          throw new IllegalArgumentException("Reshape of " + x + " to " + Arrays.toString(dims)
              + ": 0 at position " + i + " has no input dimension to copy");
        }
        out.add(x.shape().dim(i));
      } else if (d == -1) {
        if (inferred >= 0) {
          throw new IllegalArgumentException(
              "Reshape target " + Arrays.toString(dims) + " has more than one -1");
        }
        inferred = i;
        out.add(null);
      } else if (d > 0) {
        out.add(Dim.of(d));
      } else {
        throw new IllegalArgumentException("Reshape target " + Arrays.toString(dims)
            + " has invalid entry " + d + " (allowed: -1, 0, positive sizes)");
      }
    }
    if (inferred >= 0) {
      Dim inf = Dim.unknown();
      if (x.shape().isStatic()) {
        long known = 1;
        boolean allKnown = true;
        for (Dim d : out) {
          if (d != null) {
            allKnown &= d.isKnown();
            if (d.isKnown()) {
              known *= d.value();
            }
          }
        }
        if (allKnown) {
          long n = x.shape().numel();
          if (known == 0 || n % known != 0) {
            throw new IllegalArgumentException("Cannot reshape " + x + " to "
                + Arrays.toString(dims) + ": " + n + " elements do not divide into " + known);
          }
          inf = Dim.of(n / known);
        }
      }
      out.set(inferred, inf);
    } else if (x.shape().isStatic() && Shape.of(out).isStatic()
        && x.shape().numel() != Shape.of(out).numel()) {
      throw new IllegalArgumentException("Cannot reshape " + x + " (" + x.shape().numel()
          + " elements) to " + Shape.of(out) + " (" + Shape.of(out).numel() + " elements)");
    }
    Graph g = x.graph();
    return g.apply("Reshape", List.of(x, g.int64s(dims)), Map.of(), x.dtype(), Shape.of(out));
  }

  /**
   * Reshape to a run-time shape given as an int64 tensor.
   *
   * @param x input
   * @param shape int64 vector
   * @param outShape the static description of the result
   * @return the reshaped tensor
   */
  public static Tensor reshape(Tensor x, Tensor shape, Shape outShape) {
    return x.graph().apply("Reshape", List.of(x, shape), Map.of(), x.dtype(), outShape);
  }

  /**
   * Permutes axes.
   *
   * @param x input
   * @param perm a permutation of {@code 0..rank-1}
   * @return the transposed tensor
   */
  public static Tensor transpose(Tensor x, int... perm) {
    if (perm.length != x.rank()) {
      throw new IllegalArgumentException("Transpose of " + x + " needs a permutation of length "
          + x.rank() + ", got " + Arrays.toString(perm));
    }
    boolean[] seen = new boolean[perm.length];
    List<Dim> out = new ArrayList<>();
    long[] p = new long[perm.length];
    for (int i = 0; i < perm.length; i++) {
      int a = perm[i];
      if (a < 0 || a >= perm.length || seen[a]) {
        throw new IllegalArgumentException(Arrays.toString(perm) + " is not a permutation of 0.."
            + (perm.length - 1));
      }
      seen[a] = true;
      p[i] = a;
      out.add(x.shape().dim(a));
    }
    boolean identity = true;
    for (int i = 0; i < perm.length; i++) {
      identity &= perm[i] == i;
    }
    if (identity) {
      return x;
    }
    Node prev = x.producer();
    if (prev != null && prev.opType().equals("Transpose") && prev.vjp() == null) {
      // Transpose of a transpose: compose the permutations; the identity folds away.
      long[] inner = prev.attrLongs("perm");
      int[] composed = new int[perm.length];
      boolean id = true;
      for (int i = 0; i < perm.length; i++) {
        composed[i] = (int) inner[perm[i]];
        id &= composed[i] == i;
      }
      if (id) {
        return prev.input(0);
      }
    }
    return x.graph().apply("Transpose", List.of(x), Map.of("perm", p), x.dtype(), Shape.of(out));
  }

  /**
   * Broadcasts to a run-time shape (ONNX Expand).
   *
   * @param x input
   * @param shape int64 vector of the target shape
   * @param outShape the static description of the result
   * @return the expanded tensor
   */
  public static Tensor expand(Tensor x, Tensor shape, Shape outShape) {
    return x.graph().apply("Expand", List.of(x, shape), Map.of(), x.dtype(), outShape);
  }

  /**
   * Broadcasts to a static shape.
   *
   * @param x input
   * @param shape target shape (must be broadcast-compatible)
   * @return the expanded tensor
   */
  public static Tensor expand(Tensor x, Shape shape) {
    Shape out = Shape.broadcast(x.shape(), shape);
    return expand(x, x.graph().int64s(shape.toArray()), out);
  }

  /**
   * Inserts size-1 axes.
   *
   * @param x input
   * @param axes positions in the output (negative counts from the end of the output)
   * @return the tensor with new axes
   */
  public static Tensor unsqueeze(Tensor x, int... axes) {
    int outRank = x.rank() + axes.length;
    long[] ax = new long[axes.length];
    boolean[] isNew = new boolean[outRank];
    for (int i = 0; i < axes.length; i++) {
      int a = Shape.normalizeAxis(axes[i], outRank);
      if (isNew[a]) {
        throw new IllegalArgumentException("Duplicate unsqueeze axis " + a);
      }
      isNew[a] = true;
      ax[i] = a;
    }
    List<Dim> out = new ArrayList<>();
    int j = 0;
    for (int i = 0; i < outRank; i++) {
      out.add(isNew[i] ? Dim.of(1) : x.shape().dim(j++));
    }
    Graph g = x.graph();
    return g.apply("Unsqueeze", List.of(x, g.int64s(ax)), Map.of(), x.dtype(), Shape.of(out));
  }

  /**
   * Removes size-1 axes.
   *
   * @param x input
   * @param axes axes to remove; each must have size 1
   * @return the squeezed tensor
   */
  public static Tensor squeeze(Tensor x, int... axes) {
    long[] ax = new long[axes.length];
    for (int i = 0; i < axes.length; i++) {
      ax[i] = Shape.normalizeAxis(axes[i], x.rank());
      Dim d = x.shape().dim((int) ax[i]);
      if (d.isKnown() && d.value() != 1) {
        throw new IllegalArgumentException(
            "Cannot squeeze axis " + ax[i] + " of " + x + ": its size is " + d + ", not 1");
      }
    }
    Graph g = x.graph();
    return g.apply("Squeeze", List.of(x, g.int64s(ax)), Map.of(), x.dtype(),
        x.shape().without(axes));
  }

  /**
   * Elementwise comparison with broadcasting.
   *
   * @param op one of Greater, GreaterOrEqual, Less, LessOrEqual, Equal
   * @param a left
   * @param b right
   * @return a BOOL tensor
   */
  public static Tensor compare(String op, Tensor a, Tensor b) {
    List<String> allowed = List.of("Greater", "GreaterOrEqual", "Less", "LessOrEqual", "Equal");
    if (!allowed.contains(op)) {
      throw new IllegalArgumentException("Unknown comparison " + op + ", expected one of "
          + allowed);
    }
    MathOps.requireSameType(op, a, b);
    return a.graph().apply(op, List.of(a, b), Map.of(), DType.BOOL,
        Shape.broadcast(a.shape(), b.shape()));
  }

  /**
   * Elementwise selection {@code cond ? a : b} with broadcasting (ONNX Where).
   *
   * @param cond BOOL condition
   * @param a values where true
   * @param b values where false
   * @return the selection
   */
  public static Tensor where(Tensor cond, Tensor a, Tensor b) {
    if (cond.dtype() != DType.BOOL) {
      throw new IllegalArgumentException("Where condition must be BOOL, got " + cond);
    }
    cond.checkSameGraph(a);
    MathOps.requireSameType("Where", a, b);
    Shape out = Shape.broadcast(cond.shape(), Shape.broadcast(a.shape(), b.shape()));
    return a.graph().apply("Where", List.of(cond, a, b), Map.of(), a.dtype(), out);
  }

  /**
   * Elementwise logical and with broadcasting (ONNX And).
   *
   * @param a BOOL tensor
   * @param b BOOL tensor
   * @return BOOL {@code a && b}
   */
  public static Tensor logicalAnd(Tensor a, Tensor b) {
    a.checkSameGraph(b);
    if (a.dtype() != DType.BOOL || b.dtype() != DType.BOOL) {
      throw new IllegalArgumentException("And needs BOOL operands, got " + a + " and " + b);
    }
    return a.graph().apply("And", List.of(a, b), Map.of(), DType.BOOL,
        Shape.broadcast(a.shape(), b.shape()));
  }

  // ------------------------------------------------------------------ shared helpers (ops-B)

  private static final long END = Long.MAX_VALUE;

  private static void requireIndexType(String op, Tensor indices) {
    if (indices.dtype() != DType.INT64 && indices.dtype() != DType.INT32) {
      throw new IllegalArgumentException(op + " needs INT64 or INT32 indices, got " + indices);
    }
  }

  private static Tensor toInt64(Tensor t) {
    return t.dtype() == DType.INT64 ? t : cast(t, DType.INT64);
  }

  /** The values of a constant INT64 input of a node (gradient rules of static-parameter ops). */
  static long[] constantLongs(Node n, int input, String what) {
    Tensor t = n.input(input);
    if (t == null || t.data() == null || t.dtype() != DType.INT64) {
      throw new IllegalArgumentException("Gradient of " + n.opType() + " (node " + n.name()
          + ") needs constant INT64 " + what + "; got " + t
          + " (build it with the ArrayOps method, which keeps them constant)");
    }
    java.nio.LongBuffer lb = t.data().bytes().asLongBuffer();
    long[] out = new long[lb.remaining()];
    lb.get(out);
    return out;
  }

  /**
   * One dimension of a tensor as an INT64 vector of length 1: a constant when the dimension is
   * known, else an ONNX Shape node with start/end. Concatenate such vectors to build the shape
   * input of {@link #expand(Tensor, Tensor, Shape)} or {@link #reshape(Tensor, Tensor, Shape)}.
   *
   * @param x the tensor
   * @param axis the axis, negative counts from the end
   * @return INT64 {@code [1]}
   */
  public static Tensor dimVector(Tensor x, int axis) {
    int a = Shape.normalizeAxis(axis, x.rank());
    Dim d = x.shape().dim(a);
    Graph g = x.graph();
    if (d.isKnown()) {
      return g.int64s(d.value());
    }
    return g.apply("Shape", List.of(x), Map.of("start", (long) a, "end", (long) a + 1),
        DType.INT64, Shape.of(1));
  }

  /** The shape of {@code x} as an INT64 vector: a constant when static, else ONNX Shape. */
  static Tensor shapeVector(Tensor x) {
    return x.shape().isStatic() ? x.graph().int64s(x.shape().toArray()) : shapeOf(x);
  }

  private static TensorData oneValue(double value, DType dtype) {
    long[] shape = {1};
    switch (dtype) {
      case FLOAT32:
        return TensorData.ofFloats(shape, (float) value);
      case FLOAT64:
        return TensorData.ofDoubles(shape, value);
      case INT64:
        return TensorData.ofLongs(shape, (long) value);
      case INT32:
        return TensorData.ofInts(shape, (int) value);
      case BOOL:
        return TensorData.ofBooleans(shape, value != 0);
      default:
        throw new IllegalArgumentException("Constant fill supports FLOAT32, FLOAT64, INT64, INT32, "
            + "BOOL; got " + dtype);
    }
  }

  private static long[] iota(int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = i;
    }
    return out;
  }

  // ------------------------------------------------------------------ constant fills

  /**
   * A tensor of the run-time shape given by an INT64 vector, filled with one value (ONNX
   * ConstantOfShape). No gradient flows through it.
   *
   * @param shape INT64 vector of static length; when it is a constant its values give the static
   *     shape, else every dimension is symbolic
   * @param value the fill value
   * @param dtype FLOAT32, FLOAT64, INT64, INT32 or BOOL
   * @return the filled tensor
   */
  public static Tensor constantOfShape(Tensor shape, double value, DType dtype) {
    if (shape.dtype() != DType.INT64 || shape.rank() != 1 || !shape.shape().dim(0).isKnown()) {
      throw new IllegalArgumentException("ConstantOfShape needs an INT64 vector of static length "
          + "as its shape, got " + shape);
    }
    Shape out;
    if (shape.data() != null) {
      java.nio.LongBuffer lb = shape.data().bytes().asLongBuffer();
      long[] dims = new long[lb.remaining()];
      lb.get(dims);
      for (long d : dims) {
        if (d < 0) {
          throw new IllegalArgumentException("ConstantOfShape shape " + Arrays.toString(dims)
              + " has a negative dimension; dimensions must be >= 0");
        }
      }
      out = Shape.of(dims);
    } else {
      List<Dim> dims = new ArrayList<>();
      for (long i = 0; i < shape.shape().dim(0).value(); i++) {
        dims.add(Dim.unknown());
      }
      out = Shape.of(dims);
    }
    return constantOfShape(shape, value, dtype, out);
  }

  /**
   * A tensor of the run-time shape given by an INT64 vector, filled with one value, with an
   * explicit static description of the result.
   *
   * @param shape INT64 vector
   * @param value the fill value
   * @param dtype FLOAT32, FLOAT64, INT64, INT32 or BOOL
   * @param outShape the static description of the result (its rank must equal the vector length)
   * @return the filled tensor
   */
  public static Tensor constantOfShape(Tensor shape, double value, DType dtype, Shape outShape) {
    if (shape.dtype() != DType.INT64 || shape.rank() != 1) {
      throw new IllegalArgumentException(
          "ConstantOfShape needs an INT64 vector as its shape, got " + shape);
    }
    Dim len = shape.shape().dim(0);
    if (len.isKnown() && len.value() != outShape.rank()) {
      throw new IllegalArgumentException("ConstantOfShape: shape vector " + shape + " has length "
          + len + " but the declared result " + outShape + " has rank " + outShape.rank());
    }
    return shape.graph().addNode("ConstantOfShape", List.of(shape),
        Map.of("value", oneValue(value, dtype)), new DType[] {dtype}, new Shape[] {outShape},
        Vjp.NONE).output(0);
  }

  /**
   * A tensor of the shape and dtype of {@code like}, filled with one value; no gradient flows
   * through it.
   *
   * @param like the tensor whose shape and dtype to use
   * @param value the fill value
   * @return the filled tensor
   */
  public static Tensor fullLike(Tensor like, double value) {
    return constantOfShape(shapeVector(like), value, like.dtype(), like.shape());
  }

  /**
   * Zeros of the shape and dtype of {@code like}.
   *
   * @param like the tensor whose shape and dtype to use
   * @return the zeros
   */
  public static Tensor zerosLike(Tensor like) {
    return fullLike(like, 0);
  }

  // ------------------------------------------------------------------ gather

  /**
   * Embedding lookup: rows of {@code table} selected by {@code indices} (ONNX Gather on axis 0).
   * The gradient scatters (and accumulates, for repeated indices) into zeros of the table's
   * shape.
   *
   * @param table {@code [V, ...]}
   * @param indices INT64 or INT32 indices of any shape, each in {@code [-V, V)}
   * @return {@code indices.shape + table.shape[1:]}
   */
  public static Tensor gather(Tensor table, Tensor indices) {
    return gather(table, indices, 0);
  }

  /**
   * Selection along one axis (ONNX Gather): {@code out[i..., j..., k...] = x[i..., idx[j...],
   * k...]}. Negative indices count from the end of the axis.
   *
   * @param x input of rank {@code >= 1}
   * @param indices INT64 or INT32 indices of any shape (rank 0 removes the axis)
   * @param axis the axis of {@code x}, negative counts from the end
   * @return {@code x.shape[:axis] + indices.shape + x.shape[axis+1:]}
   */
  public static Tensor gather(Tensor x, Tensor indices, int axis) {
    x.checkSameGraph(indices);
    requireIndexType("Gather", indices);
    if (x.rank() < 1) {
      throw new IllegalArgumentException("Gather needs an input of rank >= 1, got " + x);
    }
    int a = Shape.normalizeAxis(axis, x.rank());
    List<Dim> out = new ArrayList<>(x.shape().sub(0, a).dims());
    out.addAll(indices.shape().dims());
    out.addAll(x.shape().sub(a + 1, x.rank()).dims());
    return x.graph().apply("Gather", List.of(x, indices), Map.of("axis", (long) a), x.dtype(),
        Shape.of(out));
  }

  /**
   * Element-wise selection along one axis (ONNX GatherElements): {@code out[i][j][k] =
   * x[i][idx[i][j][k]][k]} for axis 1. The gradient scatter-adds into zeros of {@code x}'s shape.
   *
   * @param x input of rank {@code >= 1}
   * @param indices INT64 or INT32, same rank as {@code x}; along other axes no larger than {@code
   *     x}
   * @param axis the axis, negative counts from the end
   * @return a tensor of the shape of {@code indices}
   */
  public static Tensor gatherElements(Tensor x, Tensor indices, int axis) {
    x.checkSameGraph(indices);
    requireIndexType("GatherElements", indices);
    if (x.rank() < 1 || indices.rank() != x.rank()) {
      throw new IllegalArgumentException("GatherElements needs indices of the same rank (>= 1) "
          + "as the input, got input " + x + " and indices " + indices);
    }
    int a = Shape.normalizeAxis(axis, x.rank());
    for (int i = 0; i < x.rank(); i++) {
      Dim dx = x.shape().dim(i);
      Dim di = indices.shape().dim(i);
      if (i != a && dx.isKnown() && di.isKnown() && di.value() > dx.value()) {
        throw new IllegalArgumentException("GatherElements: indices " + indices + " are larger "
            + "than input " + x + " on axis " + i + " (allowed: at most " + dx + " there)");
      }
    }
    return x.graph().apply("GatherElements", List.of(x, indices), Map.of("axis", (long) a),
        x.dtype(), indices.shape());
  }

  private static List<Tensor> gatherGrad(Node n, Tensor gy) {
    Tensor x = n.input(0);
    Tensor idx = toInt64(n.input(1));
    int a = (int) n.attrLong("axis", 0);
    int r = x.rank();
    int q = idx.rank();
    Graph g = x.graph();
    // Move the index axes of gy to the front so the scatter runs along the first axis.
    Tensor upd = gy;
    if (a > 0 && q > 0) {
      int[] perm = new int[gy.rank()];
      int k = 0;
      for (int i = 0; i < q; i++) {
        perm[k++] = a + i;
      }
      for (int i = 0; i < a; i++) {
        perm[k++] = i;
      }
      for (int i = a + q; i < gy.rank(); i++) {
        perm[k++] = i;
      }
      upd = transpose(gy, perm);
    }
    // Zeros of x with the gathered axis moved first.
    int[] p2 = new int[r];
    p2[0] = a;
    for (int i = 0, k = 1; i < r; i++) {
      if (i != a) {
        p2[k++] = i;
      }
    }
    List<Dim> zd = new ArrayList<>();
    for (int i : p2) {
      zd.add(x.shape().dim(i));
    }
    Shape zShape = Shape.of(zd);
    Tensor zVec;
    if (zShape.isStatic()) {
      zVec = g.int64s(zShape.toArray());
    } else {
      long[] pl = new long[r];
      for (int i = 0; i < r; i++) {
        pl[i] = p2[i];
      }
      zVec = g.apply("Gather", List.of(shapeOf(x), g.int64s(pl)), Map.of("axis", 0L),
          DType.INT64, Shape.of(r));
    }
    Tensor zeros = constantOfShape(zVec, 0, x.dtype(), zShape);
    Tensor idxU = unsqueeze(idx, -1);
    Tensor scattered = g.apply("ScatterND", List.of(zeros, idxU, upd),
        Map.of("reduction", "add"), x.dtype(), zShape);
    if (a == 0) {
      return Arrays.asList(scattered, null);
    }
    int[] inv = new int[r];
    for (int i = 0; i < r; i++) {
      inv[p2[i]] = i;
    }
    return Arrays.asList(transpose(scattered, inv), null);
  }

  // ------------------------------------------------------------------ one-hot

  /**
   * One-hot encoding along a new last axis: {@code out[..., c] = (indices[...] == c) ? 1 : 0}.
   * Built from Equal and Cast so it runs in float64 too; indices outside {@code [0, depth)} give
   * an all-zero row. No gradient flows to the indices.
   *
   * @param indices INT64 or INT32 indices of any shape
   * @param depth number of classes, {@code >= 1}
   * @param dtype the output type (FLOAT32, FLOAT64, INT64, INT32 or BOOL)
   * @return {@code indices.shape + [depth]}
   */
  public static Tensor oneHot(Tensor indices, long depth, DType dtype) {
    requireIndexType("OneHot", indices);
    if (depth < 1) {
      throw new IllegalArgumentException("OneHot depth must be >= 1, got " + depth);
    }
    Graph g = indices.graph();
    Tensor classes = g.int64s(iota(Math.toIntExact(depth)));
    Tensor eq = compare("Equal", unsqueeze(toInt64(indices), -1), classes);
    return dtype == DType.BOOL ? eq : cast(eq, dtype);
  }

  // ------------------------------------------------------------------ concat / split

  /**
   * Concatenation along an axis (ONNX Concat). Every input has the same dtype and rank and equal
   * sizes on the other axes.
   *
   * @param axis the axis, negative counts from the end
   * @param tensors one or more tensors of one graph
   * @return the concatenation
   */
  public static Tensor concat(int axis, Tensor... tensors) {
    return concat(axis, Arrays.asList(tensors));
  }

  /**
   * Concatenation along an axis (list form of {@link #concat(int, Tensor...)}).
   *
   * @param axis the axis, negative counts from the end
   * @param tensors one or more tensors of one graph
   * @return the concatenation
   */
  public static Tensor concat(int axis, List<Tensor> tensors) {
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException("Concat needs at least one tensor");
    }
    Tensor first = tensors.get(0);
    int r = first.rank();
    if (r < 1) {
      throw new IllegalArgumentException("Concat needs tensors of rank >= 1, got " + first);
    }
    int a = Shape.normalizeAxis(axis, r);
    List<Dim> out = new ArrayList<>(first.shape().dims());
    long total = 0;
    boolean known = true;
    for (Tensor t : tensors) {
      MathOps.requireSameType("Concat", first, t);
      if (t.rank() != r) {
        throw new IllegalArgumentException("Concat needs tensors of one rank, got " + first
            + " and " + t);
      }
      for (int i = 0; i < r; i++) {
        if (i == a) {
          continue;
        }
        Dim d0 = out.get(i);
        Dim d1 = t.shape().dim(i);
        if (d0.isKnown() && d1.isKnown() && d0.value() != d1.value()) {
          throw new IllegalArgumentException("Concat on axis " + a + ": " + first + " and " + t
              + " differ on axis " + i + " (" + d0 + " vs " + d1 + "); only the concatenation "
              + "axis may differ");
        }
        if (!d0.isKnown() && d1.isKnown()) {
          out.set(i, d1);
        }
      }
      Dim da = t.shape().dim(a);
      if (da.isKnown()) {
        total += da.value();
      } else {
        known = false;
      }
    }
    out.set(a, known ? Dim.of(total) : Dim.unknown());
    return first.graph().apply("Concat", tensors, Map.of("axis", (long) a), first.dtype(),
        Shape.of(out));
  }

  private static List<Tensor> concatGrad(Node n, Tensor gy, boolean[] need) {
    int a = (int) n.attrLong("axis", 0);
    List<Tensor> ins = n.inputs();
    Graph g = n.graph();
    boolean allKnown = true;
    long[] sizes = new long[ins.size()];
    for (int i = 0; i < sizes.length; i++) {
      Dim d = ins.get(i).shape().dim(a);
      allKnown &= d.isKnown() && d.value() > 0;
      sizes[i] = d.isKnown() ? d.value() : -1;
    }
    List<Tensor> res = new ArrayList<>();
    if (allKnown) {
      if (ins.size() == 1) {
        return Arrays.asList(gy);
      }
      DType[] types = new DType[ins.size()];
      Shape[] shapes = new Shape[ins.size()];
      for (int i = 0; i < types.length; i++) {
        types[i] = gy.dtype();
        shapes[i] = ins.get(i).shape();
      }
      Node split = g.addNode("Split", List.of(gy, g.int64s(sizes)), Map.of("axis", (long) a),
          types, shapes, null);
      for (int i = 0; i < ins.size(); i++) {
        res.add(need[i] ? split.output(i) : null);
      }
      return res;
    }
    // Run-time offsets: slice each needed piece out of the gradient.
    Tensor start = g.int64s(0);
    for (int i = 0; i < ins.size(); i++) {
      Tensor len = dimVector(ins.get(i), a);
      Tensor end = MathOps.add(start, len);
      if (need[i]) {
        res.add(g.apply("Slice", List.of(gy, start, end, g.int64s(a)), Map.of(), gy.dtype(),
            ins.get(i).shape()));
      } else {
        res.add(null);
      }
      start = end;
    }
    return res;
  }

  /**
   * Splits a tensor along an axis into pieces of the given sizes (ONNX Split with explicit
   * sizes).
   *
   * @param x input of rank {@code >= 1}
   * @param axis the axis, negative counts from the end
   * @param sizes the piece sizes, each {@code >= 1}; when the axis size is known they must add up
   *     to it
   * @return the pieces in order
   */
  public static List<Tensor> split(Tensor x, int axis, long... sizes) {
    if (x.rank() < 1) {
      throw new IllegalArgumentException("Split needs an input of rank >= 1, got " + x);
    }
    int a = Shape.normalizeAxis(axis, x.rank());
    if (sizes.length == 0) {
      throw new IllegalArgumentException("Split of " + x + " needs at least one size");
    }
    long sum = 0;
    for (long s : sizes) {
      if (s < 1) {
        throw new IllegalArgumentException("Split of " + x + " has size " + s + " in "
            + Arrays.toString(sizes) + "; sizes must be >= 1");
      }
      sum += s;
    }
    Dim d = x.shape().dim(a);
    if (d.isKnown() && d.value() != sum) {
      throw new IllegalArgumentException("Split sizes " + Arrays.toString(sizes) + " add up to "
          + sum + " but axis " + a + " of " + x + " has size " + d.value() + "; they must match");
    }
    DType[] types = new DType[sizes.length];
    Shape[] shapes = new Shape[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      types[i] = x.dtype();
      shapes[i] = x.shape().with(a, Dim.of(sizes[i]));
    }
    Graph g = x.graph();
    return g.addNode("Split", List.of(x, g.int64s(sizes)), Map.of("axis", (long) a), types,
        shapes, null).outputs();
  }

  /**
   * Splits a tensor into {@code n} equal pieces along an axis whose size is known.
   *
   * @param x input
   * @param axis the axis, negative counts from the end
   * @param n number of pieces, dividing the axis size
   * @return the pieces in order
   */
  public static List<Tensor> chunk(Tensor x, int axis, int n) {
    Dim d = x.shape().dim(axis);
    if (n < 1 || !d.isKnown() || d.value() % n != 0) {
      throw new IllegalArgumentException("Chunk of " + x + " on axis " + axis + " into " + n
          + " pieces needs a known axis size divisible by n >= 1, got size " + d);
    }
    long[] sizes = new long[n];
    Arrays.fill(sizes, d.value() / n);
    return split(x, axis, sizes);
  }

  // ------------------------------------------------------------------ slice / pad

  /**
   * Static strided slice (ONNX Slice with constant parameters and positive steps). Starts and
   * ends follow ONNX semantics: negative values count from the end of the axis, values out of
   * range are clamped, and {@link Long#MAX_VALUE} as an end means "to the end". The gradient of
   * a unit-step slice is a Pad of the output gradient (pads computed at run time where a sliced
   * axis is symbolic); that of a strided slice scatters into flat zeros through an INT64 tensor
   * of flat positions as large as {@code x}.
   *
   * @param x input
   * @param starts first index per sliced axis
   * @param ends end index (exclusive) per sliced axis
   * @param axes the sliced axes (distinct; negative counts from the end)
   * @param steps step per sliced axis, each {@code >= 1}
   * @return the slice
   */
  public static Tensor slice(Tensor x, long[] starts, long[] ends, int[] axes, long[] steps) {
    int k = axes.length;
    if (starts.length != k || ends.length != k || steps.length != k) {
      throw new IllegalArgumentException("Slice of " + x + " needs starts, ends, axes and steps "
          + "of one length, got " + starts.length + ", " + ends.length + ", " + k + ", "
          + steps.length);
    }
    boolean[] seen = new boolean[x.rank()];
    long[] ax = new long[k];
    List<Dim> out = new ArrayList<>(x.shape().dims());
    for (int i = 0; i < k; i++) {
      int a = Shape.normalizeAxis(axes[i], x.rank());
      if (seen[a]) {
        throw new IllegalArgumentException("Slice of " + x + " lists axis " + a + " twice in "
            + Arrays.toString(axes) + "; axes must be distinct");
      }
      seen[a] = true;
      ax[i] = a;
      if (steps[i] < 1) {
        throw new IllegalArgumentException("Slice of " + x + " has step " + steps[i] + " on axis "
            + a + "; only positive steps are supported");
      }
      Dim d = x.shape().dim(a);
      if (d.isKnown()) {
        long s = clampIndex(starts[i], d.value());
        long e = clampIndex(ends[i], d.value());
        long len = e > s ? (e - s + steps[i] - 1) / steps[i] : 0;
        out.set(a, Dim.of(len));
      } else {
        out.set(a, Dim.unknown());
      }
    }
    Graph g = x.graph();
    return g.apply("Slice", List.of(x, g.int64s(starts), g.int64s(ends), g.int64s(ax),
        g.int64s(steps)), Map.of(), x.dtype(), Shape.of(out));
  }

  /**
   * Step-1 slice of one axis.
   *
   * @param x input
   * @param axis the axis, negative counts from the end
   * @param start first index (negative counts from the end)
   * @param end end index, exclusive ({@link Long#MAX_VALUE}: to the end)
   * @return the slice
   */
  public static Tensor slice(Tensor x, int axis, long start, long end) {
    return slice(x, new long[] {start}, new long[] {end}, new int[] {axis}, new long[] {1});
  }

  private static long clampIndex(long i, long dim) {
    long v = i < 0 ? i + dim : i;
    return Math.max(0, Math.min(dim, v));
  }

  private static List<Tensor> sliceGrad(Node n, Tensor gy) {
    Tensor x = n.input(0);
    Tensor y = n.output(0);
    long[] starts = constantLongs(n, 1, "starts");
    long[] ends = constantLongs(n, 2, "ends");
    long[] axes = n.inputs().size() > 3 && n.input(3) != null ? constantLongs(n, 3, "axes")
        : iota(starts.length);
    long[] steps = n.inputs().size() > 4 && n.input(4) != null ? constantLongs(n, 4, "steps")
        : null;
    Graph g = n.graph();
    int r = x.rank();
    boolean unitSteps = true;
    if (steps != null) {
      for (long s : steps) {
        unitSteps &= s == 1;
      }
    }
    List<Tensor> res = nulls(n.inputs().size());
    if (unitSteps) {
      long[] before = new long[r];
      long[] after = new long[r];
      boolean dynamic = false;
      Tensor[] dynBefore = new Tensor[r];
      Tensor[] dynAfter = new Tensor[r];
      for (int i = 0; i < axes.length; i++) {
        int a = Shape.normalizeAxis((int) axes[i], r);
        Dim d = x.shape().dim(a);
        Dim dy = y.shape().dim(a);
        if (d.isKnown() && dy.isKnown()) {
          before[a] = clampIndex(starts[i], d.value());
          after[a] = d.value() - before[a] - dy.value();
        } else {
          dynamic = true;
          Tensor dv = dimVector(x, a);
          Tensor b;
          if (starts[i] >= 0) {
            b = g.apply("Min", List.of(g.int64s(starts[i]), dv), Map.of(), DType.INT64,
                Shape.of(1));
          } else {
            b = g.apply("Max", List.of(MathOps.add(dv, g.int64s(starts[i])), g.int64s(0)),
                Map.of(), DType.INT64, Shape.of(1));
          }
          dynBefore[a] = b;
          dynAfter[a] = MathOps.sub(MathOps.sub(dv, b), dimVector(y, a));
        }
      }
      Tensor pads;
      if (!dynamic) {
        long[] p = new long[2 * r];
        System.arraycopy(before, 0, p, 0, r);
        System.arraycopy(after, 0, p, r, r);
        pads = g.int64s(p);
      } else {
        List<Tensor> parts = new ArrayList<>();
        for (int i = 0; i < r; i++) {
          parts.add(dynBefore[i] != null ? dynBefore[i] : g.int64s(before[i]));
        }
        for (int i = 0; i < r; i++) {
          parts.add(dynAfter[i] != null ? dynAfter[i] : g.int64s(after[i]));
        }
        pads = concat(0, parts);
      }
      res.set(0, g.apply("Pad", List.of(gy, pads, g.scalarLike(0, gy)), Map.of(), gy.dtype(),
          x.shape()));
      return res;
    }
    // Strided: slice a tensor of flat positions the same way and scatter into flat zeros.
    Tensor size = g.apply("Size", List.of(x), Map.of(), DType.INT64, Shape.SCALAR);
    Tensor flatPos = g.apply("Range", List.of(g.scalar(0, DType.INT64), size,
        g.scalar(1, DType.INT64)), Map.of(), DType.INT64, Shape.of(List.of(Dim.unknown())));
    Tensor pos = reshape(flatPos, shapeVector(x), x.shape());
    List<Tensor> sliceIns = new ArrayList<>(n.inputs());
    sliceIns.set(0, pos);
    Tensor sel = g.apply("Slice", sliceIns, Map.of(), DType.INT64, y.shape());
    Tensor selIdx = reshape(sel, -1, 1);
    Tensor flatG = reshape(gy, -1);
    Tensor zeros = constantOfShape(reshape(size, 1), 0, gy.dtype(),
        Shape.of(List.of(Dim.unknown())));
    Tensor scattered = g.apply("ScatterND", List.of(zeros, selIdx, flatG), Map.of(),
        gy.dtype(), zeros.shape());
    res.set(0, reshape(scattered, shapeVector(x), x.shape()));
    return res;
  }

  private static List<Tensor> nulls(int n) {
    List<Tensor> l = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      l.add(null);
    }
    return l;
  }

  /**
   * Constant padding (ONNX Pad, mode "constant").
   *
   * @param x input
   * @param pads {@code [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}]}, each {@code >= 0}
   * @param value the fill value
   * @return the padded tensor
   */
  public static Tensor pad(Tensor x, long[] pads, double value) {
    int r = x.rank();
    if (pads.length != 2 * r) {
      throw new IllegalArgumentException("Pad of " + x + " needs " + (2 * r) + " pads "
          + "[begins..., ends...], got " + Arrays.toString(pads));
    }
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < r; i++) {
      if (pads[i] < 0 || pads[i + r] < 0) {
        throw new IllegalArgumentException("Pad of " + x + " has a negative pad in "
            + Arrays.toString(pads) + "; pads must be >= 0 (use slice to crop)");
      }
      Dim d = x.shape().dim(i);
      long p = pads[i] + pads[i + r];
      out.add(p == 0 ? d : d.isKnown() ? Dim.of(d.value() + p) : Dim.unknown());
    }
    Graph g = x.graph();
    return g.apply("Pad", List.of(x, g.int64s(pads), g.scalarLike(value, x)), Map.of(),
        x.dtype(), Shape.of(out));
  }

  private static List<Tensor> padGrad(Node n, Tensor gy) {
    Tensor x = n.input(0);
    long[] pads = constantLongs(n, 1, "pads");
    if (n.inputs().size() > 3 && n.input(3) != null) {
      throw new IllegalArgumentException("Gradient of Pad with an axes input is not supported");
    }
    if (!"constant".equals(n.attrString("mode", "constant"))) {
      throw new IllegalArgumentException("Gradient of Pad supports mode constant only, got "
          + n.attrString("mode", "constant"));
    }
    int r = x.rank();
    List<Long> st = new ArrayList<>();
    List<Long> en = new ArrayList<>();
    List<Integer> ax = new ArrayList<>();
    for (int i = 0; i < r; i++) {
      if (pads[i] != 0 || pads[i + r] != 0) {
        st.add(pads[i]);
        en.add(pads[i + r] > 0 ? -pads[i + r] : END);
        ax.add(i);
      }
    }
    List<Tensor> res = nulls(n.inputs().size());
    if (ax.isEmpty()) {
      res.set(0, gy);
      return res;
    }
    long[] ones = new long[ax.size()];
    Arrays.fill(ones, 1);
    Tensor s = slice(gy, st.stream().mapToLong(Long::longValue).toArray(),
        en.stream().mapToLong(Long::longValue).toArray(),
        ax.stream().mapToInt(Integer::intValue).toArray(), ones);
    res.set(0, reshapeLike(s, x));
    return res;
  }

  /** Re-declares {@code t} (same values) with the static shape of {@code like}. */
  private static Tensor reshapeLike(Tensor t, Tensor like) {
    if (t.shape().equals(like.shape())) {
      return t;
    }
    return reshape(t, shapeVector(like), like.shape());
  }

  // ------------------------------------------------------------------ flatten / tile

  /**
   * Flattens to a matrix (ONNX Flatten): {@code [prod(d[:axis]), prod(d[axis:])]}.
   *
   * @param x input
   * @param axis split point in {@code [-rank, rank]}
   * @return the 2-D tensor
   */
  public static Tensor flatten(Tensor x, int axis) {
    int r = x.rank();
    int a = axis < 0 ? axis + r : axis;
    if (a < 0 || a > r) {
      throw new IllegalArgumentException("Flatten axis " + axis + " is out of range for " + x
          + "; allowed [" + (-r) + ", " + r + "]");
    }
    Shape out = Shape.of(List.of(product(x.shape().sub(0, a)), product(x.shape().sub(a, r))));
    return x.graph().apply("Flatten", List.of(x), Map.of("axis", (long) a), x.dtype(), out);
  }

  private static Dim product(Shape s) {
    if (s.rank() == 1) {
      return s.dim(0);
    }
    return s.isStatic() ? Dim.of(s.numel()) : Dim.unknown();
  }

  /**
   * Repeats a tensor along each axis (ONNX Tile).
   *
   * @param x input
   * @param repeats one count per axis, each {@code >= 1}
   * @return the tiled tensor
   */
  public static Tensor tile(Tensor x, long... repeats) {
    if (repeats.length != x.rank()) {
      throw new IllegalArgumentException("Tile of " + x + " needs one repeat count per axis ("
          + x.rank() + "), got " + Arrays.toString(repeats));
    }
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < repeats.length; i++) {
      if (repeats[i] < 1) {
        throw new IllegalArgumentException("Tile of " + x + " has repeat count " + repeats[i]
            + " in " + Arrays.toString(repeats) + "; counts must be >= 1");
      }
      Dim d = x.shape().dim(i);
      out.add(repeats[i] == 1 ? d : d.isKnown() ? Dim.of(d.value() * repeats[i]) : Dim.unknown());
    }
    Graph g = x.graph();
    return g.apply("Tile", List.of(x, g.int64s(repeats)), Map.of(), x.dtype(), Shape.of(out));
  }

  private static List<Tensor> tileGrad(Node n, Tensor gy) {
    Tensor x = n.input(0);
    long[] reps = constantLongs(n, 1, "repeats");
    int r = x.rank();
    Graph g = n.graph();
    List<Long> sumAxes = new ArrayList<>();
    for (int i = 0; i < r; i++) {
      if (reps[i] > 1) {
        sumAxes.add(2L * i);
      }
    }
    if (sumAxes.isEmpty()) {
      return Arrays.asList(gy, null);
    }
    // View gy as [r0, d0, r1, d1, ...] and sum the repeat axes.
    List<Dim> split = new ArrayList<>();
    for (int i = 0; i < r; i++) {
      split.add(Dim.of(reps[i]));
      split.add(x.shape().dim(i));
    }
    Tensor shapeVec;
    if (x.shape().isStatic()) {
      long[] sv = new long[2 * r];
      for (int i = 0; i < r; i++) {
        sv[2 * i] = reps[i];
        sv[2 * i + 1] = x.shape().dim(i).value();
      }
      shapeVec = g.int64s(sv);
    } else {
      Tensor pairs = concat(1, unsqueeze(g.int64s(reps), 1), unsqueeze(shapeOf(x), 1));
      shapeVec = reshape(pairs, 2L * r);
    }
    Tensor v = reshape(gy, shapeVec, Shape.of(split));
    long[] ax = sumAxes.stream().mapToLong(Long::longValue).toArray();
    List<Dim> kept = new ArrayList<>();
    for (int i = 0; i < 2 * r; i++) {
      if (!sumAxes.contains((long) i)) {
        kept.add(split.get(i));
      }
    }
    Tensor s = g.apply("ReduceSum", List.of(v, g.int64s(ax)), Map.of("keepdims", 0L),
        gy.dtype(), Shape.of(kept));
    return Arrays.asList(reshapeLike(s, x), null);
  }

  // ------------------------------------------------------------------ ranges and cumulative sums

  /**
   * A 1-D arithmetic sequence {@code start, start + delta, ...} below {@code limit} (ONNX
   * Range). No gradient flows through it.
   *
   * @param start scalar
   * @param limit scalar (exclusive)
   * @param delta scalar step, non-zero
   * @return the sequence (its length is symbolic unless all three are constants)
   */
  public static Tensor range(Tensor start, Tensor limit, Tensor delta) {
    MathOps.requireSameType("Range", start, limit);
    MathOps.requireSameType("Range", start, delta);
    for (Tensor t : List.of(start, limit, delta)) {
      if (t.rank() != 0) {
        throw new IllegalArgumentException("Range needs scalar start, limit and delta, got " + t);
      }
    }
    DType dt = start.dtype();
    if (dt != DType.INT64 && dt != DType.INT32 && dt != DType.FLOAT32 && dt != DType.FLOAT64) {
      throw new IllegalArgumentException("Range supports INT64, INT32, FLOAT32 and FLOAT64, got "
          + dt);
    }
    Dim len = Dim.unknown();
    if (start.data() != null && limit.data() != null && delta.data() != null) {
      double s = start.data().toDoubles()[0];
      double l = limit.data().toDoubles()[0];
      double d = delta.data().toDoubles()[0];
      if (d == 0) {
        throw new IllegalArgumentException("Range delta must be non-zero");
      }
      len = Dim.of((long) Math.max(0, Math.ceil((l - s) / d)));
    }
    return start.graph().addNode("Range", List.of(start, limit, delta), Map.of(),
        new DType[] {dt}, new Shape[] {Shape.of(List.of(len))}, Vjp.NONE).output(0);
  }

  /**
   * The INT64 sequence {@code 0, 1, ..., n - 1} where {@code n} is the run-time size of one axis
   * of {@code x}.
   *
   * @param x the tensor
   * @param axis the axis, negative counts from the end
   * @return a 1-D INT64 tensor of length {@code x.shape[axis]}
   */
  public static Tensor arange(Tensor x, int axis) {
    int a = Shape.normalizeAxis(axis, x.rank());
    Graph g = x.graph();
    Dim d = x.shape().dim(a);
    if (d.isKnown()) {
      return g.int64s(iota(Math.toIntExact(d.value())));
    }
    Tensor n = squeeze(dimVector(x, a), 0);
    Tensor r = range(g.scalar(0, DType.INT64), n, g.scalar(1, DType.INT64));
    return reshape(r, dimVector(x, a), Shape.of(List.of(d)));
  }

  /**
   * Cumulative sum along an axis (ONNX CumSum); the gradient is the reverse cumulative sum.
   *
   * @param x FLOAT32, FLOAT64, INT32 or INT64 input
   * @param axis the axis, negative counts from the end
   * @param exclusive exclude the current element (the first output is 0)
   * @param reverse sum from the end of the axis
   * @return a tensor of the shape of {@code x}
   */
  public static Tensor cumSum(Tensor x, int axis, boolean exclusive, boolean reverse) {
    DType dt = x.dtype();
    if (dt != DType.INT64 && dt != DType.INT32 && dt != DType.FLOAT32 && dt != DType.FLOAT64) {
      throw new IllegalArgumentException("CumSum supports INT64, INT32, FLOAT32 and FLOAT64, got "
          + x);
    }
    int a = Shape.normalizeAxis(axis, x.rank());
    Graph g = x.graph();
    return g.apply("CumSum", List.of(x, g.scalar(a, DType.INT64)),
        Map.of("exclusive", exclusive ? 1L : 0L, "reverse", reverse ? 1L : 0L), dt, x.shape());
  }

  /**
   * Position ids that skip left padding: {@code max(cumsum(mask, -1) - 1, 0)}, so the first real
   * token of every row gets position 0, left-padding positions get 0 and right-padding positions
   * repeat the last token's position (their values do not matter under a padding mask).
   *
   * @param attentionMask {@code [B, T]} INT64, INT32 or BOOL, 1 for tokens and 0 for padding
   * @return INT64 {@code [B, T]}
   */
  public static Tensor positionIds(Tensor attentionMask) {
    if (attentionMask.rank() != 2) {
      throw new IllegalArgumentException("positionIds needs an attention mask [B, T], got "
          + attentionMask);
    }
    Tensor m = toInt64Mask("positionIds", attentionMask);
    Graph g = m.graph();
    Tensor c = MathOps.sub(cumSum(m, -1, false, false), g.scalar(1, DType.INT64));
    return g.apply("Max", List.of(c, g.scalar(0, DType.INT64)), Map.of(), DType.INT64,
        c.shape());
  }

  static Tensor toInt64Mask(String op, Tensor mask) {
    DType dt = mask.dtype();
    if (dt != DType.INT64 && dt != DType.INT32 && dt != DType.BOOL) {
      throw new IllegalArgumentException(op + " needs an INT64, INT32 or BOOL mask (1 = token, "
          + "0 = padding), got " + mask);
    }
    return cast(mask, DType.INT64);
  }

  static void registerVjps() {
    VjpRules.register("Identity", (n, g, need) -> Arrays.asList(g.get(0)));
    VjpRules.register("Reshape", (n, g, need) -> Arrays.asList(
        reshape(g.get(0), shapeOf(n.input(0)), n.input(0).shape()), null));
    VjpRules.register("Unsqueeze", (n, g, need) -> Arrays.asList(
        reshape(g.get(0), shapeOf(n.input(0)), n.input(0).shape()), null));
    VjpRules.register("Squeeze", (n, g, need) -> Arrays.asList(
        reshape(g.get(0), shapeOf(n.input(0)), n.input(0).shape()), null));
    VjpRules.register("Transpose", (n, g, need) -> {
      long[] p = n.attrLongs("perm");
      int[] inv = new int[p.length];
      for (int i = 0; i < p.length; i++) {
        inv[(int) p[i]] = i;
      }
      return Arrays.asList(transpose(g.get(0), inv));
    });
    VjpRules.register("Cast", (n, g, need) -> {
      Tensor x = n.input(0);
      return Arrays.asList(x.dtype().isFloatingPoint() ? cast(g.get(0), x.dtype()) : null);
    });
    VjpRules.register("Expand", (n, g, need) -> Arrays.asList(
        MathOps.sumToShape(g.get(0), n.input(0).shape()), null));
    VjpRules.register("Gather", (n, g, need) -> gatherGrad(n, g.get(0)));
    VjpRules.register("GatherElements", (n, g, need) -> {
      Tensor x = n.input(0);
      Graph gr = n.graph();
      Tensor scattered = gr.apply("ScatterElements", List.of(zerosLike(x), toInt64(n.input(1)),
          g.get(0)), Map.of("axis", n.attrLong("axis", 0), "reduction", "add"), x.dtype(),
          x.shape());
      return Arrays.asList(scattered, null);
    });
    VjpRules.register("Concat", (n, g, need) -> concatGrad(n, g.get(0), need));
    VjpRules.register("Split", (n, g, need) -> {
      List<Tensor> parts = new ArrayList<>();
      for (int i = 0; i < n.outputs().size(); i++) {
        Tensor gi = g.get(i);
        parts.add(gi != null ? gi : zerosLike(n.output(i)));
      }
      Tensor gx = reshapeLike(concat((int) n.attrLong("axis", 0), parts), n.input(0));
      List<Tensor> res = nulls(n.inputs().size());
      res.set(0, gx);
      return res;
    });
    VjpRules.register("Slice", (n, g, need) -> sliceGrad(n, g.get(0)));
    VjpRules.register("Pad", (n, g, need) -> padGrad(n, g.get(0)));
    VjpRules.register("Flatten", (n, g, need) -> Arrays.asList(
        reshape(g.get(0), shapeVector(n.input(0)), n.input(0).shape())));
    VjpRules.register("Tile", (n, g, need) -> tileGrad(n, g.get(0)));
    VjpRules.register("CumSum", (n, g, need) -> {
      Tensor gy = g.get(0);
      Graph gr = n.graph();
      Tensor gx = gr.apply("CumSum", List.of(gy, n.input(1)),
          Map.of("exclusive", n.attrLong("exclusive", 0), "reverse",
              n.attrLong("reverse", 0) == 0 ? 1L : 0L), gy.dtype(), gy.shape());
      return Arrays.asList(gx, null);
    });
    VjpRules.register("Where", (n, g, need) -> {
      Tensor c = n.input(0);
      Tensor gy = g.get(0);
      Tensor zero = n.graph().scalarLike(0, gy);
      Tensor ga = need[1] ? MathOps.sumToShape(where(c, gy, zero), n.input(1).shape()) : null;
      Tensor gb = need[2] ? MathOps.sumToShape(where(c, zero, gy), n.input(2).shape()) : null;
      return Arrays.asList(null, ga, gb);
    });
  }
}
