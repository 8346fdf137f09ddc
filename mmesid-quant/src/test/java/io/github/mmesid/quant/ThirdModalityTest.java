package io.github.mmesid.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.SyntheticDataGenerator;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third modality ("image") next to collab and text, brought as one {@code .npy} per modality
 * (row = item id, row 0 = padding), as the README describes: MM-RQ-VAE trains one quantizer per
 * modality and every item gets codes and a semantic ID in all three.
 */
class ThirdModalityTest {

  @Test
  void threeModalitiesFromNpyFilesGetCodesInEveryModality(@TempDir Path dir) {
    int items = 150;
    LinkedHashMap<String, Integer> dims = new LinkedHashMap<>();
    dims.put("collab", 12);
    dims.put("text", 24);
    dims.put("image", 32);
    ItemCatalog generated = SyntheticDataGenerator.builder().users(40).items(items).topics(6).latentDim(6)
        .modalities(dims).seed(9).build().generate().catalog();
    // the user's files: one [N + 1, d] float32 .npy per modality
    ItemCatalog.Builder b = ItemCatalog.builder(items);
    for (String m : dims.keySet()) {
      Path f = dir.resolve(m + ".npy");
      Npy.writeFloatMatrix(f, generated.matrix(m));
      float[][] back = Npy.readFloatMatrix(f);
      assertEquals(items + 1, back.length);
      b.add(m, back);
    }
    ItemCatalog catalog = b.build();
    assertEquals(List.of("collab", "text", "image"), catalog.modalities());

    int levels = 2;
    int codes = 16;
    int eDim = 8;
    MmRqVaeConfig cfg = MmRqVaeConfig.builder().levels(levels).codebookSize(codes).latentDim(eDim)
        .hiddenLayers(24).batchSize(75).epochs(8).validateEvery(4).learningRate(3e-3).seed(5).build();
    MmRqVaeTrainingResult res = MmRqVaeTrainer.train(catalog, cfg, MmRqVaeTrainerTest.opts());
    try (MmRqVaeModel model = res.model()) {
      assertEquals(List.of("collab", "text", "image"), model.modalities());
      Map<String, float[][]> data = new LinkedHashMap<>();
      for (String m : model.modalities()) {
        float[][] rows = Arrays.copyOfRange(catalog.matrix(m), 1, items + 1);
        data.put(m, rows);
        assertEquals(dims.get(m), model.inputDim(m));
        int[][] c = model.quantizer(m).encode(rows);
        assertEquals(items, c.length, m);
        for (int[] row : c) {
          assertEquals(levels, row.length, m);
          for (int code : row) {
            assertTrue(code >= 0 && code < codes, m + " code " + code);
          }
        }
        float[][][] books = model.codebooks(m);
        assertEquals(levels, books.length, m);
        assertEquals(codes, books[0].length, m);
        assertEquals(eDim, books[0][0].length, m);
        assertEquals(dims.get(m), model.quantizer(m).reconstruct(c[0]).length, m);
        QuantizedSemanticIdCodec codec = QuantizedSemanticIdCodec.encode(model.quantizer(m), rows, true);
        Set<Object> ids = new HashSet<>();
        for (int item = 1; item <= items; item++) {
          ids.add(codec.encode(item));
          assertArrayEquals(c[item - 1], Arrays.copyOf(codec.idTable()[item - 1], levels), m + " item " + item);
        }
        assertEquals(items, ids.size(), m + ": semantic IDs are unique after disambiguation");
      }
      QuantReport report = QuantReport.compute(model, data, 2000, 5);
      assertEquals(3, report.modalities().size());
      assertEquals(2, report.crossModal().size(), "collab (the anchor) against text and against image");
      assertEquals("image", report.crossModal().get(1).other());
      assertEquals(levels, report.crossModal().get(1).codeNmi().length);
    }
  }
}
