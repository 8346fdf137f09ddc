package io.github.mmesid.core.engine.graph;

import static io.github.mmesid.core.engine.graph.ForwardEval.assertClose;
import static io.github.mmesid.core.engine.graph.ForwardEval.symbolic;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.check;
import static io.github.mmesid.core.engine.graph.GradCheckSupport.rand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Rotary position embeddings against an independent plain-Java transcription of the Hugging Face
 * formulas ({@code _compute_default_rope_parameters}, {@code _compute_llama3_parameters},
 * {@code LlamaRotaryEmbedding.forward}, {@code rotate_half}, {@code apply_rotary_pos_emb}).
 */
class RopeTest {
  private final SplittableRandom r = new SplittableRandom(17);

  /**
   * Reference inverse frequencies, following the vectorised HF steps literally: default
   * frequencies, then {@code where(wavelen > low_wavelen, inv / factor, inv)}, then the smoothed
   * value where the wavelength is medium.
   */
  static double[] refInvFreq(int dim, double base, Layers.RopeScaling s) {
    int half = dim / 2;
    double[] inv = new double[half];
    for (int k = 0; k < half; k++) {
      double exponent = (double) (2 * k) / dim; // arange(0, dim, 2) / dim
      inv[k] = 1.0 / Math.exp(exponent * Math.log(base));
    }
    if (s.type().equals("linear")) {
      for (int k = 0; k < half; k++) {
        inv[k] = inv[k] / s.factor();
      }
    } else if (s.type().equals("llama3")) {
      double oldCtx = s.originalMaxPositionEmbeddings();
      double lowWl = oldCtx / s.lowFreqFactor();
      double highWl = oldCtx / s.highFreqFactor();
      double[] llama = new double[half];
      for (int k = 0; k < half; k++) {
        double wl = 2 * Math.PI / inv[k];
        llama[k] = wl > lowWl ? inv[k] / s.factor() : inv[k];
      }
      for (int k = 0; k < half; k++) {
        double wl = 2 * Math.PI / inv[k];
        double smooth = (oldCtx / wl - s.lowFreqFactor())
            / (s.highFreqFactor() - s.lowFreqFactor());
        double smoothed = (1 - smooth) * llama[k] / s.factor() + smooth * llama[k];
        boolean medium = !(wl < highWl) && !(wl > lowWl);
        if (medium) {
          llama[k] = smoothed;
        }
      }
      inv = llama;
    }
    return inv;
  }

  @Test
  void llama3InverseFrequenciesMatchHandDerivedValues() {
    Layers.RopeScaling s = Layers.RopeScaling.llama3(8, 1, 4, 8192);
    double[] inv = Layers.ropeInvFreq(128, 500000, s);
    assertEquals(64, inv.length);
    // Derived by hand (Llama 3.1 8B: head_dim 128, theta 500000, factor 8, low 1, high 4,
    // original 8192). inv_k = 500000^(-k/64); wavelength 2*pi/inv_k; low_wavelen = 8192/1 =
    // 8192, high_wavelen = 8192/4 = 2048.
    //  k=0 : inv = 1, wavelength 6.28 < 2048 -> unchanged: 1.0
    //  k=16: inv = 500000^-0.25 = 1/26.5915 = 0.0376060; wavelength 167.1 < 2048 -> unchanged
    //  k=32: inv = 500000^-0.5 = 1/707.1068 = 0.00141421356; wavelength 4442.88 is medium:
    //        smooth = (8192/4442.88 - 1)/(4 - 1) = 0.281286;
    //        inv * ((1 - smooth)/8 + smooth) = 0.00141421356 * 0.371125 = 0.000524846
    //  k=48: inv = 500000^-0.75 = 1/18803.0 = 5.31830e-5; wavelength 118143 > 8192 -> /8
    //        = 6.64787e-6
    assertEquals(1.0, inv[0], 1e-15);
    assertEquals(0.0376060, inv[16], 0.0376060 * 1e-5);
    assertEquals(0.000524846, inv[32], 0.000524846 * 1e-5);
    assertEquals(6.64787e-6, inv[48], 6.64787e-6 * 1e-5);
    // k = 28 is the last unchanged frequency, k = 35 the first fully divided one.
    assertEquals(Math.pow(500000, -28 / 64.0), inv[28], 1e-15);
    assertEquals(Math.pow(500000, -35 / 64.0) / 8, inv[35], 1e-18);
    double[] ref = refInvFreq(128, 500000, s);
    for (int k = 0; k < 64; k++) {
      assertEquals(ref[k], inv[k], Math.abs(ref[k]) * 1e-12, "k=" + k);
    }
    // Smoothed band is monotone between the two regimes.
    for (int k = 29; k <= 34; k++) {
      assertTrue(inv[k] < Math.pow(500000, -k / 64.0) && inv[k] > Math.pow(500000, -k / 64.0)
          / 8, "k=" + k + " is interpolated");
    }
  }

  @Test
  void defaultAndLinearFrequencies() {
    double[] d = Layers.ropeInvFreq(8, 10000, Layers.RopeScaling.none());
    assertEquals(1.0, d[0], 1e-15);
    assertEquals(0.1, d[1], 1e-15); // 10000^(-2/8) = 10^-1
    assertEquals(0.01, d[2], 1e-16);
    assertEquals(0.001, d[3], 1e-17);
    double[] l = Layers.ropeInvFreq(8, 10000, Layers.RopeScaling.linear(4));
    for (int k = 0; k < 4; k++) {
      assertEquals(d[k] / 4, l[k], 1e-17);
      assertEquals(refInvFreq(8, 10000, Layers.RopeScaling.linear(4))[k], l[k], 1e-17);
    }
  }

  private static double[][] refTables(long[] pos, double[] inv) {
    int dim = inv.length * 2;
    double[] cos = new double[pos.length * dim];
    double[] sin = new double[pos.length * dim];
    for (int p = 0; p < pos.length; p++) {
      for (int c = 0; c < dim; c++) {
        double angle = pos[p] * inv[c % inv.length]; // emb = cat(freqs, freqs)
        cos[p * dim + c] = Math.cos(angle);
        sin[p * dim + c] = Math.sin(angle);
      }
    }
    return new double[][] {cos, sin};
  }

  @Test
  void cosSinTablesMatchReferenceInFloat64AndFloat32() {
    Layers.RopeScaling s = Layers.RopeScaling.llama3(8, 1, 4, 8192);
    long[] pos = {0, 1, 2, 3, 4, 8190, 8191, 8192, 12345, 131071};
    TensorData pd = TensorData.ofLongs(new long[] {2, 5}, pos);
    double[][] ref = refTables(pos, refInvFreq(16, 500000, s));
    Graph g = new Graph("rope64", DType.FLOAT64);
    Tensor p = g.input("p", DType.INT64, Shape.mixed("B", "T"));
    Layers.RopeTables t = Layers.ropeCosSin(p, 16, 500000, s);
    assertEquals(Shape.mixed("B", "T", 16), t.cos().shape());
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("cos", t.cos());
    outs.put("sin", t.sin());
    Map<String, ForwardEval.Out> res = ForwardEval.run(outs, Map.of(p, pd));
    assertClose(new long[] {2, 5, 16}, ref[0], res.get("cos"), 1e-9);
    assertClose(new long[] {2, 5, 16}, ref[1], res.get("sin"), 1e-9);

    // float32, like HF: angles formed in float32; positions small enough for 1e-5 accuracy.
    long[] small = {0, 1, 2, 3, 5, 8, 13, 21, 34, 55};
    double[][] ref32 = refTables(small, refInvFreq(8, 10000, Layers.RopeScaling.none()));
    Graph g32 = new Graph("rope32", DType.FLOAT32);
    Tensor p32 = g32.input("p", DType.INT64, Shape.of(1, 10));
    Layers.RopeTables t32 = Layers.ropeCosSin(p32, 8, 10000, Layers.RopeScaling.none());
    assertEquals(DType.FLOAT32, t32.cos().dtype());
    Map<String, Tensor> o32 = new LinkedHashMap<>();
    o32.put("cos", t32.cos());
    o32.put("sin", t32.sin());
    Map<String, ForwardEval.Out> r32 = ForwardEval.run(o32,
        Map.of(p32, TensorData.ofLongs(new long[] {1, 10}, small)));
    assertClose(new long[] {1, 10, 8}, ref32[0], r32.get("cos"), 2e-5);
    assertClose(new long[] {1, 10, 8}, ref32[1], r32.get("sin"), 2e-5);
  }

  @Test
  void applyRopeMatchesReference() {
    int b = 2;
    int h = 3;
    int tl = 4;
    int d = 8;
    TensorData q = rand(r, b, h, tl, d);
    long[] pos = {0, 1, 2, 3, 0, 0, 1, 2};
    TensorData pd = TensorData.ofLongs(new long[] {b, tl}, pos);
    double theta = 10000;
    double[][] tab = refTables(pos, refInvFreq(d, theta, Layers.RopeScaling.none()));
    double[] qv = q.toDoubles();
    double[] ref = new double[qv.length];
    int half = d / 2;
    for (int bi = 0; bi < b; bi++) {
      for (int hi = 0; hi < h; hi++) {
        for (int ti = 0; ti < tl; ti++) {
          int base = ((bi * h + hi) * tl + ti) * d;
          int tb = (bi * tl + ti) * d;
          for (int c = 0; c < d; c++) {
            double rot = c < half ? -qv[base + c + half] : qv[base + c - half];
            ref[base + c] = qv[base + c] * tab[0][tb + c] + rot * tab[1][tb + c];
          }
        }
      }
    }
    ForwardEval.Out y = ForwardEval.eval(in -> {
      Layers.RopeTables t = Layers.ropeCosSin(in.get(1), d, theta, Layers.RopeScaling.none());
      return Layers.applyRope(in.get(0), t.cos(), t.sin());
    }, q, pd);
    assertClose(q.shape(), ref, y, 1e-12);
    // Rotation preserves the norm of every (c, c + D/2) pair.
    double[] yv = y.values();
    for (int i = 0; i < qv.length; i += d) {
      for (int c = 0; c < half; c++) {
        double n0 = qv[i + c] * qv[i + c] + qv[i + c + half] * qv[i + c + half];
        double n1 = yv[i + c] * yv[i + c] + yv[i + c + half] * yv[i + c + half];
        assertEquals(n0, n1, 1e-12);
      }
    }
  }

  @Test
  void applyRopeGradients() {
    TensorData q = rand(r, 2, 2, 3, 6);
    TensorData pd = TensorData.ofLongs(new long[] {2, 3}, 0, 1, 2, 5, 6, 7);
    Layers.RopeScaling s = Layers.RopeScaling.llama3(8, 1, 4, 8192);
    check((g, in) -> {
      Layers.RopeTables t = Layers.ropeCosSin(in.get(1), 6, 500000, s);
      return Layers.applyRope(in.get(0), t.cos(), t.sin());
    }, q, pd);
    check((g, in) -> {
      Tensor qs = symbolic(in.get(0), "B", 2, "T", 6);
      Layers.RopeTables t = Layers.ropeCosSin(symbolic(in.get(1), "B", "T"), 6, 10000,
          Layers.RopeScaling.none());
      return Layers.applyRope(qs, t.cos(), t.sin());
    }, q, pd);
    // With respect to the tables too (treated as inputs).
    check((g, in) -> Layers.applyRope(in.get(0), in.get(1), in.get(2)), q, rand(r, 2, 3, 6),
        rand(r, 2, 3, 6));
    check((g, in) -> Layers.rotateHalf(in.get(0)), rand(r, 3, 4));
  }

  @Test
  void invalidArgumentsAreRejectedWithClearMessages() {
    assertMessage(() -> Layers.ropeInvFreq(7, 10000, Layers.RopeScaling.none()), "even");
    assertMessage(() -> Layers.ropeInvFreq(8, 1, Layers.RopeScaling.none()), "theta");
    assertMessage(() -> Layers.RopeScaling.llama3(8, 4, 1, 8192), "low_freq_factor");
    assertMessage(() -> new Layers.RopeScaling("yarn", 2, 0, 0, 0), "allowed: default");
    Graph g = new Graph("bad", DType.FLOAT64);
    Tensor pf = g.input("pf", DType.FLOAT64, Shape.of(1, 3));
    assertMessage(() -> Layers.ropeCosSin(pf, 8, 10000, Layers.RopeScaling.none()), "INT64");
    Tensor q = g.input("q", DType.FLOAT64, Shape.of(1, 2, 3, 8));
    Tensor c6 = g.input("c6", DType.FLOAT64, Shape.of(1, 3, 6));
    assertMessage(() -> Layers.applyRope(q, c6, c6), "head dimension");
    Tensor c3 = g.input("c3", DType.FLOAT64, Shape.of(3, 8));
    assertMessage(() -> Layers.applyRope(q, c3, c3), "[B, T, D]");
  }

  private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(part), () -> "message '" + ex.getMessage()
        + "' should contain '" + part + "'");
  }
}
