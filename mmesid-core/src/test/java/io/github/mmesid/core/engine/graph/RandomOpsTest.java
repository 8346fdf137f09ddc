package io.github.mmesid.core.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.KernelAudit;
import io.github.mmesid.core.engine.train.Trainer;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;

/**
 * The in-graph counter-based generator (Squares): its plain-Java reference against an independent
 * BigInteger evaluation, the graph's values bit-identical to the reference, only ops with CUDA
 * kernels, statistically right keep rates and uniform values over 10^6 draws, and no correlation
 * between neighbouring elements, the four lanes of one counter (jointly), streams, updates, micro-batches and
 * small noise keys.
 */
class RandomOpsTest {
  private static final int MILLION = 1_000_000;
  private static final BigInteger MOD = BigInteger.ONE.shiftLeft(64);
  private static final BigInteger TWO_32 = BigInteger.ONE.shiftLeft(32);

  /** Plain-Java reference of {@link RandomOps#keepMask}: 1 = kept. */
  static double[] refMask(long key, String stream, int n, double ratio) {
    boolean[] keep = RandomOps.keepMaskValues(key, stream, n, ratio);
    double[] out = new double[n];
    for (int e = 0; e < n; e++) {
      out[e] = keep[e] ? 1 : 0;
    }
    return out;
  }

  private static BigInteger u(long v) {
    return new BigInteger(Long.toUnsignedString(v));
  }

  /** Squares (32-bit output) in arbitrary precision, reduced mod 2^64 after every operation. */
  private static long squaresBig(long counter, long key) {
    return squaresRoundsBig(counter, key, 4);
  }

  /**
   * The high 32 bits of Squares' round {@code rounds} (4: the 32-bit output; 5: the term of the
   * 64-bit variant that the masks use as their second word), in arbitrary precision.
   */
  private static long squaresRoundsBig(long counter, long key, int rounds) {
    BigInteger k = u(key);
    BigInteger y = u(counter).multiply(k).mod(MOD);
    BigInteger z = y.add(k).mod(MOD);
    BigInteger x = y;
    BigInteger[] w = {y, z, y, z, y};
    for (int r = 0; r < rounds - 1; r++) {
      BigInteger s = x.multiply(x).add(w[r]).mod(MOD);
      x = s.divide(TWO_32).add(s.mod(TWO_32).multiply(TWO_32)); // rotate by 32 bits
    }
    return x.multiply(x).add(w[rounds - 1]).mod(MOD).divide(TWO_32).longValueExact();
  }

  @Test
  void referenceIsSquaresEvaluatedInArbitraryPrecision() {
    SplittableRandom r = new SplittableRandom(17);
    for (int i = 0; i < 2000; i++) {
      long key = r.nextLong() | 1;
      long c = i < 1000 ? i : r.nextLong();
      assertEquals(squaresBig(c, key), RandomOps.squares32(c, key), "counter " + c);
      long fifth = RandomOps.squaresFifth(RandomOps.squaresT(c, key), c, key) >>> 32;
      assertEquals(squaresRoundsBig(c, key, 5), fifth, "fifth round, counter " + c);
    }
    // The run key is odd and spreads small noise keys over all 64 bits.
    for (long n : new long[] {0, 1, 2, -1, Long.MIN_VALUE}) {
      long k = RandomOps.runKey(n);
      assertEquals(1, k & 1, "run key of " + n);
      assertTrue(Long.bitCount(k) > 16 && Long.bitCount(k) < 48, Long.toHexString(k));
      long expect = (squaresBig(n, RandomOps.K_HI) << 32) + 2 * squaresBig(n, RandomOps.K_LO) + 1;
      assertEquals(expect, k);
    }
    assertNotEquals(RandomOps.streamOffset("a"), RandomOps.streamOffset("b"));
  }

  @Test
  void generatorUsesOnlyOpsWithCudaKernels() {
    Graph g = new Graph("gen", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.mixed("B", 5));
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("m", RandomOps.keepMask(x, 0.2, "m").cast(DType.FLOAT64));
    outs.put("f", RandomOps.uniform(x, DType.FLOAT32, "f"));
    outs.put("d", RandomOps.uniform(x, DType.FLOAT64, "d"));
    outs.put("y", x.dropout(0.3, "drop"));
    KernelAudit.Report r = KernelAudit.audit(OnnxExporter.export(g, outs).model());
    assertEquals(List.of(), r.failures(), r.describe());
    assertTrue(r.opCounts().containsKey("Div"), r.opCounts().toString());
    for (String op : List.of("BitShift", "BitwiseXor", "BitwiseAnd", "BitwiseOr")) {
      assertFalse(r.opCounts().containsKey(op), op);
    }
  }

  private static Map<String, TensorData> key(long k) {
    Map<String, TensorData> f = new LinkedHashMap<>();
    f.put(Graph.NOISE_KEY, TensorData.ofLongs(new long[0], k));
    return f;
  }

  /** Masks of a static shape from ONNX Runtime, one output per stream. */
  private static Map<String, double[]> masks(long[] shape, double ratio, long key,
      String... streams) {
    Graph g = new Graph("masks");
    Tensor x = g.constant(TensorData.ofFloats(shape, new float[(int) Ref.numel(shape)]));
    Map<String, Tensor> outs = new LinkedHashMap<>();
    for (String s : streams) {
      outs.put("m_" + s, RandomOps.keepMask(x, ratio, s));
    }
    Map<String, double[]> res = new LinkedHashMap<>();
    for (Map.Entry<String, OrtEval.Value> e : OrtEval.run(g, outs, key(key)).entrySet()) {
      res.put(e.getKey().substring(2), e.getValue().values());
    }
    return res;
  }

  @Test
  void masksEqualThePlainJavaReferenceBitForBit() {
    SplittableRandom keys = new SplittableRandom(5);
    long[][] shapes = {{1}, {3}, {4}, {5}, {3, 5, 7}, {2, 64, 33}};
    for (long[] shape : shapes) {
      for (double ratio : new double[] {1e-4, 0.1, 0.5, 0.9}) {
        long k = keys.nextLong();
        int n = (int) Ref.numel(shape);
        Map<String, double[]> got = masks(shape, ratio, k, "a", "b.c:1");
        assertArrayEquals(refMask(k, "a", n, ratio), got.get("a"),
            "stream a, shape " + java.util.Arrays.toString(shape) + ", ratio " + ratio);
        assertArrayEquals(refMask(k, "b.c:1", n, ratio), got.get("b.c:1"));
      }
    }
  }

  @Test
  void symbolicShapesAreSizedAtRunTime() {
    Graph g = new Graph("sym");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", "T", 6));
    Tensor flat = x.reshape(-1); // an anonymous dimension is fine too
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("m", RandomOps.keepMask(x, 0.3, "s"));
    outs.put("f", RandomOps.keepMask(flat, 0.3, "t"));
    Map<String, TensorData> feeds = key(-42);
    feeds.put("x", TensorData.ofFloats(new long[] {3, 7, 6}, new float[126]));
    Map<String, OrtEval.Value> res = OrtEval.run(g, outs, feeds);
    OrtEval.assertShape(res.get("m"), 3, 7, 6);
    assertArrayEquals(refMask(-42, "s", 126, 0.3), res.get("m").values());
    assertArrayEquals(refMask(-42, "t", 126, 0.3), res.get("f").values());
  }

  @Test
  void uniformEqualsTheReference() {
    long k = 0x5eedL;
    Graph g = new Graph("u", DType.FLOAT64);
    Tensor x = g.input("x", DType.INT64, Shape.mixed("N", 3));
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("d", RandomOps.uniform(x, DType.FLOAT64, "d"));
    outs.put("f", RandomOps.uniform(x, DType.FLOAT32, "f"));
    Map<String, TensorData> feeds = key(k);
    feeds.put("x", TensorData.ofLongs(new long[] {5, 3}, new long[15]));
    Map<String, OrtEval.Value> res = OrtEval.run(g, outs, feeds);
    double[] d = RandomOps.uniformValues(k, "d", 15, DType.FLOAT64);
    double[] f = RandomOps.uniformValues(k, "f", 15, DType.FLOAT32);
    for (int i = 0; i < 15; i++) {
      assertEquals(d[i], res.get("d").get(i), 0.0);
      assertEquals(f[i], res.get("f").get(i), 0.0);
      assertEquals(RandomOps.squares32(i + RandomOps.streamOffset("d"), RandomOps.runKey(k))
          * 0x1p-32, d[i], 0.0);
    }
    OrtEval.assertShape(res.get("f"), 5, 3);
  }

  @Test
  void keepRatesAreWithinBinomialBoundsOverAMillionDraws() {
    for (double ratio : new double[] {0.05, 0.2, 0.5, 0.8, 0.95}) {
      double[] m = masks(new long[] {1000, 1000}, ratio, 11, "s").get("s");
      double p = RandomOps.maskRatio(ratio);
      assertEquals(ratio, p, 1.0 / 131072);
      // The drop count of each of the four 16-bit lanes, and all together.
      int lanes = 4;
      long[] dropped = new long[lanes];
      for (int e = 0; e < MILLION; e++) {
        dropped[e / (MILLION / lanes)] += m[e] == 0 ? 1 : 0;
      }
      long total = java.util.Arrays.stream(dropped).sum();
      double sd = Math.sqrt(MILLION * p * (1 - p));
      assertEquals(MILLION * p, total, 5 * sd, "ratio " + ratio);
      double chi2 = 0;
      for (long d : dropped) {
        double expect = (double) MILLION / lanes * p;
        chi2 += (d - expect) * (d - expect) / (expect * (1 - p));
      }
      // Four independent binomials: chi-square with 4 degrees of freedom.
      double limit = new ChiSquaredDistribution(lanes).inverseCumulativeProbability(1 - 1e-6);
      assertTrue(chi2 < limit, "lanes of ratio " + ratio + ": chi2 " + chi2 + " >= " + limit);
    }
  }

  @Test
  void theFourLanesOfOneCounterAreJointlyIndependent() {
    // The 16 keep/drop patterns of the four elements that share a counter, against the product
    // of four independent Bernoulli draws; the ratio 0.5 makes every pattern equally likely and
    // 0.2 weights them unevenly.
    int m = MILLION / 4;
    for (double ratio : new double[] {0.5, 0.2}) {
      double[] x = masks(new long[] {MILLION}, ratio, 23, "j").get("j");
      double q = 1 - RandomOps.maskRatio(ratio);
      long[] count = new long[16];
      for (int j = 0; j < m; j++) {
        int pattern = 0;
        for (int lane = 0; lane < 4; lane++) {
          pattern |= (x[lane * m + j] == 1 ? 1 : 0) << lane;
        }
        count[pattern]++;
      }
      double chi2 = 0;
      for (int pattern = 0; pattern < 16; pattern++) {
        int kept = Integer.bitCount(pattern);
        double expect = m * Math.pow(q, kept) * Math.pow(1 - q, 4 - kept);
        chi2 += (count[pattern] - expect) * (count[pattern] - expect) / expect;
      }
      double limit = new ChiSquaredDistribution(15).inverseCumulativeProbability(1 - 1e-6);
      assertTrue(chi2 < limit, "ratio " + ratio + ": chi2 " + chi2 + " >= " + limit);
    }
  }

  @Test
  void uniformValuesPassAChiSquareTest() {
    Graph g = new Graph("u");
    Tensor x = g.constant(TensorData.ofFloats(new long[] {MILLION}, new float[MILLION]));
    double[] u = OrtEval.run1(g, RandomOps.uniform(x, DType.FLOAT32, "u"), key(3)).values();
    int bins = 256;
    long[] count = new long[bins];
    for (double v : u) {
      assertTrue(v >= 0 && v < 1, "value " + v);
      count[(int) (v * bins)]++;
    }
    double expect = (double) MILLION / bins;
    double chi2 = 0;
    for (long c : count) {
      chi2 += (c - expect) * (c - expect) / expect;
    }
    double limit = new ChiSquaredDistribution(bins - 1).inverseCumulativeProbability(1 - 1e-6);
    assertTrue(chi2 < limit, "chi2 " + chi2 + " >= " + limit);
  }

  /** Pearson correlation of two 0/1 sequences. */
  private static double correlation(double[] a, int aFrom, double[] b, int bFrom, int n) {
    double sa = 0;
    double sb = 0;
    double sab = 0;
    for (int i = 0; i < n; i++) {
      sa += a[aFrom + i];
      sb += b[bFrom + i];
      sab += a[aFrom + i] * b[bFrom + i];
    }
    double ma = sa / n;
    double mb = sb / n;
    double cov = sab / n - ma * mb;
    return cov / Math.sqrt(ma * (1 - ma) * mb * (1 - mb));
  }

  @Test
  void masksAreUncorrelatedAcrossElementsLanesStreamsUpdatesAndMicroBatches() {
    long seed = 42;
    long[] shape = {MILLION};
    double ratio = 0.3;
    int m = MILLION / 4;
    // Keys as the trainer derives them: update 7 micro-batch 0, update 8, and micro-batch 1.
    long k0 = Trainer.noiseKey(seed, 7, 0);
    long kStep = Trainer.noiseKey(seed, 8, 0);
    long kMicro = Trainer.noiseKey(seed, 7, 1);
    assertNotEquals(k0, kStep);
    assertNotEquals(k0, kMicro);
    Map<String, double[]> a = masks(shape, ratio, k0, "drop.0", "drop.1");
    double[] x = a.get("drop.0");
    // Under independence r has standard error 1 / sqrt(pairs); allow five.
    Map<String, double[]> r = new LinkedHashMap<>();
    r.put("neighbouring elements", pair(correlation(x, 0, x, 1, MILLION - 1), MILLION - 1));
    r.put("elements 2 apart", pair(correlation(x, 0, x, 2, MILLION - 2), MILLION - 2));
    for (int[] l : new int[][] {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}}) {
      r.put("lanes " + l[0] + " and " + l[1] + " of one counter",
          pair(correlation(x, l[0] * m, x, l[1] * m, m), m));
    }
    r.put("lane 3 of counter j and lane 0 of counter j + 1",
        pair(correlation(x, 3 * m, x, 1, m - 1), m - 1));
    r.put("two streams", pair(correlation(x, 0, a.get("drop.1"), 0, MILLION), MILLION));
    r.put("consecutive updates", pair(correlation(x, 0,
        masks(shape, ratio, kStep, "drop.0").get("drop.0"), 0, MILLION), MILLION));
    r.put("micro-batches of one update", pair(correlation(x, 0,
        masks(shape, ratio, kMicro, "drop.0").get("drop.0"), 0, MILLION), MILLION));
    r.put("noise keys 0 and 1", pair(correlation(masks(shape, ratio, 0, "drop.0").get("drop.0"),
        0, masks(shape, ratio, 1, "drop.0").get("drop.0"), 0, MILLION), MILLION));
    for (Map.Entry<String, double[]> e : r.entrySet()) {
      double bound = 5 / Math.sqrt(e.getValue()[1]);
      assertTrue(Math.abs(e.getValue()[0]) < bound,
          e.getKey() + ": correlation " + e.getValue()[0] + " (bound " + bound + ")");
    }
  }

  private static double[] pair(double correlation, int pairs) {
    return new double[] {correlation, pairs};
  }

  @Test
  void sameShapedSitesShareTheirCounters() {
    Graph g = new Graph("share");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", 8));
    Tensor y = g.input("y", DType.FLOAT32, Shape.mixed("B", 8));
    RandomOps.keepMask(x, 0.1, "a");
    RandomOps.keepMask(y, 0.1, "b");
    RandomOps.keepMask(x.reshape(-1), 0.1, "c"); // anonymous: its own counters
    long ranges = g.nodes().stream().filter(n -> n.opType().equals("Range")).count();
    assertEquals(2, ranges);
  }

  @Test
  void badArgumentsAreRejected() {
    Graph g = new Graph("bad");
    Tensor x = g.input("x", DType.FLOAT32, Shape.of(4));
    RandomOps.keepMask(x, 0.1, "s");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RandomOps.keepMask(x, 0.1, "s"));
    assertTrue(e.getMessage().contains("Duplicate random stream name 's'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> RandomOps.keepMask(x, 1.0, "t"));
    assertTrue(e.getMessage().contains("[0, 1)"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> RandomOps.uniform(x, DType.INT64, "u"));
    assertTrue(e.getMessage().contains("FLOAT32 or FLOAT64"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> RandomOps.keepMask(x, 0.1, "1bad"));
    assertTrue(e.getMessage().contains("names must match"), e.getMessage());
    Graph taken = new Graph("taken");
    Tensor clash = taken.input(Graph.NOISE_KEY, DType.INT64, Shape.SCALAR);
    e = assertThrows(IllegalArgumentException.class, () -> RandomOps.keepMask(clash, 0.1, "s"));
    assertTrue(e.getMessage().contains("reserved"), e.getMessage());
    assertEquals(0.0, RandomOps.maskRatio(1e-6));
    assertEquals(65535 / 65536.0, RandomOps.maskRatio(0.9999999));
  }
}
