package io.github.mmesid.quant;

import io.github.mmesid.core.engine.check.DeviceCheckCase;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.train.InMemoryBatchSource;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * MM-RQ-VAE's graphs at small sizes with inputs for one run, for device checks ({@link
 * DeviceCheckCase}): the training update as {@link MmRqVaeTrainer} configures it, built for CUDA
 * (two modalities, dropout, nearest-code and Sinkhorn levels, MMD reconstruction, InfoNCE
 * alignment; and MSE reconstruction with MMD alignment), and one modality's encode and decode
 * graphs ({@link RqQuantizer}). Diagnostics only: training and inference do not use this class.
 */
public final class RqVaeDeviceChecks {
  private static final int ROWS = 32;

  private RqVaeDeviceChecks() {}

  /**
   * The cases: {@code mmrqvae_<variant>_grad}, {@code mmrqvae_<variant>_opt}, {@code
   * rqvae_encode}, {@code rqvae_decode}.
   *
   * @return the cases
   */
  public static List<DeviceCheckCase> cases() {
    int[] dims = {12, 20};
    List<String> names = List.of("collab", "text");
    SplittableRandom r = new SplittableRandom(9);
    float[][] xs = new float[2][];
    for (int m = 0; m < 2; m++) {
      xs[m] = new float[ROWS * dims[m]];
      for (int i = 0; i < xs[m].length; i++) {
        xs[m][i] = (float) r.nextGaussian();
      }
    }
    Map<String, MmRqVaeConfig> variants = new LinkedHashMap<>();
    variants.put("mmd_infonce", MmRqVaeConfig.builder().levels(3).codebookSize(16).latentDim(8)
        .hiddenLayers(24, 16).dropout(0.1).recon(MmRqVaeConfig.ReconLoss.MMD)
        .sinkhornEpsilons(0, 0.003, 0).batchSize(8).build());
    variants.put("mse_mmd", MmRqVaeConfig.builder().levels(2).codebookSize(16).latentDim(8)
        .hiddenLayers(16).recon(MmRqVaeConfig.ReconLoss.MSE)
        .align(MmRqVaeConfig.AlignLoss.MMD).sinkhornEpsilons(0, 0).batchSize(8).build());
    List<DeviceCheckCase> out = new ArrayList<>();
    RqVaeNetwork first = null;
    Map<String, TensorData> firstParams = null;
    for (Map.Entry<String, MmRqVaeConfig> v : variants.entrySet()) {
      MmRqVaeConfig cfg = v.getValue();
      RqVaeNetwork net = new RqVaeNetwork(cfg, names, dims);
      Map<String, TensorData> params = net.initialParameters();
      Graph g = new Graph("mmrqvae_train");
      Tensor loss = net.trainingLoss(g, RqVaeNetwork.declare(g, params));
      InMemoryBatchSource.Builder data = InMemoryBatchSource.builder(ROWS);
      for (int m = 0; m < 2; m++) {
        data.floats(RqVaeNetwork.input(names.get(m)), xs[m], dims[m]);
      }
      try (Trainer t = new Trainer(loss, MmRqVaeTrainer.updateSettings(cfg).epochs(1)
          .logEvery(1_000_000).runtime(DeviceCheckCase.cudaPrefer()).build())) {
        out.addAll(DeviceCheckCase.ofTrainer("mmrqvae_" + v.getKey(), t, g,
            data.build(), new int[] {0, 1, 2, 3, 4, 5, 6, 7}));
      }
      if (first == null) {
        first = net;
        firstParams = params;
      }
    }
    ParameterSnapshot none = new ParameterSnapshot(Map.of());
    Graph ge = new Graph("rqvae_encode");
    Map<String, Tensor> enc = first.encodeOutputs(ge, RqVaeNetwork.declare(ge, firstParams,
        names.get(0) + "."), 0);
    out.add(DeviceCheckCase.ofOutputs("rqvae_encode", enc, none, false, Map.of("x",
        TensorData.ofFloats(new long[] {8, dims[0]}, Arrays.copyOf(xs[0], 8 * dims[0])))));
    Graph gd = new Graph("rqvae_decode");
    Map<String, Tensor> dec = first.decodeOutputs(gd, RqVaeNetwork.declare(gd, firstParams,
        names.get(0) + "."), 0);
    float[] zq = new float[8 * first.config().latentDim()];
    for (int i = 0; i < zq.length; i++) {
      zq[i] = (float) r.nextGaussian();
    }
    out.add(DeviceCheckCase.ofOutputs("rqvae_decode", dec, none, false, Map.of("zq",
        TensorData.ofFloats(new long[] {8, first.config().latentDim()}, zq))));
    return out;
  }
}
