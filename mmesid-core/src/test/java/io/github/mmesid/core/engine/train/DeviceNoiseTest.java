package io.github.mmesid.core.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.KernelAudit;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.OnnxExporter;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.graph.ValueSpec;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.CompiledGraph;
import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.OrtRuntime;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The in-graph generator of random inputs used on accelerators: bit-exact against its plain-Java
 * reference through ONNX Runtime, uniform, keyed, and wired into the trainer.
 */
class DeviceNoiseTest {
  private static final RuntimeOptions ONE = RuntimeOptions.builder().intraOpThreads(1).build();

  /** Runs a graph whose output is its random input {@code r [rows, cols]}. */
  private static double[] generate(DType dtype, long key, int rows, int cols) {
    Graph g = new Graph("noise", dtype);
    Tensor r = g.random("r", dtype, Shape.mixed("B", (long) cols));
    ExportedGraph e = DeviceNoise.rewrite(OnnxExporter.export(g, Map.of("out", r.mul(1.0))));
    assertEquals(List.of("r.key", "r.shape"), e.inputs().stream().map(ValueSpec::name).toList());
    assertEquals(List.of(), KernelAudit.audit(e.model()).failures(), "the generator maps to CUDA");
    try (CompiledGraph c = OrtRuntime.get().compile(e.model(), ONE);
        HostTensor k = HostTensor.of(new long[] {key});
        HostTensor s = HostTensor.of(new long[] {rows, cols}, 2);
        RunOutputs out = c.run(Map.of("r.key", k, "r.shape", s))) {
      HostTensor o = out.get("out");
      assertEquals(List.of((long) rows, (long) cols), java.util.Arrays.stream(o.shape()).boxed()
          .toList());
      double[] v = new double[o.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = o.getAsDouble(i);
      }
      return v;
    }
  }

  @Test
  void graphMatchesTheReferenceBitForBit() {
    for (DType t : List.of(DType.FLOAT32, DType.FLOAT64)) {
      for (long key : new long[] {DeviceNoise.key(Trainer.mix(7, 0, 0, 0)), 1L,
          DeviceNoise.key(-1L)}) {
        double[] v = generate(t, key, 37, 29);
        for (int i = 0; i < v.length; i++) {
          assertEquals(DeviceNoise.reference(i, key), v[i], 0.0, t + " key " + key + " at " + i);
        }
      }
    }
  }

  @Test
  void valuesAreUniformAndIndependentOfTheirNeighbours() {
    int n = 200_000;
    double sum = 0;
    double sq = 0;
    double lag = 0;
    int[] bins = new int[20];
    long key = DeviceNoise.key(Trainer.mix(42, 0, 0, 0));
    double prev = DeviceNoise.reference(0, key);
    for (int i = 0; i < n; i++) {
      double u = DeviceNoise.reference(i, key);
      assertTrue(u >= 0 && u < 1, "out of [0, 1): " + u);
      sum += u;
      sq += u * u;
      lag += (u - 0.5) * (prev - 0.5);
      prev = u;
      bins[(int) (u * bins.length)]++;
    }
    double mean = sum / n;
    double var = sq / n - mean * mean;
    // tolerances are ~5 standard errors at n = 200000
    assertEquals(0.5, mean, 0.0033);
    assertEquals(1.0 / 12, var, 0.0015);
    assertEquals(0, lag / n / var, 0.012, "lag-1 correlation");
    double chi2 = 0;
    for (int b : bins) {
      double expected = (double) n / bins.length;
      chi2 += (b - expected) * (b - expected) / expected;
    }
    assertTrue(chi2 < 50, "chi-square over 20 bins (19 dof; p ~ 1e-4 at 50): " + chi2);
    // neighbouring steps, micro-batches, inputs and keys give unrelated streams (24-bit values
    // coincide with probability 2^-24 each)
    long[] keys = {key, DeviceNoise.key(Trainer.mix(42, 1, 0, 0)),
        DeviceNoise.key(Trainer.mix(42, 0, 1, 0)), DeviceNoise.key(Trainer.mix(42, 0, 0, 1)),
        DeviceNoise.key(1), DeviceNoise.key(2)};
    for (int a = 0; a < keys.length; a++) {
      for (int b = a + 1; b < keys.length; b++) {
        int same = 0;
        double cross = 0;
        for (int i = 0; i < 20_000; i++) {
          double u = DeviceNoise.reference(i, keys[a]);
          double w = DeviceNoise.reference(i, keys[b]);
          same += u == w ? 1 : 0;
          cross += (u - 0.5) * (w - 0.5);
        }
        assertTrue(same <= 1, same + " equal values for keys " + a + ", " + b);
        assertEquals(0, cross / 20_000 * 12, 0.04, "correlation of keys " + a + ", " + b);
      }
    }
  }

  /** loss = mean(dropout(w * 1)) over a [B, 64] input: each step's mask is the generator's. */
  private static Tensor dropoutLoss() {
    Graph g = new Graph("dropout_noise");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", 64L));
    Tensor w = g.parameter("w", TensorData.ofFloats(new long[] {64}, new float[64]));
    return NnOps.dropout(x.mul(w.add(1.0)), 0.25, "drop").mean(false);
  }

  /** Rows of ones, declaring the dropout noise's shape [b, 64] too. */
  private static BatchSource ones(int n) {
    float[] x = new float[n * 64];
    java.util.Arrays.fill(x, 1f);
    InMemoryBatchSource in = InMemoryBatchSource.builder(n).floats("x", x, 64).build();
    return new BatchSource() {
      @Override
      public int size() {
        return n;
      }

      @Override
      public Map<String, long[]> inputShapes(int batchSize) {
        Map<String, long[]> m = new java.util.LinkedHashMap<>(in.inputShapes(batchSize));
        m.put("drop", new long[] {batchSize, 64});
        return m;
      }

      @Override
      public void fill(int[] exampleIds, Batch batch) {
        in.fill(exampleIds, batch);
      }
    };
  }

  @Test
  void onAnAcceleratorTheTrainerGeneratesNoiseInTheGraphFromAKey() {
    TrainerConfig cuda = TrainerConfig.builder(3).optimizer(Optimizer.sgd(0.0)).batchSize(4)
        .epochs(1).logEvery(1000).runtime(RuntimeOptions.builder().intraOpThreads(1)
            .provider(ExecutionProvider.cuda(0, ExecutionProvider.Policy.PREFER)).build())
        .build();
    BatchSource data = ones(8);
    List<Double> losses = new ArrayList<>();
    long hostToDevice;
    try (Trainer t = new Trainer(dropoutLoss(), cuda)) {
      List<String> in = t.gradientGraph().inputs().stream().map(ValueSpec::name).toList();
      assertTrue(in.contains("drop.key") && in.contains("drop.shape"), in.toString());
      assertFalse(in.contains("drop"), in.toString());
      hostToDevice = t.transferPerStep(data, new int[] {0, 1, 2, 3}).hostToDevice();
      losses.add(t.trainStep(data, new int[] {0, 1, 2, 3}));
      losses.add(t.trainStep(data, new int[] {4, 5, 6, 7}));
    }
    // the mask of step s is the generator's stream under key mix(seed, s, micro 0, input 0)
    for (int step = 0; step < 2; step++) {
      long key = DeviceNoise.key(Trainer.mix(3, step, 0, 0));
      double kept = 0;
      for (int i = 0; i < 4 * 64; i++) {
        kept += DeviceNoise.reference(i, key) >= 0.25 ? 1 : 0;
      }
      assertEquals(kept / (4 * 64) / 0.75, losses.get(step), 1e-6, "step " + step);
    }
    assertNotEquals(losses.get(0), losses.get(1));
    // on the CPU the same model binds host-filled noise [4, 64] floats; on the device its key
    // (8 bytes) and shape (2 * 8 bytes) cross instead
    TrainerConfig cpu = TrainerConfig.builder(3).optimizer(Optimizer.sgd(0.0)).batchSize(4)
        .epochs(1).logEvery(1000).runtime(ONE).build();
    try (Trainer t = new Trainer(dropoutLoss(), cpu)) {
      long onCpu = t.transferPerStep(data, new int[] {0, 1, 2, 3}).hostToDevice();
      assertEquals(onCpu - 4 * 64 * 4 + 8 + 16, hostToDevice);
      assertTrue(t.gradientGraph().inputs().stream().anyMatch(v -> v.name().equals("drop")));
    }
  }
}
