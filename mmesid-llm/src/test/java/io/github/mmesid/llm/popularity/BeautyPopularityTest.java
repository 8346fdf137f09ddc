package io.github.mmesid.llm.popularity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.eval.EvaluationResult;
import io.github.mmesid.core.eval.Evaluator;
import io.github.mmesid.llm.SharedData;
import io.github.mmesid.core.data.SequenceFiles;
import io.github.mmesid.core.data.Split;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Popularity metrics on the reference Beauty data, compared with the numbers printed by the
 * independent script examples/scripts/check_popularity.py (which ranks by global position instead
 * of scanning scores). Beauty has no user with a repeated item (checked: 0 of 22,332
 * sequences), so treating a target found in the history as a miss (the default, as in {@code
 * topK}) changes nothing: the numbers above are the ones recorded before that rule existed.
 */
class BeautyPopularityTest {

  @Test
  void matchesTheIndependentComputation() {
    SequenceDataset d = SequenceFiles.read(SharedData.require("beauty/sequences.txt"));
    PopularityRecommender pop = PopularityRecommender.train(d);
    EvaluationResult test = Evaluator.builder().build().evaluate(pop, d);
    assertEquals(22332, test.users());
    assertClose(Map.of(
        "recall@5", 0.007478058391545764, "ndcg@5", 0.004149886594145253, "mrr@5", 0.003059137858976657,
        "recall@10", 0.011418592154755507, "ndcg@10", 0.005423271904188171, "mrr@10", 0.0035840448185961377,
        "recall@20", 0.01934443847393874, "ndcg@20", 0.0073699172236948475, "mrr@20", 0.004088503826131995),
        test);
    EvaluationResult valid = Evaluator.builder().split(Split.VALID).build().evaluate(pop, d);
    assertClose(Map.of(
        "recall@5", 0.009134873723804407, "ndcg@5", 0.005621331019986652, "mrr@5", 0.004465191951758314,
        "recall@10", 0.016389038151531435, "ndcg@10", 0.007967180794116657, "mrr@10", 0.00543314241930577,
        "recall@20", 0.026240372559555795, "ndcg@20", 0.01039495001386984, "mrr@20", 0.00606626456048269),
        valid);
    EvaluationResult repeats = Evaluator.builder().excludeHistory(false).build().evaluate(pop, d);
    int[] a = test.ranks();
    int[] b = repeats.ranks();
    for (int i = 0; i < a.length; i++) {
      // with history items as extra candidates a rank can only grow, never become NOT_RANKED
      org.junit.jupiter.api.Assertions.assertTrue(b[i] >= a[i] && a[i] != EvaluationResult.NOT_RANKED, "user " + i);
    }
  }

  private static void assertClose(Map<String, Double> expected, EvaluationResult r) {
    for (Map.Entry<String, Double> e : expected.entrySet()) {
      assertEquals(e.getValue(), r.metrics().get(e.getKey()), 1e-12, e.getKey());
    }
  }
}
