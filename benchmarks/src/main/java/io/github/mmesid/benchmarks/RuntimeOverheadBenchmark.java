package io.github.mmesid.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.mmesid.core.engine.runtime.CompiledGraph;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.OrtRuntime;
import io.github.mmesid.core.engine.runtime.PreparedRun;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Fixed cost of one step through the runtime, measured on a graph that does almost nothing
 * (Add of two FLOAT32[4] tensors). Run with {@code -prof gc} to see the Java heap allocation per
 * step ({@code gc.alloc.rate.norm}).
 *
 * <ul>
 *   <li>{@code preparedRun}: the training-step path, {@link PreparedRun#run()} with bound inputs
 *       and a pinned output;</li>
 *   <li>{@code convenienceRun}: {@link CompiledGraph#run(Map)}, fresh outputs every call;</li>
 *   <li>{@code plainOrtRun}: ORT's own {@code OrtSession.run(Map)} with ORT-allocated outputs,
 *       as a reference point for what the Java API costs without this layer.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RuntimeOverheadBenchmark {

  private CompiledGraph graph;
  private HostTensor a;
  private HostTensor b;
  private HostTensor c;
  private PreparedRun run;
  private Map<String, HostTensor> feeds;
  private OrtSession plainSession;
  private Map<String, OnnxTensor> plainFeeds;

  /**
   * Compiles the graph and binds the tensors.
   *
   * @throws OrtException if ORT fails to create the reference session
   */
  @Setup(Level.Trial)
  public void setUp() throws OrtException {
    RuntimeOptions options = RuntimeOptions.builder().intraOpThreads(1).build();
    graph = CompiledGraph.builder(BenchmarkGraphs.add(4)).options(options).build();
    a = HostTensor.of(new float[] {1, 2, 3, 4}, 4);
    b = HostTensor.of(new float[] {5, 6, 7, 8}, 4);
    c = HostTensor.allocate(DType.FLOAT32, 4);
    run = graph.prepare().bindInput("a", a).bindInput("b", b).bindOutput("c", c).build();
    feeds = Map.of("a", a, "b", b);
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      plainSession = OrtRuntime.get().environment().createSession(BenchmarkGraphs.add(4).toByteArray(), so);
    }
    plainFeeds =
        Map.of(
            "a", OnnxTensor.createTensor(OrtRuntime.get().environment(), new float[] {1, 2, 3, 4}),
            "b", OnnxTensor.createTensor(OrtRuntime.get().environment(), new float[] {5, 6, 7, 8}));
  }

  /**
   * Releases native resources.
   *
   * @throws OrtException if ORT fails to close the reference session
   */
  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    run.close();
    graph.close();
    a.close();
    b.close();
    c.close();
    plainSession.close();
    plainFeeds.values().forEach(OnnxTensor::close);
  }

  /**
   * One step through a prepared run with a pinned output.
   *
   * @return an element of the output
   */
  @Benchmark
  public float preparedRun() {
    run.run();
    return c.getFloat(3);
  }

  /**
   * One call of the convenience API, which allocates fresh output tensors.
   *
   * @return an element of the output
   */
  @Benchmark
  public float convenienceRun() {
    try (RunOutputs out = graph.run(feeds)) {
      return out.get("c").getFloat(3);
    }
  }

  /**
   * One plain ORT Java API call with ORT-allocated outputs, for reference.
   *
   * @return an element of the output
   * @throws OrtException if ORT fails
   */
  @Benchmark
  public float plainOrtRun() throws OrtException {
    try (OrtSession.Result r = plainSession.run(plainFeeds)) {
      return ((OnnxTensor) r.get(0)).getFloatBuffer().get(3);
    }
  }
}
