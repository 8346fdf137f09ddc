package io.github.mmesid.benchmarks;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.OnnxExporter;
import io.github.mmesid.core.engine.graph.RandomOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.runtime.CompiledGraph;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.OrtRuntime;
import io.github.mmesid.core.engine.runtime.PreparedRun;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * The cost of dropout noise for {@code n} values, with the SDK's default runtime options (all
 * cores, no thread spinning). Divide the time per operation by {@code n / 10^6} for the cost per
 * million values.
 *
 * <ul>
 *   <li>{@code mask}: the in-graph generator alone ({@link RandomOps#keepMask} of {@code x},
 *       BOOL output);
 *   <li>{@code dropout}: in-graph dropout {@code x -> y} ({@link NnOps#dropout(Tensor, double,
 *       String)}): mask plus the masked, scaled copy of {@code x};
 *   <li>{@code javaFill}: what the trainer did before the noise moved into the graph: one {@link
 *       SplittableRandom} filling a FLOAT32 host buffer on one Java thread;
 *   <li>{@code javaFillDropout}: that fill plus dropout with the filled noise as a graph input, the
 *       former equivalent of {@code dropout}.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class NoiseBenchmark {
  /** Values per run: one SASRec Beauty dropout site ([128, 50, 64]), and 4 Mi. */
  @Param({"409600", "4194304"})
  public int n;

  /** What is measured. */
  @Param({"mask", "dropout", "javaFill", "javaFillDropout"})
  public String mode;

  private CompiledGraph graph;
  private PreparedRun run;
  private HostTensor x;
  private HostTensor noise;
  private HostTensor key;
  private HostTensor out;
  private long counter;

  /** Builds and binds the graph of the chosen mode. */
  @Setup(Level.Trial)
  public void setUp() {
    x = HostTensor.allocate(DType.FLOAT32, n);
    for (int i = 0; i < n; i++) {
      x.setFloat(i, 1f);
    }
    if (mode.startsWith("java")) {
      noise = HostTensor.allocate(DType.FLOAT32, n);
    }
    if (mode.equals("javaFill")) {
      return;
    }
    Graph g = new Graph("noise");
    Tensor xt = g.input("x", DType.FLOAT32, Shape.mixed("N"));
    Tensor y;
    if (mode.equals("mask")) {
      y = RandomOps.keepMask(xt, 0.2, "m");
    } else if (mode.equals("dropout")) {
      y = xt.dropout(0.2, "d");
    } else {
      y = NnOps.dropout(xt, 0.2, g.input("u", DType.FLOAT32, Shape.mixed("N")));
    }
    ExportedGraph e = OnnxExporter.export(g, Map.of("y", y));
    graph = OrtRuntime.get().compile(e.model(), RuntimeOptions.defaults());
    out = HostTensor.allocate(y.dtype(), n);
    PreparedRun.Builder b = graph.prepare().bindInput("x", x).bindOutput("y", out);
    if (noise != null) {
      b.bindInput("u", noise);
    } else {
      key = HostTensor.allocate(DType.INT64);
      b.bindInput(Graph.NOISE_KEY, key);
    }
    run = b.build();
  }

  /** Releases native resources. */
  @TearDown(Level.Trial)
  public void tearDown() {
    if (run != null) {
      run.close();
      graph.close();
    }
    for (HostTensor t : new HostTensor[] {x, noise, key, out}) {
      if (t != null) {
        t.close();
      }
    }
  }

  /**
   * Makes the noise for {@code n} values (and applies dropout in the dropout modes).
   *
   * @return the count of runs so far (consumed by JMH)
   */
  @Benchmark
  public long noise() {
    counter++;
    if (noise != null) {
      SplittableRandom r = new SplittableRandom(counter);
      for (int i = 0; i < n; i++) {
        noise.setFloat(i, (float) r.nextDouble());
      }
    }
    if (key != null) {
      key.setLong(0, counter);
    }
    if (run != null) {
      run.run();
    }
    return counter;
  }
}
