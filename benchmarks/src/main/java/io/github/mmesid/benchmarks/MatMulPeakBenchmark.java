package io.github.mmesid.benchmarks;

import io.github.mmesid.core.engine.runtime.CompiledGraph;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.PreparedRun;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Peak fp32 matrix-multiply throughput through the SDK's runtime: a square {@code n x n} MatMul
 * compiled into a {@link CompiledGraph} (default options: all cores, optimisation ALL) and run
 * via a {@link PreparedRun} with a pinned output. The auxiliary counter {@code GFLOP} reports
 * {@code 2 n^3 * ops/s / 1e9}, i.e. GFLOP/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MatMulPeakBenchmark {

  /** Matrix size. */
  @Param({"1024", "2048"})
  public int n;

  private CompiledGraph graph;
  private HostTensor a;
  private HostTensor b;
  private HostTensor c;
  private PreparedRun run;

  /** Counts floating-point work so that JMH reports it per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Flops {
    /** Billions of floating-point operations done (2 n^3 per MatMul). */
    public double GFLOP;

    /** Resets the counter at the start of each iteration. */
    @Setup(Level.Iteration)
    public void reset() {
      GFLOP = 0;
    }
  }

  /** Compiles the graph and binds random inputs and the pinned output. */
  @Setup(Level.Trial)
  public void setUp() {
    graph = CompiledGraph.builder(BenchmarkGraphs.squareMatMul(n)).options(RuntimeOptions.defaults()).build();
    SplittableRandom rnd = new SplittableRandom(42);
    float[] values = new float[n * n];
    a = HostTensor.allocate(DType.FLOAT32, n, n);
    b = HostTensor.allocate(DType.FLOAT32, n, n);
    c = HostTensor.allocate(DType.FLOAT32, n, n);
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (rnd.nextDouble() - 0.5);
    }
    a.copyFrom(values);
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (rnd.nextDouble() - 0.5);
    }
    b.copyFrom(values);
    run = graph.prepare().bindInput("a", a).bindInput("b", b).bindOutput("c", c).build();
  }

  /** Releases native resources. */
  @TearDown(Level.Trial)
  public void tearDown() {
    run.close();
    graph.close();
    a.close();
    b.close();
    c.close();
  }

  /**
   * One {@code n x n} fp32 MatMul written into the pinned output.
   *
   * @param flops the GFLOP counter
   * @return one element of the result, so the work cannot be eliminated
   */
  @Benchmark
  public float matMul(Flops flops) {
    run.run();
    flops.GFLOP += 2.0 * n * n * n / 1e9;
    return c.getFloat(0);
  }
}
