package io.github.mmesid.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.mmesid.core.io.safetensors.SafetensorsDType;
import io.github.mmesid.core.io.safetensors.SafetensorsFile;
import io.github.mmesid.core.io.safetensors.TensorInfo;
import io.github.mmesid.llm.llama.LlamaCheckpointWriter;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.LlamaTensorNames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llama-hidden} on a checkpoint with a NaN weight: exit 1 naming the tensor, no output written. */
class LlamaHiddenNanTest {

  @TempDir
  Path dir;

  @Test
  void aNanWeightStopsTheRunBeforeAnythingIsWritten() throws IOException {
    Path ck = dir.resolve("ck");
    LlamaCheckpointWriter.writeRandom(ck, LlamaConfig.of(16, 24, 2, 4, 2, 50, 32), 3,
        LlamaCheckpointWriter.Format.singleF32());
    Path model = ck.resolve("model.safetensors");
    String tensor = LlamaTensorNames.linear(0, LlamaTensorNames.Module.DOWN_PROJ);
    TensorInfo t;
    try (SafetensorsFile f = SafetensorsFile.open(model)) {
      t = f.tensor(tensor);
    }
    assert t.dtype() == SafetensorsDType.F32;
    try (FileChannel ch = FileChannel.open(model, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(len, 0);
      ByteBuffer nan = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, Float.NaN);
      ch.write(nan, 8 + len.getLong(0) + t.byteOffset() + 4L * 30);
    }
    Path out = dir.resolve("h/hidden.npy");
    CliInputsTest.assertOneLineError(CliInputsTest.run("llama-hidden", "--checkpoint", ck.toString(), "--ids", "1,2,3",
        "--out", out.toString(), "--threads", "1"), 1, "model.safetensors: tensor '" + tensor + "': element [1, 6] is NaN");
    assertFalse(Files.exists(dir.resolve("h")), "no output file and no directory left behind");
  }
}
