package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;
import static io.github.mmesid.core.engine.graph.OrtEval.assertClose;
import static io.github.mmesid.core.engine.graph.OrtEval.assertShape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Max/min reductions, arg-max/arg-min and top-k: gradient checks through ONNX Runtime (float64)
 * and forward values against plain-Java references (exact: these ops only select values).
 */
class ReductionSelectionOpsTest {
  private final SplittableRandom r = new SplittableRandom(11);

  @Test
  void reduceMaxAndMinOverAxes() {
    long[] shape = {3, 4, 5};
    int[][] axesList = {{}, {0}, {2}, {0, 2}, {1}};
    for (int[] axes : axesList) {
      for (boolean keep : new boolean[] {true, false}) {
        TensorData x = rand(r, shape);
        int[] refAxes = axes.length == 0 ? new int[] {0, 1, 2} : axes;
        check((g, in) -> in.get(0).max(keep, axes), x);
        check((g, in) -> in.get(0).min(keep, axes), x);
        OrtEval.Value mx = OrtEval.forward((g, in) -> in.get(0).max(keep, axes), x);
        assertShape(mx, Ref.reducedShape(shape, refAxes, keep));
        assertClose(Ref.reduce(x, refAxes, Math::max, Double.NEGATIVE_INFINITY), mx, 0, 0);
        assertClose(Ref.reduce(x, refAxes, Math::min, Double.POSITIVE_INFINITY),
            OrtEval.forward((g, in) -> in.get(0).min(keep, axes), x), 0, 0);
      }
    }
  }

  @Test
  void reduceMaxSplitsGradientAmongTies() {
    TensorData x = TensorData.ofDoubles(new long[] {2, 4}, 1, 3, 3, 0, 5, 2, 5, 5);
    assertClose(new double[] {0, 0.5, 0.5, 0, 1.0 / 3, 0, 1.0 / 3, 1.0 / 3},
        OrtEval.gradients((g, in) -> in.get(0).max(false, 1), x).get(0), 0, 1e-15);
    // Over all axes: the three 5s share the gradient.
    assertClose(new double[] {0, 0, 0, 0, 1.0 / 3, 0, 1.0 / 3, 1.0 / 3},
        OrtEval.gradients((g, in) -> in.get(0).max(true), x).get(0), 0, 1e-15);
    TensorData y = TensorData.ofDoubles(new long[] {4}, 2, -1, 7, -1);
    assertClose(new double[] {0, 0.5, 0, 0.5},
        OrtEval.gradients((g, in) -> in.get(0).min(false, 0), y).get(0), 0, 0);
  }

  @Test
  void reduceMaxOfIntegers() {
    Graph g = new Graph("imax");
    Tensor t = g.input("t", DType.INT64, Shape.of(2, 3));
    OrtEval.Value v = OrtEval.run1(g, t.max(false, 1),
        Map.of("t", TensorData.ofLongs(new long[] {2, 3}, 4, -9, 8, -3, -2, -7)));
    assertClose(new double[] {8, -2}, v, 0, 0);
  }

  @Test
  void argMaxAndArgMinPickTheFirstExtremum() {
    TensorData x = TensorData.ofDoubles(new long[] {2, 4}, 1, 3, 3, 0, -5, 2, -5, 2);
    OrtEval.Value amax = OrtEval.forward((g, in) -> in.get(0).argMax(1, false), x);
    assertShape(amax, 2);
    assertClose(new double[] {1, 1}, amax, 0, 0);
    OrtEval.Value amin = OrtEval.forward((g, in) -> in.get(0).argMin(-1, true), x);
    assertShape(amin, 2, 1);
    assertClose(new double[] {3, 0}, amin, 0, 0);
    assertClose(new double[] {0, 0, 0, 1},
        OrtEval.forward((g, in) -> in.get(0).argMax(0, false), x), 0, 0);
    // Random 3-D input against a loop reference.
    TensorData z = rand(r, 3, 5, 4);
    double[] v = z.toDoubles();
    double[] ref = new double[3 * 4];
    for (int i = 0; i < 3; i++) {
      for (int k = 0; k < 4; k++) {
        int best = 0;
        for (int j = 1; j < 5; j++) {
          if (v[(i * 5 + j) * 4 + k] > v[(i * 5 + best) * 4 + k]) {
            best = j;
          }
        }
        ref[i * 4 + k] = best;
      }
    }
    assertClose(ref, OrtEval.forward((g, in) -> in.get(0).argMax(1, false), z), 0, 0);
    Graph g = new Graph("argmax");
    Tensor a = g.input("a", DType.FLOAT64, Shape.mixed("batch", 5)).argMax(-1, false);
    assertEquals(DType.INT64, a.dtype());
    assertEquals(Shape.mixed("batch"), a.shape());
  }

  /** Reference top-k of each slice along {@code axis}: values and indices, stable order. */
  private static double[][] topKRef(TensorData x, int k, int axis, boolean largest) {
    long[] s = x.shape();
    double[] v = x.toDoubles();
    long[] outShape = s.clone();
    outShape[axis] = k;
    int n = (int) Ref.numel(outShape);
    double[] vals = new double[n];
    double[] idx = new double[n];
    for (int o = 0; o < n; o++) {
      long[] oi = Ref.unravel(o, outShape);
      List<Integer> order = new ArrayList<>();
      for (int j = 0; j < s[axis]; j++) {
        order.add(j);
      }
      Comparator<Integer> byValue = Comparator.comparingDouble(j -> {
        long[] ii = oi.clone();
        ii[axis] = j;
        return v[Ref.broadcastIndex(ii, s)];
      });
      order.sort(largest ? byValue.reversed().thenComparing(j -> j) : byValue);
      int j = order.get((int) oi[axis]);
      long[] ii = oi.clone();
      ii[axis] = j;
      vals[o] = v[Ref.broadcastIndex(ii, s)];
      idx[o] = j;
    }
    return new double[][] {vals, idx};
  }

  @Test
  void topKValuesAndIndices() {
    Object[][] cases = {{new long[] {4, 6}, 3, 1, true}, {new long[] {4, 6}, 2, 0, false},
        {new long[] {2, 5, 3}, 5, 1, true}, {new long[] {7}, 1, 0, false}};
    for (Object[] c : cases) {
      long[] shape = (long[]) c[0];
      int k = (Integer) c[1];
      int axis = (Integer) c[2];
      boolean largest = (Boolean) c[3];
      TensorData x = rand(r, shape);
      Graph g = new Graph("topk", DType.FLOAT64);
      MathOps.TopK t = g.input("x0", DType.FLOAT64, Shape.of(shape)).topK(k, axis, largest);
      assertEquals(DType.INT64, t.indices().dtype());
      Map<String, Tensor> outs = new LinkedHashMap<>();
      outs.put("v", t.values());
      outs.put("i", t.indices());
      Map<String, OrtEval.Value> res = OrtEval.run(g, outs, Map.of("x0", x));
      double[][] ref = topKRef(x, k, axis, largest);
      long[] outShape = shape.clone();
      outShape[axis] = k;
      assertShape(res.get("v"), outShape);
      assertClose(ref[0], res.get("v"), 0, 0);
      assertClose(ref[1], res.get("i"), 0, 0);
      check((gr, in) -> in.get(0).topK(k, axis, largest).values(), x);
    }
  }

  @Test
  void topKGradientScattersToSelectedPositions() {
    TensorData x = TensorData.ofDoubles(new long[] {2, 4}, 0.1, 0.9, 0.5, 0.7, 3, 1, 2, 4);
    // d/dx sum(top2 values * [1, 10]) routes 1 and 10 to the largest and second largest.
    OrtEval.Value gx = OrtEval.gradients((g, in) -> in.get(0).topK(2, 1, true).values()
        .mul(g.constant(TensorData.ofDoubles(new long[] {2}, 1, 10))), x).get(0);
    assertClose(new double[] {0, 1, 0, 10, 10, 0, 0, 1}, gx, 0, 0);
  }

  @Test
  void argumentValidation() {
    Graph g = new Graph("bad");
    Tensor x = g.input("x", DType.FLOAT64, Shape.of(3, 4));
    Tensor s = g.input("s", DType.FLOAT64, Shape.SCALAR);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> x.topK(5, 1, true));
    assertTrue(e.getMessage().contains("1..4"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> x.topK(0, 1, true));
    e = assertThrows(IllegalArgumentException.class, () -> x.argMax(2, false));
    assertTrue(e.getMessage().contains("[-2, 1]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> s.argMin(0, false));
    assertTrue(e.getMessage().contains("rank >= 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> x.max(false, 0, 0));
    assertTrue(e.getMessage().contains("Duplicate"), e.getMessage());
    // Arg-extrema are marked as carrying no gradient.
    assertSame(Vjp.NONE, x.argMax(0, false).producer().vjp());
  }
}
