package io.github.mmesid.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.SequenceFiles;
import io.github.mmesid.core.data.SyntheticDataGenerator;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.eval.Evaluator;
import io.github.mmesid.llm.popularity.PopularityRecommender;
import io.github.mmesid.spark.examples.BatchTopKJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example job's main logic in a local session, as {@code spark-submit --master local[2]} runs it. */
class SparkBatchTopKJobTest {

  @TempDir Path tmp;

  @Test
  void writesEveryUsersTopKAndPrintsTheSingleJvmMetrics() {
    SparkSession spark = TestSpark.session();
    SequenceDataset data = SyntheticDataGenerator.builder().users(500).items(150).seed(4).build().generate().dataset();
    Path seqs = tmp.resolve("sequences.txt");
    SequenceFiles.write(seqs, data);
    Path bundle = tmp.resolve("popularity");
    EvaluationResult expected;
    PopularityRecommender pop = PopularityRecommender.train(data);
    PopularityBundle.write(pop, bundle);
    expected = Evaluator.builder().threads(1).build().evaluate(pop, data);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Path out = tmp.resolve("topk");
    BatchTopKJob.run(spark, new PrintStream(bytes, true, StandardCharsets.UTF_8), "--bundle", bundle.toString(),
        "--sequences", seqs.toString(), "--out", out.toString(), "--k", "5", "--partitions", "3",
        "--format", "json", "--evaluate");
    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("wrote top-5 lists of 500 users"), printed);
    assertTrue(printed.contains("\"ndcg@10\" : " + expected.ndcg(10)), printed + " vs " + expected.toJson());
    List<Row> rows = spark.read().json(out.toString()).select("user", "items").collectAsList();
    assertEquals(500, rows.size());
    Map<String, Row> byUser = new java.util.HashMap<>();
    rows.forEach(r -> byUser.put(r.getString(0), r));
    for (int u = 0; u < data.numUsers(); u++) {
      List<ScoredItem> e = pop.topK(data.sequence(u), 5);
      List<Object> got = byUser.get(data.userKey(u)).getList(1);
      for (int j = 0; j < 5; j++) {
        assertEquals(e.get(j).item(), ((Number) got.get(j)).intValue(), "user " + data.userKey(u));
      }
    }
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> BatchTopKJob.run(spark,
        System.out, "--bundle", bundle.toString(), "--sequences", seqs.toString(), "--out", out.toString(), "--k", "0"));
    assertTrue(bad.getMessage().contains("--k 0 is invalid; allowed integers 1..100000"), bad.getMessage());
  }
}
