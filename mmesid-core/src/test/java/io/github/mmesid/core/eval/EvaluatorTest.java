package io.github.mmesid.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.SequentialRecommender;
import io.github.mmesid.core.TopK;
import io.github.mmesid.core.data.Split;
import io.github.mmesid.core.data.SyntheticData;
import io.github.mmesid.core.data.SyntheticDataGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorTest {

  private static final double EPS = 1e-12;

  /**
   * N = 6. Training parts: [1,2,3], [2], [3,2] (short user), [1,3,2]; counts 1:2 2:4 3:3 4..6:0,
   * so the popularity order is 2, 3, 1, 4, 5, 6.
   */
  private static SequenceDataset tiny() {
    return SequenceDataset.builder()
        .add("u1", new int[] {1, 2, 3, 4, 5})
        .add("u2", new int[] {2, 1, 6})
        .add("u3", new int[] {3, 2})
        .add("u4", new int[] {1, 3, 2, 6, 4})
        .build(6);
  }

  /** Scores every item equally, and the padding index absurdly high. */
  private static final class Constant implements SequentialRecommender {
    private final int n;

    Constant(int n) {
      this.n = n;
    }

    @Override
    public int numItems() {
      return n;
    }

    @Override
    public float[] scores(int[] history) {
      float[] s = new float[n + 1];
      java.util.Arrays.fill(s, 1f);
      s[0] = 1e9f;
      return s;
    }
  }

  @Test
  void popularityOnTheTestSplitByHand() {
    SequenceDataset d = tiny();
    CountsRecommender pop = CountsRecommender.of(d);
    assertEquals(4, pop.count(2));
    assertEquals(3, pop.count(3));
    assertEquals(0, pop.count(6));
    EvaluationResult r = Evaluator.builder().ks(4, 1, 2).threads(2).batchSize(1).build().evaluate(pop, d);
    // u1: history {1,2,3,4}, target 5, candidates 5,6 -> rank 0 (tie at 0, lower id)
    // u2: history {2,1}, target 6, candidates 3,4,5,6 -> rank 3
    // u4: history {1,3,2,6}, target 4, candidates 4,5 -> rank 0
    assertArrayEquals(new int[] {0, 1, 3}, r.evaluatedUsers());
    assertArrayEquals(new int[] {0, 3, 0}, r.ranks());
    assertArrayEquals(new int[] {1, 2, 4}, r.ks());
    assertEquals(3, r.users());
    assertEquals(2.0 / 3, r.recall(1), EPS);
    assertEquals(2.0 / 3, r.recall(2), EPS);
    assertEquals(1.0, r.recall(4), EPS, "K = 4 exceeds u1's 2 candidates: still a hit");
    assertEquals(2.0 / 3, r.ndcg(2), EPS);
    assertEquals((2 + 1 / (Math.log(5) / Math.log(2))) / 3, r.ndcg(4), EPS);
    assertEquals(2.0 / 3, r.mrr(2), EPS);
    assertEquals((1 + 0.25 + 1) / 3, r.mrr(4), EPS);
  }

  @Test
  void popularityOnTheValidationSplitByHand() {
    SequenceDataset d = tiny();
    EvaluationResult r = Evaluator.builder().ks(1, 2, 4).split(Split.VALID).build()
        .evaluate(CountsRecommender.of(d), d);
    // u1: history {1,2,3}, target 4 -> rank 0; u2: history {2}, target 1, 3 before it -> 1;
    // u4: history {1,3,2}, target 6, candidates 4,5,6 -> 2
    assertArrayEquals(new int[] {0, 1, 2}, r.ranks());
    assertEquals(Split.VALID, r.split());
    assertEquals(1.0 / 3, r.recall(1), EPS);
    assertEquals(2.0 / 3, r.recall(2), EPS);
    assertEquals((1 + 1 / (Math.log(3) / Math.log(2))) / 3, r.ndcg(2), EPS);
    assertEquals((1 + 0.5 + 1.0 / 3) / 3, r.mrr(4), EPS);
  }

  @Test
  void tiesGoToLowerIdsPaddingIsIgnoredAndARepeatedTargetIsAMiss() {
    SequenceDataset d = SequenceDataset.builder()
        .add("a", new int[] {4, 1, 3})
        .add("b", new int[] {2, 5, 2})
        .build(5);
    EvaluationResult r = Evaluator.builder().ks(1, 5).build().evaluate(new Constant(5), d);
    // a: history {4,1}, target 3: candidates 2,3,5 all tied -> item 2 first, rank 1
    // b: history {2,5}, target 2 repeats a history item. topK(history) never returns it, so the
    //    evaluator, which scores what topK returns, counts a miss at every K. (Before, the target
    //    was ranked among candidates 1,3,4 + 2 -> rank 1, a hit at 5 that topK could never give.)
    assertArrayEquals(new int[] {1, EvaluationResult.NOT_RANKED}, r.ranks());
    assertEquals(0.0, r.recall(1), EPS);
    assertEquals(0.5, r.recall(5), EPS);
    assertEquals(0.25, r.mrr(5), EPS);
    assertEquals(0.5 / (Math.log(3) / Math.log(2)), r.ndcg(5), EPS);
  }

  @Test
  void aBatchRankedByHandEqualsTheEvaluatorsRanksAndItsSettingsReadBack() {
    // the batch step on its own: tiny()'s evaluable users u1, u2, u4 in one batch (test split)
    SequenceDataset d = tiny();
    CountsRecommender pop = CountsRecommender.of(d);
    List<int[]> histories = List.of(new int[] {1, 2, 3, 4}, new int[] {2, 1}, new int[] {1, 3, 2, 6});
    int[] targets = {5, 6, 4};
    assertArrayEquals(new int[] {0, 3, 0}, Evaluator.ranks(pop, histories, targets, true));
    // with history items as candidates: u1's 5 behind 2, 3, 1, 4; u2's 6 behind 2, 3, 1, 4, 5; u4's 4 behind 2, 3, 1
    assertArrayEquals(new int[] {4, 5, 3}, Evaluator.ranks(pop, histories, targets, false));
    // a target already in the history is a miss
    assertArrayEquals(new int[] {EvaluationResult.NOT_RANKED},
        Evaluator.ranks(pop, List.of(new int[] {2, 5}), new int[] {2}, true));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Evaluator.ranks(pop, histories, new int[] {5, 6}, true));
    assertTrue(e.getMessage().contains("2 targets for 3 histories"), e.getMessage());
    Evaluator ev = Evaluator.builder().ks(20, 1).split(Split.VALID).excludeHistory(false).build();
    assertArrayEquals(new int[] {1, 20}, ev.ks());
    assertEquals(Split.VALID, ev.split());
    assertEquals(false, ev.excludeHistory());
    Evaluator defaults = Evaluator.builder().build();
    assertArrayEquals(new int[] {5, 10, 20}, defaults.ks());
    assertEquals(Split.TEST, defaults.split());
    assertEquals(true, defaults.excludeHistory());
  }

  @Test
  void repeatConsumptionKeepsHistoryItemsAsCandidates() {
    SequenceDataset d = SequenceDataset.builder()
        .add("a", new int[] {4, 1, 3})
        .add("b", new int[] {2, 5, 2})
        .build(5);
    EvaluationResult r = Evaluator.builder().ks(1, 5).excludeHistory(false).build().evaluate(new Constant(5), d);
    // all five items are candidates, all tied: a's target 3 has items 1, 2 before it; b's target 2 has item 1
    assertArrayEquals(new int[] {2, 1}, r.ranks());
    assertEquals(1.0, r.recall(5), EPS);
    assertEquals((1.0 / 3 + 0.5) / 2, r.mrr(5), EPS);
    // popularity on the tiny set: u1's history {1,2,3,4}, target 5 (never seen) -> behind 2, 3, 1, 4
    SequenceDataset t = tiny();
    EvaluationResult p = Evaluator.builder().ks(5).excludeHistory(false).build()
        .evaluate(CountsRecommender.of(t), t);
    assertEquals(4, p.ranks()[0]);
  }

  @Test
  void evaluationAgreesWithTopKOnDataWithRepeats() {
    SyntheticData s = SyntheticDataGenerator.builder().users(300).items(200).seed(4).build().generate();
    // make every fourth user's target a repeat of an earlier item
    SequenceDataset.Builder b = SequenceDataset.builder();
    int repeats = 0;
    for (int u = 0; u < s.dataset().numUsers(); u++) {
      int[] seq = s.dataset().sequence(u);
      if (u % 4 == 0 && seq.length >= 3) {
        seq[seq.length - 1] = seq[0];
        repeats++;
      }
      b.add(s.dataset().userKey(u), seq);
    }
    SequenceDataset d = b.build(s.dataset().numItems());
    assertTrue(repeats > 10);
    CountsRecommender pop = CountsRecommender.of(d);
    EvaluationResult r = Evaluator.builder().ks(10).threads(2).batchSize(16).build().evaluate(pop, d);
    int[] users = r.evaluatedUsers();
    int misses = 0;
    for (int i = 0; i < users.length; i++) {
      int[] seq = d.sequence(users[i]);
      int[] hist = java.util.Arrays.copyOf(seq, seq.length - 1);
      int target = seq[seq.length - 1];
      boolean inTop = pop.topK(hist, 10).stream().anyMatch(x -> x.item() == target);
      assertEquals(inTop, r.ranks()[i] < 10, "user " + users[i]);
      if (r.ranks()[i] == EvaluationResult.NOT_RANKED) {
        misses++;
      }
    }
    assertTrue(misses > 10, "repeated targets are misses: " + misses);
  }

  @Test
  void resultsDoNotDependOnThreadsOrBatches() {
    SyntheticData s = SyntheticDataGenerator.builder().users(400).items(150).seed(9).build().generate();
    CountsRecommender pop = CountsRecommender.of(s.dataset());
    EvaluationResult a = Evaluator.builder().threads(1).batchSize(1000).build().evaluate(pop, s.dataset());
    EvaluationResult b = Evaluator.builder().threads(3).batchSize(7).build().evaluate(pop, s.dataset());
    assertArrayEquals(a.ranks(), b.ranks());
    assertEquals(a.metrics(), b.metrics());
    // consistent with topK: a user's hit at 10 iff the target is among topK(history, 10)
    int[] users = a.evaluatedUsers();
    for (int i = 0; i < users.length; i += 37) {
      int[] seq = s.dataset().sequence(users[i]);
      int[] hist = java.util.Arrays.copyOf(seq, seq.length - 1);
      boolean inTop = pop.topK(hist, 10).stream().anyMatch(x -> x.item() == seq[seq.length - 1]);
      assertEquals(a.ranks()[i] < 10, inTop);
    }
  }

  @Test
  void batchesHoldUsersOfSimilarHistoryLengthAndRanksStayWithTheirUsers() {
    SyntheticData s = SyntheticDataGenerator.builder().users(300).items(120).seed(5).build().generate();
    CountsRecommender pop = CountsRecommender.of(s.dataset());
    List<List<Integer>> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    // Scores depend on the history (its last item is scored highest), so a rank written to the
    // wrong user would change the ranks.
    SequentialRecommender lastItemFirst = new SequentialRecommender() {
      @Override
      public int numItems() {
        return pop.numItems();
      }

      @Override
      public float[] scores(int[] history) {
        float[] sc = pop.scores(history);
        if (history.length > 0) {
          sc[history[history.length - 1] % pop.numItems() + 1] += 1e6f;
        }
        return sc;
      }

      @Override
      public float[][] scores(List<int[]> histories) {
        List<Integer> lengths = new ArrayList<>();
        for (int[] h : histories) {
          lengths.add(h.length);
        }
        calls.add(lengths);
        return SequentialRecommender.super.scores(histories);
      }
    };
    EvaluationResult r = Evaluator.builder().threads(1).batchSize(16).build().evaluate(lastItemFirst, s.dataset());
    int previousMax = 0;
    for (List<Integer> lengths : calls) {
      for (int i = 1; i < lengths.size(); i++) {
        assertTrue(lengths.get(i - 1) <= lengths.get(i), "lengths within a batch ascend: " + lengths);
      }
      assertTrue(lengths.get(0) >= previousMax, "batches in length order");
      previousMax = lengths.get(lengths.size() - 1);
    }
    // the same ranks as scoring each user alone, in the dataset's order
    Evaluator one = Evaluator.builder().threads(1).batchSize(1).build();
    assertArrayEquals(one.evaluate(lastItemFirst, s.dataset()).ranks(), r.ranks());
    int[] users = r.evaluatedUsers();
    for (int i = 0; i < users.length; i += 23) {
      int[] seq = s.dataset().sequence(users[i]);
      int[] hist = java.util.Arrays.copyOf(seq, seq.length - 1);
      int target = seq[seq.length - 1];
      int expected = TopK.rank(lastItemFirst.scores(hist), target, hist);
      if (java.util.Arrays.stream(hist).anyMatch(x -> x == target)) {
        expected = EvaluationResult.NOT_RANKED;
      }
      assertEquals(expected, r.ranks()[i], "user " + users[i]);
    }
  }

  @Test
  void jsonAndTable(@TempDir Path dir) throws IOException {
    SequenceDataset d = tiny();
    EvaluationResult r = Evaluator.builder().build().evaluate(CountsRecommender.of(d), d);
    Path f = dir.resolve("m.json");
    r.writeJson(f);
    JsonNode json = new ObjectMapper().readTree(Files.readString(f));
    List<String> keys = new ArrayList<>();
    Iterator<String> it = json.fieldNames();
    it.forEachRemaining(keys::add);
    assertEquals(List.of("recall@5", "ndcg@5", "mrr@5", "recall@10", "ndcg@10", "mrr@10",
        "recall@20", "ndcg@20", "mrr@20", "users"), keys);
    assertEquals(3, json.get("users").asInt());
    assertEquals(r.ndcg(10), json.get("ndcg@10").asDouble(), 0);
    String table = r.toTable();
    assertTrue(table.contains("users=3") && table.contains("NDCG") && table.contains("@20"), table);
  }

  @Test
  void argumentErrors() {
    SequenceDataset d = tiny();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Evaluator.builder().build().evaluate(new Constant(7), d));
    assertTrue(e.getMessage().contains("7 items") && e.getMessage().contains("1..6"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Evaluator.builder().ks(0));
    assertThrows(IllegalArgumentException.class, () -> Evaluator.builder().ks(5, 5));
    assertThrows(IllegalArgumentException.class, () -> Evaluator.builder().ks());
    assertThrows(IllegalArgumentException.class, () -> Evaluator.builder().threads(0));
    SequenceDataset shortOnly = SequenceDataset.builder().add("x", new int[] {1, 2}).build();
    e = assertThrows(IllegalArgumentException.class,
        () -> Evaluator.builder().build().evaluate(CountsRecommender.of(shortOnly), shortOnly));
    assertTrue(e.getMessage().contains("at least 3"), e.getMessage());
    EvaluationResult r = Evaluator.builder().build().evaluate(CountsRecommender.of(d), d);
    assertThrows(IllegalArgumentException.class, () -> r.recall(3));
    assertThrows(IllegalArgumentException.class, () -> Metrics.ndcg(-1, 5));
  }
}
