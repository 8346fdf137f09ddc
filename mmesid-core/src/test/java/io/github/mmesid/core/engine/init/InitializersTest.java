package io.github.mmesid.core.engine.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Statistics of the initialisers on large samples (mean, variance, bounds, shape of the
 * distribution, each within about five standard errors), determinism from (seed, name), and
 * argument validation.
 */
class InitializersTest {
  private static final long SEED = 1234;

  /** Mean, variance, min, max, excess kurtosis, fraction within one sd of the mean. */
  private static double[] stats(double[] v) {
    double mean = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      mean += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    mean /= v.length;
    double m2 = 0;
    double m4 = 0;
    for (double x : v) {
      double d = x - mean;
      m2 += d * d;
      m4 += d * d * d * d;
    }
    m2 /= v.length;
    m4 /= v.length;
    double sd = Math.sqrt(m2);
    int within = 0;
    for (double x : v) {
      within += Math.abs(x - mean) <= sd ? 1 : 0;
    }
    return new double[] {mean, m2, min, max, m4 / (m2 * m2) - 3, within / (double) v.length};
  }

  private static void assertUniform(double[] v, double lo, double hi) {
    double[] s = stats(v);
    double width = hi - lo;
    double var = width * width / 12;
    double se = Math.sqrt(var / v.length);
    assertEquals((lo + hi) / 2, s[0], 5 * se, "mean");
    // Variance of the sample variance of U: (m4 - var^2) / n with m4 = width^4 / 80.
    double seVar = Math.sqrt((Math.pow(width, 4) / 80 - var * var) / v.length);
    assertEquals(var, s[1], 5 * seVar, "variance");
    assertTrue(s[2] >= lo && s[3] < hi, "range " + s[2] + ".." + s[3]);
    assertTrue(s[2] < lo + width * 1e-3 && s[3] > hi - width * 1e-3, "fills the range");
    assertEquals(-1.2, s[4], 0.05, "excess kurtosis of a uniform");
    // Ten equal bins hold 10% each.
    int[] bins = new int[10];
    for (double x : v) {
      bins[Math.min(9, (int) ((x - lo) / width * 10))]++;
    }
    double seBin = Math.sqrt(0.1 * 0.9 / v.length);
    for (int b : bins) {
      assertEquals(0.1, b / (double) v.length, 5 * seBin, "bin share " + Arrays.toString(bins));
    }
  }

  private static void assertNormal(double[] v, double mean, double std) {
    double[] s = stats(v);
    double se = std / Math.sqrt(v.length);
    assertEquals(mean, s[0], 5 * se, "mean");
    assertEquals(std * std, s[1], 5 * std * std * Math.sqrt(2.0 / v.length), "variance");
    assertEquals(0, s[4], 5 * Math.sqrt(24.0 / v.length), "excess kurtosis");
    assertEquals(0.6826894921370859, s[5], 5 * Math.sqrt(0.68 * 0.32 / v.length),
        "share within one sd");
  }

  @Test
  void xavierUniformStatistics() {
    TensorData d = Initializers.xavierUniform(1.0).create(SEED, "w", DType.FLOAT64, 400, 600);
    assertArrayEquals(new long[] {400, 600}, d.shape());
    double bound = Math.sqrt(6.0 / 1000);
    assertUniform(d.toDoubles(), -bound, bound);
    double[] g2 = Initializers.xavierUniform(2.0).create(SEED, "w", DType.FLOAT64, 400, 600)
        .toDoubles();
    assertUniform(g2, -2 * bound, 2 * bound);
  }

  @Test
  void xavierNormalStatistics() {
    TensorData d = Initializers.xavierNormal(1.0).create(SEED, "w", DType.FLOAT64, 300, 500);
    assertNormal(d.toDoubles(), 0, Math.sqrt(2.0 / 800));
  }

  @Test
  void kaimingUniformMatchesTorchLinearDefault() {
    // a = sqrt(5): bound 1 / sqrt(fanIn).
    TensorData d = Initializers.linearWeight().create(SEED, "lin.weight", DType.FLOAT64, 512,
        256);
    assertUniform(d.toDoubles(), -1 / Math.sqrt(256), 1 / Math.sqrt(256));
    // a = 0 (ReLU): bound sqrt(6 / fanIn); receptive field folds into the fan.
    TensorData c = Initializers.kaimingUniform(0).create(SEED, "conv", DType.FLOAT64, 64, 32, 3,
        3);
    assertUniform(c.toDoubles(), -Math.sqrt(6.0 / 288), Math.sqrt(6.0 / 288));
    TensorData n = Initializers.kaimingNormal(0).create(SEED, "kn", DType.FLOAT64, 400, 300);
    assertNormal(n.toDoubles(), 0, Math.sqrt(2.0 / 300));
    TensorData b = Initializers.linearBias(256).create(SEED, "lin.bias", DType.FLOAT64, 200000);
    assertUniform(b.toDoubles(), -1 / Math.sqrt(256), 1 / Math.sqrt(256));
  }

  @Test
  void normalUniformAndConstants() {
    assertNormal(Initializers.normal(0.02).create(SEED, "emb", DType.FLOAT64, 250000)
        .toDoubles(), 0, 0.02);
    assertNormal(Initializers.normal(3, 0.5).create(SEED, "shift", DType.FLOAT64, 500, 500)
        .toDoubles(), 3, 0.5);
    assertUniform(Initializers.uniform(-1, 3).create(SEED, "u", DType.FLOAT64, 250000)
        .toDoubles(), -1, 3);
    double[] z = Initializers.zeros().create(SEED, "z", DType.FLOAT32, 3, 4).toDoubles();
    double[] o = Initializers.ones().create(SEED, "o", DType.FLOAT64, 5).toDoubles();
    double[] c = Initializers.constant(-0.5).create(SEED, "c", DType.FLOAT64).toDoubles();
    assertArrayEquals(new double[12], z);
    assertArrayEquals(new double[] {1, 1, 1, 1, 1}, o);
    assertArrayEquals(new double[] {-0.5}, c);
    assertEquals(0, Initializers.normal(1).create(SEED, "e", DType.FLOAT64, 0, 3).numel());
    assertArrayEquals(new double[] {3, 3},
        Initializers.normal(3, 0).create(SEED, "n0", DType.FLOAT64, 2).toDoubles());
  }

  @Test
  void fansFollowTorchConventions() {
    assertEquals(256, Initializers.fanIn(512, 256));
    assertEquals(512, Initializers.fanOut(512, 256));
    assertEquals(32 * 9, Initializers.fanIn(64, 32, 3, 3));
    assertEquals(64 * 9, Initializers.fanOut(64, 32, 3, 3));
  }

  @Test
  void deterministicFromSeedAndName() {
    Initializer init = Initializers.xavierNormal(1.0);
    TensorData a = init.create(7, "layer.weight", DType.FLOAT64, 5, 7);
    TensorData b = init.create(7, "layer.weight", DType.FLOAT64, 5, 7);
    assertEquals(a.bytes(), b.bytes());
    assertFalse(a.bytes().equals(init.create(8, "layer.weight", DType.FLOAT64, 5, 7).bytes()));
    assertFalse(a.bytes().equals(init.create(7, "layer.bias", DType.FLOAT64, 5, 7).bytes()));
    // Float32 values are the float64 draws rounded once.
    double[] d64 = a.toDoubles();
    float[] f32 = init.create(7, "layer.weight", DType.FLOAT32, 5, 7).toFloats();
    for (int i = 0; i < d64.length; i++) {
      assertEquals((float) d64[i], f32[i], 0f);
    }
    // Streams of different names are uncorrelated.
    double[] x = Initializers.normal(1).create(1, "p", DType.FLOAT64, 100000).toDoubles();
    double[] y = Initializers.normal(1).create(1, "q", DType.FLOAT64, 100000).toDoubles();
    double corr = 0;
    for (int i = 0; i < x.length; i++) {
      corr += x[i] * y[i] / x.length;
    }
    assertEquals(0, corr, 5 / Math.sqrt(x.length));
  }

  @Test
  void argumentValidation() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Initializers.xavierUniform(1).create(SEED, "b", DType.FLOAT32, 10));
    assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("rank >= 2"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Initializers.normal(1).create(SEED, "i", DType.INT64, 3));
    assertTrue(e.getMessage().contains("FLOAT32 or FLOAT64"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Initializers.normal(1).create(SEED, "neg", DType.FLOAT32, 3, -1));
    assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Initializers.normal(-1));
    assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Initializers.uniform(1, 1));
    assertTrue(e.getMessage().contains("lo < hi"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Initializers.xavierNormal(0));
    assertTrue(e.getMessage().contains("> 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Initializers.kaimingUniform(Double.NaN));
    assertTrue(e.getMessage().contains("finite"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Initializers.linearBias(0));
    assertTrue(e.getMessage().contains(">= 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Initializers.kaimingUniform(0).create(SEED, "zero", DType.FLOAT32, 0, 4));
    assertTrue(e.getMessage().contains("zero fan"), e.getMessage());
  }
}
