package io.github.mmesid.core.engine.runtime;

import io.github.mmesid.core.engine.graph.DType;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.util.List;
import org.junit.jupiter.api.Test;

class DoubleBufferedRunTest {

  private static final RuntimeOptions OPTIONS = RuntimeOptions.builder().intraOpThreads(1).threadSpinning(false).build();

  /** One SGD-like step: w_next = w - lr * g, step_next = step + 1, and the squared norm of w. */
  private static ModelProto sgd() {
    return new RawGraphBuilder("sgd")
        .input("w", DType.FLOAT32, 3)
        .input("g", DType.FLOAT32, 3)
        .input("step", DType.INT64, 1)
        .constant("lr", new float[] {0.5f})
        .initializer(ai.onnx.proto.OnnxMl.TensorProto.newBuilder().setName("one").setDataType(DType.INT64.onnxCode()).addDims(1).addInt64Data(1).build())
        .node("Mul", List.of("g", "lr"), List.of("delta"))
        .node("Sub", List.of("w", "delta"), List.of("w_next"))
        .node("Add", List.of("step", "one"), List.of("step_next"))
        .node("Mul", List.of("w", "w"), List.of("sq"))
        .node("ReduceSum", List.of("sq"), List.of("norm2"), RawGraphBuilder.intAttribute("keepdims", 0))
        .output("w_next", DType.FLOAT32, 3)
        .output("step_next", DType.INT64, 1)
        .output("norm2", DType.FLOAT32)
        .build();
  }

  @Test
  void outputsFeedTheNextStepThroughSwappedBuffers() {
    try (CompiledGraph g = CompiledGraph.builder(sgd()).options(OPTIONS).build();
        HostTensor grad = HostTensor.of(new float[] {1, -2, 4}, 3)) {
      DoubleBufferedRun.Builder b = g.doubleBuffered().carry("w_next", "w").carry("step_next", "step").bindInput("g", grad);
      HostTensor norm2 = b.allocateOutput("norm2");
      try (DoubleBufferedRun run = b.build()) {
        run.current("w").copyFrom(new float[] {10, 10, 10});
        HostTensor first = run.current("w");
        for (int k = 1; k <= 5; k++) {
          HostTensor before = run.current("w");
          float[] w = before.toFloatArray();
          run.step();
          assertNotSame(before, run.current("w"), "buffers swap every step");
          assertEquals(w[0] * w[0] + w[1] * w[1] + w[2] * w[2], norm2.getFloat(0), 1e-3f, "norm of the values read this step");
          assertArrayEquals(new float[] {10 - 0.5f * k, 10 + 1f * k, 10 - 2f * k}, run.current("w").toFloatArray(), 1e-5f);
          assertEquals(k, run.current("step").getLong(0));
        }
        assertEquals(5, run.steps());
        assertNotSame(first, run.current("w"));
        run.step();
        assertSame(first, run.current("w"), "after an even number of steps A is current again");
        assertSame(grad, run.input("g"));
        assertSame(norm2, run.output("norm2"));
        assertEquals(List.of("w_next", "step_next"), List.copyOf(run.carries().keySet()));
      }
      assertTrue(norm2.isClosed(), "allocated outputs are owned by the run");
    }
  }

  @Test
  void callerOwnedBuffersAndValidation() {
    CompiledGraph g = CompiledGraph.builder(sgd()).options(OPTIONS).build();
    try (HostTensor grad = HostTensor.allocate(DType.FLOAT32, 3);
        HostTensor a = HostTensor.allocate(DType.FLOAT32, 3);
        HostTensor b = HostTensor.allocate(DType.FLOAT32, 3);
        HostTensor wrong = HostTensor.allocate(DType.FLOAT32, 4)) {
      IllegalArgumentException same = assertThrows(IllegalArgumentException.class, () -> g.doubleBuffered().carry("w_next", "w", a, a));
      assertTrue(same.getMessage().contains("two distinct tensors"), same.getMessage());
      IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> g.doubleBuffered().carry("w_next", "w", a, wrong));
      assertTrue(shape.getMessage().contains("FLOAT32[4]"), shape.getMessage());
      IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> g.doubleBuffered().carry("step_next", "w"));
      assertTrue(type.getMessage().contains("same element type"), type.getMessage());
      IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> g.doubleBuffered().carry("w_next", "v"));
      assertTrue(unknown.getMessage().contains("Unknown input name v"), unknown.getMessage());
      IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> g.doubleBuffered().bindInput("g", grad).build());
      assertTrue(none.getMessage().contains("Nothing is carried"), none.getMessage());
      IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> g.doubleBuffered().carry("w_next", "w", a, b).build());
      assertTrue(missing.getMessage().contains("Missing inputs"), missing.getMessage());

      DoubleBufferedRun run = g.doubleBuffered().carry("w_next", "w", a, b).carry("step_next", "step").bindInput("g", grad).build();
      assertSame(a, run.current("w"));
      grad.fill(2);
      run.step();
      assertSame(b, run.current("w"));
      assertArrayEquals(new float[] {-1, -1, -1}, b.toFloatArray());
      g.close();
      assertTrue(run.isClosed(), "closing the graph closes its runs");
      assertThrows(IllegalStateException.class, run::step);
      assertTrue(!a.isClosed() && !b.isClosed(), "caller-owned buffers stay open");
    } finally {
      g.close();
    }
  }
}
