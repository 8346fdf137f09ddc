package io.github.mmesid.llm.mmesid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.llm.mmesid.MmeSidReference.Modality;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

/** Hand-computed and property checks of {@link MmeSidReference}. */
class MmeSidReferenceTest {

  // x * Phi(x) for the x values used below (Phi = standard normal CDF, tabulated).
  private static final double GELU_05 = 0.34573123063700656;
  private static final double GELU_1 = 0.8413447460685429;
  private static final double GELU_15 = 1.399789198096713;
  private static final double GELU_2 = 1.9544997361036416;
  private static final double GELU_25 = 2.4844758366855597;
  private static final double GELU_4 = 3.9998733150326675;
  private static final double GELU_M2 = -0.04550026389635842;

  private static final List<Modality> ONE = List.of(new Modality("a", 2, 2, 3, 2));
  private static final List<Modality> THREE = List.of(new Modality("collab", 3, 2, 4, 5),
      new Modality("image", 4, 3, 5, 3), new Modality("text", 2, 2, 3, 3));

  private static Map<String, double[]> zeros(List<Modality> mods, int h, int n, boolean sid) {
    Map<String, double[]> p = new LinkedHashMap<>();
    MmeSidReference.shapes(mods, h, n, sid).forEach((k, len) -> p.put(k, new double[len]));
    return p;
  }

  /** 1 modality, H = 2, N = 3, d = 2, L = 2, K = 3, e = H (no sid_proj). */
  private static Map<String, double[]> handParams(boolean sid) {
    Map<String, double[]> p = zeros(ONE, 2, 3, sid);
    p.put("mod.a.table", new double[] {0, 0, 1, 0, 0, 1, 1, 1});
    p.put("mod.a.proj.weight", new double[] {1, 2, 3, 4});
    p.put("mod.a.proj.bias", new double[] {0.5, -0.5});
    if (sid) {
      p.put("mod.a.codes", new double[] {0, 0, 0, 1, 2, 0, 1, 1});
      p.put("mod.a.sid.0", new double[] {1, 0, 0, 1, 1, 1});
      p.put("mod.a.sid.1", new double[] {0, 0, 2, 0, 0, -1});
      p.put("fusion.0.weight", new double[] {1, 0, 0, -1, 0, -1, 1, 0});
    } else {
      p.put("fusion.0.weight", new double[] {1, 0, 0, 1});
    }
    p.put("fusion.1.weight", new double[] {1, 1, 1, -1});
    p.put("fusion.1.bias", new double[] {0, -1});
    p.put("score.items", new double[] {1, 0, 0, 1, 2, -1});
    return p;
  }

  @Test
  void handComputedItemEmbeddingsWithSid() {
    MmeSidReference r = new MmeSidReference(handParams(true), ONE, 2, 3, true, false, 1.0);
    // P(1) = W[1,0] + b = [1.5, 2.5]; C(1) = sid0[0] + sid1[1] = [1,0] + [2,0] = [3, 0].
    assertArrayEquals(new double[] {1.5, 2.5, 3, 0}, r.itemInput(1), 0);
    assertArrayEquals(new double[] {2.5, 3.5, 1, 1}, r.itemInput(2), 0);
    assertArrayEquals(new double[] {3.5, 6.5, 2, 1}, r.itemInput(3), 0);
    // item 1: fusion.0 -> [1.5 - 0, -2.5 + 3] = [1.5, 0.5]; fusion.1 -> [2, 1 - 1] = [2, 0].
    assertArrayEquals(new double[] {GELU_2, 0}, r.itemEmbedding(1), 1e-15);
    // item 2: [1.5, -2.5] -> ReLU [1.5, 0] -> [1.5, 0.5].
    assertArrayEquals(new double[] {GELU_15, GELU_05}, r.itemEmbedding(2), 1e-15);
    // item 3: [2.5, -4.5] -> ReLU [2.5, 0] -> [2.5, 1.5].
    assertArrayEquals(new double[] {GELU_25, GELU_15}, r.itemEmbedding(3), 1e-15);
    double[][] hist = r.historyEmbeddings(new int[] {3, 1, 3});
    assertEquals(3, hist.length);
    assertArrayEquals(r.itemEmbedding(3), hist[0], 0);
    assertArrayEquals(r.itemEmbedding(1), hist[1], 0);
    assertArrayEquals(r.itemEmbedding(3), hist[2], 0);
  }

  @Test
  void handComputedItemEmbeddingsWithoutSid() {
    MmeSidReference r = new MmeSidReference(handParams(false), ONE, 2, 3, false, false, 1.0);
    assertArrayEquals(new double[] {1.5, 2.5}, r.itemInput(1), 0);
    // fusion.0 = identity -> [1.5, 2.5]; fusion.1 -> [4, 1.5 - 2.5 - 1] = [4, -2].
    assertArrayEquals(new double[] {GELU_4, GELU_M2}, r.itemEmbedding(1), 1e-15);
    assertThrows(IllegalStateException.class, () -> r.sidEmbedding(0, 1));
  }

  @Test
  void sidProjectionWhenSidDimDiffersFromHidden() {
    List<Modality> mods = List.of(new Modality("v", 1, 2, 2, 3));
    Map<String, double[]> p = zeros(mods, 2, 1, true);
    p.put("mod.v.codes", new double[] {0, 0, 1, 0});
    p.put("mod.v.sid.0", new double[] {9, 9, 9, 1, 2, 3});
    p.put("mod.v.sid.1", new double[] {0, 1, 0, 5, 5, 5});
    p.put("mod.v.sid_proj.weight", new double[] {1, 0, 1, 0, 2, 0});
    MmeSidReference r = new MmeSidReference(p, mods, 2, 1, true, false, 1.0);
    // sum = [1,2,3] + [0,1,0] = [1,3,3]; proj -> [1 + 3, 6] = [4, 6].
    assertArrayEquals(new double[] {4, 6}, r.sidEmbedding(0, 1), 0);
  }

  @Test
  void handComputedFrequencyHeadAndFusedLogits() {
    Map<String, double[]> p = handParams(true);
    p.put("freq.f", new double[] {1, 0, 0.5});
    p.get("freq.0.weight")[0] = 1;
    p.get("freq.1.weight")[0] = -1;
    p.get("freq.2.weight")[0] = -1;
    p.get("freq.3.weight")[64] = 1; // row 1, column 0
    p.put("freq.3.bias", new double[] {0.25, 0});
    MmeSidReference r = new MmeSidReference(p, ONE, 2, 3, true, true, 1.0);
    // f = 1: GELU(1) -> *(-1) -> *(-1) (no activation between) -> GELU -> GELU(GELU(1)).
    double gg1 = 0.673010664169404;
    assertArrayEquals(new double[] {0.25, gg1}, r.gate(1), 1e-15);
    assertArrayEquals(new double[] {0.25, 0}, r.gate(2), 0);
    double w1 = 1 / (1 + Math.exp(0.25 - gg1));
    assertArrayEquals(new double[] {1 - w1, w1}, r.weights(1), 1e-15);
    double w2 = 1 / (1 + Math.exp(0.25));
    // F_1 = w0 S_1 + w1 P(1) with S_1 = [1, 0], P(1) = [1.5, 2.5].
    assertArrayEquals(new double[] {(1 - w1) + 1.5 * w1, 2.5 * w1}, r.fusedItem(1), 1e-15);
    double[] user = {1, -1};
    double[] z = r.logits(user);
    assertEquals(4, z.length);
    assertTrue(Double.isNaN(z[0]));
    assertEquals((1 - w1) * 1 + w1 * (1.5 - 2.5), z[1], 1e-15);
    assertEquals((1 - w2) * (0 - 1) + w2 * (2.5 - 3.5), z[2], 1e-15);
    double lse = Math.log(Math.exp(z[1]) + Math.exp(z[2]) + Math.exp(z[3]));
    assertEquals(lse - z[2], r.crossEntropy(user, 2), 1e-14);
    // tau scales the gate: tau = 0.5 doubles the gap.
    MmeSidReference half = new MmeSidReference(p, ONE, 2, 3, true, true, 0.5);
    assertEquals(1 / (1 + Math.exp(2 * (0.25 - gg1))), half.weights(1)[1], 1e-15);
  }

  @Test
  void unfusedScoringUsesScoreRowsOnly() {
    Map<String, double[]> p = MmeSidReference.randomParameters(THREE, 4, 6, true, 7);
    MmeSidReference r = new MmeSidReference(p, THREE, 4, 6, true, false, 1e-3);
    double[] s = p.get("score.items");
    for (int i = 1; i <= 6; i++) {
      assertArrayEquals(java.util.Arrays.copyOfRange(s, (i - 1) * 4, i * 4), r.fusedItem(i), 0);
    }
  }

  @Test
  void weightsAreADistributionAndOneHotAsTauVanishes() {
    Map<String, double[]> p = MmeSidReference.randomParameters(THREE, 4, 20, true, 11);
    for (double tau : new double[] {10, 1, 1e-3}) {
      MmeSidReference r = new MmeSidReference(p, THREE, 4, 20, true, true, tau);
      for (int i = 1; i <= 20; i++) {
        double sum = 0;
        for (double w : r.weights(i)) {
          assertTrue(w >= 0 && w <= 1);
          sum += w;
        }
        assertEquals(1, sum, 1e-14);
      }
    }
    MmeSidReference cold = new MmeSidReference(p, THREE, 4, 20, true, true, 1e-9);
    for (int i = 1; i <= 20; i++) {
      double[] g = cold.gate(i);
      int arg = 0;
      for (int k = 1; k < g.length; k++) {
        arg = g[k] > g[arg] ? k : arg;
      }
      double[] w = cold.weights(i);
      for (int k = 0; k < w.length; k++) {
        assertEquals(k == arg ? 1 : 0, w[k], 1e-12, "item " + i + " weight " + k);
      }
    }
  }

  @Test
  void permutingItemsPermutesLogits() {
    int n = 7;
    int h = 4;
    int[] perm = {0, 3, 1, 7, 2, 6, 4, 5}; // new item j is old item perm[j]
    Map<String, double[]> p = MmeSidReference.randomParameters(THREE, h, n, true, 3);
    Map<String, double[]> q = new LinkedHashMap<>(p);
    for (Modality m : THREE) {
      q.put("mod." + m.name() + ".table", permuteRows(p.get("mod." + m.name() + ".table"),
          m.inputDim(), perm, 0));
      q.put("mod." + m.name() + ".codes", permuteRows(p.get("mod." + m.name() + ".codes"),
          m.levels(), perm, 0));
    }
    q.put("score.items", permuteRows(p.get("score.items"), h, perm, 1));
    q.put("freq.f", permuteRows(p.get("freq.f"), 1, perm, 1));
    double[] user = {0.3, -1.2, 0.7, 2.0};
    for (boolean fused : new boolean[] {true, false}) {
      MmeSidReference a = new MmeSidReference(p, THREE, h, n, true, fused, 0.5);
      MmeSidReference b = new MmeSidReference(q, THREE, h, n, true, fused, 0.5);
      double[] za = a.logits(user);
      double[] zb = b.logits(user);
      for (int j = 1; j <= n; j++) {
        assertEquals(za[perm[j]], zb[j], 0);
        assertArrayEquals(a.itemEmbedding(perm[j]), b.itemEmbedding(j), 0);
        assertEquals(a.crossEntropy(user, perm[j]), b.crossEntropy(user, j), 1e-13);
      }
    }
  }

  /** Row j of the result is row perm[j] of src, for rows offset..; offset 1 = 1-based items. */
  private static double[] permuteRows(double[] src, int width, int[] perm, int offset) {
    double[] out = src.clone();
    for (int j = 1; j < perm.length; j++) {
      System.arraycopy(src, (perm[j] - offset) * width, out, (j - offset) * width, width);
    }
    return out;
  }

  @Test
  void crossEntropyIsLogNForZeroUserAndStableForLargeLogits() {
    Map<String, double[]> p = MmeSidReference.randomParameters(THREE, 4, 9, false, 5);
    MmeSidReference r = new MmeSidReference(p, THREE, 4, 9, false, true, 1.0);
    assertEquals(Math.log(9), r.crossEntropy(new double[4], 4), 1e-15);
    double[] big = {1e4, -3e4, 2e4, 5e3};
    double ce = r.crossEntropy(big, 2);
    assertTrue(Double.isFinite(ce) && ce >= 0);
    double[] z = r.logits(big);
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 1; i <= 9; i++) {
      max = Math.max(max, z[i]);
    }
    assertTrue(ce >= max - z[2] - 1e-9 && ce <= max - z[2] + Math.log(9) + 1e-9);
  }

  @Test
  void erfAndGeluMatchTabulatedValues() {
    // High-precision values (30 digits, standard tables); Commons Math erf/erfc, measured here.
    assertEquals(0.520499877813046537682746653892, Erf.erf(0.5), 1e-15);
    assertEquals(0.842700792949714869341220635083, Erf.erf(1), 1e-15);
    assertEquals(0.995322265018952734162069256367, Erf.erf(2), 1e-15);
    assertEquals(1, Erf.erfc(3) / 2.20904969985854413727761295823e-5, 1e-14);
    assertEquals(1, Erf.erfc(5) / 1.53745979442803485018834348538e-12, 1e-14);
    assertEquals(1, Erf.erfc(1) / 0.157299207050285130658779364917, 1e-14);
    assertEquals(GELU_1, MmeSidReference.gelu(1), 1e-15);
    assertEquals(0, MmeSidReference.gelu(0), 0);
    // Phi(-10) = 7.61985302416052606597e-24; x / sqrt(2) rounding limits this to ~1e-14 relative.
    assertEquals(1, MmeSidReference.gelu(-10) / -7.61985302416052606597e-23, 1e-13);
  }

  @Test
  void randomParametersAreSeededAndShaped() {
    Map<String, double[]> a = MmeSidReference.randomParameters(THREE, 4, 5, true, 9);
    Map<String, double[]> b = MmeSidReference.randomParameters(THREE, 4, 5, true, 9);
    assertEquals(a.keySet(), b.keySet());
    a.forEach((k, v) -> assertArrayEquals(v, b.get(k), 0, k));
    double[] f = a.get("freq.f");
    assertEquals(0, java.util.Arrays.stream(f).min().orElseThrow(), 0);
    assertEquals(1, java.util.Arrays.stream(f).max().orElseThrow(), 0);
    assertArrayEquals(new double[3], java.util.Arrays.copyOf(a.get("mod.collab.table"), 3), 0);
    assertTrue(a.containsKey("mod.collab.sid_proj.weight") && a.containsKey("mod.image.sid.2"));
    assertEquals(2 * 4 * 3 * 4 * 3, a.get("fusion.0.weight").length);
    assertEquals(4 * 3 * 4 * 3,
        MmeSidReference.randomParameters(THREE, 4, 5, false, 9).get("fusion.0.weight").length);
  }

  @Test
  void badInputFailsClearly() {
    Map<String, double[]> p = handParams(true);
    p.remove("freq.3.bias");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new MmeSidReference(p, ONE, 2, 3, true, true, 1.0));
    assertTrue(e.getMessage().contains("freq.3.bias"), e.getMessage());
    Map<String, double[]> c = handParams(true);
    c.get("mod.a.codes")[5] = 3;
    e = assertThrows(IllegalArgumentException.class,
        () -> new MmeSidReference(c, ONE, 2, 3, true, true, 1.0));
    assertTrue(e.getMessage().contains("mod.a.codes[2][1]"), e.getMessage());
    MmeSidReference r = new MmeSidReference(handParams(true), ONE, 2, 3, true, false, 1.0);
    assertThrows(IllegalArgumentException.class, () -> r.itemEmbedding(0));
    assertThrows(IllegalArgumentException.class, () -> r.crossEntropy(new double[2], 4));
    assertThrows(IllegalArgumentException.class, () -> r.logits(new double[3]));
  }
}
