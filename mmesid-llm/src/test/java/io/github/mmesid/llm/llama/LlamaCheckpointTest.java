package io.github.mmesid.llm.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.Layers;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.io.safetensors.BFloat16;
import io.github.mmesid.core.io.safetensors.SafetensorsDType;
import io.github.mmesid.core.io.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint writing, loading, validation and token-id inference. */
class LlamaCheckpointTest {
  static LlamaConfig tiny() {
    return LlamaBackboneTest.tinyConfig();
  }

  @Test
  void float32SingleFileRoundTripsExactlyAndIsMapped(@TempDir Path dir) {
    LlamaWeights w = LlamaCheckpointWriter.writeRandom(dir, tiny(), 21,
        LlamaCheckpointWriter.Format.singleF32());
    assertTrue(Files.exists(dir.resolve("model.safetensors")));
    assertTrue(Files.exists(dir.resolve("config.json")));
    LlamaWeights r = LlamaWeights.load(dir);
    assertEquals(w.config().withDtypeAndTie("float32", false), r.config());
    for (Map.Entry<String, TensorData> e : w.tensors().entrySet()) {
      TensorData got = r.tensor(e.getKey());
      assertTrue(got.isDirect(), e.getKey());
      assertArrayEquals(e.getValue().toFloats(), got.toFloats(), e.getKey());
    }
    assertArrayEquals(w.embeddingBlocks().get(0).toFloats(),
        r.embeddingBlocks().get(0).toFloats());
    assertArrayEquals(w.embed(new long[] {5}), r.embed(new long[] {5}));
  }

  @Test
  void bf16ShardedCheckpointLoadsAndRunsTokenIds(@TempDir Path dir) throws IOException {
    LlamaWeights w = LlamaCheckpointWriter.writeRandom(dir, tiny(), 22,
        new LlamaCheckpointWriter.Format(SafetensorsDType.BF16, 20_000));
    assertTrue(Files.exists(dir.resolve("model.safetensors.index.json")));
    try (var files = Files.list(dir)) {
      assertTrue(files.filter(p -> p.getFileName().toString().startsWith("model-")).count() > 2);
    }
    LlamaWeights r = LlamaWeights.load(dir);
    assertEquals("bfloat16", r.config().torchDtype());
    float[] orig = w.tensor(LlamaTensorNames.linear(1, LlamaTensorNames.Module.UP_PROJ))
        .toFloats();
    float[] got = r.tensor(LlamaTensorNames.linear(1, LlamaTensorNames.Module.UP_PROJ))
        .toFloats();
    for (int i = 0; i < orig.length; i++) {
      assertEquals(BFloat16.toFloat(BFloat16.fromFloat(orig[i])), got[i]);
    }
    long[][] ids = {{1, 17, 42, 3, 9}, {60, 0, 7}};
    int[][] mask = {{1, 1, 1, 1, 1}, {0, 0, 1, 1, 1}};
    long[][] padded = {{1, 17, 42, 3, 9}, {0, 0, 60, 0, 7}};
    double[][][] ref = new LlamaReference(r).forwardIds(padded, mask);
    try (LlamaHiddenStates hs = LlamaHiddenStates.open(r, RuntimeOptions.defaults())) {
      LlamaHiddenStates.Result res = hs.run(ids);
      assertEquals(2, res.batch());
      assertEquals(5, res.seqLen());
      for (int b = 0; b < 2; b++) {
        for (int t = 0; t < 5; t++) {
          if (mask[b][t] == 0) {
            continue;
          }
          float[] v = res.at(b, t);
          for (int i = 0; i < v.length; i++) {
            assertEquals(ref[b][t][i], v[i], 2e-4, "b=" + b + " t=" + t + " i=" + i);
          }
        }
      }
      IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
          () -> hs.run(new long[][] {{1, 61}}));
      assertTrue(tooBig.getMessage().contains("token id 61"), tooBig.getMessage());
      IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
          () -> hs.run(new long[][] {new long[65]}));
      assertTrue(tooLong.getMessage().contains("max_position_embeddings 64"),
          tooLong.getMessage());
    }
  }

  @Test
  void f16AndBareLayoutLoad(@TempDir Path dir) {
    LlamaConfig c = tiny();
    LlamaWeights w = LlamaWeights.random(c, 23);
    SafetensorsWriter sw = new SafetensorsWriter();
    for (Map.Entry<String, TensorData> e : w.tensors().entrySet()) {
      sw.addFloats(e.getKey().substring("model.".length()), SafetensorsDType.F16, e.getValue().shape(),
          e.getValue().toFloats());
    }
    sw.addFloats("embed_tokens.weight", SafetensorsDType.F16, new long[] {61, 32},
        w.embeddingBlocks().get(0).toFloats());
    c.write(dir);
    sw.write(dir.resolve("model.safetensors"));
    LlamaWeights r = LlamaWeights.load(dir,
        new LlamaWeights.LoadOptions(false, true));
    assertFalse(r.hasEmbeddings());
    assertEquals(w.tensors().keySet(), r.tensors().keySet());
    assertEquals(w.tensor(LlamaTensorNames.FINAL_NORM).toFloats()[3],
        r.tensor(LlamaTensorNames.FINAL_NORM).toFloats()[3], 1e-3);
  }

  @Test
  void oneErrorListsMissingUnknownAndMisShapedTensors(@TempDir Path dir) {
    LlamaConfig c = tiny();
    LlamaWeights w = LlamaWeights.random(c, 24);
    SafetensorsWriter sw = new SafetensorsWriter();
    for (Map.Entry<String, TensorData> e : w.tensors().entrySet()) {
      String n = e.getKey();
      if (n.equals(LlamaTensorNames.inputNorm(1))) {
        continue; // missing
      }
      long[] shape = e.getValue().shape();
      if (n.equals(LlamaTensorNames.linear(0, LlamaTensorNames.Module.K_PROJ))) {
        sw.addFloats(n, SafetensorsDType.F32, new long[] {shape[1], shape[0]}, e.getValue().toFloats());
        continue; // transposed
      }
      sw.addFloats(n, SafetensorsDType.F32, shape, e.getValue().toFloats());
    }
    sw.addFloats(LlamaTensorNames.EMBED_TOKENS, SafetensorsDType.F32, new long[] {61, 32}, new float[61 * 32]);
    sw.addFloats("model.layers.0.self_attn.q_proj.bias", SafetensorsDType.F32, new long[] {32},
        new float[32]);
    sw.addFloats(LlamaTensorNames.LM_HEAD, SafetensorsDType.F32, new long[] {61, 32}, new float[61 * 32]);
    c.write(dir);
    sw.write(dir.resolve("model.safetensors"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LlamaWeights.load(dir));
    String m = e.getMessage();
    assertTrue(m.contains("missing tensors (1): model.layers.1.input_layernorm.weight"), m);
    assertTrue(m.contains("unknown tensors (1): model.layers.0.self_attn.q_proj.bias"), m);
    assertTrue(m.contains("model.layers.0.self_attn.k_proj.weight is [32, 16], expected [16, 32]"),
        m);
    assertFalse(m.contains("lm_head"), m);
  }

  @Test
  void corruptSafetensorsHeaderIsAClearError(@TempDir Path dir) throws IOException {
    LlamaCheckpointWriter.writeRandom(dir, tiny(), 25, LlamaCheckpointWriter.Format.singleF32());
    Path f = dir.resolve("model.safetensors");
    // Claim a header longer than the file.
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      b.putLong(0, Files.size(f) * 2);
      ch.write(b, 0);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LlamaWeights.load(dir));
    assertTrue(e.getMessage().contains("header length"), e.getMessage());
  }

  @Test
  void multiBlockEmbeddingMatchesSingleTable() {
    LlamaConfig c = tiny();
    LlamaWeights one = LlamaWeights.random(c, 26);
    Map<String, TensorData> all = LlamaBackboneTest.allTensors(one);
    LlamaWeights blocks = LlamaWeights.of(c, all, 16);
    assertEquals(4, blocks.embeddingBlocks().size());
    long[][] ids = {{0, 15, 16, 60, 33, 47}};
    try (LlamaHiddenStates a = LlamaHiddenStates.open(one, RuntimeOptions.defaults());
        LlamaHiddenStates b = LlamaHiddenStates.open(blocks, RuntimeOptions.defaults())) {
      assertArrayEquals(a.run(ids).values(), b.run(ids).values(), 0f);
    }
    assertArrayEquals(one.embed(new long[] {60, 16}), blocks.embed(new long[] {60, 16}));
  }

  @Test
  void mappedWeightsAboveOneMebibyteAreBoundInPlace(@TempDir Path dir) {
    // MLP weights of 64 x 4200 floats (1.07 MB) leave the protobuf and are bound from the mmap.
    LlamaConfig c = LlamaConfig.of(64, 4200, 1, 4, 2, 100, 32);
    LlamaCheckpointWriter.writeRandom(dir, c, 27, LlamaCheckpointWriter.Format.singleF32());
    LlamaWeights r = LlamaWeights.load(dir);
    TensorData up = r.tensor(LlamaTensorNames.linear(0, LlamaTensorNames.Module.UP_PROJ));
    assertTrue(up.isDirect() && up.byteSize() > (1 << 20));
    long[][] ids = {{4, 8, 15, 16, 23}};
    double[][][] ref = new LlamaReference(r).forwardIds(ids, new int[][] {{1, 1, 1, 1, 1}});
    try (LlamaHiddenStates hs = LlamaHiddenStates.open(r, RuntimeOptions.defaults())) {
      LlamaHiddenStates.Result res = hs.run(ids);
      for (int t = 0; t < 5; t++) {
        float[] v = res.at(0, t);
        for (int i = 0; i < 64; i++) {
          assertEquals(ref[0][t][i], v[i], 2e-4);
        }
      }
    }
  }

  @Test
  void configParsingAndValidation() {
    String llama31 = "{\"architectures\": [\"LlamaForCausalLM\"], \"attention_bias\": false,"
        + "\"bos_token_id\": 128000, \"eos_token_id\": [128001, 128008, 128009],"
        + "\"hidden_act\": \"silu\", \"hidden_size\": 4096, \"initializer_range\": 0.02,"
        + "\"intermediate_size\": 14336, \"max_position_embeddings\": 131072,"
        + "\"mlp_bias\": false, \"model_type\": \"llama\", \"num_attention_heads\": 32,"
        + "\"num_hidden_layers\": 32, \"num_key_value_heads\": 8, \"pretraining_tp\": 1,"
        + "\"rms_norm_eps\": 1e-05, \"rope_scaling\": {\"factor\": 8.0, \"low_freq_factor\": 1.0,"
        + "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192,"
        + "\"rope_type\": \"llama3\"}, \"rope_theta\": 500000.0, \"tie_word_embeddings\": false,"
        + "\"torch_dtype\": \"bfloat16\", \"transformers_version\": \"4.43.0.dev0\","
        + "\"use_cache\": true, \"vocab_size\": 128256}";
    LlamaConfig c = LlamaConfig.parse(llama31, "llama31");
    assertEquals(128, c.headDim());
    assertEquals(4, c.kvGroups());
    assertEquals(Layers.RopeScaling.llama3(8, 1, 4, 8192), c.ropeScaling());
    assertEquals(7_504_924_672L, c.backboneParameterCount());
    assertEquals(c, LlamaConfig.parse(c.toJson(), "round trip"));
    String base = "\"intermediate_size\": 8, \"num_hidden_layers\": 1, \"vocab_size\": 10";
    assertMessage("hidden_size 30 is not divisible by num_attention_heads 4",
        "{\"hidden_size\": 30, \"num_attention_heads\": 4, " + base + "}");
    assertMessage("num_key_value_heads 3 does not divide num_attention_heads 4",
        "{\"hidden_size\": 32, \"num_attention_heads\": 4, \"num_key_value_heads\": 3, " + base
            + "}");
    assertMessage("unknown rope_scaling type 'yarn'",
        "{\"hidden_size\": 32, \"num_attention_heads\": 4, \"rope_scaling\": {\"rope_type\":"
            + " \"yarn\", \"factor\": 2}, " + base + "}");
    assertMessage("missing required field(s) [hidden_size, vocab_size]",
        "{\"intermediate_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 4}");
    assertMessage("not valid JSON", "{\"hidden_size\": ");
  }

  private static void assertMessage(String expected, String json) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LlamaConfig.parse(json, "cfg.json"));
    assertTrue(e.getMessage().startsWith("cfg.json: "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
