package io.github.mmesid.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.data.SyntheticData;
import io.github.mmesid.core.data.SyntheticDataGenerator;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.eval.Evaluator;
import io.github.mmesid.llm.mmesid.BackbonePreset;
import io.github.mmesid.llm.mmesid.MmeSidConfig;
import io.github.mmesid.llm.mmesid.MmeSidInputs;
import io.github.mmesid.llm.mmesid.MmeSidRecommender;
import io.github.mmesid.llm.popularity.PopularityRecommender;
import io.github.mmesid.llm.sasrec.SasRecConfig;
import io.github.mmesid.llm.sasrec.SasRecRecommender;
import io.github.mmesid.llm.sasrec.SasRecTrainer;
import io.github.mmesid.quant.MmRqVaeConfig;
import io.github.mmesid.quant.MmRqVaeModel;
import io.github.mmesid.quant.MmRqVaeTrainer;
import io.github.mmesid.quant.QuantizedSemanticIdCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every model kind through Spark against the same model in one JVM: a SASRec and an MM-RQ-VAE
 * trained on a small synthetic data set, an MME-SID (tiny preset backbone) built from them, and
 * popularity on Beauty.
 */
class SparkModelsTest {

  @TempDir static Path tmp;
  static SyntheticData synth;
  static LeaveOneOutSplit split;
  static Path sasrecDir;
  static Path quantDir;
  static Path mmesidDir;
  static final RuntimeOptions ONE = RuntimeOptions.builder().intraOpThreads(1).build();

  @BeforeAll
  static void train() {
    synth = SyntheticDataGenerator.builder().users(300).items(90).topics(6).seed(11)
        .modalities(new LinkedHashMap<>(Map.of("collab", 12))).build().generate();
    split = LeaveOneOutSplit.of(synth.dataset());
    RunOptions run = RunOptions.builder().threads(1).logEvery(100000).build();
    sasrecDir = tmp.resolve("sasrec");
    SasRecConfig sc = SasRecConfig.builder().dim(16).blocks(1).heads(1).maxLen(12).epochs(2)
        .batchSize(64).validationUsers(100).seed(3).build();
    try (SasRecRecommender sasrec = SasRecTrainer.train(split, sc, run).model()) {
      sasrec.save(sasrecDir.resolve("sasrec.safetensors"));
    }
    quantDir = tmp.resolve("quant");
    MmRqVaeConfig qc = MmRqVaeConfig.builder().levels(2).codebookSize(8).latentDim(8).hiddenLayers(16)
        .epochs(3).validateEvery(3).batchSize(64).seed(5).build();
    ItemCatalog catalog = synth.catalog();
    try (MmRqVaeModel quant = MmRqVaeTrainer.train(catalog, qc, run).model()) {
      quant.save(quantDir);
      MmeSidInputs inputs = MmeSidInputs.of(catalog, quant);
      MmeSidConfig mc = MmeSidConfig.builder().backbonePreset(BackbonePreset.TINY).maxHistory(10).seed(9).build();
      mmesidDir = tmp.resolve("mmesid");
      try (MmeSidRecommender mme = MmeSidRecommender.untrained(mc, inputs, split.trainingItemCounts(), ONE)) {
        mme.save(mmesidDir);
      }
    }
  }

  static List<int[]> allSequences(SequenceDataset d) {
    List<int[]> out = new ArrayList<>();
    for (int u = 0; u < d.numUsers(); u++) {
      out.add(d.sequence(u));
    }
    return out;
  }

  void assertTopKEqualsSingleJvm(SequentialRecommender single, Path dir, int k, boolean perUser) {
    SparkSession spark = TestSpark.session();
    SequenceDataset d = synth.dataset();
    List<List<ScoredItem>> expected = new ArrayList<>();
    if (perUser) {
      for (int[] h : allSequences(d)) {
        expected.add(single.topK(h, k));
      }
    } else {
      expected = single.topK(allSequences(d), k);
    }
    for (int[] setup : new int[][] {{1, 256}, {3, 17}}) {
      Map<String, Row> got = SparkTopKTest.byUser(SparkTopK.recommend(
          SparkTopKTest.histories(spark, d, setup[0]), dir.toString(), k,
          ScoringOptions.defaults().withBatchSize(setup[1])));
      SparkTopKTest.assertSameAsSingleJvm(got, d, expected);
    }
  }

  /** SASRec's scores also move by an ulp with a batch's padding (see the MME-SID test). */
  @Test
  void sasrecTopKEqualsSingleJvm() {
    try (SequentialRecommender single = SasRecRecommender.load(sasrecDir.resolve("sasrec.safetensors"), ONE)) {
      assertTopKEqualsSingleJvm(single, sasrecDir, 10, true);
    }
  }

  /**
   * MME-SID's scores of a history move by an ulp when it shares a batch with longer histories
   * (padding changes the kernels' shapes), so Spark scores histories of equal length together and
   * equals the single-JVM model scoring each user alone, whatever the partitioning.
   */
  @Test
  void mmesidTopKEqualsSingleJvm() {
    try (SequentialRecommender single = MmeSidRecommender.load(mmesidDir, ONE)) {
      assertTopKEqualsSingleJvm(single, mmesidDir, 7, true);
    }
  }

  static void assertSameMetrics(EvaluationResult expected, SparkEvaluationResult got) {
    assertEquals(expected.users(), got.users());
    assertEquals(expected.metrics().keySet(), got.metrics().keySet());
    for (Map.Entry<String, Double> e : expected.metrics().entrySet()) {
      assertEquals(e.getValue(), got.metrics().get(e.getKey()), 1e-12, e.getKey());
    }
  }

  static void assertSameRanks(EvaluationResult expected, SequenceDataset d, Dataset<Row> ranks) {
    Map<String, Integer> byUser = new HashMap<>();
    for (Row r : ranks.collectAsList()) {
      assertEquals(null, byUser.put(r.getString(0), r.getInt(2)));
    }
    int[] users = expected.evaluatedUsers();
    int[] rs = expected.ranks();
    assertEquals(users.length, byUser.size());
    for (int i = 0; i < users.length; i++) {
      assertEquals(rs[i], byUser.get(d.userKey(users[i])).intValue(), "user " + d.userKey(users[i]));
    }
  }

  @Test
  void sasrecEvaluationEqualsSingleJvmOnBothSplits() {
    SparkSession spark = TestSpark.session();
    SequenceDataset d = synth.dataset();
    try (SequentialRecommender single = SasRecRecommender.load(sasrecDir.resolve("sasrec.safetensors"), ONE)) {
      for (Split s : Split.values()) {
        EvaluationResult expected = Evaluator.builder().split(s).ks(1, 5, 10).threads(1).build().evaluate(single, split);
        SparkEvaluator ev = SparkEvaluator.builder().split(s).ks(10, 1, 5)
            .options(ScoringOptions.defaults().withBatchSize(50)).build();
        SparkEvaluationResult got = ev.evaluate(SparkSequences.of(spark, d, 3), sasrecDir.toString());
        assertSameMetrics(expected, got);
        assertSameRanks(expected, d, ev.ranks(SparkSequences.of(spark, d, 2), sasrecDir.toString()));
        assertTrue(got.metric("ndcg", 10) > 0, "a trained SASRec hits some targets: " + got);
      }
    }
  }

  @Test
  void evaluationWithHistoryItemsAsCandidatesEqualsSingleJvm() {
    SparkSession spark = TestSpark.session();
    SequenceDataset d = synth.dataset();
    try (SequentialRecommender single = SasRecRecommender.load(sasrecDir.resolve("sasrec.safetensors"), ONE)) {
      EvaluationResult expected = Evaluator.builder().excludeHistory(false).threads(1).build().evaluate(single, split);
      SparkEvaluator ev = SparkEvaluator.builder().excludeHistory(false).build();
      assertSameMetrics(expected, ev.evaluate(SparkSequences.of(spark, d, 2), sasrecDir.toString()));
      assertSameRanks(expected, d, ev.ranks(SparkSequences.of(spark, d, 3), sasrecDir.toString()));
    }
  }

  @Test
  void malformedSequenceLinesFailTheJobQuotingTheLine() throws Exception {
    SparkSession spark = TestSpark.session();
    Path file = tmp.resolve("bad-sequences.txt");
    java.nio.file.Files.writeString(file, "u1 1 2 3\n\nu2 4 x 5\n");
    Exception e = assertThrows(Exception.class, () -> SparkSequences.read(spark, file.toString()).collectAsList());
    assertTrue(e.getMessage().contains("sequences line 'u2 4 x 5': token 3 'x' is not a valid item id"), e.getMessage());
    List<Row> ok = SparkSequences.read(spark, file.toString()).limit(1).collectAsList();
    assertEquals("u1", ok.get(0).getString(0));
    assertEquals(List.of(1, 2, 3), ok.get(0).getList(1));
  }

  @Test
  void popularityEvaluationOnBeautyEqualsSingleJvm() {
    SparkSession spark = TestSpark.session();
    SequenceDataset beauty = io.github.mmesid.core.data.SequenceFiles.read(TestSpark.beauty());
    Path dir = tmp.resolve("beauty-popularity");
    EvaluationResult expected;
    try (PopularityRecommender pop = PopularityRecommender.train(beauty)) {
      PopularityBundle.write(pop, dir);
      expected = Evaluator.builder().threads(1).build().evaluate(pop, beauty);
    }
    for (int partitions : new int[] {1, 4}) {
      SparkEvaluationResult got = SparkEvaluator.builder().build()
          .evaluate(SparkSequences.of(spark, beauty, partitions), dir.toString());
      assertSameMetrics(expected, got);
      assertEquals(expected.users(), 22363 > 0 ? got.users() : -1);
    }
  }

  @Test
  void catalogEncodingEqualsSingleJvm() {
    SparkSession spark = TestSpark.session();
    float[][] table = synth.catalog().matrix("collab");
    float[][] rows = Arrays.copyOfRange(table, 1, table.length);
    StructType schema = new StructType()
        .add(SparkCatalogEncoder.ITEM, DataTypes.IntegerType, false)
        .add(SparkCatalogEncoder.EMBEDDING, DataTypes.createArrayType(DataTypes.FloatType, false), false);
    List<Row> input = new ArrayList<>();
    for (int i = 0; i < rows.length; i++) {
      input.add(RowFactory.create(i + 1, rows[i]));
    }
    try (MmRqVaeModel model = MmRqVaeModel.load(quantDir, ONE)) {
      for (boolean dis : new boolean[] {true, false}) {
        QuantizedSemanticIdCodec codec = QuantizedSemanticIdCodec.encode(model.quantizer("collab"), rows, dis);
        int[][] base = codec.baseCodes();
        Dataset<Row> items = spark.createDataFrame(input, schema).repartition(3);
        List<Row> got = SparkCatalogEncoder.encode(items, quantDir.toString(), "collab", dis,
            ScoringOptions.defaults().withBatchSize(16)).collectAsList();
        assertEquals(rows.length, got.size());
        boolean collisions = false;
        for (Row r : got) {
          int item = r.getInt(0);
          int[] codes = r.getList(1).stream().mapToInt(x -> (Integer) x).toArray();
          int[] sid = r.getList(2).stream().mapToInt(x -> (Integer) x).toArray();
          assertArrayEquals(base[item - 1], codes, "item " + item);
          assertArrayEquals(codec.encode(item).codes(), sid, "item " + item);
          collisions |= dis && sid[sid.length - 1] > 0;
        }
        assertTrue(!dis || collisions, "the test covers disambiguation codes above 0");
      }
    }
    Dataset<Row> items = spark.createDataFrame(input, schema);
    Exception e = assertThrows(Exception.class, () -> SparkCatalogEncoder.encode(items, quantDir.toString(),
        "image", false, ScoringOptions.defaults()).collectAsList());
    assertTrue(e.getMessage().contains("has no modality 'image'; its modalities are [collab]"), e.getMessage());
  }

  @Test
  void bundlesDetectAndLoadEveryKind() {
    assertEquals(BundleKind.SASREC, Bundles.detect(sasrecDir));
    assertEquals(BundleKind.SASREC, Bundles.detect(sasrecDir.resolve("sasrec.safetensors")));
    assertEquals(BundleKind.MMESID, Bundles.detect(mmesidDir));
    Path pop = tmp.resolve("pop-kind");
    PopularityBundle.write(PopularityRecommender.fromCounts(new long[] {0, 5, 7}), pop);
    assertEquals(BundleKind.POPULARITY, Bundles.detect(pop));
    try (SequentialRecommender p = Bundles.load(pop)) {
      assertEquals(List.of(new ScoredItem(2, 7f), new ScoredItem(1, 5f)), p.topK(new int[0], 2));
    }
    try (SequentialRecommender s = Bundles.load(mmesidDir, ScoringOptions.defaults().withIntraOpThreads(2))) {
      assertEquals(synth.dataset().numItems(), s.numItems());
    }
    IllegalArgumentException notModel = assertThrows(IllegalArgumentException.class, () -> Bundles.detect(quantDir));
    assertTrue(notModel.getMessage().contains("is not a model directory: it holds none of popularity.json (POPULARITY), "
        + "sasrec.safetensors (SASREC), mmesid.json (MMESID)"), notModel.getMessage());
  }

  /**
   * A full-size SASRec (the default configuration over Beauty's 12,086 items) loads through
   * {@link Bundles} and scores from a thread with a 256 KiB stack. (The JVM crash that {@link
   * LargeStack} avoids shows in a fresh JVM, before the JIT has compiled the recursion; here the
   * model was already built once, so this checks the load path, not the crash.)
   */
  @Test
  void aFullSizeSasRecLoadsAndScoresFromASmallStackThread() throws Exception {
    Path dir = tmp.resolve("sasrec-full");
    LargeStack.call("save", () -> {
      try (SasRecRecommender s = SasRecRecommender.untrained(SasRecConfig.builder().build(), 12086, ONE)) {
        s.save(dir.resolve("sasrec.safetensors"));
      }
      return null;
    });
    java.util.concurrent.atomic.AtomicReference<Object> result = new java.util.concurrent.atomic.AtomicReference<>();
    Thread t = new Thread(null, () -> {
      try (SequentialRecommender rec = Bundles.load(dir, ScoringOptions.defaults())) {
        result.set(rec.topK(new int[] {5, 17, 300}, 10));
      } catch (Throwable e) {
        result.set(e);
      }
    }, "small-stack", 256L << 10);
    t.start();
    t.join();
    assertTrue(result.get() instanceof List<?> l && l.size() == 10, String.valueOf(result.get()));
  }

  @Test
  void theCacheLoadsOncePerPathAndSharesTheModelAcrossThreads() throws Exception {
    Path pop = tmp.resolve("pop-cache");
    PopularityBundle.write(PopularityRecommender.fromCounts(new long[] {0, 1, 2, 3}), pop);
    long before = BundleCache.loads();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<SequentialRecommender>> fs = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        fs.add(pool.submit(() -> BundleCache.recommender(pop.toString(), ScoringOptions.defaults())));
      }
      SequentialRecommender first = fs.get(0).get();
      for (Future<SequentialRecommender> f : fs) {
        assertSame(first, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
    // the same directory spelled differently, and another batch size: still the same model
    assertSame(BundleCache.recommender(pop.toString(), ScoringOptions.defaults()),
        BundleCache.recommender(pop.resolve("..").resolve("pop-cache").toString(), ScoringOptions.defaults().withBatchSize(7)));
    assertEquals(before + 1, BundleCache.loads());
    // Spark jobs over 4 partitions in this (local) JVM reuse it too
    SparkSession spark = TestSpark.session();
    SequenceDataset d = SequenceDataset.of(List.of("a", "b", "c", "d"),
        List.of(new int[] {1}, new int[] {2}, new int[] {3}, new int[] {1, 2}), 3);
    for (int i = 0; i < 2; i++) {
      SparkTopK.recommend(SparkTopKTest.histories(spark, d, 4), pop.toString(), 1, ScoringOptions.defaults()).collectAsList();
    }
    assertEquals(before + 1, BundleCache.loads());
  }
}
