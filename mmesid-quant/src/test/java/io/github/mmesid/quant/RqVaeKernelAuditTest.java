package io.github.mmesid.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.KernelAudit;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.optim.LrSchedule;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * MM-RQ-VAE's graphs have CUDA kernels (ONNX Runtime 1.29's table): the training step as {@link
 * MmRqVaeTrainer} configures it, compiled for CUDA (with dropout, nearest-code and Sinkhorn
 * levels, MMD and MSE reconstruction, InfoNCE and MMD alignment), and the quantizer's encode and
 * decode graphs.
 */
class RqVaeKernelAuditTest {
  /**
   * Nodes allowed to lack a CUDA kernel (reason, bytes per run at the audited sizes). Empty: every
   * node of every audited graph has one (benchmarks/RESULTS.md).
   */
  static final List<KernelAudit.Allowance> ALLOWED = List.of();

  private static final RuntimeOptions CUDA = RuntimeOptions.builder().intraOpThreads(1)
      .provider(ExecutionProvider.cuda(0, ExecutionProvider.Policy.PREFER)).build();
  private static final Map<String, Long> DIMS = Map.of("B", 4L);

  private static void check(ExportedGraph e, Graph g, int minNodes) {
    KernelAudit.Report r = KernelAudit.audit(e.model());
    assertTrue(r.nodes().size() >= minNodes, r.graph() + " has " + r.nodes().size() + " nodes");
    assertEquals(List.of(), KernelAudit.violations(r, ALLOWED, KernelAudit.shapes(g, e, DIMS)),
        r.describe());
  }

  @Test
  void trainingEncodeAndDecodeGraphsHaveCudaKernels() {
    List<MmRqVaeConfig> configs = List.of(
        MmRqVaeConfig.builder().levels(3).codebookSize(8).latentDim(4).hiddenLayers(6)
            .dropout(0.1).sinkhornEpsilons(0, 0.003, 0).build(),
        MmRqVaeConfig.builder().levels(2).codebookSize(8).latentDim(4).hiddenLayers(6)
            .recon(MmRqVaeConfig.ReconLoss.MSE).align(MmRqVaeConfig.AlignLoss.MMD)
            .sinkhornEpsilons(0, 0).build());
    for (MmRqVaeConfig cfg : configs) {
      RqVaeNetwork net = new RqVaeNetwork(cfg, List.of("a", "b"), new int[] {5, 7});
      Map<String, TensorData> params = net.initialParameters();
      Graph g = new Graph("mmrqvae_train");
      Tensor loss = net.trainingLoss(g, RqVaeNetwork.declare(g, params));
      try (Trainer t = new Trainer(loss, TrainerConfig.builder(1)
          .optimizer(Optimizer.adamW(cfg.learningRate()).withWeightDecay(cfg.weightDecay()))
          .schedule(LrSchedule.constant()).batchSize(4).epochs(1).runtime(CUDA).build())) {
        check(t.gradientGraph(), g, 500);
        check(t.optimizerGraph(), g, 100);
      }
      ParameterSnapshot none = new ParameterSnapshot(Map.of());
      for (int mi = 0; mi < 2; mi++) {
        String m = net.names().get(mi);
        Graph ge = new Graph("rqvae_encode");
        Map<String, Tensor> enc = net.encodeOutputs(ge, RqVaeNetwork.declare(ge, params,
            m + "."), mi);
        check(Predictor.export(ge, enc, none, false), ge, 30);
        Graph gd = new Graph("rqvae_decode");
        Map<String, Tensor> dec = net.decodeOutputs(gd, RqVaeNetwork.declare(gd, params,
            m + "."), mi);
        check(Predictor.export(gd, dec, none, false), gd, 5);
      }
    }
  }
}
