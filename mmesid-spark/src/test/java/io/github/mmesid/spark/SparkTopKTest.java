package io.github.mmesid.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.SequenceFiles;
import io.github.mmesid.llm.popularity.PopularityRecommender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkTopKTest {

  /** Failures injected by {@link #aRetriedTaskGivesTheSameOutput} (local mode: one JVM). */
  static final java.util.concurrent.atomic.AtomicInteger INJECTED = new java.util.concurrent.atomic.AtomicInteger();

  @TempDir static Path tmp;
  static SequenceDataset beauty;
  static Path popularityDir;

  @BeforeAll
  static void setUp() {
    beauty = SequenceFiles.read(TestSpark.beauty());
    popularityDir = tmp.resolve("popularity");
    PopularityBundle.write(PopularityRecommender.train(beauty), popularityDir);
  }

  static Dataset<Row> histories(SparkSession spark, SequenceDataset data, int partitions) {
    return SparkSequences.of(spark, data, partitions).withColumnRenamed(SparkSequences.SEQUENCE, SparkTopK.HISTORY);
  }

  /** Collects (user -> row) and checks each user appears once. */
  static Map<String, Row> byUser(Dataset<Row> out) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : out.collectAsList()) {
      assertEquals(null, m.put(r.getString(0), r), "user " + r.getString(0) + " appears twice");
    }
    return m;
  }

  static void assertSameAsSingleJvm(Map<String, Row> got, SequenceDataset data,
      List<List<ScoredItem>> expected) {
    assertEquals(data.numUsers(), got.size());
    for (int u = 0; u < data.numUsers(); u++) {
      Row r = got.get(data.userKey(u));
      List<Integer> items = r.getList(1);
      List<Float> scores = r.getList(2);
      List<ScoredItem> e = expected.get(u);
      assertEquals(e.size(), items.size(), "user " + data.userKey(u));
      for (int j = 0; j < e.size(); j++) {
        assertEquals(e.get(j).item(), items.get(j).intValue(), "user " + data.userKey(u) + " rank " + j);
        assertEquals(Float.floatToIntBits(e.get(j).score()), Float.floatToIntBits(scores.get(j)),
            "user " + data.userKey(u) + " rank " + j);
      }
    }
  }

  @Test
  void popularityOnBeautyEqualsSingleJvmWithOneAndFourPartitions() {
    SparkSession spark = TestSpark.session();
    List<int[]> histories = new ArrayList<>();
    for (int u = 0; u < beauty.numUsers(); u++) {
      histories.add(beauty.sequence(u));
    }
    List<List<ScoredItem>> expected;
    try (PopularityRecommender rec = PopularityRecommender.train(beauty)) {
      expected = rec.topK(histories, 20);
    }
    Map<String, Row> one = byUser(SparkTopK.recommend(histories(spark, beauty, 1), popularityDir.toString(), 20,
        ScoringOptions.defaults()));
    assertSameAsSingleJvm(one, beauty, expected);
    Map<String, Row> four = byUser(SparkTopK.recommend(histories(spark, beauty, 4), popularityDir.toString(), 20,
        ScoringOptions.defaults().withBatchSize(100)));
    assertSameAsSingleJvm(four, beauty, expected);
  }

  @Test
  void aBundleThatFailsToLoadFailsTheJobWithTheSdkMessage() throws Exception {
    SparkSession spark = TestSpark.session();
    Path broken = tmp.resolve("broken");
    PopularityBundle.write(PopularityRecommender.fromCounts(new long[] {0, 3, 1, 2}), broken);
    Files.writeString(broken.resolve(PopularityBundle.MANIFEST_FILE),
        "{\"format\": \"mmesid-popularity\", \"format_version\": 7, \"num_items\": 3, \"counts\": \"counts.npy\"}");
    String sdkMessage = assertThrows(IllegalArgumentException.class, () -> Bundles.load(broken)).getMessage();
    assertTrue(sdkMessage.contains("format_version 7"), sdkMessage);
    SequenceDataset small = SequenceDataset.of(List.of("a", "b"), List.of(new int[] {1}, new int[] {2, 3}), 3);
    Dataset<Row> job = SparkTopK.recommend(histories(spark, small, 2), broken.toString(), 2, ScoringOptions.defaults());
    SparkException e = assertThrows(SparkException.class, job::collectAsList);
    assertTrue(String.valueOf(e.getMessage()).contains(sdkMessage), e.getMessage());

    Path missing = tmp.resolve("does-not-exist");
    String missingMessage = assertThrows(RuntimeException.class, () -> Bundles.load(missing)).getMessage();
    SparkException e2 = assertThrows(SparkException.class,
        () -> SparkTopK.recommend(histories(spark, small, 1), missing.toString(), 2, ScoringOptions.defaults())
            .collectAsList());
    assertTrue(String.valueOf(e2.getMessage()).contains(missingMessage), e2.getMessage());
  }

  @Test
  void aRetriedTaskGivesTheSameOutput() {
    SparkSession spark = TestSpark.session();
    SequenceDataset data = firstUsers(beauty, 2000);
    String path = popularityDir.toString();
    List<Row> clean = SparkTopK.recommend(histories(spark, data, 4), path, 10, ScoringOptions.defaults().withBatchSize(64))
        .collectAsList();
    // the same job, but the first attempt of partition 2 dies after it has scored some users
    List<Row> retried = SparkTopK.recommend(histories(spark, data, 4), path, 10, ScoringOptions.defaults().withBatchSize(64))
        .map((MapFunction<Row, Row>) r -> {
          TaskContext tc = TaskContext.get();
          if (tc.partitionId() == 2 && tc.attemptNumber() == 0 && r.getString(0).hashCode() % 7 == 0) {
            INJECTED.incrementAndGet();
            throw new IllegalStateException("injected failure of the first attempt");
          }
          return r;
        }, Encoders.row(SparkTopK.recommend(histories(spark, data, 1), path, 10, ScoringOptions.defaults()).schema()))
        .collectAsList();
    assertEquals(1, INJECTED.get(), "the first attempt of partition 2 failed once and was retried");
    assertEquals(clean.size(), retried.size());
    for (int i = 0; i < clean.size(); i++) {
      assertEquals(clean.get(i), retried.get(i), "row " + i);
    }
  }

  @Test
  void badInputIsRejectedWithAClearMessage() {
    SparkSession spark = TestSpark.session();
    SequenceDataset small = SequenceDataset.of(List.of("a", "b"), List.of(new int[] {1}, new int[] {2, 9}), 9);
    // the popularity model has 3 items; item 9 does not exist there
    Path three = tmp.resolve("three");
    PopularityBundle.write(PopularityRecommender.fromCounts(new long[] {0, 3, 1, 2}), three);
    SparkException e = assertThrows(SparkException.class,
        () -> SparkTopK.recommend(histories(spark, small, 1), three.toString(), 2, ScoringOptions.defaults()).collectAsList());
    assertTrue(e.getMessage().contains("user b: history[1] = 9 is not a known item id; allowed 1..3"), e.getMessage());
    IllegalArgumentException noColumn = assertThrows(IllegalArgumentException.class,
        () -> SparkTopK.recommend(SparkSequences.of(spark, small, 1), three.toString(), 2, ScoringOptions.defaults()));
    assertTrue(noColumn.getMessage().contains("has no column 'history'"), noColumn.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> SparkTopK.recommend(histories(spark, small, 1), three.toString(), 0, ScoringOptions.defaults()));
  }

  @Test
  void fewerCandidatesThanKGivesTheRemainingItems() {
    SparkSession spark = TestSpark.session();
    Path three = tmp.resolve("three-b");
    PopularityBundle.write(PopularityRecommender.fromCounts(new long[] {0, 3, 1, 2}), three);
    SequenceDataset small = SequenceDataset.of(List.of("a", "b", "c"),
        List.of(new int[] {1}, new int[] {2, 3}, new int[] {1, 2, 3}), 3);
    Map<String, Row> out = byUser(SparkTopK.recommend(histories(spark, small, 1), three.toString(), 5,
        ScoringOptions.defaults()));
    assertEquals(List.of(3, 2), out.get("a").getList(1));
    assertEquals(List.of(1), out.get("b").getList(1));
    assertEquals(List.of(), out.get("c").getList(1));
  }

  static SequenceDataset firstUsers(SequenceDataset d, int n) {
    SequenceDataset.Builder b = SequenceDataset.builder();
    for (int u = 0; u < n; u++) {
      b.add(d.userKey(u), d.sequence(u));
    }
    return b.build(d.numItems());
  }
}
