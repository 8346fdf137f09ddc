package io.github.mmesid.llm.sasrec;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.Finite;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.io.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NaN and infinity in SASRec weights are rejected at load; non-finite scores are never returned. */
class SasRecNonFiniteTest {

  private static final int ITEMS = 9;

  private static SasRecConfig config() {
    return SasRecConfig.builder().dim(8).blocks(1).heads(1).maxLen(4).seed(1).build();
  }

  /** The seeded initial parameters with one element of one tensor replaced. */
  private static Map<String, TensorData> with(String name, int index, float value) {
    Map<String, TensorData> p = new LinkedHashMap<>(SasRecNet.initialValues(config(), ITEMS, DType.FLOAT32));
    float[] v = p.get(name).toFloats();
    v[index] = value;
    p.put(name, TensorData.ofFloats(p.get(name).shape(), v));
    return p;
  }

  @Test
  void nanParametersAreRejectedNamingTheTensor() {
    Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class, () -> SasRecRecommender.create(
        config(), ITEMS, new ParameterSnapshot(with(SasRecNet.ITEM_EMB, 8 * 3 + 5, Float.NaN)), null));
    assertTrue(e.getMessage().startsWith("SASRec parameter 'item_emb': element [3, 5] is NaN"), e.getMessage());
  }

  @Test
  void aSavedModelHoldingInfinityIsRejectedAtLoad(@TempDir Path dir) {
    Path file = dir.resolve("bad.safetensors");
    SafetensorsWriter w = new SafetensorsWriter();
    w.putMetadata("format", SasRecRecommender.FORMAT);
    w.putMetadata("format_version", Integer.toString(SasRecRecommender.FORMAT_VERSION));
    w.putMetadata("num_items", Integer.toString(ITEMS));
    w.putMetadata("config", config().toJson());
    for (Map.Entry<String, TensorData> e : with(SasRecNet.ITEM_EMB, 17, Float.NEGATIVE_INFINITY).entrySet()) {
      w.addFloat32(e.getKey(), e.getValue().shape(), e.getValue().toFloats());
    }
    w.write(file);
    Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class,
        () -> SasRecRecommender.load(file, null));
    assertTrue(e.getMessage().startsWith(file + ": tensor 'item_emb': element [2, 1] is -Infinity"), e.getMessage());
  }

  @Test
  void overflowingScoresAreNeverReturned() {
    // finite but huge embeddings: the score dot products overflow to infinity
    Map<String, TensorData> p = new LinkedHashMap<>(SasRecNet.initialValues(config(), ITEMS, DType.FLOAT32));
    float[] emb = p.get(SasRecNet.ITEM_EMB).toFloats();
    java.util.Arrays.fill(emb, 3e38f);
    p.put(SasRecNet.ITEM_EMB, TensorData.ofFloats(p.get(SasRecNet.ITEM_EMB).shape(), emb));
    try (SasRecRecommender r = SasRecRecommender.create(config(), ITEMS, new ParameterSnapshot(p), null)) {
      Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class,
          () -> r.scores(java.util.List.of(new int[] {1, 2}, new int[] {3, 4})));
      assertTrue(e.getMessage().startsWith("SASRec scores of history 0: element"), e.getMessage());
      assertThrows(Finite.NonFiniteException.class, () -> r.topK(new int[] {4}, 3));
    }
  }
}
