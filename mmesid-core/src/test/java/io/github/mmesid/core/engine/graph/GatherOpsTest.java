package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.ForwardEval.assertClose;
import static io.github.mmesid.core.engine.graph.ForwardEval.eval;
import static io.github.mmesid.core.engine.graph.ForwardEval.randLongs;
import static io.github.mmesid.core.engine.graph.ForwardEval.ravel;
import static io.github.mmesid.core.engine.graph.ForwardEval.symbolic;
import static io.github.mmesid.core.engine.graph.ForwardEval.unravel;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Gather, GatherElements and one-hot: forward values against plain Java, and gradients. */
class GatherOpsTest {
  private final SplittableRandom r = new SplittableRandom(7);

  /** Plain-Java reference of ONNX Gather (negative indices count from the end). */
  private static double[] gatherRef(TensorData x, TensorData idx, int axis, long[] outShape) {
    long[] xs = x.shape();
    double[] xv = x.toDoubles();
    double[] iv = idx.toDoubles();
    int q = idx.shape().length;
    double[] out = new double[(int) TensorData.ofDoubles(outShape,
        new double[numel(outShape)]).numel()];
    for (int o = 0; o < out.length; o++) {
      int[] oi = unravel(o, outShape);
      int[] ii = new int[q];
      System.arraycopy(oi, axis, ii, 0, q);
      long k = (long) iv[q == 0 ? 0 : ravel(ii, idx.shape())];
      if (k < 0) {
        k += xs[axis];
      }
      int[] xi = new int[xs.length];
      for (int d = 0; d < axis; d++) {
        xi[d] = oi[d];
      }
      xi[axis] = (int) k;
      for (int d = axis + 1; d < xs.length; d++) {
        xi[d] = oi[d - 1 + q];
      }
      out[o] = xv[ravel(xi, xs)];
    }
    return out;
  }

  private static int numel(long[] s) {
    int n = 1;
    for (long d : s) {
      n *= (int) d;
    }
    return n;
  }

  @Test
  void embeddingLookupForwardAndDuplicateIndicesAccumulate() {
    TensorData table = rand(r, 5, 3);
    TensorData idx = TensorData.ofLongs(new long[] {2, 4}, 1, 3, 1, 1, 4, 0, 3, -1);
    ForwardEval.Out y = eval(in -> in.get(0).gather(in.get(1)), table, idx);
    long[] outShape = {2, 4, 3};
    assertClose(outShape, gatherRef(table, idx, 0, outShape), y, 0);

    // d/dtable of sum(gather(table, idx) * R): row k receives the sum of R over every index = k.
    double[] rv = rand(r, 2, 4, 3).toDoubles();
    Graph g = new Graph("emb", DType.FLOAT64);
    Tensor t = g.input("table", DType.FLOAT64, Shape.of(5, 3));
    Tensor i = g.input("idx", DType.INT64, Shape.of(2, 4));
    Tensor loss = t.gather(i).mul(g.constant(TensorData.ofDoubles(outShape, rv))).sum(false);
    Tensor grad = Autodiff.gradientList(loss, List.of(t)).get(0);
    ForwardEval.Out gv = ForwardEval.run1(grad, Map.of(t, table, i, idx));
    double[] expected = new double[15];
    long[] iv = {1, 3, 1, 1, 4, 0, 3, 4};
    for (int p = 0; p < iv.length; p++) {
      for (int c = 0; c < 3; c++) {
        expected[(int) iv[p] * 3 + c] += rv[p * 3 + c];
      }
    }
    assertClose(new long[] {5, 3}, expected, gv, 1e-12);
    for (int c = 0; c < 3; c++) {
      // Row 1 is indexed three times (positions 0, 2, 3); row 2 never.
      assertEquals(rv[c] + rv[6 + c] + rv[9 + c], gv.values()[3 + c], 1e-12);
      assertEquals(0.0, gv.values()[6 + c]);
    }
    check((gr, x) -> x.get(0).gather(x.get(1)), table, idx);
    TensorData idx32 = TensorData.ofInts(new long[] {3}, 4, 4, 0);
    check((gr, x) -> x.get(0).gather(x.get(1)), table, idx32);
  }

  @Test
  void generalGatherOnEveryAxisAndIndexRank() {
    TensorData x = rand(r, 3, 4, 3);
    TensorData scalarIdx = TensorData.ofLongs(new long[0], 2);
    TensorData vecIdx = TensorData.ofLongs(new long[] {3}, 0, 2, 0);
    TensorData matIdx = randLongs(r, -2, 2, 2, 2);
    for (int axis = 0; axis < 3; axis++) {
      for (TensorData idx : List.of(scalarIdx, vecIdx, matIdx)) {
        int a = axis;
        long[] xs = x.shape();
        long[] is = idx.shape();
        long[] os = new long[xs.length - 1 + is.length];
        int k = 0;
        for (int d = 0; d < a; d++) {
          os[k++] = xs[d];
        }
        for (long d : is) {
          os[k++] = d;
        }
        for (int d = a + 1; d < xs.length; d++) {
          os[k++] = xs[d];
        }
        ForwardEval.Out y = eval(in -> in.get(0).gather(in.get(1), a), x, idx);
        assertClose(os, gatherRef(x, idx, a, os), y, 0);
        check((gr, in) -> in.get(0).gather(in.get(1), a), x, idx);
      }
    }
  }

  @Test
  void gatherGradientWithSymbolicDims() {
    TensorData x = rand(r, 3, 4, 2);
    TensorData idx = TensorData.ofLongs(new long[] {2, 3}, 1, 1, 0, 3, 1, 2);
    check((g, in) -> symbolic(in.get(0), "A", "B", 2).gather(in.get(1), 1), x, idx);
    check((g, in) -> symbolic(in.get(0), "A", 4, "C").gather(in.get(1), 1), x, idx);
    TensorData idx0 = TensorData.ofLongs(new long[] {4}, 2, 0, 2, 2);
    check((g, in) -> symbolic(in.get(0), "A", "B", 2).gather(in.get(1), 0), x, idx0);
  }

  @Test
  void gatherElementsForwardAndGradientWithRepeats() {
    TensorData x = rand(r, 3, 4);
    for (int axis = 0; axis < 2; axis++) {
      int a = axis;
      long[] is = a == 0 ? new long[] {5, 4} : new long[] {3, 6};
      TensorData idx = randLongs(r, 0, a == 0 ? 3 : 4, is);
      ForwardEval.Out y = eval(in -> in.get(0).gatherElements(in.get(1), a), x, idx);
      double[] xv = x.toDoubles();
      double[] iv = idx.toDoubles();
      double[] ref = new double[iv.length];
      for (int o = 0; o < ref.length; o++) {
        int[] oi = unravel(o, is);
        oi[a] = (int) iv[o];
        ref[o] = xv[ravel(oi, x.shape())];
      }
      assertClose(is, ref, y, 0);
      check((g, in) -> in.get(0).gatherElements(in.get(1), a), x, idx);
    }
    TensorData x3 = rand(r, 2, 3, 4);
    TensorData idx3 = randLongs(r, 0, 3, 2, 2, 4);
    check((g, in) -> in.get(0).gatherElements(in.get(1), -2), x3, idx3);
  }

  @Test
  void oneHotMatchesDefinition() {
    TensorData idx = TensorData.ofLongs(new long[] {2, 3}, 0, 2, 4, 1, 5, -1);
    ForwardEval.Out y = eval(in -> ArrayOps.oneHot(in.get(0), 5, DType.FLOAT64), idx);
    double[] ref = new double[30];
    long[] iv = {0, 2, 4, 1, 5, -1};
    for (int p = 0; p < iv.length; p++) {
      if (iv[p] >= 0 && iv[p] < 5) {
        ref[p * 5 + (int) iv[p]] = 1;
      }
    }
    assertClose(new long[] {2, 3, 5}, ref, y, 0);
    // One-hot as a differentiable selector: sum(oneHot * x) picks x[idx].
    TensorData x = rand(r, 2, 3, 5);
    check((g, in) -> ArrayOps.oneHot(in.get(1), 5, DType.FLOAT64).mul(in.get(0)).sum(false, -1),
        x, idx);
  }

  @Test
  void invalidArgumentsAreRejectedWithClearMessages() {
    Graph g = new Graph("bad", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.of(3, 4));
    Tensor fi = g.input("fi", DType.FLOAT64, Shape.of(2));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> x.gather(fi));
    assertTrue(e.getMessage().contains("INT64"), e.getMessage());
    Tensor i1 = g.input("i1", DType.INT64, Shape.of(3));
    e = assertThrows(IllegalArgumentException.class, () -> x.gatherElements(i1, 0));
    assertTrue(e.getMessage().contains("same rank"), e.getMessage());
    Tensor big = g.input("big", DType.INT64, Shape.of(3, 5));
    e = assertThrows(IllegalArgumentException.class, () -> x.gatherElements(big, 0));
    assertTrue(e.getMessage().contains("axis 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> x.gather(i1, 2));
    assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    assertEquals(Shape.of(3, 3), x.gather(i1, 1).shape());
  }
}
