package io.github.mmesid.benchmarks;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.llm.mmesid.BackbonePreset;
import io.github.mmesid.llm.mmesid.MmeSidConfig;
import io.github.mmesid.llm.mmesid.MmeSidInputs;
import io.github.mmesid.llm.mmesid.MmeSidRecommender;
import io.github.mmesid.llm.mmesid.MmeSidTrainer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * MME-SID cost on a Beauty-sized catalog (12,086 items, a 64-dimensional collaborative modality
 * with 4 x 256 semantic IDs, the {@code small} preset backbone): the top-10 latency of one user
 * with a 20-item history, with and without the prompt-prefix cache, and the training throughput
 * (examples/s) with the arithmetic it achieves, as GFLOP/s (compare {@link MatMulPeakBenchmark}
 * in the same run). Values are the seeded initial ones: the cost does not depend on training.
 */
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class MmeSidBenchmark {
  static final int ITEMS = 12_086;

  /** Synthetic Beauty-shaped inputs: item tables, semantic IDs and interactions. */
  static MmeSidInputs inputs() {
    SplittableRandom r = new SplittableRandom(1);
    float[][] collab = new float[ITEMS + 1][64];
    int[][] codes = new int[ITEMS + 1][4];
    for (int i = 1; i <= ITEMS; i++) {
      for (int j = 0; j < 64; j++) {
        collab[i][j] = (float) r.nextGaussian();
      }
      for (int l = 0; l < 4; l++) {
        codes[i][l] = r.nextInt(256);
      }
    }
    float[][][] books = new float[4][256][64];
    for (float[][] level : books) {
      for (float[] row : level) {
        for (int j = 0; j < 64; j++) {
          row[j] = (float) (r.nextGaussian() * 0.3);
        }
      }
    }
    ItemCatalog cat = ItemCatalog.builder(ITEMS).add("collab", collab).build();
    return MmeSidInputs.builder(cat).semanticIds("collab", codes, books).build();
  }

  /** 2,000 users with 5..30 items each (Beauty's mean history is about 9). */
  static LeaveOneOutSplit interactions() {
    SplittableRandom r = new SplittableRandom(2);
    SequenceDataset.Builder b = SequenceDataset.builder();
    for (int u = 0; u < 2000; u++) {
      int[] s = new int[5 + r.nextInt(26)];
      for (int i = 0; i < s.length; i++) {
        s[i] = 1 + r.nextInt(ITEMS);
      }
      b.add("u" + u, s);
    }
    return LeaveOneOutSplit.of(b.build(ITEMS));
  }

  /** Serving: one user's top-10. */
  @State(Scope.Benchmark)
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public static class Serving {
    /** Whether the prompt prefix's keys and values are computed once (true) or per request. */
    @Param({"true", "false"})
    public boolean prefixCache;

    /** ONNX Runtime intra-op threads. */
    @Param({"1", "2"})
    public int threads;

    private MmeSidRecommender rec;
    private int[] history20;

    /** Builds the model. */
    @Setup(Level.Trial)
    public void setUp() {
      MmeSidConfig c = MmeSidConfig.builder().backbonePreset(BackbonePreset.SMALL).build();
      long[] counts = new long[ITEMS + 1];
      for (int i = 1; i <= ITEMS; i++) {
        counts[i] = i % 97;
      }
      try (MmeSidRecommender r = MmeSidRecommender.untrained(c, inputs(), counts,
          RuntimeOptions.builder().intraOpThreads(threads).build())) {
        rec = r.withPrefixCache(prefixCache);
      }
      SplittableRandom r = new SplittableRandom(3);
      history20 = new int[20];
      for (int i = 0; i < 20; i++) {
        history20[i] = 1 + r.nextInt(ITEMS);
      }
    }

    /** Closes the model. */
    @TearDown(Level.Trial)
    public void tearDown() {
      rec.close();
    }

    /**
     * Top-10 for one user with a 20-item history over all 12,086 items.
     *
     * @return the recommendations
     */
    @Benchmark
    public List<ScoredItem> topK() {
      return rec.topK(history20);
    }
  }

  /** Training: one update on a batch of 64 examples with a 9-item history. */
  @State(Scope.Benchmark)
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public static class Training {
    private MmeSidTrainer.Session session;
    private int[] batch;
    private double flops;

    /** Counts examples and arithmetic so that JMH reports them per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Work {
      /** Training examples processed. */
      public double examples;
      /** Billions of floating-point operations done. */
      public double GFLOP;

      /** Resets the counters at the start of each iteration. */
      @Setup(Level.Iteration)
      public void reset() {
        examples = 0;
        GFLOP = 0;
      }
    }

    /** Prepares the training graph and picks a batch of 64 examples with 9-item histories. */
    @Setup(Level.Trial)
    public void setUp() {
      MmeSidConfig c = MmeSidConfig.builder().backbonePreset(BackbonePreset.SMALL).build();
      session = MmeSidTrainer.prepare(interactions(), inputs(), c, RunOptions.defaults());
      for (int[] b : session.batches(0)) {
        if (b.length == 64 && session.historyLength(b[0]) == 9 && batch == null) {
          batch = b; // a full batch of 9-item histories (batches are grouped by length)
        }
      }
      if (batch == null) {
        throw new IllegalStateException("no full batch of 9-item histories");
      }
      flops = session.flopsPerStep(batch);
    }

    /** Closes the session. */
    @TearDown(Level.Trial)
    public void tearDown() {
      session.close();
    }

    /**
     * One AdamW update (forward, backward, optimizer).
     *
     * @param work the counters
     * @return the loss
     */
    @Benchmark
    public double step(Work work) {
      double loss = session.step(batch);
      work.examples += batch.length;
      work.GFLOP += flops / 1e9;
      return loss;
    }
  }
}
