package io.github.mmesid.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.core.data.SyntheticDataGenerator;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end training of a tiny MM-RQ-VAE, save/load, and input validation. */
class MmRqVaeTrainerTest {
  static final RuntimeOptions ONE = RuntimeOptions.builder().intraOpThreads(1).build();

  static ItemCatalog catalog(int items) {
    return SyntheticDataGenerator.builder().users(50).items(items).topics(8).latentDim(6)
        .modalities(new LinkedHashMap<>(Map.of("collab", 12))).seed(3).build().generate().catalog();
  }

  static Map<String, float[][]> twoModalities(int items) {
    LinkedHashMap<String, Integer> dims = new LinkedHashMap<>();
    dims.put("collab", 12);
    dims.put("text", 20);
    ItemCatalog c = SyntheticDataGenerator.builder().users(50).items(items).topics(8).latentDim(6)
        .modalities(dims).seed(3).build().generate().catalog();
    Map<String, float[][]> m = new LinkedHashMap<>();
    for (String name : c.modalities()) {
      float[][] all = c.matrix(name);
      m.put(name, java.util.Arrays.copyOfRange(all, 1, all.length));
    }
    return m;
  }

  static MmRqVaeConfig.Builder tiny() {
    return MmRqVaeConfig.builder().levels(2).codebookSize(16).latentDim(8).hiddenLayers(24)
        .batchSize(100).epochs(30).validateEvery(10).learningRate(3e-3).seed(5);
  }

  static RunOptions opts() {
    return RunOptions.builder().runtime(ONE).logEvery(1000).build();
  }

  static RunOptions opts(Path checkpoints) {
    return opts().toBuilder().checkpoints(checkpoints).allowEpochExtension(true).build();
  }

  @Test
  void trainsTwoModalitiesAndRoundTrips(@TempDir Path dir) {
    Map<String, float[][]> data = twoModalities(300);
    MmRqVaeConfig cfg = tiny().build();
    MmRqVaeTrainingResult res = MmRqVaeTrainer.train(data, cfg, opts());
    try (MmRqVaeModel model = res.model()) {
      List<Double> h = res.log().lossHistory();
      assertEquals(30 * 3, h.size());
      double first = h.subList(0, 3).stream().mapToDouble(d -> d).average().orElseThrow();
      double last = h.subList(h.size() - 3, h.size()).stream().mapToDouble(d -> d).average().orElseThrow();
      assertTrue(last < first, "loss should fall: first " + first + ", last " + last);
      assertEquals(List.of("collab", "text"), model.modalities());
      RqQuantizer q = model.quantizer("text");
      int[][] codes = q.encode(data.get("text"));
      assertEquals(300, codes.length);
      for (int[] c : codes) {
        assertEquals(2, c.length);
        assertTrue(c[0] >= 0 && c[0] < 16 && c[1] >= 0 && c[1] < 16);
      }
      assertTrue(MmRqVaeTrainer.collisionRate(codes) < 0.8, "collision rate " + MmRqVaeTrainer.collisionRate(codes));
      assertEquals(List.of("collision_rate_collab", "collision_rate_text"), List.copyOf(res.metrics().keySet()));
      assertEquals(MmRqVaeTrainer.collisionRate(codes), res.metrics().get("collision_rate_text"), 1e-12);
      float[][][] books = model.codebooks("text");
      assertEquals(2, books.length);
      assertEquals(16, books[0].length);
      assertEquals(8, books[0][0].length);
      float[] rec = q.reconstruct(codes[0]);
      assertEquals(20, rec.length);
      model.save(dir);
      try (MmRqVaeModel back = MmRqVaeModel.load(dir, ONE)) {
        assertEquals(cfg, back.config());
        assertEquals(model.modalities(), back.modalities());
        for (String m : model.modalities()) {
          assertArrayEquals(codes(model, m, data), codes(back, m, data));
        }
        assertArrayEquals(rec, back.quantizer("text").reconstruct(codes[0]));
      }
    }
  }

  private static int[][] codes(MmRqVaeModel m, String name, Map<String, float[][]> data) {
    return m.quantizer(name).encode(data.get(name));
  }

  @Test
  void msereconstructionSinkhornEverywhereAndReseedingRun() {
    ItemCatalog cat = catalog(200);
    MmRqVaeConfig cfg = tiny().recon(MmRqVaeConfig.ReconLoss.MSE).sinkhornEpsilons(0.003, 0.003)
        .reseedDeadCodes(true).balancedKmeans(true).dropout(0.1).epochs(10).validateEvery(5)
        .criterion(MmRqVaeConfig.Criterion.COLLISION).build();
    MmRqVaeTrainingResult res = MmRqVaeTrainer.train(cat, cfg, opts());
    try (MmRqVaeModel model = res.model()) {
      assertTrue(Double.isFinite(res.log().bestMetric()));
      assertTrue(res.log().bestMetric() < 1.0);
      assertEquals(200, model.quantizer("collab").encode(
          java.util.Arrays.copyOfRange(cat.matrix("collab"), 1, 201)).length);
    }
  }

  @Test
  void referenceChoicesTrainAtSmallSize() {
    // the reference preset's Stage-1 choices at a test size: level-1 commitment, one MMD kernel,
    // size-constrained k-means on all items with restarts, items-first Sinkhorn on the last level
    Map<String, float[][]> data = twoModalities(300);
    MmRqVaeConfig preset = MmRqVaeConfig.referencePreset();
    MmRqVaeConfig cfg = preset.toBuilder().levels(2).codebookSize(16).latentDim(8).hiddenLayers(24, 24)
        .sinkhornEpsilons(0, 0.003).kmeansRestarts(2).batchSize(100).epochs(12).validateEvery(4)
        .patience(0).build(); // the reference's lr 2e-4 (3e-3 diverges with beta 0.01 here)
    MmRqVaeTrainingResult res = MmRqVaeTrainer.train(data, cfg, opts());
    try (MmRqVaeModel model = res.model()) {
      assertEquals(MmRqVaeConfig.Commitment.FIRST_LEVEL, model.config().commitment());
      int[][] codes = model.quantizer("collab").encode(data.get("collab"));
      assertEquals(300, codes.length);
      assertTrue(MmRqVaeTrainer.collisionRate(codes) < 0.8, "collision rate " + MmRqVaeTrainer.collisionRate(codes));
      List<Double> h = res.log().lossHistory();
      assertTrue(h.stream().allMatch(Double::isFinite), "loss history " + h);
      assertTrue(h.get(h.size() - 1) < h.get(0), "loss should fall: " + h.get(0) + " -> " + h.get(h.size() - 1));
    }
  }

  @Test
  void badInputIsRejectedWithUsefulMessages() {
    Map<String, float[][]> data = twoModalities(40);
    float[][] text = data.get("text");
    text[7][3] = Float.NaN;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MmRqVaeTrainer.train(data, tiny().build(), opts()));
    assertTrue(e.getMessage().contains("row 7") && e.getMessage().contains("'text'"), e.getMessage());
    text[7][3] = Float.POSITIVE_INFINITY;
    e = assertThrows(IllegalArgumentException.class, () -> MmRqVaeTrainer.train(data, tiny().build(), opts()));
    assertTrue(e.getMessage().contains("row 7"), e.getMessage());
    text[7][3] = 0;

    Map<String, float[][]> ragged = new LinkedHashMap<>(data);
    ragged.put("text", java.util.Arrays.copyOf(text, 39));
    e = assertThrows(IllegalArgumentException.class, () -> MmRqVaeTrainer.train(ragged, tiny().build(), opts()));
    assertTrue(e.getMessage().contains("39 rows") && e.getMessage().contains("40"), e.getMessage());

    e = assertThrows(IllegalArgumentException.class,
        () -> MmRqVaeTrainer.train(data, tiny().codebookSize(41).build(), opts()));
    assertTrue(e.getMessage().contains("K = 41") && e.getMessage().contains("N = 40"), e.getMessage());

    e = assertThrows(IllegalArgumentException.class, () -> tiny().levels(0).build());
    assertTrue(e.getMessage().contains("levels"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> tiny().latentDim(0).build());
    assertTrue(e.getMessage().contains("e_dim"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tiny().latentDim(-3).build());
    e = assertThrows(IllegalArgumentException.class,
        () -> MmRqVaeTrainer.train(data, tiny().anchor("image").build(), opts()));
    assertTrue(e.getMessage().contains("image"), e.getMessage());
    Map<String, float[][]> badName = new LinkedHashMap<>();
    badName.put("bad name", text);
    assertThrows(IllegalArgumentException.class, () -> MmRqVaeTrainer.train(badName, tiny().build(), opts()));
  }
  @Test
  void resumedRunEqualsUninterruptedRun(@TempDir Path dir) {
    ItemCatalog cat = catalog(120);
    MmRqVaeConfig.Builder b = tiny().batchSize(40).validateEvery(2).reseedDeadCodes(true);
    MmRqVaeModel straight = MmRqVaeTrainer.train(cat, b.epochs(4).build(),
        opts(dir.resolve("a"))).model();
    MmRqVaeTrainer.train(cat, b.epochs(2).build(), opts(dir.resolve("b"))).model().close();
    try (MmRqVaeModel resumed = MmRqVaeTrainer.train(cat, b.epochs(4).build(),
        opts(dir.resolve("b"))).model()) {
      for (String p : straight.parameters().keySet()) {
        assertArrayEquals(straight.parameters().get(p).toFloats(), resumed.parameters().get(p).toFloats(), p);
      }
    } finally {
      straight.close();
    }
  }
}
