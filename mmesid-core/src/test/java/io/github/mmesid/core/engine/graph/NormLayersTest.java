package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.ForwardEval.assertClose;
import static io.github.mmesid.core.engine.graph.ForwardEval.eval;
import static io.github.mmesid.core.engine.graph.ForwardEval.symbolic;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** RMSNorm and LayerNorm: forward values against plain Java, gradients in float64. */
class NormLayersTest {
  private final SplittableRandom r = new SplittableRandom(3);

  /** Plain-Java LlamaRMSNorm over rows of length d. */
  private static double[] rmsRef(double[] x, double[] w, int d, double eps) {
    double[] out = new double[x.length];
    for (int row = 0; row < x.length / d; row++) {
      double ss = 0;
      for (int c = 0; c < d; c++) {
        ss += x[row * d + c] * x[row * d + c];
      }
      double inv = 1 / Math.sqrt(ss / d + eps);
      for (int c = 0; c < d; c++) {
        out[row * d + c] = x[row * d + c] * inv * w[c];
      }
    }
    return out;
  }

  /** Plain-Java torch LayerNorm (biased variance) over rows of length d. */
  private static double[] lnRef(double[] x, double[] w, double[] b, int d, double eps) {
    double[] out = new double[x.length];
    for (int row = 0; row < x.length / d; row++) {
      double mean = 0;
      for (int c = 0; c < d; c++) {
        mean += x[row * d + c];
      }
      mean /= d;
      double var = 0;
      for (int c = 0; c < d; c++) {
        double t = x[row * d + c] - mean;
        var += t * t;
      }
      var /= d;
      for (int c = 0; c < d; c++) {
        double y = (x[row * d + c] - mean) / Math.sqrt(var + eps);
        out[row * d + c] = y * (w == null ? 1 : w[c]) + (b == null ? 0 : b[c]);
      }
    }
    return out;
  }

  private static TensorData toFloat(TensorData d) {
    return TensorData.ofReals(DType.FLOAT32, d.shape(), d.toDoubles());
  }

  @Test
  void rmsNormForwardFloat64AndFloat32() {
    TensorData x = rand(r, -3.0, 3.0, 2, 3, 8);
    TensorData w = rand(r, 0.5, 1.5, 8);
    double eps = 1e-5;
    double[] ref = rmsRef(x.toDoubles(), w.toDoubles(), 8, eps);
    assertClose(x.shape(), ref, eval(in -> in.get(0).rmsNorm(in.get(1), eps), x, w), 1e-12);
    TensorData xf = toFloat(x);
    TensorData wf = toFloat(w);
    double[] reff = rmsRef(xf.toDoubles(), wf.toDoubles(), 8, eps);
    assertClose(x.shape(), reff, eval(in -> Layers.rmsNorm(in.get(0), in.get(1), eps), xf, wf),
        2e-6);
  }

  @Test
  void rmsNormGradients() {
    check((g, in) -> Layers.rmsNorm(in.get(0), in.get(1), 1e-6), rand(r, 2, 3, 5),
        rand(r, 0.5, 1.5, 5));
    check((g, in) -> Layers.rmsNorm(in.get(0), in.get(1), 0.1), rand(r, 4, 6),
        rand(r, 6));
    check((g, in) -> Layers.rmsNorm(symbolic(in.get(0), "B", "T", 4), in.get(1), 1e-6),
        rand(r, 2, 3, 4), rand(r, 4));
  }

  @Test
  void layerNormForwardFloat64AndFloat32() {
    TensorData x = rand(r, -2.0, 4.0, 3, 2, 6);
    TensorData w = rand(r, 0.5, 1.5, 6);
    TensorData b = rand(r, 6);
    double eps = 1e-5;
    assertClose(x.shape(), lnRef(x.toDoubles(), w.toDoubles(), b.toDoubles(), 6, eps),
        eval(in -> in.get(0).layerNorm(in.get(1), in.get(2), eps), x, w, b), 1e-12);
    assertClose(x.shape(), lnRef(x.toDoubles(), null, null, 6, eps),
        eval(in -> in.get(0).layerNorm(null, null, eps), x), 1e-12);
    TensorData xf = toFloat(x);
    TensorData wf = toFloat(w);
    TensorData bf = toFloat(b);
    assertClose(x.shape(), lnRef(xf.toDoubles(), wf.toDoubles(), bf.toDoubles(), 6, eps),
        eval(in -> Layers.layerNorm(in.get(0), in.get(1), in.get(2), eps), xf, wf, bf), 5e-6);
  }

  @Test
  void layerNormGradients() {
    check((g, in) -> Layers.layerNorm(in.get(0), in.get(1), in.get(2), 1e-5),
        rand(r, 2, 3, 5), rand(r, 0.5, 1.5, 5), rand(r, 5));
    check((g, in) -> Layers.layerNorm(in.get(0), null, in.get(1), 1e-5), rand(r, 4, 3),
        rand(r, 3));
    check((g, in) -> Layers.layerNorm(symbolic(in.get(0), "N", 7), in.get(1), null, 1e-5),
        rand(r, 3, 7), rand(r, 7));
  }

  @Test
  void invalidArgumentsAreRejectedWithClearMessages() {
    Graph g = new Graph("bad", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.of(2, 4));
    Tensor w3 = g.input("w3", DType.FLOAT64, Shape.of(3));
    Tensor wf = g.input("wf", DType.FLOAT32, Shape.of(4));
    Tensor xi = g.input("xi", DType.INT64, Shape.of(2, 4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Layers.rmsNorm(x, w3, 1e-6));
    assertTrue(e.getMessage().contains("last dimension 4"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Layers.rmsNorm(x, wf, 1e-6));
    assertTrue(e.getMessage().contains("one dtype"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Layers.layerNorm(xi, null, null, 0));
    assertTrue(e.getMessage().contains("floating-point"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Layers.layerNorm(x, null, null, -1));
    assertTrue(e.getMessage().contains("eps"), e.getMessage());
  }
}
