package io.github.mmesid.quant;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.Finite;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.io.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NaN and infinity in MM-RQ-VAE weights are rejected; non-finite latents and reconstructions are never returned. */
class NonFiniteModelTest {

  private static Map<String, TensorData> params(MmRqVaeModel m, String name, float[] values) {
    Map<String, TensorData> p = new LinkedHashMap<>(m.parameters());
    p.put(name, TensorData.ofFloats(p.get(name).shape(), values));
    return p;
  }

  @Test
  void nanParametersAreRejectedNamingTheTensor() {
    try (MmRqVaeModel good = HandMadeModels.identityTwoLevels()) {
      Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class, () -> new MmRqVaeModel(
          good.config(), List.of("v"), new int[] {2},
          params(good, "v.codebook.1", new float[] {0, 0, 1, 0, Float.NaN, 1}), MmRqVaeTrainerTest.ONE));
      assertTrue(e.getMessage().startsWith("MM-RQ-VAE parameter 'v.codebook.1': element [2, 0] is NaN"),
          e.getMessage());
    }
  }

  @Test
  void savedWeightsHoldingInfinityAreRejectedAtLoad(@TempDir Path dir) {
    try (MmRqVaeModel good = HandMadeModels.identityTwoLevels()) {
      good.save(dir);
      SafetensorsWriter w = new SafetensorsWriter();
      w.putMetadata("format", "mmesid-mmrqvae");
      w.putMetadata("format_version", "1");
      for (Map.Entry<String, TensorData> e : params(good, "v.encoder.0.bias",
          new float[] {0, Float.POSITIVE_INFINITY}).entrySet()) {
        w.addFloat32(e.getKey(), e.getValue().shape(), e.getValue().toFloats());
      }
      w.write(dir.resolve(MmRqVaeModel.WEIGHTS_FILE));
    }
    Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class, () -> MmRqVaeModel.load(dir));
    assertTrue(e.getMessage().contains(MmRqVaeModel.WEIGHTS_FILE + ": tensor 'v.encoder.0.bias': element 1 is Infinity"),
        e.getMessage());
  }

  @Test
  void overflowingLatentsAndReconstructionsAreNeverReturned() {
    try (MmRqVaeModel good = HandMadeModels.identityTwoLevels();
        MmRqVaeModel huge = new MmRqVaeModel(good.config(), List.of("v"), new int[] {2},
            params(good, "v.encoder.0.weight", new float[] {3e38f, 0, 0, 3e38f}), MmRqVaeTrainerTest.ONE);
        MmRqVaeModel hugeOut = new MmRqVaeModel(good.config(), List.of("v"), new int[] {2},
            params(good, "v.decoder.0.weight", new float[] {3e38f, 3e38f, 0, 1}), MmRqVaeTrainerTest.ONE)) {
      RqQuantizer q = huge.quantizer("v");
      Finite.NonFiniteException e = assertThrows(Finite.NonFiniteException.class,
          () -> q.encode(new float[][] {{0.5f, 0.5f}, {10f, 1f}}));
      assertTrue(e.getMessage().startsWith("modality 'v' latents of rows 0..1: element [1, 0] is Infinity"),
          e.getMessage());
      assertThrows(Finite.NonFiniteException.class, () -> q.latents(new float[][] {{10f, 1f}}));
      e = assertThrows(Finite.NonFiniteException.class,
          () -> hugeOut.quantizer("v").reconstruct(new int[][] {{1, 1}}));
      assertTrue(e.getMessage().startsWith("modality 'v' reconstructions of code tuples 0..0: element [0, 0]"),
          e.getMessage());
    }
  }
}
