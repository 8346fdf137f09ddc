package io.github.mmesid.llm.sasrec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.eval.Evaluator;
import io.github.mmesid.llm.popularity.PopularityRecommender;
import io.github.mmesid.core.io.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASRec trained end to end on a small synthetic set with a strong sequential pattern: it must
 * beat popularity clearly; save/load, export, batching and concurrency must not change scores.
 */
public class SasRecRecommenderTest {
  private static final int ITEMS = 60;
  private static LeaveOneOutSplit split;
  private static SasRecTrainingResult trained;
  private static EvaluationResult sasrecTest;

  /**
   * Users walk a cycle over the items (item i is followed by i + 1, wrapping), starting anywhere,
   * with a 10% chance per step of a random item instead. Popularity is nearly flat.
   */
  static SequenceDataset chains(int users, long seed) {
    return chains(users, ITEMS, 6, 10, seed);
  }

  /**
   * The same walk over {@code items} items, with lengths {@code minLength} plus up to {@code
   * spread - 1} more.
   *
   * @param users users
   * @param items items N
   * @param minLength shortest sequence
   * @param spread length variation
   * @param seed seed
   * @return the sequences
   */
  public static SequenceDataset chains(int users, int items, int minLength, int spread, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    SequenceDataset.Builder b = SequenceDataset.builder();
    for (int u = 0; u < users; u++) {
      int len = minLength + r.nextInt(spread);
      int[] s = new int[len];
      int cur = 1 + r.nextInt(items);
      for (int t = 0; t < len; t++) {
        s[t] = r.nextDouble() < 0.1 ? 1 + r.nextInt(items) : cur;
        cur = s[t] % items + 1;
      }
      b.add("u" + u, s);
    }
    return b.build(items);
  }

  static SasRecConfig tiny() {
    return SasRecConfig.builder().dim(16).blocks(1).heads(2).maxLen(12).dropout(0.1)
        .learningRate(5e-3).batchSize(32).epochs(25).patience(4).seed(3).build();
  }

  @BeforeAll
  static void train() {
    split = LeaveOneOutSplit.of(chains(400, 11));
    trained = SasRecTrainer.train(split, tiny(), RunOptions.builder().threads(1).build());
    sasrecTest = Evaluator.builder().threads(1).ks(10).build().evaluate(trained.recommender(), split);
  }

  @AfterAll
  static void close() {
    if (trained != null) {
      trained.recommender().close();
    }
  }

  @Test
  void beatsPopularityByAClearMargin() {
    EvaluationResult pop = Evaluator.builder().threads(1).ks(10).build()
        .evaluate(PopularityRecommender.train(split), split);
    assertTrue(sasrecTest.recall(10) > pop.recall(10) + 0.3,
        "SASRec recall@10 " + sasrecTest.recall(10) + " vs popularity " + pop.recall(10));
    assertTrue(sasrecTest.ndcg(10) > 2 * pop.ndcg(10),
        "SASRec NDCG@10 " + sasrecTest.ndcg(10) + " vs popularity " + pop.ndcg(10));
    assertFalse(trained.log().validations().isEmpty());
    double best = trained.log().validations().stream().mapToDouble(v -> v.metric()).max().orElseThrow();
    assertEquals(best, trained.log().bestMetric(), 0.0, "the best validation is kept");
    assertEquals(best, trained.metrics().get("valid_ndcg@10"), 0.0);
    assertSame(trained.recommender(), trained.model());
  }

  @Test
  void validationSampleIsASeededSubsetOfEvaluableUsers() {
    LeaveOneOutSplit v = SasRecTrainer.validationSplit(split, 50, 7);
    assertEquals(50, v.evaluableUsers().length);
    LeaveOneOutSplit again = SasRecTrainer.validationSplit(split, 50, 7);
    assertEquals(v.dataset().userKeys(), again.dataset().userKeys());
    for (int u = 0; u < v.dataset().numUsers(); u++) {
      int orig = split.dataset().userIndex(v.dataset().userKey(u));
      assertArrayEquals(split.dataset().sequence(orig), v.dataset().sequence(u));
    }
    assertTrue(SasRecTrainer.validationSplit(split, 0, 7) == split);
  }

  @Test
  void topKExcludesHistoryAndFollowsTheLearnedPattern() {
    SasRecRecommender rec = trained.recommender();
    int[] history = {10, 11, 12, 13, 14};
    List<ScoredItem> top = rec.topK(history, 10);
    assertEquals(10, top.size());
    for (ScoredItem s : top) {
      for (int h : history) {
        assertTrue(s.item() != h, "history item " + h + " recommended");
      }
    }
    assertEquals(15, top.get(0).item(), "the chain continues with 15: " + top);
    float[] s = rec.scores(history);
    assertEquals(ITEMS + 1, s.length);
  }

  @Test
  void aUsersScoresDoNotDependOnTheOtherHistoriesOfTheCall() {
    SasRecRecommender rec = trained.recommender();
    SplittableRandom r = new SplittableRandom(11);
    List<int[]> hs = new ArrayList<>();
    for (int u = 0; u < 300; u++) { // lengths 0..maxLen + 4 mixed, more than one scoring batch
      int[] h = new int[r.nextInt(rec.config().maxLen() + 5)];
      for (int t = 0; t < h.length; t++) {
        h[t] = 1 + r.nextInt(ITEMS);
      }
      hs.add(h);
    }
    float[][] batch = rec.scores(hs);
    List<int[]> reversed = new ArrayList<>(hs);
    Collections.reverse(reversed);
    float[][] rev = rec.scores(reversed);
    for (int i = 0; i < hs.size(); i++) {
      assertArrayEquals(rec.scores(hs.get(i)), batch[i], "history " + i + " alone vs in the batch");
      assertArrayEquals(batch[i], rev[hs.size() - 1 - i], "history " + i + " in another order");
    }
  }

  @Test
  void batchScoresEqualSingleScoresAndPaddingIsIgnored() {
    SasRecRecommender rec = trained.recommender();
    List<int[]> hs = List.of(new int[] {1}, new int[] {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17},
        new int[] {}, new int[] {30, 31, 32}, new int[] {0, 0, 30, 0, 31, 32});
    float[][] batch = rec.scores(hs);
    for (int i = 0; i < hs.size(); i++) {
      float[] single = rec.scores(hs.get(i));
      for (int j = 1; j <= ITEMS; j++) {
        assertEquals(single[j], batch[i][j], 1e-4f, "history " + i + " item " + j);
      }
      for (float v : batch[i]) {
        assertTrue(Float.isFinite(v));
      }
    }
    for (int j = 1; j <= ITEMS; j++) {
      assertEquals(batch[3][j], batch[4][j], 1e-4f, "padding zeros are ignored");
    }
    // Longer than maxLen: only the most recent maxLen items count.
    int[] longH = new int[30];
    for (int t = 0; t < longH.length; t++) {
      longH[t] = t % ITEMS + 1;
    }
    int[] recent = java.util.Arrays.copyOfRange(longH, longH.length - tiny().maxLen(), longH.length);
    assertArrayEquals(rec.scores(recent), rec.scores(longH));
    assertThrows(IllegalArgumentException.class, () -> rec.scores(new int[] {ITEMS + 1}));
  }

  @Test
  void concurrentScoringGivesTheSameScores() throws Exception {
    SasRecRecommender rec = trained.recommender();
    int[] users = split.evaluableUsers();
    List<int[]> hs = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      hs.add(split.history(users[i], Split.TEST));
    }
    float[][] expected = rec.scores(hs);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> fs = new ArrayList<>();
      for (int rep = 0; rep < 3; rep++) {
        for (int[] h : hs) {
          fs.add(pool.submit(() -> rec.scores(h)));
        }
      }
      for (int i = 0; i < fs.size(); i++) {
        float[] got = fs.get(i).get();
        float[] want = expected[i % hs.size()];
        for (int j = 1; j <= ITEMS; j++) {
          assertEquals(want[j], got[j], 1e-4f);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void saveLoadGivesIdenticalScoresAndExportWritesTheTable(@TempDir Path dir) {
    SasRecRecommender rec = trained.recommender();
    Path file = dir.resolve("sasrec.safetensors");
    rec.save(file);
    List<int[]> hs = List.of(new int[] {3, 4, 5}, new int[] {50, 51, 52, 53, 54, 55, 56}, new int[] {9});
    try (SasRecRecommender back = SasRecRecommender.load(file, null)) {
      assertEquals(rec.config(), back.config());
      assertEquals(ITEMS, back.numItems());
      float[][] a = rec.scores(hs);
      float[][] b = back.scores(hs);
      for (int i = 0; i < a.length; i++) {
        assertArrayEquals(a[i], b[i], "history " + i);
      }
      EvaluationResult again = Evaluator.builder().threads(1).ks(10).build().evaluate(back, split);
      assertEquals(sasrecTest.metrics(), again.metrics());
    }
    Path npy = dir.resolve("item_emb.npy");
    rec.exportItemEmbeddings(npy);
    float[][] table = Npy.readFloatMatrix(npy);
    assertEquals(ITEMS + 1, table.length);
    assertEquals(16, table[0].length);
    float[][] direct = rec.itemEmbeddings();
    for (int i = 0; i <= ITEMS; i++) {
      assertArrayEquals(direct[i], table[i]);
    }
    assertTrue(Files.exists(file));
  }

  @Test
  void formatVersion1FilesWithCamelCaseKeysStillLoad(@TempDir Path dir) {
    SasRecRecommender rec = trained.recommender();
    // a version-1 file as the first release wrote it: camelCase metadata and config keys, threads
    String v1Config = "{\"dim\":16,\"blocks\":1,\"heads\":2,\"ffnDim\":16,\"maxLen\":12,\"dropout\":0.1,"
        + "\"loss\":\"CROSS_ENTROPY\",\"negatives\":1,\"learningRate\":0.005,\"weightDecay\":0.0,"
        + "\"batchSize\":32,\"epochs\":25,\"patience\":4,\"validationUsers\":5000,\"threads\":1,\"seed\":3}";
    SafetensorsWriter w = new SafetensorsWriter().putMetadata("format", SasRecRecommender.FORMAT)
        .putMetadata("formatVersion", "1").putMetadata("numItems", Integer.toString(ITEMS))
        .putMetadata("config", v1Config);
    for (String name : rec.parameters().names()) {
      TensorData d = rec.parameters().get(name);
      w.addFloat32(name, d.shape(), d.toFloats());
    }
    Path file = dir.resolve("v1.safetensors");
    w.write(file);
    int[] h = {3, 4, 5};
    try (SasRecRecommender back = SasRecRecommender.load(file, null)) {
      assertEquals(16, back.config().effectiveFfnDim());
      assertArrayEquals(rec.scores(h), back.scores(h));
    }
  }

  @Test
  void cudaRequiredWithoutCudaFailsClearlyAndPreferredRunsOnTheCpu() {
    SasRecConfig c = tiny().toBuilder().epochs(1).build();
    io.github.mmesid.core.engine.runtime.ExecutionProvider.Policy req =
        io.github.mmesid.core.engine.runtime.ExecutionProvider.Policy.REQUIRE;
    RuntimeException e = assertThrows(
        io.github.mmesid.core.engine.runtime.ProviderUnavailableException.class,
        () -> SasRecTrainer.train(split, c, RunOptions.builder().threads(1)
            .provider(io.github.mmesid.core.engine.runtime.ExecutionProvider.cuda(0, req)).build()));
    assertTrue(e.getMessage().contains("onnxruntime_gpu"), e.getMessage());
    SasRecTrainingResult r = SasRecTrainer.train(split, c, RunOptions.builder().threads(1)
        .provider(io.github.mmesid.core.engine.runtime.ExecutionProvider.cuda(0,
            io.github.mmesid.core.engine.runtime.ExecutionProvider.Policy.PREFER)).build());
    try (SasRecRecommender rec = r.recommender()) {
      assertEquals(10, rec.topK(new int[] {1, 2}).size());
    }
  }

  @Test
  void loadRejectsOtherFiles(@TempDir Path dir) {
    Path other = dir.resolve("other.safetensors");
    new SafetensorsWriter().putMetadata("format", "something-else")
        .addFloat32("w", new long[] {2}, new float[] {1, 2}).write(other);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SasRecRecommender.load(other, null));
    assertTrue(e.getMessage().contains("not a SASRec model") && e.getMessage().contains("other.safetensors"),
        e.getMessage());
    Path wrong = dir.resolve("wrong.safetensors");
    new SafetensorsWriter().putMetadata("format", SasRecRecommender.FORMAT)
        .putMetadata("formatVersion", "1").putMetadata("numItems", "5")
        .putMetadata("config", tiny().toJson())
        .addFloat32("item_emb", new long[] {6, 16}, new float[96]).write(wrong);
    e = assertThrows(IllegalArgumentException.class, () -> SasRecRecommender.load(wrong, null));
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void sampledBceLossAlsoLearnsThePattern() {
    SasRecConfig c = tiny().toBuilder().loss(SasRecLoss.SAMPLED_BCE).negatives(4).epochs(12)
        .learningRate(1e-2).build();
    SasRecTrainingResult r = SasRecTrainer.train(split, c);
    try (SasRecRecommender rec = r.recommender()) {
      EvaluationResult res = Evaluator.builder().threads(1).ks(10).build().evaluate(rec, split);
      EvaluationResult pop = Evaluator.builder().threads(1).ks(10).build()
          .evaluate(PopularityRecommender.train(split), split);
      assertTrue(res.recall(10) > pop.recall(10) + 0.2,
          "BCE SASRec recall@10 " + res.recall(10) + " vs popularity " + pop.recall(10));
    }
  }
}
