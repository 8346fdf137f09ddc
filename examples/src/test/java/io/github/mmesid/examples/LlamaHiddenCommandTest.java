package io.github.mmesid.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.io.safetensors.SafetensorsDType;
import io.github.mmesid.llm.llama.LlamaCheckpointWriter;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.LlamaHiddenStates;
import io.github.mmesid.llm.llama.LlamaWeights;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaHiddenCommandTest {

  @TempDir
  Path dir;

  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {Integer.toString(status), out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void writesHiddenStatesOfABatch() {
    Path ck = dir.resolve("ck");
    LlamaConfig c = LlamaConfig.of(16, 24, 2, 4, 2, 50, 32);
    LlamaCheckpointWriter.writeRandom(ck, c, 3,
        new LlamaCheckpointWriter.Format(SafetensorsDType.BF16, 4000));
    Path out = dir.resolve("h.npy");
    String[] r = run("llama-hidden", "--checkpoint", ck.toString(), "--ids", "1,17,42",
        "--ids", "5,6,7", "--out", out.toString(), "--threads", "1");
    assertEquals("0", r[0], r[2]);
    assertTrue(r[1].contains("hidden_states [2, 3, 16]"), r[1]);
    NpyArray a = Npy.read(out);
    assertArrayEquals(new int[] {2, 3, 16}, a.shape());
    try (LlamaHiddenStates hs = LlamaHiddenStates.open(LlamaWeights.load(ck),
        RuntimeOptions.defaults())) {
      assertArrayEquals(hs.run(new long[][] {{1, 17, 42}, {5, 6, 7}}).values(), a.toFloats(),
          1e-5f);
    }
    String[] bad = run("llama-hidden", "--checkpoint", ck.toString(), "--ids", "1,50",
        "--out", out.toString());
    assertEquals("1", bad[0]);
    assertTrue(bad[2].contains("token id 50") && bad[2].contains("allowed: [0, 50)"), bad[2]);
    String[] notInt = run("llama-hidden", "--checkpoint", ck.toString(), "--ids", "1,x",
        "--out", out.toString());
    assertEquals("2", notInt[0]);
  }
}
