package io.github.mmesid.llm.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Layers;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import io.github.mmesid.llm.llama.LlamaTensorNames.Module;
import io.github.mmesid.llm.lora.LoraAdapters;
import io.github.mmesid.llm.lora.LoraConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Differential tests of the backbone graph against the naive double-precision reference. */
class LlamaBackboneTest {
  /** GQA (4 query heads, 2 KV heads), head dim 8, llama3 scaling with all three bands. */
  static LlamaConfig tinyConfig() {
    return LlamaConfig.of(32, 48, 2, 4, 2, 61, 64).withRope(10000, 1e-5)
        .withRopeScaling(Layers.RopeScaling.llama3(8, 1, 4, 64));
  }

  static final int B = 3;
  static final int T = 7;
  // Left padding of 0, 2 and 5 positions.
  static final int[][] MASK = {
    {1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1}, {0, 0, 0, 0, 0, 1, 1}};

  static double[][][] randomEmbeds(SplittableRandom r, int h) {
    double[][][] x = new double[B][T][h];
    for (double[][] s : x) {
      for (double[] v : s) {
        for (int i = 0; i < h; i++) {
          v[i] = r.nextDouble(-1, 1);
        }
      }
    }
    return x;
  }

  static long[] flatMask() {
    long[] m = new long[B * T];
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        m[b * T + t] = MASK[b][t];
      }
    }
    return m;
  }

  /** Runs the backbone graph on embeddings in the given float type. */
  static double[] runGraph(LlamaWeights w, LlamaBackbone.Options o, DType ft, double[][][] x) {
    Graph g = new Graph("llama_test", ft);
    LlamaBackbone bb = LlamaBackbone.create(g, w, o);
    Tensor out = bb.forward(LlamaBackbone.inputsEmbedsInput(g, w.config()),
        LlamaBackbone.attentionMaskInput(g));
    int h = w.config().hiddenSize();
    double[] flat = new double[B * T * h];
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        System.arraycopy(x[b][t], 0, flat, (b * T + t) * h, h);
      }
    }
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("h", out);
    try (Predictor p = Predictor.create(g, outs, new ParameterSnapshot(Map.of()),
        RuntimeOptions.defaults());
        HostTensor xin = ft == DType.FLOAT64 ? HostTensor.of(flat, B, T, h)
            : HostTensor.of(toFloats(flat), B, T, h);
        HostTensor m = HostTensor.of(flatMask(), B, T);
        RunOutputs r = p.run(Map.of(LlamaBackbone.INPUTS_EMBEDS, xin,
            LlamaBackbone.ATTENTION_MASK, m))) {
      HostTensor res = r.get("h");
      double[] v = new double[res.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = res.getAsDouble(i);
      }
      return v;
    }
  }

  static float[] toFloats(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  /** Max abs difference over token positions (padding positions are meaningless). */
  static double maxDiff(double[] graph, double[][][] ref, int h) {
    double max = 0;
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        if (MASK[b][t] == 0) {
          continue;
        }
        for (int i = 0; i < h; i++) {
          max = Math.max(max, Math.abs(graph[(b * T + t) * h + i] - ref[b][t][i]));
        }
      }
    }
    return max;
  }

  @Test
  void float64GraphMatchesReferenceWithGqaLeftPaddingAndLlama3Rope() {
    LlamaWeights w = LlamaWeights.random(tinyConfig(), 7);
    double[][][] x = randomEmbeds(new SplittableRandom(1), 32);
    double[][][] ref = new LlamaReference(w).forward(x, MASK);
    double[] got = runGraph(w, LlamaBackbone.Options.inference(), DType.FLOAT64, x);
    double d = maxDiff(got, ref, 32);
    // The only float32 step in a float64 graph is ORT's FusedMatMul alpha (1/sqrt(8) is exact).
    assertTrue(d < 1e-9, "float64 graph differs from the reference by " + d);
  }

  @Test
  void float32GraphMatchesReference() {
    LlamaWeights w = LlamaWeights.random(tinyConfig(), 8);
    double[][][] x = randomEmbeds(new SplittableRandom(2), 32);
    double[][][] ref = new LlamaReference(w).forward(x, MASK);
    double[] got = runGraph(w, LlamaBackbone.Options.inference(), DType.FLOAT32, x);
    double d = maxDiff(got, ref, 32);
    assertTrue(d < 2e-4, "float32 graph differs from the reference by " + d);
  }

  @Test
  void leftPaddingDoesNotChangeTokenOutputs() {
    // Row 2 holds the last two tokens of row 0's content shifted: compare it with an unpadded run.
    LlamaWeights w = LlamaWeights.random(tinyConfig(), 9);
    double[][][] x = randomEmbeds(new SplittableRandom(3), 32);
    double[][][] ref = new LlamaReference(w).forward(x, MASK);
    double[][][] alone = new LlamaReference(w).forward(
        new double[][][] {{x[2][5], x[2][6]}}, new int[][] {{1, 1}});
    for (int i = 0; i < 32; i++) {
      assertEquals(alone[0][1][i], ref[2][6][i], 1e-12);
    }
  }

  @Test
  void ropeScalingChangesTheOutput() {
    LlamaConfig scaled = tinyConfig();
    LlamaWeights w = LlamaWeights.random(scaled, 10);
    LlamaWeights plain = LlamaWeights.of(scaled.withRopeScaling(Layers.RopeScaling.none()),
        allTensors(w));
    double[][][] x = randomEmbeds(new SplittableRandom(4), 32);
    double[] a = runGraph(w, LlamaBackbone.Options.inference(), DType.FLOAT64, x);
    double[] b = runGraph(plain, LlamaBackbone.Options.inference(), DType.FLOAT64, x);
    double[][][] refPlain = new LlamaReference(plain).forward(x, MASK);
    assertTrue(maxDiff(b, refPlain, 32) < 1e-9);
    double diff = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
    }
    assertTrue(diff > 1e-6, "llama3 scaling had no effect: " + diff);
    // The reference's own frequencies agree with the engine's.
    double[] mine = LlamaReference.inverseFrequencies(scaled);
    double[] engine = Layers.ropeInvFreq(8, 10000, scaled.ropeScaling());
    for (int i = 0; i < mine.length; i++) {
      assertEquals(engine[i], mine[i], 1e-15 * Math.abs(mine[i]) + 1e-300);
    }
  }

  static Map<String, TensorData> allTensors(LlamaWeights w) {
    Map<String, TensorData> m = new LinkedHashMap<>(w.tensors());
    m.put(LlamaTensorNames.EMBED_TOKENS, w.embeddingBlocks().get(0));
    return m;
  }

  @Test
  void loraGraphMatchesReferenceOnMergedWeights() {
    LlamaConfig c = tinyConfig();
    LlamaWeights w = LlamaWeights.random(c, 11);
    LoraConfig lc = LoraConfig.of(3, 6, 0.0, "q_proj", "v_proj", "gate_proj", "down_proj");
    // Non-zero B so that the adapters matter.
    Map<String, TensorData> vals = new LinkedHashMap<>();
    SplittableRandom r = new SplittableRandom(5);
    for (Map.Entry<String, long[]> e : LoraAdapters.shapes(c, lc).entrySet()) {
      long[] s = e.getValue();
      float[] v = new float[(int) (s[0] * s[1])];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) r.nextDouble(-0.2, 0.2);
      }
      vals.put(e.getKey(), TensorData.ofFloats(s, v));
    }
    LoraAdapters ad = LoraAdapters.of(c, lc, vals);
    double[][][] x = randomEmbeds(new SplittableRandom(6), 32);
    LlamaBackbone.Options o = new LlamaBackbone.Options(TrainingMode.LORA, lc, ad, false, 0);
    double[] got = runGraph(w, o, DType.FLOAT64, x);
    LlamaWeights merged = ad.mergeInto(w);
    double[][][] ref = new LlamaReference(merged).forward(x, MASK);
    double d = maxDiff(got, ref, 32);
    // merged weights are rounded to float32 once
    assertTrue(d < 1e-5, "LoRA graph differs from the merged reference by " + d);
    double[] mergedGraph = runGraph(merged, LlamaBackbone.Options.inference(), DType.FLOAT64, x);
    assertTrue(maxDiff(mergedGraph, ref, 32) < 1e-9);
    // Unmerged base differs: the adapters had an effect.
    double[][][] base = new LlamaReference(w).forward(x, MASK);
    assertTrue(maxDiff(got, base, 32) > 1e-3);
  }

  @Test
  void peftInitialisationLeavesTheModelUnchanged() {
    LlamaConfig c = tinyConfig();
    LlamaWeights w = LlamaWeights.random(c, 12);
    LoraConfig lc = LoraConfig.mmeSid();
    LoraAdapters ad = LoraAdapters.initialize(c, lc, 3);
    double bound = 1 / Math.sqrt(32);
    float[] a = ad.a(0, Module.GATE_PROJ).toFloats();
    double maxAbs = 0;
    for (float v : a) {
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    assertTrue(maxAbs <= bound && maxAbs > 0.5 * bound, "A not Kaiming-uniform: " + maxAbs);
    for (float v : ad.b(1, Module.DOWN_PROJ).toFloats()) {
      assertEquals(0f, v);
    }
    assertEquals(2.0, lc.scale());
    double[][][] x = randomEmbeds(new SplittableRandom(7), 32);
    double[] lora = runGraph(w, new LlamaBackbone.Options(TrainingMode.LORA, lc, ad, false, 0),
        DType.FLOAT64, x);
    double[] plain = runGraph(w, LlamaBackbone.Options.inference(), DType.FLOAT64, x);
    for (int i = 0; i < lora.length; i++) {
      assertEquals(plain[i], lora[i], 1e-12);
    }
  }

  @Test
  void gradientThroughTheFrozenBackboneMatchesFiniteDifferences() {
    // MME-SID trains item embeddings through the frozen backbone: check d hidden / d embeds.
    LlamaConfig c = LlamaConfig.of(16, 24, 2, 4, 2, 11, 16).withRope(10000, 1e-5)
        .withRopeScaling(Layers.RopeScaling.llama3(8, 1, 4, 8));
    LlamaWeights w = LlamaWeights.of(c, allTensors(LlamaWeights.random(c, 14)));
    SplittableRandom r = new SplittableRandom(8);
    double[] x = new double[2 * 4 * 16];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextDouble(-1, 1);
    }
    io.github.mmesid.core.engine.check.GradientChecker.Report rep =
        io.github.mmesid.core.engine.check.GradientChecker.check((g, in) -> {
          LlamaBackbone bb = LlamaBackbone.create(g, w, LlamaBackbone.Options.inference());
          // Padding rows are fully masked (their output is meaningless and, with the additive
          // mask absorbing the scores, not differentiable): the loss ignores them, as must any.
          Tensor keep = io.github.mmesid.core.engine.graph.ArrayOps.unsqueeze(
              io.github.mmesid.core.engine.graph.ArrayOps.cast(in.get(1), g.floatType()), -1);
          return bb.forward(in.get(0), in.get(1)).mul(keep);
        }, java.util.List.of(TensorData.ofDoubles(new long[] {2, 4, 16}, x),
            TensorData.ofLongs(new long[] {2, 4}, 1, 1, 1, 1, 0, 1, 1, 1)),
            io.github.mmesid.core.engine.check.GradientChecker.Options.float64());
    assertTrue(rep.passed(), "gradient check failed: " + rep);
    assertTrue(rep.checked() > 0);
  }

  @Test
  void aSharedPrefixCacheEqualsThePrefixInEveryRowAndPassesGradientsBack() {
    LlamaConfig c = LlamaConfig.of(16, 24, 2, 4, 2, 11, 32).withRope(10000, 1e-5);
    LlamaWeights w = LlamaWeights.of(c, allTensors(LlamaWeights.random(c, 21)));
    SplittableRandom r = new SplittableRandom(9);
    int p = 3;
    int t = 4;
    double[] prefix = new double[p * 16];
    double[] rows = new double[2 * t * 16];
    for (int i = 0; i < prefix.length; i++) {
      prefix[i] = r.nextDouble(-1, 1);
    }
    for (int i = 0; i < rows.length; i++) {
      rows[i] = r.nextDouble(-1, 1);
    }
    long[] mask = {1, 1, 1, 1, 0, 0, 1, 1}; // row 1 left-padded
    // forward: cached prefix == the prefix concatenated in front of every row
    Graph g = new Graph("prefix", DType.FLOAT64);
    LlamaBackbone bb = LlamaBackbone.create(g, w, LlamaBackbone.Options.inference());
    Tensor pre = g.constant(TensorData.ofDoubles(new long[] {1, p, 16}, prefix));
    Tensor x = g.constant(TensorData.ofDoubles(new long[] {2, t, 16}, rows));
    Tensor m = g.constant(TensorData.ofLongs(new long[] {2, t}, mask));
    Tensor cached = bb.forward(x, m, bb.prefix(pre));
    double[] full = new double[2 * (p + t) * 16];
    long[] fullMask = new long[2 * (p + t)];
    for (int b = 0; b < 2; b++) {
      System.arraycopy(prefix, 0, full, b * (p + t) * 16, p * 16);
      System.arraycopy(rows, b * t * 16, full, (b * (p + t) + p) * 16, t * 16);
      for (int j = 0; j < p; j++) {
        fullMask[b * (p + t) + j] = 1;
      }
      for (int j = 0; j < t; j++) {
        fullMask[b * (p + t) + p + j] = mask[b * t + j];
      }
    }
    Tensor plain = bb.forward(g.constant(TensorData.ofDoubles(new long[] {2, p + t, 16}, full)),
        g.constant(TensorData.ofLongs(new long[] {2, p + t}, fullMask)));
    Tensor tail = io.github.mmesid.core.engine.graph.ArrayOps.slice(plain, 1, p, p + t);
    try (Predictor pr = Predictor.create(g, Map.of("a", cached, "b", tail),
            new ParameterSnapshot(Map.of()),
            RuntimeOptions.builder().intraOpThreads(1).build());
        RunOutputs out = pr.run(Map.of())) {
      double[] a = out.get("a").toDoubleArray();
      double[] b = out.get("b").toDoubleArray();
      for (int i = 0; i < a.length; i++) {
        if (mask[i / 16] == 1) {
          assertEquals(b[i], a[i], 1e-12, "element " + i);
        }
      }
    }
    // gradients: through the cache to the prefix and the rows (LoRA training, dropout off)
    io.github.mmesid.core.engine.check.GradientChecker.Report rep =
        io.github.mmesid.core.engine.check.GradientChecker.check((gg, in) -> {
          LlamaBackbone b2 = LlamaBackbone.create(gg, w, LlamaBackbone.Options.inference());
          Tensor keep = io.github.mmesid.core.engine.graph.ArrayOps.unsqueeze(
              io.github.mmesid.core.engine.graph.ArrayOps.cast(in.get(2), gg.floatType()), -1);
          return b2.forward(in.get(1), in.get(2), b2.prefix(in.get(0))).mul(keep);
        }, java.util.List.of(TensorData.ofDoubles(new long[] {1, p, 16}, prefix),
            TensorData.ofDoubles(new long[] {2, t, 16}, rows), TensorData.ofLongs(new long[] {2, t}, mask)),
            io.github.mmesid.core.engine.check.GradientChecker.Options.float64());
    assertTrue(rep.passed(), "gradient check failed: " + rep);
    assertTrue(rep.checked() > 0);
  }

  @Test
  void trainableParametersFollowTheMode() {
    LlamaConfig c = tinyConfig();
    LlamaWeights w = LlamaWeights.random(c, 13);
    Graph g1 = new Graph("g1");
    LlamaBackbone lora = LlamaBackbone.create(g1, w,
        LlamaBackbone.Options.loraTraining(LoraConfig.mmeSid(), 1));
    assertEquals(2 * 3 * 2, lora.trainableParameters().size());
    assertTrue(g1.sources(Tensor.Kind.FROZEN).size() >= 9 * 2);
    Graph g2 = new Graph("g2");
    LlamaBackbone full = LlamaBackbone.create(g2, w, LlamaBackbone.Options.fullTraining());
    assertEquals(2 * 9 + 1, full.trainableParameters().size());
    full.embed(LlamaBackbone.inputIdsInput(g2));
    assertEquals(2 * 9 + 2, full.trainableParameters().size());
    Graph g3 = new Graph("g3");
    assertEquals(0, LlamaBackbone.create(g3, w, LlamaBackbone.Options.inference())
        .trainableParameters().size());
    assertThrows(IllegalArgumentException.class,
        () -> new LlamaBackbone.Options(TrainingMode.LORA, null, null, true, 0));
  }
}
