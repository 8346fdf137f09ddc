package io.github.mmesid.llm.llama;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.Finite;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.io.safetensors.SafetensorsDType;
import io.github.mmesid.core.io.safetensors.SafetensorsFile;
import io.github.mmesid.core.io.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NaN and infinity in Llama weights are rejected at load; non-finite hidden states are never returned. */
class LlamaNonFiniteTest {

  /** Overwrites one element of an F32 or BF16 tensor of a single-file checkpoint in place. */
  static void poison(Path file, String tensor, long element, float value) throws IOException {
    TensorInfo t;
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      t = f.tensor(tensor);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(len, 0);
      long data = 8 + len.getLong(0);
      int width = t.dtype() == SafetensorsDType.F32 ? 4 : 2;
      ByteBuffer b = ByteBuffer.allocate(width).order(ByteOrder.LITTLE_ENDIAN);
      if (width == 4) {
        b.putFloat(0, value);
      } else {
        b.putShort(0, (short) (Float.floatToRawIntBits(value) >>> 16));
      }
      ch.write(b, data + t.byteOffset() + element * width);
    }
  }

  @Test
  void aNanWeightInTheCheckpointIsRejectedNamingTheTensor(@TempDir Path dir) throws IOException {
    LlamaCheckpointWriter.writeRandom(dir, LlamaCheckpointTest.tiny(), 5, LlamaCheckpointWriter.Format.singleF32());
    String up = LlamaTensorNames.linear(1, LlamaTensorNames.Module.UP_PROJ);
    poison(dir.resolve("model.safetensors"), up, 32 + 7, Float.NaN);
    Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class, () -> LlamaWeights.load(dir));
    assertTrue(e.getMessage().contains("model.safetensors: tensor '" + up + "': element [1, 7] is NaN"),
        e.getMessage());
  }

  @Test
  void anInfiniteBf16EmbeddingRowIsRejected(@TempDir Path dir) throws IOException {
    LlamaCheckpointWriter.writeRandom(dir, LlamaCheckpointTest.tiny(), 6,
        new LlamaCheckpointWriter.Format(SafetensorsDType.BF16, Long.MAX_VALUE));
    poison(dir.resolve("model.safetensors"), LlamaTensorNames.EMBED_TOKENS, 3 * 32, Float.NEGATIVE_INFINITY);
    Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class, () -> LlamaWeights.load(dir));
    assertTrue(e.getMessage().contains("tensor '" + LlamaTensorNames.EMBED_TOKENS + "' rows 0..60: element [3, 0] is -Infinity"),
        e.getMessage());
  }

  @Test
  void weightsFromValuesAndReplacementsAreChecked() {
    LlamaConfig c = LlamaCheckpointTest.tiny();
    LlamaWeights w = LlamaWeights.random(c, 7);
    String norm = LlamaTensorNames.FINAL_NORM;
    float[] v = w.tensor(norm).toFloats();
    v[4] = Float.POSITIVE_INFINITY;
    TensorData bad = TensorData.ofFloats(w.tensor(norm).shape(), v);
    Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class,
        () -> w.withReplaced(Map.of(norm, bad)));
    assertTrue(e.getMessage().startsWith("replacement for Llama tensor '" + norm + "': element 4 is Infinity"),
        e.getMessage());
    Map<String, TensorData> all = LlamaBackboneTest.allTensors(w);
    all.put(norm, bad);
    assertThrows(Finite.NonFiniteException.class, () -> LlamaWeights.of(c, all));
  }

  @Test
  void overflowingHiddenStatesAreNeverReturned() {
    LlamaConfig c = LlamaCheckpointTest.tiny();
    LlamaWeights w = LlamaWeights.random(c, 8);
    String norm = LlamaTensorNames.FINAL_NORM;
    float[] huge = new float[c.hiddenSize()];
    Arrays.fill(huge, 3e38f);
    LlamaWeights overflowing = w.withReplaced(Map.of(norm, TensorData.ofFloats(w.tensor(norm).shape(), huge)));
    try (LlamaHiddenStates hs = LlamaHiddenStates.open(overflowing, RuntimeOptions.builder().intraOpThreads(1).build())) {
      Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class,
          () -> hs.run(new long[][] {{1, 2, 3}}));
      assertTrue(e.getMessage().startsWith("Llama hidden_states [sequence, position, unit]: element [0, 0, "),
          e.getMessage());
    }
  }
}
