package io.github.mmesid.llm.mmesid;

import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.llm.CudaAudit;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MME-SID's graphs have CUDA kernels: the training step as {@link MmeSidTrainer#prepare} compiles
 * it for CUDA (a preset backbone trained in full, and LoRA on a checkpoint, the method's
 * setting; both with fused and ID-only scoring), and the recommender's precompute and scoring
 * graphs (with and without the prefix cache).
 */
class MmeSidKernelAuditTest {
  private static final Map<String, Long> DIMS = Map.of(MmeSidNet.B, 4L, MmeSidNet.T, 5L);

  @Test
  void trainingAndInferenceGraphsHaveCudaKernels(@TempDir Path tmp) {
    LeaveOneOutSplit split = LeaveOneOutSplit.of(MmeSidTrainerTest.chains(40, 3));
    Path base = MmeSidLoraTest.checkpoint(tmp.resolve("base"), 1);
    MmeSidInputs preset = MmeSidTrainerTest.noiseInputs(4);
    for (MmeSidInputs inputs : new MmeSidInputs[] {preset, preset.withBackbone(base)}) {
      for (MmeSidConfig.Scoring scoring : MmeSidConfig.Scoring.values()) {
        MmeSidConfig config = MmeSidTrainerTest.config().epochs(1).scoring(scoring).build();
        try (MmeSidTrainer.Session s = MmeSidTrainer.prepare(split, inputs, config,
            MmeSidTrainerTest.ONE.toBuilder().runtime(CudaAudit.CUDA).build())) {
          Trainer t = s.trainer();
          Graph g = s.graph();
          CudaAudit.check(t.gradientGraph(), g, DIMS, 300);
          CudaAudit.check(t.optimizerGraph(), g, DIMS, 100);
        }
        ParameterSnapshot none = new ParameterSnapshot(Map.of());
        try (MmeSidRecommender cached = MmeSidRecommender.untrained(config, inputs,
            split.trainingItemCounts(), null);
            MmeSidRecommender uncached = cached.withPrefixCache(false)) {
          CudaAudit.checkInference(cached.precomputeGraph(), none, false, DIMS, 30);
          for (MmeSidRecommender rec : new MmeSidRecommender[] {cached, uncached}) {
            CudaAudit.checkInference(rec.scoringGraph(rec.precompute()), none, true, DIMS, 100);
          }
        }
      }
    }
  }
}
