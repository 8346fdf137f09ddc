package io.github.mmesid.core.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.github.mmesid.core.engine.graph.DType;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CompiledGraph#builder(Path)} / {@link OrtRuntime#compile(Path, RuntimeOptions)}. */
class ModelFileCompileTest {

  private static final RuntimeOptions OPTIONS = RuntimeOptions.builder().intraOpThreads(1).build();

  @TempDir
  Path dir;

  @Test
  void compilesAFileLikeTheSameBytes() throws Exception {
    Path file = dir.resolve("matmul.onnx");
    Files.write(file, RawGraphBuilder.matMul(-1, 3, 2).toByteArray());
    float[] a = {1, 2, 3, 4, 5, 6};
    float[] b = {1, 0, 0, 1, 1, 1};
    try (CompiledGraph fromFile = OrtRuntime.get().compile(file, OPTIONS);
        CompiledGraph fromBytes = CompiledGraph.builder(Files.readAllBytes(file)).options(OPTIONS).build();
        HostTensor at = HostTensor.of(a, 2, 3);
        HostTensor bt = HostTensor.of(b, 3, 2);
        RunOutputs x = fromFile.run(Map.of("a", at, "b", bt));
        RunOutputs y = fromBytes.run(Map.of("a", at, "b", bt))) {
      assertEquals("matmul.onnx", fromFile.name());
      assertEquals(fromBytes.inputs(), fromFile.inputs());
      assertEquals(fromBytes.outputs(), fromFile.outputs());
      // [1 2 3; 4 5 6] @ [1 0; 0 1; 1 1] = [4 5; 10 11]
      assertArrayEquals(new float[] {4, 5, 10, 11}, x.get("c").toFloatArray());
      assertArrayEquals(y.get("c").toFloatArray(), x.get("c").toFloatArray());
    }
  }

  @Test
  void resolvesExternalDataNextToTheFile() throws Exception {
    // y = x + w, with w stored in weights.bin beside the model (as large exported models do)
    float[] w = {0.5f, -1f, 2f, 8f};
    ByteBuffer data = ByteBuffer.allocate(w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : w) {
      data.putFloat(v);
    }
    Path sub = Files.createDirectories(dir.resolve("model"));
    Files.write(sub.resolve("weights.bin"), data.array());
    TensorProto wt = TensorProto.newBuilder()
        .setName("w")
        .setDataType(DType.FLOAT32.onnxCode())
        .addDims(4)
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
        .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("0"))
        .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("16"))
        .build();
    Path file = sub.resolve("model.onnx");
    Files.write(file, new RawGraphBuilder("ext")
        .input("x", DType.FLOAT32, 4)
        .initializer(wt)
        .node("Add", List.of("x", "w"), List.of("y"))
        .output("y", DType.FLOAT32, 4)
        .build()
        .toByteArray());
    try (CompiledGraph g = CompiledGraph.builder(file).options(OPTIONS).build();
        RunOutputs out = g.run(Map.of("x", new float[] {1, 1, 1, 1}))) {
      assertEquals(List.of("x"), g.inputNames());
      assertArrayEquals(new float[] {1.5f, 0f, 3f, 9f}, out.get("y").toFloatArray());
    }
  }

  @Test
  void rejectsMissingFilesDirectoriesAndNonModels() throws Exception {
    Path missing = dir.resolve("nope.onnx");
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> CompiledGraph.builder(missing));
    assertTrue(e.getMessage().contains("nope.onnx: no such file"), e.getMessage());
    UncheckedIOException d = assertThrows(UncheckedIOException.class, () -> OrtRuntime.get().compile(dir, OPTIONS));
    assertTrue(d.getMessage().contains("is a directory"), d.getMessage());
    Path junk = dir.resolve("junk.onnx");
    Files.writeString(junk, "this is not a protobuf");
    GraphExecutionException g = assertThrows(GraphExecutionException.class, () -> OrtRuntime.get().compile(junk, OPTIONS));
    assertTrue(g.getMessage().contains("junk.onnx"), g.getMessage());
  }

  @Test
  void rejectsExternalInitializersForAFile() throws Exception {
    Path file = dir.resolve("add.onnx");
    Files.write(file, RawGraphBuilder.add(4).toByteArray());
    try (HostTensor t = HostTensor.of(new float[4], 4)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> CompiledGraph.builder(file).externalInitializer("w", t).build());
      assertTrue(e.getMessage().contains("allowed: none for a file"), e.getMessage());
    }
  }
}
