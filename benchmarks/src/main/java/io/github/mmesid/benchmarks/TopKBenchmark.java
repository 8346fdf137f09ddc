package io.github.mmesid.benchmarks;

import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.TopK;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Top-k selection and target-rank counting over one user's scores for a Beauty-sized catalog
 * (12,086 items), the two per-user operations of serving and of evaluation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TopKBenchmark {

  /** The number of items N. */
  @Param({"12086"})
  public int items;

  /** How many items to select. */
  @Param({"10", "100"})
  public int k;

  private float[] scores;
  private int[] history;
  private int target;

  /** Creates seeded random scores and a 9-item history. */
  @Setup
  public void setUp() {
    SplittableRandom rng = new SplittableRandom(1);
    scores = new float[items + 1];
    for (int i = 1; i <= items; i++) {
      scores[i] = (float) rng.nextGaussian();
    }
    history = new int[9];
    for (int i = 0; i < history.length; i++) {
      history[i] = 1 + rng.nextInt(items);
    }
    target = 1 + rng.nextInt(items);
  }

  /**
   * Selects the top k candidates (bounded heap).
   *
   * @return the selection
   */
  @Benchmark
  public List<ScoredItem> select() {
    return TopK.select(scores, k, history);
  }

  /**
   * Counts the candidates ranked before the target (one pass, no sort).
   *
   * @return the rank
   */
  @Benchmark
  public int rank() {
    return TopK.rank(scores, target, history);
  }
}
