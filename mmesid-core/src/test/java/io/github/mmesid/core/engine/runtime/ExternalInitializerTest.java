package io.github.mmesid.core.engine.runtime;

import io.github.mmesid.core.engine.graph.DType;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExternalInitializerTest {

  private static final RuntimeOptions OPTIONS = RuntimeOptions.builder().intraOpThreads(1).threadSpinning(false).build();

  /** y = x @ w with x FLOAT32[2, 3] and w FLOAT32[3, 2] declared by {@code declaration}. */
  private static ModelProto linear(TensorProto declaration) {
    return new RawGraphBuilder("linear")
        .input("x", DType.FLOAT32, 2, 3)
        .initializer(declaration)
        .node("MatMul", List.of("x", "w"), List.of("y"))
        .output("y", DType.FLOAT32, 2, 2)
        .build();
  }

  /** y = x + w over FLOAT32[4] (Add is never pre-packed, so in-place use is observable). */
  private static ModelProto offset(TensorProto declaration) {
    return new RawGraphBuilder("offset")
        .input("x", DType.FLOAT32, 4)
        .initializer(declaration)
        .node("Add", List.of("x", "w"), List.of("y"))
        .output("y", DType.FLOAT32, 4)
        .build();
  }

  private static final float[] X = {1, 2, 3, 4, 5, 6};
  private static final float[] W = {1, 0, 0, 1, 1, 1};
  private static final float[] XW = {1 + 3, 2 + 3, 4 + 6, 5 + 6};

  @Test
  void externalDeclarationIsSuppliedAndCopiedByOrt() {
    TensorProto decl = InitializerDeclarations.external("w", DType.FLOAT32, 3, 2);
    assertEquals(TensorProto.DataLocation.EXTERNAL, decl.getDataLocation());
    assertTrue(decl.getRawData().isEmpty(), "no weight bytes enter the protobuf");
    try (HostTensor w = HostTensor.of(W, 3, 2);
        CompiledGraph g = CompiledGraph.builder(linear(decl)).externalInitializer("w", w).options(OPTIONS).build();
        RunOutputs out = g.run(Map.of("x", X))) {
      assertEquals(List.of("x"), g.inputNames(), "an initializer is not a run input");
      assertEquals(InitializerDeclarations.Binding.COPIED, g.externalInitializers().get("w"));
      assertArrayEquals(XW, out.get("y").toFloatArray(), 1e-6f);
    }
    // ORT 1.29 copies data given through addExternalInitializers when the session is created
    try (HostTensor w = HostTensor.of(new float[] {10, 20, 30, 40}, 4);
        CompiledGraph g =
            CompiledGraph.builder(offset(InitializerDeclarations.external("w", DType.FLOAT32, 4))).externalInitializer("w", w).options(OPTIONS).build()) {
      w.setFloat(0, 1000);
      try (RunOutputs out = g.run(Map.of("x", new float[4]))) {
        assertArrayEquals(new float[] {10, 20, 30, 40}, out.get("y").toFloatArray());
      }
    }
  }

  @Test
  void sharedDeclarationIsReadInPlace() {
    try (HostTensor w = HostTensor.of(new float[] {10, 20, 30, 40}, 4);
        CompiledGraph g =
            CompiledGraph.builder(offset(InitializerDeclarations.shared("w", DType.FLOAT32, 4))).externalInitializer("w", w).options(OPTIONS).build()) {
      assertEquals(InitializerDeclarations.Binding.SHARED, g.externalInitializers().get("w"));
      try (RunOutputs out = g.run(Map.of("x", new float[] {1, 1, 1, 1}))) {
        assertArrayEquals(new float[] {11, 21, 31, 41}, out.get("y").toFloatArray());
      }
      w.setFloat(0, 1000);
      try (RunOutputs out = g.run(Map.of("x", new float[] {1, 1, 1, 1}))) {
        assertEquals(1001f, out.get("y").getFloat(0), "ORT reads the caller's memory without a copy");
      }
    }
  }

  @Test
  void rawDirectBufferIsWrappedAndKeptAlive() {
    FloatBuffer raw = ByteBuffer.allocateDirect(6 * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    raw.put(0, W);
    byte[] bytes = linear(InitializerDeclarations.shared("w", DType.FLOAT32, 3, 2)).toByteArray();
    try (CompiledGraph g = OrtRuntime.get().compile(bytes, Map.of("w", raw), OPTIONS)) {
      raw = null;
      System.gc();
      try (RunOutputs out = g.run(Map.of("x", X))) {
        assertArrayEquals(XW, out.get("y").toFloatArray(), 1e-6f);
      }
    }
  }

  @Test
  void graphKeepsUsingTensorEvenIfCallerClosesItEarly() {
    HostTensor w = HostTensor.of(W, 3, 2);
    try (CompiledGraph g =
        CompiledGraph.builder(linear(InitializerDeclarations.shared("w", DType.FLOAT32, 3, 2))).externalInitializer("w", w).options(OPTIONS).build()) {
      w.close();
      try (RunOutputs out = g.run(Map.of("x", X))) {
        assertArrayEquals(XW, out.get("y").toFloatArray(), 1e-6f);
      }
    }
  }

  @Test
  void validationMessages() {
    try (HostTensor w = HostTensor.of(W, 3, 2);
        HostTensor wrongShape = HostTensor.allocate(DType.FLOAT32, 2, 3);
        HostTensor wrongType = HostTensor.allocate(DType.FLOAT64, 3, 2)) {
      ModelProto declared = linear(InitializerDeclarations.external("w", DType.FLOAT32, 3, 2));

      IllegalArgumentException undeclared = assertThrows(IllegalArgumentException.class,
          () -> CompiledGraph.builder(declared).externalInitializer("w", w).externalInitializer("v", w).build());
      assertTrue(undeclared.getMessage().contains("'v' is not declared") && undeclared.getMessage().contains("[w]"), undeclared.getMessage());

      IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
          () -> CompiledGraph.builder(declared).externalInitializer("w", wrongShape).build());
      assertTrue(shape.getMessage().contains("FLOAT32[3, 2]") && shape.getMessage().contains("FLOAT32[2, 3]"), shape.getMessage());

      IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
          () -> CompiledGraph.builder(declared).externalInitializer("w", wrongType).build());
      assertTrue(type.getMessage().contains("FLOAT64[3, 2]"), type.getMessage());

      IllegalArgumentException unsupplied = assertThrows(IllegalArgumentException.class, () -> CompiledGraph.builder(declared).externalInitializers(Map.of()).build());
      // without any supplied initializer the declaration is still checked when a ModelProto is given
      assertTrue(unsupplied.getMessage().contains("[w]") && unsupplied.getMessage().contains("not supplied"), unsupplied.getMessage());

      ModelProto asInput = new RawGraphBuilder("asInput")
          .input("x", DType.FLOAT32, 2, 3)
          .input("w", DType.FLOAT32, 3, 2)
          .node("MatMul", List.of("x", "w"), List.of("y"))
          .output("y", DType.FLOAT32, 2, 2)
          .build();
      IllegalArgumentException input = assertThrows(IllegalArgumentException.class,
          () -> CompiledGraph.builder(asInput).externalInitializer("w", w).build());
      assertTrue(input.getMessage().contains("only as a graph input"), input.getMessage());

      ModelProto embedded = new RawGraphBuilder("embedded")
          .input("x", DType.FLOAT32, 2, 3)
          .constant("w", W, 3, 2)
          .node("MatMul", List.of("x", "w"), List.of("y"))
          .output("y", DType.FLOAT32, 2, 2)
          .build();
      IllegalArgumentException carriesData = assertThrows(IllegalArgumentException.class,
          () -> CompiledGraph.builder(embedded).externalInitializer("w", w).build());
      assertTrue(carriesData.getMessage().contains("already carries its data"), carriesData.getMessage());

      IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
          () -> CompiledGraph.builder(declared).externalInitializer("w", FloatBuffer.wrap(W)).build());
      assertTrue(heap.getMessage().contains("'w'") && heap.getMessage().contains("direct"), heap.getMessage());

      IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
          () -> CompiledGraph.builder(declared).externalInitializer("w", w).externalInitializer("w", w));
      assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
      assertFalse(w.isClosed());
    }
  }

  @Test
  void embeddedConstantsNeedNothingSupplied() {
    ModelProto embedded = new RawGraphBuilder("embedded")
        .input("x", DType.FLOAT32, 2, 3)
        .constant("w", W, 3, 2)
        .node("MatMul", List.of("x", "w"), List.of("y"))
        .output("y", DType.FLOAT32, 2, 2)
        .build();
    try (CompiledGraph g = CompiledGraph.builder(embedded).options(OPTIONS).build();
        RunOutputs out = g.run(Map.of("x", X))) {
      assertArrayEquals(XW, out.get("y").toFloatArray(), 1e-6f);
      assertTrue(g.externalInitializers().isEmpty());
    }
  }
}
