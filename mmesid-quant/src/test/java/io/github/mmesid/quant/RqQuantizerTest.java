package io.github.mmesid.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Residual quantization on a hand-made model whose codes are known. */
class RqQuantizerTest {

  @Test
  void residualQuantizationGivesKnownCodes() {
    try (MmRqVaeModel m = HandMadeModels.identityTwoLevels()) {
      RqQuantizer q = m.quantizer("v");
      assertEquals(2, q.levels());
      assertEquals(3, q.codebookSize());
      assertEquals(2, q.inputDim());
      assertEquals(2, q.latentDim());
      // (10.9, 0.1) -> (10, 0) then residual (0.9, 0.1) -> (1, 0)
      assertArrayEquals(new int[] {1, 1}, q.encode(new float[] {10.9f, 0.1f}));
      // (0.2, 9.1) -> (0, 10) then residual (0.2, -0.9) -> (0, 0)
      assertArrayEquals(new int[] {2, 0}, q.encode(new float[] {0.2f, 9.1f}));
      // (0.1, 1.2) -> (0, 0) then (0, 1)
      assertArrayEquals(new int[] {0, 2}, q.encode(new float[] {0.1f, 1.2f}));
      int[][] batch = q.encode(new float[][] {{10.9f, 0.1f}, {0.2f, 9.1f}, {0.1f, 1.2f}});
      assertArrayEquals(new int[] {2, 0}, batch[1]);
      assertArrayEquals(new float[] {10, 1}, q.quantizedLatent(new int[] {1, 2}));
      // identity decoder: reconstruction = quantized latent
      assertArrayEquals(new float[] {11, 0}, q.reconstruct(new int[] {1, 1}), 1e-6f);
      assertArrayEquals(new float[][] {{0.1f, 1.2f}}, q.latents(new float[][] {{0.1f, 1.2f}}));
      float[][][] books = q.codebooks();
      books[0][0][0] = 42; // a copy
      assertEquals(0, q.codebooks()[0][0][0]);
      assertArrayEquals(new float[] {0, 10}, m.codebooks("v")[0][2]);
    }
  }

  @Test
  void rejectsBadVectorsAndCodes() {
    MmRqVaeModel m = HandMadeModels.identityTwoLevels();
    RqQuantizer q = m.quantizer("v");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> q.encode(new float[][] {{1, 2}, {Float.NaN, 0}}));
    assertTrue(e.getMessage().contains("vector 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> q.encode(new float[] {1, 2, 3}));
    assertThrows(IllegalArgumentException.class, () -> q.quantizedLatent(new int[] {0, 3}));
    assertThrows(IllegalArgumentException.class, () -> q.reconstruct(new int[] {0}));
    assertThrows(IllegalArgumentException.class, () -> m.quantizer("w"));
    m.close();
    m.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> q.encode(new float[] {1, 2}));
    assertThrows(IllegalStateException.class, () -> m.quantizer("v"));
  }
}
