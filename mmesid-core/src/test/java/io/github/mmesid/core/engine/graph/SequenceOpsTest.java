package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.ForwardEval.assertClose;
import static io.github.mmesid.core.engine.graph.ForwardEval.eval;
import static io.github.mmesid.core.engine.graph.ForwardEval.symbolic;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Cumulative sums, ranges, position ids and constant fills. */
class SequenceOpsTest {
  private final SplittableRandom r = new SplittableRandom(5);

  /** Plain-Java cumulative sum along axis 1 of a [n, m] matrix. */
  private static double[] cumSumRef(double[] x, int n, int m, boolean exclusive,
      boolean reverse) {
    double[] out = new double[x.length];
    for (int i = 0; i < n; i++) {
      double acc = 0;
      for (int jj = 0; jj < m; jj++) {
        int j = reverse ? m - 1 - jj : jj;
        if (exclusive) {
          out[i * m + j] = acc;
          acc += x[i * m + j];
        } else {
          acc += x[i * m + j];
          out[i * m + j] = acc;
        }
      }
    }
    return out;
  }

  @Test
  void cumSumForwardAndGradientInAllModes() {
    TensorData x = rand(r, 3, 5);
    for (boolean exclusive : new boolean[] {false, true}) {
      for (boolean reverse : new boolean[] {false, true}) {
        ForwardEval.Out y = eval(in -> ArrayOps.cumSum(in.get(0), 1, exclusive, reverse), x);
        assertClose(new long[] {3, 5}, cumSumRef(x.toDoubles(), 3, 5, exclusive, reverse), y,
            1e-12);
        check((g, in) -> ArrayOps.cumSum(in.get(0), -1, exclusive, reverse), x);
      }
    }
    check((g, in) -> symbolic(in.get(0), "B", "T").cumSum(0), x);
    TensorData li = TensorData.ofLongs(new long[] {2, 3}, 1, 2, 3, -1, 0, 7);
    ForwardEval.Out y = eval(in -> in.get(0).cumSum(1), li);
    assertClose(new long[] {2, 3}, new double[] {1, 3, 6, -1, -1, 6}, y, 0);
  }

  @Test
  void positionIdsSkipLeftPadding() {
    TensorData mask = TensorData.ofLongs(new long[] {3, 5},
        0, 0, 1, 1, 1,
        1, 1, 1, 1, 1,
        0, 1, 1, 1, 0);
    ForwardEval.Out y = eval(in -> ArrayOps.positionIds(in.get(0)), mask);
    double[] ref = new double[15];
    double[] m = mask.toDoubles();
    for (int b = 0; b < 3; b++) {
      long c = 0;
      for (int t = 0; t < 5; t++) {
        c += (long) m[b * 5 + t];
        ref[b * 5 + t] = Math.max(c - 1, 0);
      }
    }
    assertClose(new long[] {3, 5}, ref, y, 0);
    assertEquals(2.0, y.values()[4]); // third token of the left-padded row has position 2
    TensorData bmask = TensorData.ofBooleans(new long[] {1, 3}, false, true, true);
    assertClose(new long[] {1, 3}, new double[] {0, 0, 1},
        eval(in -> ArrayOps.positionIds(in.get(0)), bmask), 0);
  }

  @Test
  void rangeAndArange() {
    Graph g = new Graph("rg", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.mixed("B", "T"));
    Tensor ar = ArrayOps.arange(x, 1);
    assertEquals(Shape.mixed("T"), ar.shape());
    Tensor rf = ArrayOps.range(g.scalar(1.5, DType.FLOAT64), g.scalar(3.0, DType.FLOAT64),
        g.scalar(0.5, DType.FLOAT64));
    assertEquals(Shape.of(3), rf.shape());
    Map<String, ForwardEval.Out> out = ForwardEval.run(
        new java.util.LinkedHashMap<>(Map.of("ar", ar, "rf", rf)),
        Map.of(x, rand(r, 2, 4)));
    assertClose(new long[] {4}, new double[] {0, 1, 2, 3}, out.get("ar"), 0);
    assertClose(new long[] {3}, new double[] {1.5, 2.0, 2.5}, out.get("rf"), 0);
    Graph g2 = new Graph("rg2", DType.FLOAT64);
    Tensor s = g2.input("s", DType.INT64, Shape.SCALAR);
    Tensor ri = ArrayOps.range(s, g2.scalar(10, DType.INT64), g2.scalar(3, DType.INT64));
    assertTrue(!ri.shape().dim(0).isKnown());
    assertClose(new long[] {3}, new double[] {2, 5, 8},
        ForwardEval.run1(ri, Map.of(s, TensorData.ofLongs(new long[0], 2))), 0);
    // Static arange of a known axis is a constant.
    TensorData v = rand(r, 2, 3);
    check((gr, in) -> in.get(0).mul(ArrayOps.cast(ArrayOps.arange(in.get(0), 1),
        DType.FLOAT64)), v);
  }

  @Test
  void constantFills() {
    Graph g = new Graph("cf", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.mixed("B", 3));
    Tensor full = ArrayOps.fullLike(x, 2.5);
    assertEquals(x.shape(), full.shape());
    Tensor z = ArrayOps.constantOfShape(g.int64s(2, 2), 7, DType.INT64);
    assertEquals(Shape.of(2, 2), z.shape());
    Tensor dyn = ArrayOps.constantOfShape(ArrayOps.shapeOf(x), 1, DType.BOOL);
    assertEquals(2, dyn.rank());
    Map<String, ForwardEval.Out> out = ForwardEval.run(
        new java.util.LinkedHashMap<>(Map.of("full", full, "z", z, "dyn", dyn)),
        Map.of(x, rand(r, 2, 3)));
    assertClose(new long[] {2, 3}, new double[] {2.5, 2.5, 2.5, 2.5, 2.5, 2.5},
        out.get("full"), 0);
    assertClose(new long[] {2, 2}, new double[] {7, 7, 7, 7}, out.get("z"), 0);
    assertClose(new long[] {2, 3}, new double[] {1, 1, 1, 1, 1, 1}, out.get("dyn"), 0);
    // No gradient flows through a fill: d/dx (x + zerosLike(x)) is one.
    check((gr, in) -> in.get(0).add(ArrayOps.zerosLike(in.get(0))), rand(r, 2, 3));
  }

  @Test
  void invalidArgumentsAreRejectedWithClearMessages() {
    Graph g = new Graph("bad", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.of(3, 4));
    Tensor m3 = g.input("m3", DType.INT64, Shape.of(1, 2, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ArrayOps.positionIds(m3));
    assertTrue(e.getMessage().contains("[B, T]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ArrayOps.positionIds(x));
    assertTrue(e.getMessage().contains("INT64, INT32 or BOOL"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ArrayOps.constantOfShape(g.int64s(-1, 2), 0, DType.FLOAT64));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ArrayOps.range(g.scalar(0, DType.INT64), g.scalar(3, DType.INT64),
            g.scalar(0, DType.INT64)));
    assertTrue(e.getMessage().contains("non-zero"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ArrayOps.cumSum(ArrayOps.cast(x, DType.BOOL), 0, false, false));
    assertTrue(e.getMessage().contains("CumSum supports"), e.getMessage());
  }
}
