package io.github.mmesid.llm.sasrec;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import io.github.mmesid.llm.CudaAudit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SASRec's graphs have CUDA kernels: the training step of both losses (gradient graph with
 * dropout, AdamW with weight decay as {@link SasRecTrainer} configures it) and the scoring graph.
 */
class SasRecKernelAuditTest {
  private static final Map<String, Long> DIMS = Map.of(SasRecNet.B, 4L, SasRecNet.T, 8L,
      SasRecNet.V, 12L);

  @Test
  void trainingAndScoringGraphsHaveCudaKernels() {
    for (SasRecLoss loss : SasRecLoss.values()) {
      SasRecConfig c = SasRecConfig.builder().dim(8).heads(2).blocks(2).ffnDim(12).maxLen(8)
          .dropout(0.3).loss(loss).seed(5).build();
      Map<String, TensorData> init = SasRecNet.initialValues(c, 20, DType.FLOAT32);
      Tensor l = SasRecNet.trainingLoss(c, 20, init);
      try (Trainer t = new Trainer(l, TrainerConfig.builder(1)
          .optimizer(Optimizer.adamW(1e-3).withWeightDecay(c.weightDecay())).batchSize(4)
          .epochs(1).runtime(CudaAudit.CUDA).build())) {
        CudaAudit.check(t.gradientGraph(), l.graph(), DIMS, 300);
        CudaAudit.check(t.optimizerGraph(), l.graph(), DIMS, 100);
      }
      ParameterSnapshot p = new ParameterSnapshot(init);
      Tensor scores = SasRecRecommender.scoringGraph(c, p);
      CudaAudit.checkInference(Map.of(SasRecNet.SCORES, scores), p, false, DIMS, 50);
    }
  }
}
