package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.ForwardEval.assertClose;
import static io.github.mmesid.core.engine.graph.ForwardEval.eval;
import static io.github.mmesid.core.engine.graph.ForwardEval.ravel;
import static io.github.mmesid.core.engine.graph.ForwardEval.symbolic;
import static io.github.mmesid.core.engine.graph.ForwardEval.unravel;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Concat, split, slice, pad, flatten and tile: forward values against plain-Java references and
 * finite-difference gradients (float64), with static and symbolic dimensions.
 */
class LayoutOpsTest {
  private final SplittableRandom r = new SplittableRandom(11);

  private static int numel(long[] s) {
    int n = 1;
    for (long d : s) {
      n *= (int) d;
    }
    return n;
  }

  // ------------------------------------------------------------------ concat / split

  @Test
  void concatForwardAndGradient() {
    TensorData a = rand(r, 2, 1, 3);
    TensorData b = rand(r, 2, 3, 3);
    TensorData c = rand(r, 2, 2, 3);
    ForwardEval.Out y = eval(in -> ArrayOps.concat(1, in), a, b, c);
    long[] os = {2, 6, 3};
    double[] ref = new double[numel(os)];
    TensorData[] parts = {a, b, c};
    for (int o = 0; o < ref.length; o++) {
      int[] oi = unravel(o, os);
      int k = 0;
      int j = oi[1];
      while (j >= parts[k].shape()[1]) {
        j -= (int) parts[k].shape()[1];
        k++;
      }
      ref[o] = parts[k].toDoubles()[ravel(new int[] {oi[0], j, oi[2]}, parts[k].shape())];
    }
    assertClose(os, ref, y, 0);
    check((g, in) -> ArrayOps.concat(1, in), a, b, c);
    check((g, in) -> ArrayOps.concat(-1, in.get(0), in.get(0).mul(2.0)), a);
    // Symbolic sizes on the concatenation axis: the gradient slices at run-time offsets.
    check((g, in) -> ArrayOps.concat(1, symbolic(in.get(0), 2, "P", 3),
        symbolic(in.get(1), 2, "Q", 3), in.get(2)), a, b, c);
    Graph g = new Graph("s", DType.FLOAT64);
    Tensor p = g.input("p", DType.FLOAT64, Shape.mixed("B", 4));
    Tensor q = g.input("q", DType.FLOAT64, Shape.mixed(2, 5));
    assertEquals(Shape.of(2, 9), ArrayOps.concat(1, p, q).shape());
  }

  @Test
  void splitForwardAndGradientWithUnusedPieces() {
    TensorData x = rand(r, 3, 7);
    List<long[]> sizes = List.of(new long[] {2, 4, 1}, new long[] {7}, new long[] {1, 6});
    for (long[] s : sizes) {
      long off = 0;
      for (int k = 0; k < s.length; k++) {
        int kk = k;
        long o = off;
        ForwardEval.Out y = eval(in -> ArrayOps.split(in.get(0), 1, s).get(kk), x);
        double[] ref = new double[3 * (int) s[k]];
        for (int i = 0; i < 3; i++) {
          for (int j = 0; j < s[k]; j++) {
            ref[i * (int) s[k] + j] = x.toDoubles()[i * 7 + (int) o + j];
          }
        }
        assertClose(new long[] {3, s[k]}, ref, y, 0);
        off += s[k];
      }
    }
    // Piece 1 unused: its gradient is zeros.
    check((g, in) -> {
      List<Tensor> p = in.get(0).split(1, 2, 4, 1);
      return p.get(0).sum(true, 1).mul(p.get(2));
    }, x);
    check((g, in) -> {
      List<Tensor> p = symbolic(in.get(0), "B", 7).split(-1, 3, 4);
      return p.get(1).mul(p.get(1));
    }, x);
    check((g, in) -> ArrayOps.chunk(in.get(0), 0, 3).get(1), x);
  }

  // ------------------------------------------------------------------ slice

  /** Plain-Java ONNX Slice with positive steps. */
  private static double[] sliceRef(TensorData x, long[] starts, long[] ends, int[] axes,
      long[] steps, long[] outShape) {
    long[] xs = x.shape();
    long[] st = new long[xs.length];
    long[] sp = new long[xs.length];
    java.util.Arrays.fill(sp, 1);
    for (int i = 0; i < axes.length; i++) {
      int a = axes[i] < 0 ? axes[i] + xs.length : axes[i];
      long s = starts[i] < 0 ? starts[i] + xs[a] : starts[i];
      st[a] = Math.max(0, Math.min(xs[a], s));
      sp[a] = steps[i];
    }
    double[] out = new double[numel(outShape)];
    double[] xv = x.toDoubles();
    for (int o = 0; o < out.length; o++) {
      int[] oi = unravel(o, outShape);
      int[] xi = new int[xs.length];
      for (int d = 0; d < xs.length; d++) {
        xi[d] = (int) (st[d] + oi[d] * sp[d]);
      }
      out[o] = xv[ravel(xi, xs)];
    }
    return out;
  }

  @Test
  void sliceForwardMatchesReference() {
    TensorData x = rand(r, 4, 6, 5);
    Object[][] cases = {
        {new long[] {1}, new long[] {3}, new int[] {1}, new long[] {1}, new long[] {4, 2, 5}},
        {new long[] {-2}, new long[] {Long.MAX_VALUE}, new int[] {-1}, new long[] {1},
            new long[] {4, 6, 2}},
        {new long[] {0, 1}, new long[] {6, -1}, new int[] {1, 0}, new long[] {2, 1},
            new long[] {2, 3, 5}},
        {new long[] {1, -100, 0}, new long[] {100, 5, 5}, new int[] {2, 1, 0},
            new long[] {3, 2, 2}, new long[] {2, 3, 2}},
        {new long[] {4}, new long[] {2}, new int[] {1}, new long[] {1}, new long[] {4, 0, 5}},
    };
    for (Object[] c : cases) {
      long[] st = (long[]) c[0];
      long[] en = (long[]) c[1];
      int[] ax = (int[]) c[2];
      long[] sp = (long[]) c[3];
      long[] os = (long[]) c[4];
      ForwardEval.Out y = eval(in -> ArrayOps.slice(in.get(0), st, en, ax, sp), x);
      assertClose(os, sliceRef(x, st, en, ax, sp, os), y, 0);
      Graph g = new Graph("s", DType.FLOAT64);
      Tensor t = g.input("x", DType.FLOAT64, Shape.of(4, 6, 5));
      assertEquals(Shape.of(os), ArrayOps.slice(t, st, en, ax, sp).shape(), "static shape");
    }
  }

  @Test
  void sliceGradientsStaticStridedAndSymbolic() {
    TensorData x = rand(r, 4, 6, 5);
    // Unit steps, static: Pad with constant pads.
    check((g, in) -> in.get(0).slice(1, 1, 4), x);
    check((g, in) -> in.get(0).slice(-1, -3, Long.MAX_VALUE), x);
    check((g, in) -> ArrayOps.slice(in.get(0), new long[] {1, 0}, new long[] {-1, 2},
        new int[] {0, 2}, new long[] {1, 1}), x);
    // Strided: flat-position scatter.
    check((g, in) -> ArrayOps.slice(in.get(0), new long[] {0, 1}, new long[] {6, 5},
        new int[] {1, 2}, new long[] {2, 3}), x);
    // Symbolic sliced axis, unit step: run-time pads (positive and negative starts).
    check((g, in) -> symbolic(in.get(0), 4, "T", 5).slice(1, -1, Long.MAX_VALUE), x);
    check((g, in) -> symbolic(in.get(0), 4, "T", 5).slice(1, 2, -1), x);
    check((g, in) -> symbolic(in.get(0), "B", "T", 5).slice(1, 10, 20).sum(false)
        .add(in.get(0).sum(false)), x);
    // Symbolic non-sliced axes with a static sliced axis.
    check((g, in) -> symbolic(in.get(0), "B", "T", 5).slice(2, 1, 3), x);
    // Symbolic and strided.
    check((g, in) -> ArrayOps.slice(symbolic(in.get(0), "B", "T", 5), new long[] {-5},
        new long[] {Long.MAX_VALUE}, new int[] {1}, new long[] {2}), x);
  }

  // ------------------------------------------------------------------ pad / flatten / tile

  @Test
  void padForwardAndGradient() {
    TensorData x = rand(r, 2, 3, 2);
    long[] pads = {1, 0, 2, 0, 3, 1};
    ForwardEval.Out y = eval(in -> in.get(0).pad(pads, 0.5), x);
    long[] os = {3, 6, 5};
    double[] ref = new double[numel(os)];
    for (int o = 0; o < ref.length; o++) {
      int[] oi = unravel(o, os);
      int[] xi = {oi[0] - 1, oi[1], oi[2] - 2};
      boolean inside = xi[0] >= 0 && xi[0] < 2 && xi[1] < 3 && xi[2] >= 0 && xi[2] < 2;
      ref[o] = inside ? x.toDoubles()[ravel(xi, x.shape())] : 0.5;
    }
    assertClose(os, ref, y, 0);
    check((g, in) -> in.get(0).pad(pads, 0.5), x);
    check((g, in) -> symbolic(in.get(0), "A", "B", 2).pad(pads, -1), x);
    check((g, in) -> in.get(0).pad(new long[6], 0), x);
  }

  @Test
  void flattenForwardAndGradient() {
    TensorData x = rand(r, 2, 3, 4);
    long[][] shapes = {{1, 24}, {2, 12}, {6, 4}, {24, 1}};
    for (int axis = 0; axis <= 3; axis++) {
      int a = axis;
      ForwardEval.Out y = eval(in -> in.get(0).flatten(a), x);
      assertClose(shapes[a], x.toDoubles(), y, 0);
      check((g, in) -> in.get(0).flatten(a).mul(in.get(0).flatten(a)), x);
    }
    check((g, in) -> symbolic(in.get(0), "A", "B", 4).flatten(-1), x);
    Graph g = new Graph("f", DType.FLOAT64);
    Tensor t = g.input("t", DType.FLOAT64, Shape.mixed("B", 3, 4));
    assertEquals(Shape.mixed("B", 12), t.flatten(1).shape());
  }

  @Test
  void tileForwardAndGradient() {
    TensorData x = rand(r, 2, 3);
    ForwardEval.Out y = eval(in -> in.get(0).tile(3, 2), x);
    long[] os = {6, 6};
    double[] ref = new double[36];
    for (int o = 0; o < ref.length; o++) {
      int[] oi = unravel(o, os);
      ref[o] = x.toDoubles()[(oi[0] % 2) * 3 + oi[1] % 3];
    }
    assertClose(os, ref, y, 0);
    check((g, in) -> in.get(0).tile(3, 2), x);
    check((g, in) -> in.get(0).tile(1, 4), x);
    check((g, in) -> symbolic(in.get(0), "A", 3).tile(2, 2), x);
    TensorData x3 = rand(r, 2, 1, 3);
    check((g, in) -> in.get(0).tile(1, 4, 1).mul(in.get(0).tile(1, 4, 1)), x3);
  }

  @Test
  void invalidArgumentsAreRejectedWithClearMessages() {
    Graph g = new Graph("bad", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.of(3, 4));
    Tensor y = g.input("y", DType.FLOAT64, Shape.of(2, 5));
    Tensor i = g.input("i", DType.INT64, Shape.of(3, 4));
    assertMessage(() -> ArrayOps.concat(1, x, y), "differ on axis 0");
    assertMessage(() -> ArrayOps.concat(0, x, i), "one dtype");
    assertMessage(() -> x.split(1, 2, 3), "add up to 5");
    assertMessage(() -> x.split(1, 4, 0), "sizes must be >= 1");
    assertMessage(() -> ArrayOps.slice(x, new long[] {0}, new long[] {2}, new int[] {0},
        new long[] {-1}), "only positive steps");
    assertMessage(() -> ArrayOps.slice(x, new long[] {0, 0}, new long[] {2, 2},
        new int[] {0, -2}, new long[] {1, 1}), "distinct");
    assertMessage(() -> x.pad(new long[] {1, 1}, 0), "needs 4 pads");
    assertMessage(() -> x.pad(new long[] {1, -1, 0, 0}, 0), "pads must be >= 0");
    assertMessage(() -> x.flatten(3), "allowed [-2, 2]");
    assertMessage(() -> x.tile(2), "one repeat count per axis");
    assertMessage(() -> ArrayOps.chunk(x, 1, 3), "divisible");
    assertFalse(x.slice(0, 0, 2).shape().equals(x.shape()));
  }

  private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(part), () -> "message '" + ex.getMessage()
        + "' should contain '" + part + "'");
  }
}
