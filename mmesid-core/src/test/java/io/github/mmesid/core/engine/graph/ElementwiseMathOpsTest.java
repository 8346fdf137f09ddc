package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;
import static io.github.mmesid.core.engine.graph.OrtEval.assertClose;
import static io.github.mmesid.core.engine.graph.OrtEval.assertShape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.GradientChecker;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Elementwise math ops (pow, square, abs, sign, erf, maximum, minimum, clip): finite-difference
 * gradient checks through ONNX Runtime and forward values against plain-Java references
 * (tolerance 1e-12 relative in float64 unless stated).
 */
class ElementwiseMathOpsTest {
  private static final double TOL = 1e-12;
  private final SplittableRandom r = new SplittableRandom(7);

  private static TensorData doubles(long[] shape, double... v) {
    return TensorData.ofDoubles(shape, v);
  }

  @Test
  void powWithConstantExponent() {
    for (double p : new double[] {3.0, -1.5, 0.5, 2.0}) {
      TensorData x = rand(r, 0.3, 2.0, 3, 4);
      check((g, in) -> in.get(0).pow(p), x);
      assertClose(Ref.unary(x, v -> Math.pow(v, p)),
          OrtEval.forward((g, in) -> in.get(0).pow(p), x), 0, TOL);
    }
    // Integer exponent of negative bases.
    TensorData neg = rand(r, -2.0, -0.3, 5);
    check((g, in) -> in.get(0).pow(3.0), neg);
    assertClose(Ref.unary(neg, v -> v * v * v),
        OrtEval.forward((g, in) -> in.get(0).pow(3.0), neg), 0, TOL);
  }

  @Test
  void powWithTensorExponentBroadcasts() {
    long[][][] shapes = {{{2, 3, 4}, {3, 1}}, {{4}, {2, 3, 4}}, {{3, 1}, {1, 5}}};
    for (long[][] s : shapes) {
      TensorData base = rand(r, 0.2, 2.5, s[0]);
      TensorData exponent = rand(r, -2, 2, s[1]);
      check((g, in) -> in.get(0).pow(in.get(1)), base, exponent);
      OrtEval.Value y = OrtEval.forward((g, in) -> in.get(0).pow(in.get(1)), base, exponent);
      assertShape(y, Ref.broadcast(s[0], s[1]));
      assertClose(Ref.binary(base, exponent, Math::pow), y, 0, TOL);
    }
  }

  @Test
  void powExponentGradientIsZeroForNonPositiveBase() {
    TensorData base = doubles(new long[] {3}, -2, 0, 2);
    TensorData exponent = doubles(new long[] {3}, 2, 2, 2);
    List<OrtEval.Value> gr = OrtEval.gradients((g, in) -> in.get(0).pow(in.get(1)), base,
        exponent);
    assertClose(new double[] {-4, 0, 4}, gr.get(0), 0, TOL);
    assertClose(new double[] {0, 0, 4 * Math.log(2)}, gr.get(1), 0, TOL);
  }

  @Test
  void squareAbsSign() {
    for (long[] shape : new long[][] {{7}, {2, 3, 4}}) {
      TensorData x = rand(r, shape);
      check((g, in) -> in.get(0).square(), x);
      check((g, in) -> in.get(0).abs(), x);
      assertClose(Ref.unary(x, v -> v * v), OrtEval.forward((g, in) -> in.get(0).square(), x),
          0, TOL);
      assertClose(Ref.unary(x, Math::abs), OrtEval.forward((g, in) -> in.get(0).abs(), x), 0,
          0);
    }
    TensorData z = doubles(new long[] {5}, -3, -0.5, 0, 0.25, 4);
    assertClose(new double[] {-1, -1, 0, 1, 1},
        OrtEval.forward((g, in) -> MathOps.sign(in.get(0)), z), 0, 0);
    // |x| has gradient sign(x): 0 at 0; sign has no gradient at all.
    assertClose(new double[] {-1, -1, 0, 1, 1},
        OrtEval.gradients((g, in) -> in.get(0).abs(), z).get(0), 0, 0);
    assertClose(new double[] {0, 0, 0, 0, 0},
        OrtEval.gradients((g, in) -> MathOps.sign(in.get(0)).add(in.get(0).mul(0.0)), z)
            .get(0), 0, 0);
  }

  @Test
  void erfFloat64IsAccurateOnTheWholeLine() {
    double[] pts = new double[401];
    for (int i = 0; i < pts.length; i++) {
      pts[i] = -10 + 0.05 * i + (i % 3) * 1e-3;
    }
    pts[200] = 0;
    pts[100] = 2.5; // cut-over point
    pts[101] = -2.5;
    pts[102] = Math.nextDown(2.5);
    TensorData x = TensorData.ofDoubles(new long[] {pts.length}, pts);
    OrtEval.Value y = OrtEval.forward((g, in) -> in.get(0).erf(), x);
    double[] expected = new double[pts.length];
    for (int i = 0; i < pts.length; i++) {
      expected[i] = Ref.erf(pts[i]);
    }
    assertClose(expected, y, 2e-15, 0);
    // Odd symmetry holds exactly.
    OrtEval.Value yn = OrtEval.forward((g, in) -> in.get(0).neg().erf(), x);
    for (int i = 0; i < pts.length; i++) {
      assertEquals(-y.get(i), yn.get(i), 0.0, "odd symmetry");
    }
    TensorData inf = doubles(new long[] {2}, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY);
    assertClose(new double[] {1, -1}, OrtEval.forward((g, in) -> in.get(0).erf(), inf), 0, 0);
  }

  @Test
  void erfFloat64GradientIsExact() {
    check((g, in) -> in.get(0).erf(), rand(r, -4.0, 4.0, 3, 5));
    check((g, in) -> in.get(0).erf().mul(in.get(1)), rand(r, -3.0, 3.0, 2, 4), rand(r, 4));
    TensorData x = doubles(new long[] {4}, -3, -0.5, 0, 2.6);
    assertClose(Ref.unary(x, v -> 2 / Math.sqrt(Math.PI) * Math.exp(-v * v)),
        OrtEval.gradients((g, in) -> in.get(0).erf(), x).get(0), 0, TOL);
  }

  @Test
  void erfFloat32UsesTheNativeKernel() {
    Graph g = new Graph("erf32");
    Tensor y = g.input("x", DType.FLOAT32, Shape.of(3)).erf();
    assertEquals("Erf", y.producer().opType());
    float[] xs = new float[64];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) r.nextDouble(-4, 4);
    }
    TensorData x = TensorData.ofFloats(new long[] {xs.length}, xs);
    double[] expected = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      expected[i] = Ref.erf(xs[i]);
    }
    // float32 kernel: 1e-6 absolute.
    assertClose(expected, OrtEval.forward((gr, in) -> in.get(0).erf(), x), 1e-6, 0);
    // Gradient check in float32 (no float64 kernel): eps 1e-2, rtol 2e-3, atol 2e-4; the central
    // difference's truncation error at this step is ~1e-4 relative.
    float[] v = new float[12];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextDouble(-2, 2);
    }
    GradCheckSupport.check(new GradientChecker.Options(1e-2, 2e-3, 2e-4, 40, 3),
        (gr, in) -> in.get(0).erf(), TensorData.ofFloats(new long[] {3, 4}, v));
  }

  @Test
  void maximumAndMinimumBroadcast() {
    long[][][] shapes = {{{3, 4}, {4}}, {{2, 1, 3}, {4, 1}}, {{5}, {5}}};
    for (long[][] s : shapes) {
      TensorData a = rand(r, s[0]);
      TensorData b = rand(r, s[1]);
      check((g, in) -> in.get(0).maximum(in.get(1)), a, b);
      check((g, in) -> in.get(0).minimum(in.get(1)), a, b);
      assertClose(Ref.binary(a, b, Math::max),
          OrtEval.forward((g, in) -> in.get(0).maximum(in.get(1)), a, b), 0, 0);
      assertClose(Ref.binary(a, b, Math::min),
          OrtEval.forward((g, in) -> in.get(0).minimum(in.get(1)), a, b), 0, 0);
    }
  }

  @Test
  void maximumSplitsTiesEvenly() {
    TensorData a = doubles(new long[] {3}, 1, 2, 3);
    TensorData b = doubles(new long[] {3}, 2, 2, 1);
    List<OrtEval.Value> gmax = OrtEval.gradients((g, in) -> in.get(0).maximum(in.get(1)), a, b);
    assertClose(new double[] {0, 0.5, 1}, gmax.get(0), 0, 0);
    assertClose(new double[] {1, 0.5, 0}, gmax.get(1), 0, 0);
    List<OrtEval.Value> gmin = OrtEval.gradients((g, in) -> in.get(0).minimum(in.get(1)), a, b);
    assertClose(new double[] {1, 0.5, 0}, gmin.get(0), 0, 0);
    assertClose(new double[] {0, 0.5, 1}, gmin.get(1), 0, 0);
  }

  @Test
  void clipClampsAndMasksTheGradient() {
    TensorData x = rand(r, -2.0, 2.0, 4, 5);
    check((g, in) -> in.get(0).clip(-0.7, 0.9).mul(in.get(0)), x);
    check((g, in) -> in.get(0).clip(Double.NEGATIVE_INFINITY, 0.3), x);
    assertClose(Ref.unary(x, v -> Math.min(0.9, Math.max(-0.7, v))),
        OrtEval.forward((g, in) -> in.get(0).clip(-0.7, 0.9), x), 0, 0);
    assertClose(Ref.unary(x, v -> Math.max(-0.7, v)),
        OrtEval.forward((g, in) -> in.get(0).clip(-0.7, Double.POSITIVE_INFINITY), x), 0, 0);
    TensorData edges = doubles(new long[] {5}, -1, -0.5, 0, 0.5, 1);
    // Bounds are inclusive for the gradient, as in PyTorch.
    assertClose(new double[] {0, 1, 1, 1, 0},
        OrtEval.gradients((g, in) -> in.get(0).clip(-0.5, 0.5), edges).get(0), 0, 0);
    Graph g = new Graph("clip");
    Tensor t = g.input("t", DType.FLOAT64, Shape.of(2));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> t.clip(1, 0));
    assertTrue(e.getMessage().contains("lo <= hi"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> t.clip(Double.NaN, 0));
  }

  @Test
  void clipOfIntegers() {
    Graph g = new Graph("clipint");
    Tensor t = g.input("t", DType.INT64, Shape.of(4));
    OrtEval.Value v = OrtEval.run1(g, t.clip(0, 9), java.util.Map.of("t",
        TensorData.ofLongs(new long[] {4}, -5, 0, 7, 12)));
    assertClose(new double[] {0, 0, 7, 9}, v, 0, 0);
  }

  @Test
  void argumentValidation() {
    Graph g = new Graph("bad");
    Tensor f = g.input("f", DType.FLOAT64, Shape.of(2, 3));
    Tensor f32 = g.input("f32", DType.FLOAT32, Shape.of(2, 3));
    Tensor i = g.input("i", DType.INT64, Shape.of(2, 3));
    Tensor b = g.input("b", DType.BOOL, Shape.of(2, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> f.pow(f32));
    assertTrue(e.getMessage().contains("one dtype"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> f.pow(Double.NaN));
    assertTrue(e.getMessage().contains("finite"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> i.erf());
    assertTrue(e.getMessage().contains("FLOAT32, FLOAT64"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.abs());
    assertTrue(e.getMessage().contains("numeric"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> f.maximum(g.input("w", DType.FLOAT64, Shape.of(4))));
    assertTrue(e.getMessage().contains("Max") && e.getMessage().contains("broadcast"),
        e.getMessage());
  }
}
