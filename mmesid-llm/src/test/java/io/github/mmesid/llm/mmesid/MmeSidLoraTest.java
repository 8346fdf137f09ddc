package io.github.mmesid.llm.mmesid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.llm.llama.LlamaCheckpointWriter;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.LlamaWeights;
import io.github.mmesid.llm.llama.TrainingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MME-SID on a Hugging Face checkpoint: LoRA by default, only adapters and item-side parts train,
 * the bundle keeps the base model's identity.
 */
class MmeSidLoraTest {

  /** A tiny Llama 3-vocabulary checkpoint (no tokenizer.json: the built-in prompt ids are used). */
  static Path checkpoint(Path dir, long seed) {
    LlamaConfig c = LlamaConfig.of(16, 32, 1, 2, 1, 128_256, 256);
    LlamaCheckpointWriter.writeRandom(dir, c, seed, LlamaCheckpointWriter.Format.singleF32());
    return dir;
  }

  @Test
  void loraTrainsOnlyAdaptersAndItemPartsAndTheBundleChecksTheBaseModel(@TempDir Path tmp) {
    Path base = checkpoint(tmp.resolve("base"), 1);
    LeaveOneOutSplit split = LeaveOneOutSplit.of(MmeSidTrainerTest.chains(120, 3));
    MmeSidInputs inputs = MmeSidTrainerTest.noiseInputs(4).withBackbone(base);
    MmeSidConfig config = MmeSidTrainerTest.config().epochs(2).build();
    LlamaWeights before = LlamaWeights.load(base);
    Map<String, float[]> frozen = new java.util.LinkedHashMap<>();
    before.tensors().forEach((k, v) -> frozen.put(k, v.toFloats()));
    MmeSidTrainingResult r = MmeSidTrainer.train(split, inputs, config, MmeSidTrainerTest.ONE);
    try (MmeSidRecommender rec = r.recommender()) {
      assertEquals(TrainingMode.LORA, rec.spec().mode());
      // the backbone's weights are untouched; the adapters moved away from PEFT's zero B
      rec.backboneWeights().tensors().forEach((k, v) -> assertArrayEquals(frozen.get(k),
          v.toFloats(), k));
      boolean moved = false;
      for (Map.Entry<String, TensorData> e : rec.adapters().tensors().entrySet()) {
        if (e.getKey().contains("lora_B")) {
          for (float f : e.getValue().toFloats()) {
            moved |= f != 0;
          }
        }
      }
      assertTrue(moved, "LoRA B matrices trained");
      // the prompt's token rows stay the checkpoint's (frozen under LoRA)
      float[] promptRows = rec.values().get(MmeSidNet.PROMPT_EMBED).toFloats();
      assertArrayEquals(before.embed(rec.spec().promptTokens()), promptRows);

      Path bundle = tmp.resolve("bundle");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> rec.save(bundle));
      assertTrue(e.getMessage().contains("give its directory"), e.getMessage());
      rec.save(bundle, base);
      assertTrue(Files.isRegularFile(bundle.resolve(MmeSidBundle.ADAPTER_DIR)
          .resolve("adapter_config.json")));
      assertFalse(Files.exists(bundle.resolve(MmeSidBundle.BACKBONE_DIR)), "the base is not copied");
      int[] history = {2, 3, 4};
      try (MmeSidRecommender back = MmeSidRecommender.load(bundle, base, null)) {
        assertArrayEquals(rec.scores(history), back.scores(history));
      }
      e = assertThrows(IllegalArgumentException.class, () -> MmeSidRecommender.load(bundle, null));
      assertTrue(e.getMessage().contains("give that directory"), e.getMessage());
      Path other = checkpoint(tmp.resolve("other"), 2);
      e = assertThrows(IllegalArgumentException.class,
          () -> MmeSidRecommender.load(bundle, other, null));
      assertTrue(e.getMessage().contains("is not the one") && e.getMessage().contains("sha256"),
          e.getMessage());
    }
  }

  @Test
  void frozenAndFullModesOnACheckpoint(@TempDir Path tmp) {
    Path base = checkpoint(tmp.resolve("base"), 5);
    LeaveOneOutSplit split = LeaveOneOutSplit.of(MmeSidTrainerTest.chains(80, 4));
    MmeSidInputs inputs = MmeSidTrainerTest.noiseInputs(4).withBackbone(base);
    for (MmeSidConfig.BackboneTraining mode : List.of(MmeSidConfig.BackboneTraining.FROZEN,
        MmeSidConfig.BackboneTraining.FULL)) {
      MmeSidTrainingResult r = MmeSidTrainer.train(split, inputs,
          MmeSidTrainerTest.config().epochs(1).backboneTraining(mode).build(), MmeSidTrainerTest.ONE);
      try (MmeSidRecommender rec = r.recommender()) {
        assertEquals(mode == MmeSidConfig.BackboneTraining.FULL ? TrainingMode.FULL
            : TrainingMode.FROZEN, rec.spec().mode());
        Path bundle = tmp.resolve("b-" + mode);
        rec.save(bundle, base);
        try (MmeSidRecommender back = mode == MmeSidConfig.BackboneTraining.FULL
            ? MmeSidRecommender.load(bundle, null) : MmeSidRecommender.load(bundle, base, null)) {
          int[] h = {5, 6};
          assertArrayEquals(rec.scores(h), back.scores(h));
        }
      }
    }
  }
}
