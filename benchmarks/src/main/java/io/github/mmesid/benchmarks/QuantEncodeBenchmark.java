package io.github.mmesid.benchmarks;

import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.quant.MmRqVaeTrainer;
import io.github.mmesid.quant.MmRqVaeConfig;
import io.github.mmesid.quant.MmRqVaeModel;
import io.github.mmesid.quant.RqQuantizer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Encode throughput (items per second) of a trained MM-RQ-VAE quantizer: 64-d inputs (SASRec
 * size), batches of 1,024 items, L = 4 levels of K = 256 codes, at e_dim 64 (hidden [256, 128],
 * the default) and e_dim 4096 (the reference's LLM width; hidden [4096]). The model is trained for
 * one short epoch on seeded random inputs (k-means codebook initialisation included): values do
 * not change the cost of encoding.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class QuantEncodeBenchmark {

  private static final int BATCH = 1024;

  /** The latent / code size. */
  @Param({"64", "4096"})
  public int eDim;

  private MmRqVaeModel model;
  private RqQuantizer quantizer;
  private float[][] batch;

  /** Trains the model briefly and prepares a batch of inputs. */
  @Setup
  public void setUp() {
    SplittableRandom r = new SplittableRandom(1);
    int n = 2048;
    float[][] x = new float[n][64];
    for (float[] row : x) {
      for (int j = 0; j < row.length; j++) {
        row[j] = (float) r.nextGaussian();
      }
    }
    MmRqVaeConfig cfg = MmRqVaeConfig.builder().latentDim(eDim)
        .hiddenLayers(eDim == 64 ? new int[] {256, 128} : new int[] {4096})
        .epochs(1).kmeansIterations(5).seed(1).build();
    Map<String, float[][]> data = new LinkedHashMap<>();
    data.put("collab", x);
    model = MmRqVaeTrainer.train(data, cfg, RunOptions.defaults())
        .model();
    quantizer = model.quantizer("collab");
    batch = java.util.Arrays.copyOf(x, BATCH);
  }

  /** Releases the sessions. */
  @TearDown
  public void tearDown() {
    model.close();
  }

  /**
   * Encodes 1,024 items to their 4 codes.
   *
   * @return the codes
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int[][] encode() {
    return quantizer.encode(batch);
  }
}
