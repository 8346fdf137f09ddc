package io.github.mmesid.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.SyntheticDataGenerator;
import io.github.mmesid.llm.sasrec.SasRecRecommender;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train-sasrec} end to end on a tiny synthetic data set. */
class TrainSasRecCommandTest {

  @TempDir
  Path dir;

  private static int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
    return Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void writesModelEmbeddingsAndMetrics() throws IOException {
    SyntheticDataGenerator.builder().users(200).items(80).seed(3).build().generate().writeTo(dir);
    Path seq = dir.resolve("sequences.txt");
    Path out = dir.resolve("model");
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int status = run(o, e, "train-sasrec", "--sequences", seq.toString(), "--out", out.toString(),
        "--dim", "16", "--blocks", "1", "--heads", "2", "--max-len", "10", "--epochs", "2",
        "--batch-size", "32", "--threads", "1", "--seed", "5");
    assertEquals(0, status, e.toString(StandardCharsets.UTF_8));
    JsonNode m = new ObjectMapper().readTree(out.resolve(TrainSasRecCommand.METRICS_FILE).toFile());
    for (String k : new String[] {"recall@10", "ndcg@10", "mrr@10", "recall@5", "ndcg@20"}) {
      assertTrue(m.has(k) && m.get(k).asDouble() >= 0 && m.get(k).asDouble() <= 1, k + " in " + m);
    }
    assertEquals(200, m.get("users").asInt());
    float[][] emb = Npy.readFloatMatrix(out.resolve(TrainSasRecCommand.EMB_FILE));
    assertEquals(16, emb[0].length);
    try (SasRecRecommender r = SasRecRecommender.load(out.resolve(TrainSasRecCommand.MODEL_FILE), null)) {
      assertEquals(emb.length, r.numItems() + 1);
      assertEquals(10, r.config().maxLen());
      float[][] direct = r.itemEmbeddings();
      for (int i = 0; i < emb.length; i++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(direct[i], emb[i]);
      }
    }
    JsonNode t = new ObjectMapper().readTree(out.resolve(TrainSasRecCommand.TRAINING_FILE).toFile());
    assertEquals(2, t.get("training").get("epochs_completed").asInt());
    assertEquals(2, t.get("training").get("validations").size());
    assertEquals(16, t.get("config").get("dim").asInt());
    assertTrue(t.get("peak_rss_bytes").asLong() > 0);
    assertTrue(o.toString(StandardCharsets.UTF_8).contains("valid NDCG@10"));
  }

  @Test
  void rejectsBadArgumentsWithOneLine() throws IOException {
    Path seq = dir.resolve("s.txt");
    Files.writeString(seq, "a 1 2 3\nb 2 3 1\n");
    String[][] cases = {
        {"train-sasrec", "--out", dir.toString()},
        {"train-sasrec", "--sequences", seq.toString(), "--ratings", seq.toString(), "--out", dir.toString()},
        {"train-sasrec", "--sequences", seq.toString(), "--out", dir.toString(), "--heads", "3"},
        {"train-sasrec", "--sequences", seq.toString(), "--out", dir.toString(), "--loss", "hinge"},
        {"train-sasrec", "--sequences", seq.toString(), "--out", dir.toString(), "--dropout", "1.5"}};
    String[] expected = {"exactly one of", "exactly one of", "heads", "allowed: ce", "dropout"};
    for (int i = 0; i < cases.length; i++) {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      ByteArrayOutputStream e = new ByteArrayOutputStream();
      assertEquals(2, run(o, e, cases[i]), e.toString(StandardCharsets.UTF_8));
      String err = e.toString(StandardCharsets.UTF_8);
      assertEquals(1, err.lines().count(), err);
      assertTrue(err.contains(expected[i]), "expected '" + expected[i] + "' in " + err);
    }
  }
}
