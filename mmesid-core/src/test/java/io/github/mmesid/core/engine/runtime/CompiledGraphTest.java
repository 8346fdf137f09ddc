package io.github.mmesid.core.engine.runtime;

import io.github.mmesid.core.engine.graph.DType;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CompiledGraphTest {

  private static final RuntimeOptions OPTIONS = RuntimeOptions.builder().intraOpThreads(1).threadSpinning(false).build();

  private static CompiledGraph compile(ModelProto model) {
    return CompiledGraph.builder(model).options(OPTIONS).build();
  }

  private static float[] randomFloats(Random rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextGaussian();
    }
    return a;
  }

  private static float[] matMul(float[] a, float[] b, int m, int k, int n) {
    float[] c = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += (double) a[i * k + p] * b[p * n + j];
        }
        c[i * n + j] = (float) s;
      }
    }
    return c;
  }

  @Test
  void exposesInputAndOutputSpecs() {
    try (CompiledGraph g = compile(RawGraphBuilder.matMul(-1, 3, 2))) {
      assertEquals("matmul", g.name());
      assertEquals(List.of("a", "b"), g.inputNames());
      assertEquals(List.of("c"), g.outputNames());
      TensorSpec a = g.input("a");
      assertEquals(DType.FLOAT32, a.dtype());
      assertArrayEquals(new long[] {-1, 3}, a.shape());
      assertEquals("a_d0", a.dimensionNames()[0]);
      assertTrue(!a.isStatic() && g.input("b").isStatic());
      assertEquals(ExecutionProvider.cpu(), g.provider());
    }
  }

  @Test
  void addThroughConvenienceRun() {
    try (CompiledGraph g = compile(RawGraphBuilder.add(4));
        RunOutputs out = g.run(Map.of("x", new float[] {1, 2, 3, 4}, "y", new float[] {10, 20, 30, 40}))) {
      assertEquals(List.of("z"), out.names());
      assertArrayEquals(new float[] {11, 22, 33, 44}, out.get("z").toFloatArray());
    }
  }

  @Test
  void matMulMatchesReferenceWithDynamicBatch() {
    Random rnd = new Random(7);
    float[] a = randomFloats(rnd, 5 * 3);
    float[] b = randomFloats(rnd, 3 * 2);
    try (CompiledGraph g = compile(RawGraphBuilder.matMul(-1, 3, 2));
        HostTensor ha = HostTensor.of(a, 5, 3);
        HostTensor hb = HostTensor.of(b, 3, 2);
        RunOutputs out = g.run(Map.of("a", ha, "b", hb))) {
      HostTensor c = out.get("c");
      assertArrayEquals(new long[] {5, 2}, c.shape());
      assertArrayEquals(matMul(a, b, 5, 3, 2), c.toFloatArray(), 1e-5f);
    }
  }

  @Test
  void pinnedOutputIsWrittenIntoTheBoundBuffer() {
    Random rnd = new Random(11);
    float[] a = randomFloats(rnd, 4 * 3);
    float[] b = randomFloats(rnd, 3 * 2);
    try (CompiledGraph g = compile(RawGraphBuilder.matMul(4, 3, 2));
        HostTensor ha = HostTensor.of(a, 4, 3);
        HostTensor hb = HostTensor.of(b, 3, 2);
        HostTensor hc = HostTensor.allocate(DType.FLOAT32, 4, 2);
        PreparedRun run = g.prepare().bindInput("a", ha).bindInput("b", hb).bindOutput("c", hc).build()) {
      FloatBuffer view = hc.floatView();
      hc.fill(-1);
      run.run();
      float[] expected = matMul(a, b, 4, 3, 2);
      assertArrayEquals(expected, hc.toFloatArray(), 1e-5f);
      float[] seen = new float[8];
      view.get(0, seen);
      assertArrayEquals(expected, seen, 1e-5f, "the view taken before the run sees ORT's writes: same memory");
      assertSame(hc, run.output("c"));

      // update inputs in place and run again: no rebinding needed
      for (int i = 0; i < a.length; i++) {
        a[i] *= 2;
      }
      ha.copyFrom(a);
      run.run();
      assertArrayEquals(matMul(a, b, 4, 3, 2), hc.toFloatArray(), 1e-5f);
    }
  }

  @Test
  void integerAndBooleanTensorsRunThroughOrt() {
    ModelProto model = new RawGraphBuilder("types")
        .input("i", DType.INT64, 3)
        .input("j", DType.INT64, 3)
        .input("p", DType.BOOL, 3)
        .input("q", DType.INT32, 2)
        .node("Add", List.of("i", "j"), List.of("s"))
        .node("Not", List.of("p"), List.of("np"))
        .node("Neg", List.of("q"), List.of("nq"))
        .output("s", DType.INT64, 3)
        .output("np", DType.BOOL, 3)
        .output("nq", DType.INT32, 2)
        .build();
    try (CompiledGraph g = compile(model);
        HostTensor s = HostTensor.allocate(DType.INT64, 3);
        HostTensor np = HostTensor.allocate(DType.BOOL, 3);
        HostTensor i = HostTensor.of(new long[] {1, 2, Long.MAX_VALUE - 1}, 3);
        HostTensor j = HostTensor.of(new long[] {10, -20, 1}, 3);
        HostTensor p = HostTensor.of(new boolean[] {true, false, true}, 3);
        HostTensor q = HostTensor.of(new int[] {5, -6}, 2)) {
      try (PreparedRun run = g.prepare().bindInputs(Map.of("i", i, "j", j, "p", p, "q", q)).bindOutput("s", s).bindOutput("np", np).build()) {
        run.run();
        assertArrayEquals(new long[] {11, -18, Long.MAX_VALUE}, s.toLongArray());
        assertArrayEquals(new boolean[] {false, true, false}, np.toBooleanArray());
      }
      try (RunOutputs out = g.run(Map.of("i", i, "j", j, "p", p, "q", q), List.of("nq"))) {
        assertArrayEquals(new int[] {-5, 6}, out.get("nq").toIntArray());
        assertEquals(1, out.size());
      }
    }
  }

  @Test
  void runInputValidationMessages() {
    try (CompiledGraph g = compile(RawGraphBuilder.add(4));
        HostTensor x = HostTensor.allocate(DType.FLOAT32, 4);
        HostTensor wrongType = HostTensor.allocate(DType.FLOAT64, 4);
        HostTensor wrongShape = HostTensor.allocate(DType.FLOAT32, 5)) {
      IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> g.run(Map.of("x", x, "y", x, "w", x)));
      assertTrue(unknown.getMessage().contains("Unknown input name w") && unknown.getMessage().contains("expected one of [x, y]"), unknown.getMessage());
      IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> g.run(Map.of("x", x)));
      assertTrue(missing.getMessage().contains("Missing inputs [y]"), missing.getMessage());
      IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> g.run(Map.of("x", x, "y", wrongType)));
      assertTrue(type.getMessage().contains("'y' expects FLOAT32") && type.getMessage().contains("FLOAT64[4]"), type.getMessage());
      IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> g.run(Map.of("x", x, "y", wrongShape)));
      assertTrue(shape.getMessage().contains("expects shape [4]") && shape.getMessage().contains("FLOAT32[5]"), shape.getMessage());
      IllegalArgumentException array = assertThrows(IllegalArgumentException.class, () -> g.run(Map.of("x", x, "y", new long[4])));
      assertTrue(array.getMessage().contains("expects FLOAT32"), array.getMessage());
      IllegalArgumentException length = assertThrows(IllegalArgumentException.class, () -> g.run(Map.of("x", x, "y", new float[3])));
      assertTrue(length.getMessage().contains("'y'") && length.getMessage().contains("exactly 4"), length.getMessage());
      IllegalArgumentException output = assertThrows(IllegalArgumentException.class, () -> g.run(Map.of("x", x, "y", x), List.of("q")));
      assertTrue(output.getMessage().contains("Unknown output name q") && output.getMessage().contains("[z]"), output.getMessage());
    }
  }

  @Test
  void preparedRunValidation() {
    try (CompiledGraph g = compile(RawGraphBuilder.add(4));
        HostTensor x = HostTensor.allocate(DType.FLOAT32, 4);
        HostTensor y = HostTensor.allocate(DType.FLOAT32, 4);
        HostTensor z = HostTensor.allocate(DType.FLOAT32, 4)) {
      IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> g.prepare().bindInput("nope", x));
      assertTrue(unknown.getMessage().contains("Unknown input name nope, expected one of [x, y]"), unknown.getMessage());
      IllegalArgumentException unknownOut = assertThrows(IllegalArgumentException.class, () -> g.prepare().bindOutput("nope", z));
      assertTrue(unknownOut.getMessage().contains("Unknown output name nope"), unknownOut.getMessage());
      IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> g.prepare().bindInput("x", x).bindOutput("z", z).build());
      assertTrue(missing.getMessage().contains("Missing inputs [y]"), missing.getMessage());
      IllegalArgumentException noOut = assertThrows(IllegalArgumentException.class, () -> g.prepare().bindInput("x", x).bindInput("y", y).build());
      assertTrue(noOut.getMessage().contains("No outputs bound"), noOut.getMessage());
      IllegalArgumentException alias =
          assertThrows(IllegalArgumentException.class, () -> g.prepare().bindInput("x", x).bindInput("y", y).bindOutput("z", x).build());
      assertTrue(alias.getMessage().contains("must not alias"), alias.getMessage());
      // the same tensor for two inputs is fine: inputs are only read
      x.copyFrom(new float[] {1, 2, 3, 4});
      try (PreparedRun run = g.prepare().bindInput("x", x).bindInput("y", x).bindOutput("z", z).build()) {
        run.run();
        assertArrayEquals(new float[] {2, 4, 6, 8}, z.toFloatArray());
      }
    }
  }

  @Test
  void ortFailureBecomesGraphExecutionException() {
    // dynamic output dims: the bound output's shape is only checked by ORT at run time
    RuntimeOptions quiet = OPTIONS.toBuilder().logSeverity(LogSeverity.FATAL).build();
    try (CompiledGraph g = CompiledGraph.builder(RawGraphBuilder.matMul(-1, 3, 2)).options(quiet).build();
        HostTensor a = HostTensor.allocate(DType.FLOAT32, 4, 3);
        HostTensor b = HostTensor.allocate(DType.FLOAT32, 3, 2);
        HostTensor wrong = HostTensor.allocate(DType.FLOAT32, 5, 2);
        PreparedRun run = g.prepare().bindInput("a", a).bindInput("b", b).bindOutput("c", wrong).build()) {
      GraphExecutionException e = assertThrows(GraphExecutionException.class, run::run);
      assertTrue(e.getMessage().contains("Running graph 'matmul'"), e.getMessage());
      assertTrue(e.getMessage().contains("ORT_"), e.getMessage());
    }
  }

  @Test
  void invalidModelIsRejectedWithOrtMessage() {
    ModelProto bad = new RawGraphBuilder("bad")
        .input("x", DType.FLOAT32, 2)
        .node("Add", List.of("x", "undefined"), List.of("z"))
        .output("z", DType.FLOAT32, 2)
        .build();
    GraphExecutionException e = assertThrows(GraphExecutionException.class, () -> compile(bad));
    assertTrue(e.getMessage().contains("Compiling graph 'bad'") && e.getMessage().contains("undefined"), e.getMessage());
    IllegalArgumentException garbage =
        assertThrows(IllegalArgumentException.class, () -> CompiledGraph.builder(new byte[] {1, 2, 3}).externalInitializer("w", FloatBuffer.allocate(1)).build());
    assertTrue(garbage.getMessage().contains("not a valid ONNX ModelProto"), garbage.getMessage());
  }

  @Test
  void closingIsIdempotentAndClosesPreparedRuns() {
    CompiledGraph g = compile(RawGraphBuilder.add(2));
    HostTensor x = HostTensor.of(new float[] {1, 2}, 2);
    HostTensor z = HostTensor.allocate(DType.FLOAT32, 2);
    PreparedRun run = g.prepare().bindInput("x", x).bindInput("y", x).bindOutput("z", z).build();
    run.run();
    g.close();
    g.close();
    assertTrue(g.isClosed());
    assertTrue(run.isClosed());
    run.close();
    IllegalStateException afterClose = assertThrows(IllegalStateException.class, run::run);
    assertTrue(afterClose.getMessage().contains("closed"), afterClose.getMessage());
    assertThrows(IllegalStateException.class, () -> g.run(Map.of("x", x, "y", x)));
    assertThrows(IllegalStateException.class, g::prepare);
    assertTrue(!x.isClosed() && !z.isClosed(), "bound tensors belong to the caller");
    x.close();
    z.close();
  }

  @Test
  void closedBoundTensorIsDetectedBeforeOrtTouchesIt() {
    try (CompiledGraph g = compile(RawGraphBuilder.add(2));
        HostTensor x = HostTensor.of(new float[] {1, 2}, 2)) {
      HostTensor z = HostTensor.allocate(DType.FLOAT32, 2);
      try (PreparedRun run = g.prepare().bindInput("x", x).bindInput("y", x).bindOutput("z", z).build()) {
        z.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, run::run);
        assertTrue(e.getMessage().contains("was closed"), e.getMessage());
      }
    }
  }

  @Test
  void allocateOutputIsOwnedByTheRun() {
    try (CompiledGraph g = compile(RawGraphBuilder.add(3));
        HostTensor x = HostTensor.of(new float[] {1, 2, 3}, 3)) {
      PreparedRun.Builder b = g.prepare().bindInput("x", x).bindInput("y", x);
      HostTensor z = b.allocateOutput("z");
      PreparedRun run = b.build();
      run.run();
      assertArrayEquals(new float[] {2, 4, 6}, z.toFloatArray());
      run.close();
      assertTrue(z.isClosed());
    }
  }

  @Test
  void concurrentPreparedRunsOnOneGraph() throws Exception {
    int threads = 2;
    try (CompiledGraph g = compile(RawGraphBuilder.add(64))) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          final float offset = t * 1000f;
          results.add(pool.submit(() -> {
            try (HostTensor x = HostTensor.allocate(DType.FLOAT32, 64);
                HostTensor y = HostTensor.allocate(DType.FLOAT32, 64);
                HostTensor z = HostTensor.allocate(DType.FLOAT32, 64);
                PreparedRun run = g.prepare().bindInput("x", x).bindInput("y", y).bindOutput("z", z).build()) {
              boolean ok = true;
              for (int step = 0; step < 200; step++) {
                x.fill(offset + step);
                y.fill(1);
                run.run();
                ok &= z.getFloat(63) == offset + step + 1;
              }
              return ok;
            }
          }));
        }
        for (Future<Boolean> f : results) {
          assertTrue(f.get(30, TimeUnit.SECONDS));
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void compiledFromBytesAndThroughFacade() {
    byte[] bytes = RawGraphBuilder.add(2).toByteArray();
    try (CompiledGraph g = OrtRuntime.get().compile(bytes, Map.of(), OPTIONS);
        RunOutputs out = g.run(Map.of("x", new float[] {1, 1}, "y", new float[] {2, 3}))) {
      assertArrayEquals(new float[] {3, 4}, out.get("z").toFloatArray());
      assertNotSame(null, OrtRuntime.get().version());
    }
  }
}
