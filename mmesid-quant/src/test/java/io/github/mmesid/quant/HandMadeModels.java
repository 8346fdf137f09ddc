package io.github.mmesid.quant;

import io.github.mmesid.core.engine.graph.TensorData;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A hand-made one-modality model: no hidden layer, identity encoder and decoder (d = e = 2), two
 * levels of three codes: level 0 {(0,0), (10,0), (0,10)}, level 1 {(0,0), (1,0), (0,1)}.
 */
final class HandMadeModels {
  private HandMadeModels() {}

  static MmRqVaeModel identityTwoLevels() {
    MmRqVaeConfig cfg = MmRqVaeConfig.builder().levels(2).codebookSize(3).latentDim(2)
        .hiddenLayers().build();
    Map<String, TensorData> p = new LinkedHashMap<>();
    long[] w = {2, 2};
    p.put("v.encoder.0.weight", TensorData.ofFloats(w, 1, 0, 0, 1));
    p.put("v.encoder.0.bias", TensorData.ofFloats(new long[] {2}, 0, 0));
    p.put("v.decoder.0.weight", TensorData.ofFloats(w, 1, 0, 0, 1));
    p.put("v.decoder.0.bias", TensorData.ofFloats(new long[] {2}, 0, 0));
    long[] c = {3, 2};
    p.put("v.codebook.0", TensorData.ofFloats(c, 0, 0, 10, 0, 0, 10));
    p.put("v.codebook.1", TensorData.ofFloats(c, 0, 0, 1, 0, 0, 1));
    return new MmRqVaeModel(cfg, List.of("v"), new int[] {2}, p, MmRqVaeTrainerTest.ONE);
  }
}
