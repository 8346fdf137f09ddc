package io.github.mmesid.llm.sasrec;

import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.SyntheticDataGenerator;
import io.github.mmesid.core.engine.check.DeviceCheckCase;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * SASRec's graphs at small sizes with inputs for one run, for device checks ({@link
 * DeviceCheckCase}): the training update of each loss (gradient graph with dropout, AdamW with
 * weight decay, as {@link SasRecTrainer} configures it, built for CUDA) and the scoring graph.
 * Diagnostics only: training and inference do not use this class.
 */
public final class SasRecDeviceChecks {
  private static final int ITEMS = 30;

  private SasRecDeviceChecks() {}

  /**
   * The cases: {@code sasrec_<loss>_grad}, {@code sasrec_<loss>_opt} for each loss, and {@code
   * sasrec_scores}.
   *
   * @return the cases
   */
  public static List<DeviceCheckCase> cases() {
    LeaveOneOutSplit split = LeaveOneOutSplit.of(SyntheticDataGenerator.builder().users(40)
        .items(ITEMS).topics(4).latentDim(4).seed(3).build().generate().dataset());
    List<DeviceCheckCase> out = new ArrayList<>();
    SasRecConfig last = null;
    Map<String, TensorData> lastInit = null;
    for (SasRecLoss loss : SasRecLoss.values()) {
      SasRecConfig c = SasRecConfig.builder().dim(16).heads(2).blocks(2).ffnDim(24).maxLen(8)
          .dropout(0.3).loss(loss).negatives(4).seed(5).build();
      Map<String, TensorData> init = SasRecNet.initialValues(c, ITEMS, DType.FLOAT32);
      Tensor l = SasRecNet.trainingLoss(c, ITEMS, init);
      SasRecBatches data = new SasRecBatches(split, c.maxLen());
      try (Trainer t = new Trainer(l, TrainerConfig.builder(c.seed())
          .optimizer(Optimizer.adamW(c.learningRate()).withWeightDecay(c.weightDecay()))
          .batchSize(4).epochs(1).logEvery(1_000_000).runtime(DeviceCheckCase.cudaPrefer())
          .build())) {
        out.addAll(DeviceCheckCase.ofTrainer("sasrec_" + loss.name().toLowerCase(Locale.ROOT), t,
            l.graph(), data, new int[] {0, 1, 2, 3}));
      }
      last = c;
      lastInit = init;
    }
    ParameterSnapshot p = new ParameterSnapshot(lastInit);
    Tensor scores = SasRecRecommender.scoringGraph(last, p);
    long[] items = new long[4 * last.maxLen()];
    for (int i = 0; i < items.length; i++) {
      items[i] = i % 3 == 0 ? 0 : 1 + (i * 7L) % ITEMS; // padding zeros among history items
    }
    Map<String, TensorData> in = new LinkedHashMap<>();
    in.put(SasRecNet.ITEMS, TensorData.ofLongs(new long[] {4, last.maxLen()}, items));
    out.add(DeviceCheckCase.ofOutputs("sasrec_scores", Map.of(SasRecNet.SCORES, scores), p, false,
        in));
    return out;
  }
}
