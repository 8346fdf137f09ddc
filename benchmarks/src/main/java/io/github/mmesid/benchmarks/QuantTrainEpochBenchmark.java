package io.github.mmesid.benchmarks;

import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.quant.MmRqVaeTrainer;
import io.github.mmesid.quant.MmRqVaeTrainingResult;
import io.github.mmesid.quant.MmRqVaeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * MM-RQ-VAE training at the default configuration on Beauty-sized input (12,086 x 64: the real
 * SASRec embeddings when {@code ../shared/data} is present, else seeded Gaussian rows): a whole
 * run of 1 and of 3 epochs (initialisation, k-means, session compilation and the final
 * validation included). Half the difference of the two is the cost of one epoch (12 updates of
 * 1,024 items).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 2)
@Fork(1)
public class QuantTrainEpochBenchmark {

  /** Epochs per run. */
  @Param({"1", "3"})
  public int epochs;

  private Map<String, float[][]> data;

  /** Loads (or generates) the embeddings. */
  @Setup
  public void setUp() {
    Path real = Path.of(System.getProperty("mmesid.shared.data", "../shared/data"), "beauty",
        "sasrec_item_emb.npy");
    float[][] x;
    if (Files.isRegularFile(real)) {
      float[][] all = Npy.readFloatMatrix(real);
      x = Arrays.copyOfRange(all, 1, all.length);
    } else {
      SplittableRandom r = new SplittableRandom(1);
      x = new float[12086][64];
      for (float[] row : x) {
        for (int j = 0; j < row.length; j++) {
          row[j] = (float) r.nextGaussian();
        }
      }
    }
    data = new LinkedHashMap<>();
    data.put("collab", x);
  }

  /**
   * Trains at the default configuration for {@link #epochs} epochs.
   *
   * @return the final loss
   */
  @Benchmark
  public double train() {
    MmRqVaeConfig cfg = MmRqVaeConfig.builder().epochs(epochs).validateEvery(epochs).build();
    MmRqVaeTrainingResult r = MmRqVaeTrainer.train(data, cfg,
        RunOptions.builder().logEvery(1000).build());
    r.model().close();
    return r.log().lastLoss();
  }
}
