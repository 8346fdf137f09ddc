package io.github.mmesid.core.engine.runtime;

import io.github.mmesid.core.engine.graph.DType;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DirectRunTest {

  private static final RuntimeOptions OPTIONS = RuntimeOptions.builder().intraOpThreads(1).threadSpinning(false).build();

  @Test
  void fastPathIsActiveWithOrt129() {
    assertNull(DirectRun.unavailableReason(), "the allocation-free path should be verified for the ORT on the class path");
    assertTrue(DirectRun.available());
  }

  @Test
  void directAndPublicPathsAgree() {
    ModelProto model = new RawGraphBuilder("two")
        .input("a", DType.FLOAT32, 3, 4)
        .input("b", DType.FLOAT32, 4, 2)
        .input("bias", DType.FLOAT32, 2)
        .node("MatMul", List.of("a", "b"), List.of("ab"))
        .node("Add", List.of("ab", "bias"), List.of("y"))
        .node("Relu", List.of("y"), List.of("r"))
        .output("y", DType.FLOAT32, 3, 2)
        .output("r", DType.FLOAT32, 3, 2)
        .build();
    Random rnd = new Random(3);
    float[] av = new float[12];
    float[] bv = new float[8];
    for (int i = 0; i < av.length; i++) {
      av[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < bv.length; i++) {
      bv[i] = (float) rnd.nextGaussian();
    }
    try (CompiledGraph g = CompiledGraph.builder(model).options(OPTIONS).build();
        HostTensor a = HostTensor.of(av, 3, 4);
        HostTensor b = HostTensor.of(bv, 4, 2);
        HostTensor bias = HostTensor.of(new float[] {0.5f, -0.5f}, 2);
        HostTensor y1 = HostTensor.allocate(DType.FLOAT32, 3, 2);
        HostTensor r1 = HostTensor.allocate(DType.FLOAT32, 3, 2);
        HostTensor y2 = HostTensor.allocate(DType.FLOAT32, 3, 2);
        HostTensor r2 = HostTensor.allocate(DType.FLOAT32, 3, 2);
        PreparedRun direct = g.prepare().bindInput("a", a).bindInput("b", b).bindInput("bias", bias).bindOutput("r", r1).bindOutput("y", y1).build();
        PreparedRun viaApi = g.prepare().allowDirect(false).bindInput("a", a).bindInput("b", b).bindInput("bias", bias).bindOutput("y", y2).bindOutput("r", r2).build()) {
      assertTrue(direct.isDirect());
      assertFalse(viaApi.isDirect());
      for (int step = 0; step < 3; step++) {
        bias.setFloat(0, step);
        direct.run();
        viaApi.run();
        assertArrayEquals(y2.toFloatArray(), y1.toFloatArray());
        assertArrayEquals(r2.toFloatArray(), r1.toFloatArray());
      }
      float[] y = y1.toFloatArray();
      for (int i = 0; i < y.length; i++) {
        assertTrue(r1.getFloat(i) == Math.max(0f, y[i]));
      }
    }
  }

  private static long allocatedBytesPerRun(PreparedRun run, int runs) {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "needs HotSpot allocation counters");
    com.sun.management.ThreadMXBean hs = (com.sun.management.ThreadMXBean) mx;
    long tid = Thread.currentThread().getId();
    for (int i = 0; i < runs; i++) {
      run.run();
    }
    long before = hs.getThreadAllocatedBytes(tid);
    for (int i = 0; i < runs; i++) {
      run.run();
    }
    return (hs.getThreadAllocatedBytes(tid) - before) / runs;
  }

  @Test
  void preparedRunAllocatesAlmostNothingPerStep() {
    try (CompiledGraph g = CompiledGraph.builder(RawGraphBuilder.add(4)).options(OPTIONS).build();
        HostTensor x = HostTensor.of(new float[] {1, 2, 3, 4}, 4);
        HostTensor z = HostTensor.allocate(DType.FLOAT32, 4);
        PreparedRun direct = g.prepare().bindInput("x", x).bindInput("y", x).bindOutput("z", z).build();
        PreparedRun viaApi = g.prepare().allowDirect(false).bindInput("x", x).bindInput("y", x).bindOutput("z", z).build()) {
      long directBytes = allocatedBytesPerRun(direct, 5000);
      long apiBytes = allocatedBytesPerRun(viaApi, 5000);
      assertArrayEquals(new float[] {2, 4, 6, 8}, z.toFloatArray());
      // the JNI code returns one boolean[1] (24 bytes with compressed class pointers)
      assertTrue(directBytes <= 64, "direct path allocated " + directBytes + " B/run");
      assertTrue(apiBytes > directBytes, "public API path allocated " + apiBytes + " B/run vs direct " + directBytes);
    }
  }

  @Test
  void directPathReportsOrtErrors() {
    RuntimeOptions quiet = OPTIONS.toBuilder().logSeverity(LogSeverity.FATAL).build();
    try (CompiledGraph g = CompiledGraph.builder(RawGraphBuilder.matMul(-1, 2, 2)).options(quiet).build();
        HostTensor a = HostTensor.allocate(DType.FLOAT32, 3, 2);
        HostTensor b = HostTensor.allocate(DType.FLOAT32, 2, 2);
        HostTensor wrong = HostTensor.allocate(DType.FLOAT32, 4, 2);
        PreparedRun run = g.prepare().bindInput("a", a).bindInput("b", b).bindOutput("c", wrong).build()) {
      assertTrue(run.isDirect());
      GraphExecutionException e = assertThrows(GraphExecutionException.class, run::run);
      assertTrue(e.getMessage().contains("ORT_INVALID_ARGUMENT") || e.getMessage().contains("shape"), e.getMessage());
    }
  }
}
