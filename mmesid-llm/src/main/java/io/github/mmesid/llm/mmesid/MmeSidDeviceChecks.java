package io.github.mmesid.llm.mmesid;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.SyntheticDataGenerator;
import io.github.mmesid.core.engine.check.DeviceCheckCase;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.llm.llama.LlamaCheckpointWriter;
import io.github.mmesid.llm.llama.LlamaConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * MME-SID's graphs at small sizes with inputs for one run, for device checks ({@link
 * DeviceCheckCase}): the training update as {@link MmeSidTrainer#prepare} compiles it for CUDA,
 * with the tiny preset backbone trained in full and with LoRA on a small Hugging Face checkpoint
 * (the method's setting), and the recommender's precompute graph (fused item matrix and prompt
 * prefix cache) and scoring graph. Diagnostics only: training and inference do not use this
 * class.
 */
public final class MmeSidDeviceChecks {
  private static final int ITEMS = 40;

  private MmeSidDeviceChecks() {}

  /**
   * The cases: {@code mmesid_<backbone>_grad}, {@code mmesid_<backbone>_opt}, {@code
   * mmesid_<backbone>_precompute} and {@code mmesid_<backbone>_scores} for the backbones {@code
   * preset} and {@code lora}.
   *
   * @param workDir a directory for the small checkpoint (about 8 MB)
   * @return the cases
   */
  public static List<DeviceCheckCase> cases(Path workDir) {
    LeaveOneOutSplit split = LeaveOneOutSplit.of(SyntheticDataGenerator.builder().users(60)
        .items(ITEMS).topics(5).latentDim(4).seed(11).build().generate().dataset());
    SplittableRandom r = new SplittableRandom(4);
    ItemCatalog cat = ItemCatalog.builder(ITEMS).add("collab", matrix(r, ITEMS + 1, 6))
        .add("text", matrix(r, ITEMS + 1, 10)).build();
    MmeSidInputs preset = MmeSidInputs.builder(cat)
        .semanticIds("collab", codes(r, 2, 4), books(r, 2, 4, 8))
        .semanticIds("text", codes(r, 3, 5), books(r, 3, 5, 8)).build();
    Path ckpt = workDir.resolve("mmesid-device-check-backbone");
    LlamaCheckpointWriter.writeRandom(ckpt, LlamaConfig.of(16, 32, 1, 2, 1, 128_256, 256), 1,
        LlamaCheckpointWriter.Format.singleF32());
    Map<String, MmeSidInputs> backbones = new LinkedHashMap<>();
    backbones.put("preset", preset);
    backbones.put("lora", preset.withBackbone(ckpt));
    MmeSidConfig config = MmeSidConfig.builder().backbonePreset(BackbonePreset.TINY)
        .maxHistory(6).batchSize(4).epochs(1).seed(5).build();
    RunOptions run = RunOptions.builder().threads(1).logEvery(1_000_000)
        .runtime(DeviceCheckCase.cudaPrefer()).build();
    List<DeviceCheckCase> out = new ArrayList<>();
    for (Map.Entry<String, MmeSidInputs> b : backbones.entrySet()) {
      String name = "mmesid_" + b.getKey();
      try (MmeSidTrainer.Session s = MmeSidTrainer.prepare(split, b.getValue(), config, run)) {
        out.addAll(DeviceCheckCase.ofTrainer(name, s.trainer(), s.graph(), s.data(),
            s.batches(0).get(0)));
      }
      ParameterSnapshot none = new ParameterSnapshot(Map.of());
      try (MmeSidRecommender rec = MmeSidRecommender.untrained(config, b.getValue(),
          split.trainingItemCounts(), DeviceCheckCase.cudaPrefer())) {
        out.add(DeviceCheckCase.ofOutputs(name + "_precompute", rec.precomputeGraph(), none,
            false, Map.of()));
        Map<String, Tensor> sc = rec.scoringGraph(rec.precompute());
        long[] items = new long[4 * 5];
        long[] mask = new long[4 * 5];
        for (int i = 0; i < items.length; i++) {
          boolean pad = i % 5 < i / 5; // row k is left-padded by k positions
          items[i] = pad ? 0 : 1 + (i * 7L) % ITEMS;
          mask[i] = pad ? 0 : 1;
        }
        Map<String, TensorData> in = new LinkedHashMap<>();
        in.put(MmeSidNet.ITEMS, TensorData.ofLongs(new long[] {4, 5}, items));
        in.put(MmeSidNet.ITEM_MASK, TensorData.ofLongs(new long[] {4, 5}, mask));
        out.add(DeviceCheckCase.ofOutputs(name + "_scores", sc, none, true, in));
      }
    }
    return out;
  }

  private static float[][] matrix(SplittableRandom r, int rows, int cols) {
    float[][] m = new float[rows][cols];
    for (int i = 1; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m[i][j] = (float) (r.nextDouble() * 2 - 1);
      }
    }
    return m;
  }

  private static int[][] codes(SplittableRandom r, int levels, int k) {
    int[][] c = new int[ITEMS + 1][levels];
    for (int i = 1; i <= ITEMS; i++) {
      for (int l = 0; l < levels; l++) {
        c[i][l] = r.nextInt(k);
      }
    }
    return c;
  }

  private static float[][][] books(SplittableRandom r, int levels, int k, int e) {
    float[][][] b = new float[levels][k][e];
    for (float[][] level : b) {
      for (float[] v : level) {
        for (int j = 0; j < e; j++) {
          v[j] = (float) (r.nextDouble() * 2 - 1);
        }
      }
    }
    return b;
  }
}
