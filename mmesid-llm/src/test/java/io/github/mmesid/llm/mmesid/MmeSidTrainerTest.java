package io.github.mmesid.llm.mmesid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.eval.Evaluator;
import io.github.mmesid.llm.sasrec.SasRecRecommenderTest;
import io.github.mmesid.llm.popularity.PopularityRecommender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training MME-SID end to end on small synthetic data, and its bundle. */
class MmeSidTrainerTest {
  static final int ITEMS = 40;
  static final RunOptions ONE = RunOptions.builder().threads(1).logEvery(1000).build();
  static LeaveOneOutSplit split;
  static MmeSidInputs inputs;
  static MmeSidTrainingResult trained;

  /** Users walk a cycle (item i is followed by i + 1) with 10% random items. */
  static SequenceDataset chains(int users, long seed) {
    return SasRecRecommenderTest.chains(users, ITEMS, 5, 8, seed);
  }


  /** Two modalities of noise with random semantic IDs: the ID head must carry the signal. */
  static MmeSidInputs noiseInputs(long seed) {
    return MmeSidModelTest.inputs(ITEMS, seed);
  }

  static MmeSidConfig.Builder config() {
    return MmeSidConfig.builder().backbonePreset(BackbonePreset.TINY).maxHistory(8)
        .learningRate(1e-2).warmupSteps(10).batchSize(32).epochs(6).patience(0).seed(5);
  }

  @BeforeAll
  static void train() {
    split = LeaveOneOutSplit.of(chains(300, 11));
    inputs = noiseInputs(4);
    trained = MmeSidTrainer.train(split, inputs, config().build(), ONE);
  }

  @AfterAll
  static void close() {
    if (trained != null) {
      trained.recommender().close();
    }
  }

  @Test
  void aTinyBackboneLearnsAndBeatsPopularityClearly() {
    Evaluator ev = Evaluator.builder().threads(1).ks(10).build();
    EvaluationResult mme = ev.evaluate(trained.recommender(), split);
    EvaluationResult pop = ev.evaluate(PopularityRecommender.train(split), split);
    assertTrue(mme.recall(10) > pop.recall(10) + 0.3, "MME-SID recall@10 " + mme.recall(10)
        + " vs popularity " + pop.recall(10));
    assertTrue(mme.ndcg(10) > 2 * pop.ndcg(10), "NDCG@10 " + mme.ndcg(10) + " vs " + pop.ndcg(10));
    List<Double> losses = trained.log().lossHistory();
    assertTrue(losses.get(losses.size() - 1) < losses.get(0) * 0.7, "loss falls: " + losses.get(0)
        + " -> " + losses.get(losses.size() - 1));
    assertEquals(6, trained.log().validations().size());
    assertTrue(trained.metrics().get("valid_ndcg@10") > 0);
    for (String m : List.of("collab", "text")) {
      assertTrue(trained.metrics().containsKey("sid_tau_before_" + m), trained.metrics().toString());
      assertTrue(trained.metrics().containsKey("sid_tau_after_" + m), trained.metrics().toString());
    }
  }

  @Test
  void saveLoadGivesIdenticalScores(@TempDir Path dir) {
    MmeSidRecommender rec = trained.recommender();
    Path bundle = dir.resolve("bundle");
    rec.save(bundle);
    assertTrue(Files.isRegularFile(bundle.resolve(MmeSidBundle.MANIFEST)));
    assertTrue(Files.isDirectory(bundle.resolve(MmeSidBundle.BACKBONE_DIR)));
    List<int[]> hs = List.of(new int[] {3, 4, 5}, new int[0], new int[] {40, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    try (MmeSidRecommender back = MmeSidRecommender.load(bundle, null)) {
      assertEquals(rec.config(), back.config());
      float[][] a = rec.scores(hs);
      float[][] b = back.scores(hs);
      for (int i = 0; i < a.length; i++) {
        assertArrayEquals(a[i], b[i], "history " + i);
      }
    }
    rec.save(bundle); // replacing an existing bundle works
    try (MmeSidRecommender again = MmeSidRecommender.load(bundle, null)) {
      assertArrayEquals(rec.scores(hs.get(0)), again.scores(hs.get(0)));
    }
  }

  @Test
  void corruptBundlesFailWithTheirOwnMessage(@TempDir Path dir) throws IOException {
    Path bundle = dir.resolve("b");
    trained.recommender().save(bundle);
    Path manifest = bundle.resolve(MmeSidBundle.MANIFEST);
    String json = Files.readString(manifest);
    Files.writeString(manifest, json.replace("\"format_version\" : 1", "\"format_version\" : 9"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MmeSidRecommender.load(bundle, null));
    assertTrue(e.getMessage().contains("format_version 9"), e.getMessage());
    Files.writeString(manifest, json.replace("\"tau\" : ", "\"tauu\" : "));
    e = assertThrows(IllegalArgumentException.class, () -> MmeSidRecommender.load(bundle, null));
    assertTrue(e.getMessage().contains("tauu"), e.getMessage());
    Files.writeString(manifest, json);
    Path weights = bundle.resolve(MmeSidBundle.WEIGHTS);
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    e = assertThrows(IllegalArgumentException.class, () -> MmeSidRecommender.load(bundle, null));
    assertTrue(e.getMessage().contains(MmeSidBundle.WEIGHTS), e.getMessage());
    Files.delete(weights);
    assertThrows(RuntimeException.class, () -> MmeSidRecommender.load(bundle, null));
    Path notABundle = Files.createDirectories(dir.resolve("empty"));
    e = assertThrows(IllegalArgumentException.class, () -> MmeSidRecommender.load(notABundle, null));
    assertTrue(e.getMessage().contains("not an MME-SID bundle"), e.getMessage());
  }

  @Test
  void randomSidInitAndAblationsTrain() {
    MmeSidConfig c = config().epochs(1).sidInit(MmeSidConfig.SidInit.RANDOM)
        .scoring(MmeSidConfig.Scoring.ID_ONLY).modalities(List.of("text")).build();
    MmeSidTrainingResult r = MmeSidTrainer.train(split, inputs, c, ONE);
    try (MmeSidRecommender rec = r.recommender()) {
      assertEquals(List.of("text"), rec.modalities());
      // random init: the SID tables do not start from the codebooks
      float[][] book = inputs.sid("text").codebooks()[0];
      assertFalse(java.util.Arrays.equals(book[0], rec.sidEmbeddings("text", 0)[0]));
    }
  }

  @Test
  void aPreparedSessionStepsOnChosenBatchesAndCountsItsArithmetic() {
    try (MmeSidTrainer.Session s = MmeSidTrainer.prepare(split, inputs, config().build(), ONE)) {
      List<int[]> batches = s.batches(0);
      assertEquals(batches.size(), s.batches(1).size(), "same number of batches every epoch");
      int total = 0;
      for (int[] b : batches) {
        total += b.length;
        int len = s.historyLength(b[0]);
        for (int id : b) {
          assertEquals(len, s.historyLength(id), "a batch holds one history length");
        }
      }
      assertEquals(s.examples(), total);
      int[] b = batches.get(0);
      double first = s.step(b);
      double later = first;
      for (int i = 0; i < 20; i++) {
        later = s.step(b);
      }
      assertTrue(later < first, "repeated updates on one batch lower its loss: " + first + " -> " + later);
      assertTrue(s.flopsPerStep(b) > 0);
      assertTrue(s.flopsPerStep(new int[] {b[0]}) < s.flopsPerStep(b));
    }
  }

  @Test
  void cudaRequiredWithoutCudaFailsClearlyAndPreferredFallsBackToTheCpu() {
    MmeSidConfig c = config().epochs(1).build();
    RunOptions require = ONE.toBuilder().provider(io.github.mmesid.core.engine.runtime
        .ExecutionProvider.cuda(0, io.github.mmesid.core.engine.runtime.ExecutionProvider.Policy.REQUIRE))
        .build();
    RuntimeException e = assertThrows(
        io.github.mmesid.core.engine.runtime.ProviderUnavailableException.class,
        () -> MmeSidTrainer.train(split, inputs, c, require));
    assertTrue(e.getMessage().contains("onnxruntime_gpu"), e.getMessage());
    RunOptions prefer = ONE.toBuilder().provider(io.github.mmesid.core.engine.runtime
        .ExecutionProvider.cuda(0, io.github.mmesid.core.engine.runtime.ExecutionProvider.Policy.PREFER))
        .build();
    MmeSidTrainingResult r = MmeSidTrainer.train(split, inputs, c, prefer);
    try (MmeSidRecommender rec = r.recommender()) {
      assertEquals(10, rec.topK(new int[] {1, 2}).size());
    }
  }

  @Test
  void inputsThatDoNotFitFailClearly() {
    MmeSidInputs other = MmeSidModelTest.inputs(ITEMS + 1, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MmeSidTrainer.train(split, other, config().build(), ONE));
    assertTrue(e.getMessage().contains("same item ids"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MmeSidTrainer.train(split, inputs,
        config().modalities(List.of("image")).build(), ONE));
    assertTrue(e.getMessage().contains("'image'") && e.getMessage().contains("collab"), e.getMessage());
    MmeSidInputs noSids = MmeSidInputs.builder(inputs.catalog()).build();
    e = assertThrows(IllegalArgumentException.class,
        () -> MmeSidTrainer.train(split, noSids, config().build(), ONE));
    assertTrue(e.getMessage().contains("no semantic IDs"), e.getMessage());
  }
}
