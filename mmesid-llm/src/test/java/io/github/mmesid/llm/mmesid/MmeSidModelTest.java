package io.github.mmesid.llm.mmesid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.llm.llama.LlamaReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MME-SID graphs against slow double-precision references: {@link MmeSidReference} (fusion,
 * frequency head, scoring, written apart from the graph code) and {@link LlamaReference} (the
 * backbone), on a tiny model with two modalities (one whose SID size differs from H).
 */
class MmeSidModelTest {
  static final int N = 30;
  static final RuntimeOptions ONE = RuntimeOptions.builder().intraOpThreads(1).build();

  static MmeSidModelInit init;
  static MmeSidRecommender rec;

  /** Two modalities: collab (d 6, SIDs L 2 K 4 e 32 = H) and text (d 10, SIDs L 3 K 5 e 8). */
  static MmeSidInputs inputs(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    ItemCatalog cat = ItemCatalog.builder(n).add("collab", matrix(r, n + 1, 6))
        .add("text", matrix(r, n + 1, 10)).build();
    return MmeSidInputs.builder(cat)
        .semanticIds("collab", codes(r, n, 2, 4), books(r, 2, 4, 32))
        .semanticIds("text", codes(r, n, 3, 5), books(r, 3, 5, 8)).build();
  }

  static float[][] matrix(SplittableRandom r, int rows, int cols) {
    float[][] m = new float[rows][cols];
    for (int i = 1; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m[i][j] = (float) (r.nextDouble() * 2 - 1);
      }
    }
    return m;
  }

  static int[][] codes(SplittableRandom r, int n, int levels, int k) {
    int[][] c = new int[n + 1][levels];
    for (int i = 1; i <= n; i++) {
      for (int l = 0; l < levels; l++) {
        c[i][l] = r.nextInt(k);
      }
    }
    return c;
  }

  static float[][][] books(SplittableRandom r, int levels, int k, int e) {
    float[][][] b = new float[levels][k][e];
    for (float[][] level : b) {
      for (float[] row : level) {
        for (int j = 0; j < e; j++) {
          row[j] = (float) (r.nextGaussian() * 0.5);
        }
      }
    }
    return b;
  }

  static long[] counts(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    long[] c = new long[n + 1];
    for (int i = 1; i <= n; i++) {
      c[i] = r.nextInt(50);
    }
    return c;
  }

  static MmeSidConfig.Builder tiny() {
    return MmeSidConfig.builder().backbonePreset(BackbonePreset.TINY).tau(0.5).maxHistory(8).seed(3);
  }

  @BeforeAll
  static void build() {
    init = MmeSidModelInit.create(tiny().build(), inputs(N, 1), counts(N, 2));
    rec = MmeSidRecommender.create(init.spec(), init.values(), init.backbone(), null, ONE, true);
  }

  @AfterAll
  static void close() {
    if (rec != null) {
      rec.close();
    }
  }

  /** The values as the reference takes them (S and f without the padding row, codes as doubles). */
  static MmeSidReference reference(MmeSidModelInit m) {
    Map<String, double[]> p = new LinkedHashMap<>();
    for (Map.Entry<String, TensorData> e : m.values().entrySet()) {
      p.put(e.getKey(), e.getValue().toDoubles());
    }
    int h = m.spec().hidden();
    double[] s = p.get(MmeSidNet.SCORE_ITEMS);
    p.put(MmeSidNet.SCORE_ITEMS, java.util.Arrays.copyOfRange(s, h, s.length));
    double[] f = p.get(MmeSidNet.FREQ);
    if (f != null) {
      p.put(MmeSidNet.FREQ, java.util.Arrays.copyOfRange(f, 1, f.length));
    }
    List<MmeSidReference.Modality> mods = new ArrayList<>();
    for (MmeSidSpec.Modality mod : m.spec().modalities()) {
      mods.add(new MmeSidReference.Modality(mod.name(), mod.dim(), Math.max(1, mod.levels()),
          Math.max(1, mod.codebookSize()), Math.max(1, mod.sidDim())));
    }
    MmeSidConfig c = m.spec().config();
    if (c.scoring() != MmeSidConfig.Scoring.FUSED) { // unused by unfused scoring; the reference wants them
      MmeSidReference.randomParameters(mods, h, m.spec().numItems(), c.sidEmbeddings(), 1)
          .forEach((k, v) -> {
            if (k.startsWith("freq.")) {
              p.put(k, v);
            }
          });
    }
    return new MmeSidReference(p, mods, h, m.spec().numItems(), c.sidEmbeddings(),
        c.scoring() == MmeSidConfig.Scoring.FUSED, c.tau());
  }

  /** The final hidden state of the last prompt token, computed in double by the references. */
  static double[] referenceUser(MmeSidModelInit m, MmeSidReference ref, int[] history) {
    int h = m.spec().hidden();
    double[] table = m.values().get(MmeSidNet.PROMPT_EMBED).toDoubles();
    int[] pre = m.spec().prefixLocal();
    int[] suf = m.spec().suffixLocal();
    int[] kept = io.github.mmesid.core.SequentialRecommender.recentItems(history,
        m.spec().config().maxHistory());
    double[][] items = ref.historyEmbeddings(kept);
    double[][][] seq = new double[1][pre.length + kept.length + suf.length][];
    int t = 0;
    for (int id : pre) {
      seq[0][t++] = java.util.Arrays.copyOfRange(table, id * h, (id + 1) * h);
    }
    for (double[] e : items) {
      seq[0][t++] = e;
    }
    for (int id : suf) {
      seq[0][t++] = java.util.Arrays.copyOfRange(table, id * h, (id + 1) * h);
    }
    int[][] mask = new int[1][t];
    java.util.Arrays.fill(mask[0], 1);
    double[][][] out = new LlamaReference(m.backbone()).forward(seq, mask);
    return out[0][t - 1];
  }

  static void assertClose(double expected, double actual, double tol, String what) {
    assertTrue(Math.abs(expected - actual) <= tol * Math.max(1, Math.abs(expected)),
        what + ": expected " + expected + ", got " + actual);
  }

  @Test
  void scoresEqualTheDoublePrecisionReferences() {
    MmeSidReference ref = reference(init);
    List<int[]> histories = List.of(new int[] {3}, new int[] {5, 9, 30, 1}, new int[0],
        new int[] {2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22}); // longer than maxHistory 8
    float[][] scores = rec.scores(histories);
    float[][] users = rec.userVectors(histories);
    for (int u = 0; u < histories.size(); u++) {
      double[] h = referenceUser(init, ref, histories.get(u));
      for (int j = 0; j < h.length; j++) {
        assertClose(h[j], users[u][j], 2e-4, "user " + u + " h[" + j + "]");
      }
      // scoring alone: the graph's user vector through the reference's fusion and heads
      double[] fromGraphUser = ref.logits(toDoubles(users[u]));
      double[] full = ref.logits(h);
      for (int i = 1; i <= N; i++) {
        assertClose(fromGraphUser[i], scores[u][i], 1e-5, "user " + u + " item " + i);
        assertClose(full[i], scores[u][i], 5e-4, "user " + u + " item " + i + " end to end");
      }
    }
    float[][] f = rec.fusedItemMatrix();
    for (int i = 1; i <= N; i++) {
      double[] expected = ref.fusedItem(i);
      for (int j = 0; j < expected.length; j++) {
        assertClose(expected[j], f[i][j], 1e-5, "F[" + i + "][" + j + "]");
      }
    }
  }

  @Test
  void ablationsMatchTheReferenceToo() {
    for (MmeSidConfig c : List.of(tiny().sidEmbeddings(false).build(),
        tiny().scoring(MmeSidConfig.Scoring.ID_ONLY).build(), tiny().tau(1e-3).build(),
        tiny().modalities(List.of("text")).build())) {
      MmeSidModelInit m = MmeSidModelInit.create(c, inputs(N, 1), counts(N, 2));
      try (MmeSidRecommender r = MmeSidRecommender.create(m.spec(), m.values(), m.backbone(), null,
          ONE, true)) {
        MmeSidReference ref = reference(m);
        int[] history = {7, 8, 9};
        double[] expected = ref.logits(referenceUser(m, ref, history));
        float[] got = r.scores(history);
        for (int i = 1; i <= N; i++) {
          assertClose(expected[i], got[i], 5e-4, c + " item " + i);
        }
      }
    }
  }

  @Test
  void prefixCacheEqualsRunningTheWholePrompt() {
    List<int[]> histories = List.of(new int[] {1, 2, 3}, new int[] {30}, new int[0],
        new int[] {4, 5, 6, 7, 8, 9, 10, 11});
    try (MmeSidRecommender plain = rec.withPrefixCache(false)) {
      float[][] a = rec.scores(histories);
      float[][] b = plain.scores(histories);
      for (int u = 0; u < a.length; u++) {
        for (int i = 1; i <= N; i++) {
          assertClose(b[u][i], a[u][i], 1e-5, "history " + u + " item " + i);
        }
      }
    }
  }

  @Test
  void scoresDoNotDependOnTheBatchOrOnPadding() {
    int[] history = {11, 12, 13};
    float[] alone = rec.scores(history);
    float[] padded = rec.scores(new int[] {0, 0, 11, 0, 12, 13});
    List<int[]> batch = new ArrayList<>();
    for (int k = 0; k < 70; k++) { // more than one scoring chunk, mixed lengths
      batch.add(k == 41 ? history : new int[] {1 + k % N, 1 + (k * 7) % N, 1 + (k * 3) % N,
          1 + (k * 5) % N, 1 + (k * 11) % N}.clone());
    }
    float[] inBatch = rec.scores(batch)[41];
    for (int i = 1; i <= N; i++) {
      assertEquals(alone[i], padded[i], 0f, "padding zeros in the history are ignored");
      assertClose(alone[i], inBatch[i], 1e-5, "item " + i);
    }
  }

  @Test
  void topKExcludesTheHistoryAndClosingIsIdempotent() {
    int[] history = {1, 2, 3};
    var top = rec.topK(history);
    assertEquals(10, top.size());
    for (var s : top) {
      assertTrue(s.item() > 3, "history items are never recommended: " + top);
    }
    MmeSidRecommender other = MmeSidRecommender.create(init.spec(), init.values(), init.backbone(),
        null, ONE, true);
    other.close();
    other.close();
    assertThrows(IllegalStateException.class, () -> other.scores(history));
    assertThrows(IllegalArgumentException.class, () -> rec.scores(new int[] {N + 1}));
  }

  @Test
  void frequencyFeatureIsMinMaxNormalisedLogCount() {
    float[] f = MmeSidModelInit.frequency(new long[] {99, 0, 1, 3, 0});
    assertEquals(0f, f[0]);
    assertEquals(0f, f[1]);
    assertEquals(1f, f[3]);
    assertEquals((float) (Math.log(2) / Math.log(4)), f[2], 1e-7f);
    assertEquals(0f, MmeSidModelInit.frequency(new long[] {0, 5, 5})[1], "equal counts give 0");
  }

  static double[] toDoubles(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }
}
