package io.github.mmesid.benchmarks;

import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.llm.sasrec.SasRecConfig;
import io.github.mmesid.llm.sasrec.SasRecRecommender;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SASRec serving cost on a Beauty-sized catalog (12,086 items) with the default architecture
 * (dim 64, 2 blocks, 1 head, maxLen 50): the top-10 latency of one user with a full 50-item
 * history, and the throughput of scoring plus top-10 selection for batches of 256 users with
 * Beauty-like history lengths (5..50). Parameters are the seeded initial values: the cost does not
 * depend on trained values.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class SasRecBenchmark {
  private static final int BATCH = 256;

  /** The number of items N. */
  @Param({"12086"})
  public int items;

  /** ONNX Runtime intra-op threads. */
  @Param({"1", "2"})
  public int threads;

  private SasRecRecommender rec;
  private int[] history50;
  private List<int[]> batch;

  /** Builds the model and seeded histories. */
  @Setup(Level.Trial)
  public void setUp() {
    SasRecConfig c = SasRecConfig.builder().build();
    rec = SasRecRecommender.untrained(c, items,
        RuntimeOptions.builder().intraOpThreads(threads).build());
    SplittableRandom r = new SplittableRandom(7);
    history50 = new int[50];
    for (int i = 0; i < history50.length; i++) {
      history50[i] = 1 + r.nextInt(items);
    }
    batch = new ArrayList<>();
    for (int u = 0; u < BATCH; u++) {
      int[] h = new int[5 + r.nextInt(46)];
      for (int i = 0; i < h.length; i++) {
        h[i] = 1 + r.nextInt(items);
      }
      batch.add(h);
    }
  }

  /** Closes the model. */
  @TearDown(Level.Trial)
  public void tearDown() {
    rec.close();
  }

  /**
   * Top-10 for one user with a 50-item history (scores all items, excludes the history).
   *
   * @return the list
   */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public List<ScoredItem> topK10OneUser() {
    return rec.topK(history50, 10);
  }

  /**
   * Top-10 for 256 users in one batched call; the score is per user (users/s).
   *
   * @return the lists
   */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(BATCH)
  public List<List<ScoredItem>> topK10Batch256() {
    return rec.topK(batch, 10);
  }
}
