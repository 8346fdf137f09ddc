package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.ForwardEval.assertClose;
import static io.github.mmesid.core.engine.graph.ForwardEval.symbolic;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Attention masks and grouped-query scaled dot-product attention against a plain-Java reference
 * (causal + left padding), and finite-difference gradients through the whole attention.
 */
class AttentionTest {
  private final SplittableRandom r = new SplittableRandom(23);

  /** 1 = token, 0 = padding: row 0 left-padded by two, row 1 full, row 2 right-padded. */
  private static final long[] MASK = {
      0, 0, 1, 1, 1,
      1, 1, 1, 1, 1,
      1, 1, 1, 0, 0};

  /**
   * Plain-Java attention: for query head h the key/value head is h / (Hq / Hkv); scores = q.k *
   * scale + (0 if j <= i and key j is a token else maskValue); max-subtracted softmax; weighted
   * sum of values.
   */
  private static double[] reference(double[] q, double[] k, double[] v, long[] am, int b,
      int hq, int hkv, int t, int d, int dv, double scale, double maskValue) {
    double[] out = new double[b * hq * t * dv];
    int rep = hq / hkv;
    for (int bi = 0; bi < b; bi++) {
      for (int h = 0; h < hq; h++) {
        int kh = h / rep;
        for (int i = 0; i < t; i++) {
          double[] s = new double[t];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < t; j++) {
            double dot = 0;
            for (int c = 0; c < d; c++) {
              dot += q[((bi * hq + h) * t + i) * d + c] * k[((bi * hkv + kh) * t + j) * d + c];
            }
            boolean allowed = am == null || (j <= i && am[bi * t + j] != 0);
            s[j] = dot * scale + (allowed ? 0 : maskValue);
            max = Math.max(max, s[j]);
          }
          double z = 0;
          for (int j = 0; j < t; j++) {
            s[j] = Math.exp(s[j] - max);
            z += s[j];
          }
          for (int c = 0; c < dv; c++) {
            double acc = 0;
            for (int j = 0; j < t; j++) {
              acc += s[j] / z * v[((bi * hkv + kh) * t + j) * dv + c];
            }
            out[((bi * hq + h) * t + i) * dv + c] = acc;
          }
        }
      }
    }
    return out;
  }

  @Test
  void causalPaddingMaskValues() {
    TensorData am = TensorData.ofLongs(new long[] {3, 5}, MASK);
    for (DType ft : List.of(DType.FLOAT64, DType.FLOAT32)) {
      Graph g = new Graph("mask", ft);
      Tensor m = g.input("m", DType.INT64, Shape.mixed("B", "T"));
      Tensor add = Layers.causalPaddingMask(m);
      assertEquals(Shape.mixed("B", 1, "T", "T"), add.shape());
      assertEquals(ft, add.dtype());
      ForwardEval.Out y = ForwardEval.run1(add, java.util.Map.of(m, am));
      double mv = Layers.maskValue(ft);
      double[] ref = new double[3 * 5 * 5];
      for (int b = 0; b < 3; b++) {
        for (int i = 0; i < 5; i++) {
          for (int j = 0; j < 5; j++) {
            ref[(b * 5 + i) * 5 + j] = j <= i && MASK[b * 5 + j] == 1 ? 0 : mv;
          }
        }
      }
      assertClose(new long[] {3, 1, 5, 5}, ref, y, 0);
      assertTrue(Double.isFinite(mv) && mv < -1e37);
    }
  }

  @Test
  void repeatKvMatchesHuggingFaceLayout() {
    TensorData x = rand(r, 2, 2, 3, 4);
    ForwardEval.Out y = ForwardEval.eval(in -> Layers.repeatKv(symbolic(in.get(0), "B", 2, "S",
        4), 3), x);
    double[] xv = x.toDoubles();
    double[] ref = new double[2 * 6 * 3 * 4];
    for (int b = 0; b < 2; b++) {
      for (int h = 0; h < 6; h++) {
        for (int e = 0; e < 12; e++) {
          ref[(b * 6 + h) * 12 + e] = xv[(b * 2 + h / 3) * 12 + e];
        }
      }
    }
    assertClose(new long[] {2, 6, 3, 4}, ref, y, 0);
  }

  @Test
  void groupedQueryAttentionMatchesReferenceWithCausalLeftPadding() {
    int b = 3;
    int t = 5;
    int d = 4;
    for (int[] heads : new int[][] {{4, 2}, {4, 1}, {2, 2}}) {
      int hq = heads[0];
      int hkv = heads[1];
      TensorData q = rand(r, -2.0, 2.0, b, hq, t, d);
      TensorData k = rand(r, -2.0, 2.0, b, hkv, t, d);
      TensorData v = rand(r, b, hkv, t, 3);
      TensorData am = TensorData.ofLongs(new long[] {b, t}, MASK);
      double scale = 1 / Math.sqrt(d);
      ForwardEval.Out y = ForwardEval.eval(in -> Layers.scaledDotProductAttention(in.get(0),
          in.get(1), in.get(2), Layers.causalPaddingMask(in.get(3))), q, k, v, am);
      double[] ref = reference(q.toDoubles(), k.toDoubles(), v.toDoubles(), MASK, b, hq, hkv,
          t, d, 3, scale, Layers.maskValue(DType.FLOAT64));
      assertClose(new long[] {b, hq, t, 3}, ref, y, 1e-12);
      for (double e : y.values()) {
        assertTrue(Double.isFinite(e), "fully masked (left-padding) query rows stay finite");
      }
      // Fully masked rows (batch 0, queries 0 and 1) average all values uniformly.
      double[] vv = v.toDoubles();
      double mean = 0;
      for (int j = 0; j < t; j++) {
        mean += vv[j * 3] / t;
      }
      assertEquals(mean, y.values()[0], 1e-12);

      // float32: same reference on the float-rounded inputs.
      TensorData qf = TensorData.ofReals(DType.FLOAT32, q.shape(), q.toDoubles());
      TensorData kf = TensorData.ofReals(DType.FLOAT32, k.shape(), k.toDoubles());
      TensorData vf = TensorData.ofReals(DType.FLOAT32, v.shape(), v.toDoubles());
      ForwardEval.Out yf = ForwardEval.eval(in -> Layers.scaledDotProductAttention(in.get(0),
          in.get(1), in.get(2), Layers.causalPaddingMask(in.get(3)), scale), qf, kf, vf, am);
      double[] reff = reference(qf.toDoubles(), kf.toDoubles(), vf.toDoubles(), MASK, b, hq,
          hkv, t, d, 3, scale, Layers.maskValue(DType.FLOAT32));
      assertClose(new long[] {b, hq, t, 3}, reff, yf, 2e-6);
    }
    // No mask at all.
    TensorData q = rand(r, 1, 2, 3, 4);
    TensorData k = rand(r, 1, 1, 3, 4);
    TensorData v = rand(r, 1, 1, 3, 4);
    ForwardEval.Out y = ForwardEval.eval(in -> Layers.scaledDotProductAttention(in.get(0),
        in.get(1), in.get(2), null, 0.75), q, k, v);
    assertClose(new long[] {1, 2, 3, 4}, reference(q.toDoubles(), k.toDoubles(), v.toDoubles(),
        null, 1, 2, 1, 3, 4, 4, 0.75, 0), y, 1e-12);
    // ONNX Runtime fuses MatMul + scalar Mul into FusedMatMul, whose alpha is a float32
    // attribute: in float64 graphs a scale that float32 cannot represent (0.7) is rounded, so
    // agreement is ~1e-8 relative instead of 1e-12.
    ForwardEval.Out y7 = ForwardEval.eval(in -> Layers.scaledDotProductAttention(in.get(0),
        in.get(1), in.get(2), null, 0.7), q, k, v);
    assertClose(new long[] {1, 2, 3, 4}, reference(q.toDoubles(), k.toDoubles(), v.toDoubles(),
        null, 1, 2, 1, 3, 4, 4, 0.7, 0), y7, 1e-7);
  }

  @Test
  void attentionGradientsThroughQueriesKeysAndValues() {
    TensorData am = TensorData.ofLongs(new long[] {3, 5}, MASK);
    // GQA with causal + left/right padding; the loss ignores padding query rows, as training
    // losses do (their outputs are arbitrary).
    check((g, in) -> {
      Tensor out = Layers.scaledDotProductAttention(in.get(0), in.get(1), in.get(2),
          Layers.causalPaddingMask(in.get(3)));
      Tensor queryValid = ArrayOps.unsqueeze(ArrayOps.cast(in.get(3), g.floatType()), 1, 3);
      return out.mul(queryValid);
    }, rand(r, 3, 4, 5, 4), rand(r, 3, 2, 5, 4), rand(r, 3, 2, 5, 3), am);
    // Symbolic batch and length, multi-query.
    check((g, in) -> Layers.scaledDotProductAttention(symbolic(in.get(0), "B", 2, "T", 4),
        symbolic(in.get(1), "B", 1, "T", 4), symbolic(in.get(2), "B", 1, "T", 4),
        Layers.additiveMask(Layers.causalMask(in.get(0), 2), g.floatType()), 0.5),
        rand(r, 2, 2, 3, 4), rand(r, 2, 1, 3, 4), rand(r, 2, 1, 3, 4));
    // Unmasked, different key length than query length.
    check((g, in) -> Layers.scaledDotProductAttention(in.get(0), in.get(1), in.get(2), null),
        rand(r, 1, 2, 2, 4), rand(r, 1, 2, 4, 4), rand(r, 1, 2, 4, 2));
  }

  @Test
  void invalidArgumentsAreRejectedWithClearMessages() {
    Graph g = new Graph("bad", DType.FLOAT64);
    Tensor q = g.input("q", DType.FLOAT64, Shape.of(1, 3, 4, 8));
    Tensor k2 = g.input("k2", DType.FLOAT64, Shape.of(1, 2, 4, 8));
    Tensor k1 = g.input("k1", DType.FLOAT64, Shape.of(1, 1, 4, 6));
    Tensor v1 = g.input("v1", DType.FLOAT64, Shape.of(1, 1, 4, 8));
    Tensor m = g.input("m", DType.FLOAT64, Shape.of(1, 1, 4, 5));
    Tensor k = g.input("k", DType.FLOAT64, Shape.of(1, 1, 4, 8));
    assertMessage(() -> Layers.scaledDotProductAttention(q, k2, k2, null), "Hq % Hkv == 0");
    assertMessage(() -> Layers.scaledDotProductAttention(q, k1, v1, null), "head dimension");
    assertMessage(() -> Layers.scaledDotProductAttention(q, k, v1, m), "does not broadcast");
    assertMessage(() -> Layers.scaledDotProductAttention(q, k, v1, null, -1), "scale");
    Tensor am = g.input("am", DType.FLOAT64, Shape.of(1, 4));
    assertMessage(() -> Layers.causalPaddingMask(am), "INT64, INT32 or BOOL");
    assertMessage(() -> Layers.maskValue(DType.INT64), "FLOAT32 or FLOAT64");
  }

  private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(part), () -> "message '" + ex.getMessage()
        + "' should contain '" + part + "'");
  }
}
