package io.github.mmesid.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.quant.MmRqVaeConfig.AlignLoss;
import io.github.mmesid.quant.MmRqVaeConfig.Commitment;
import io.github.mmesid.quant.MmRqVaeConfig.Criterion;
import io.github.mmesid.quant.MmRqVaeConfig.KmeansSample;
import io.github.mmesid.quant.MmRqVaeConfig.KmeansSizes;
import io.github.mmesid.quant.MmRqVaeConfig.ReconLoss;
import io.github.mmesid.quant.cluster.Sinkhorn;
import org.junit.jupiter.api.Test;

/** The reference preset's values, the new settings' validation and their JSON form. */
class MmRqVaeConfigTest {

  /** Every value of the preset, as documented on {@link MmRqVaeConfig#referencePreset()}. */
  @Test
  void referencePresetHoldsTheReferenceValues() {
    MmRqVaeConfig c = MmRqVaeConfig.referencePreset();
    assertEquals(4, c.levels()); // train_tokenizer_MM.sh line 8
    assertEquals(256, c.codebookSize()); // train_tokenizer_MM.sh line 8
    assertEquals(4096, c.latentDim()); // train_tokenizer_MM.sh line 7
    assertArrayEquals(new int[] {4096, 4096, 4096}, c.hiddenLayers()); // train_tokenizer_MM.sh line 9
    assertEquals(0.0, c.dropout()); // main_new_MM.py line 26
    assertEquals(0.01, c.beta()); // rqvae_mm.py line 66 -> rq_mm.py line 19 -> vq_mm.py line 144
    assertEquals(Commitment.FIRST_LEVEL, c.commitment()); // vq_mm.py line 148, rq_mm.py line 59
    assertEquals(ReconLoss.MMD, c.recon()); // main_new_MM.py line 28, train_tokenizer_MM.sh line 13
    assertArrayEquals(new double[] {0.5}, c.mmdAlphas()); // rqvae_mm.py line 90
    assertEquals(AlignLoss.INFONCE, c.align()); // rqvae_mm.py (97bbf07) lines 91, 128
    assertEquals(0.1, c.temperature()); // info_nce default
    assertNull(c.anchor()); // the collaborative (first) modality
    assertEquals(3.0, c.reconWeight()); // train_tokenizer_MM.sh line 14
    assertEquals(1.0, c.quantWeight()); // main_new_MM.py line 36
    assertEquals(0.01, c.alignWeight()); // main_new_MM.py line 42
    assertTrue(c.kmeansInit()); // main_new_MM.py line 29
    assertFalse(c.balancedKmeans());
    assertEquals(KmeansSample.ALL_ITEMS, c.kmeansSample()); // trainer_new_mm.py line 109
    assertEquals(KmeansSizes.REFERENCE, c.kmeansSizes()); // vq_mm.py lines 50, 52
    assertEquals(10, c.kmeansIterations()); // vq_mm.py line 52 (max_iter)
    assertEquals(10, c.kmeansRestarts()); // vq_mm.py line 52 (n_init)
    assertArrayEquals(new double[] {0, 0, 0, 0.003}, c.sinkhornEpsilons()); // main_new_MM.py line 31
    assertEquals(50, c.sinkhornIterations()); // main_new_MM.py line 32
    assertEquals(Sinkhorn.Order.ITEMS_FIRST, c.sinkhornOrder()); // LC-Rec layers.py lines 99-104
    assertFalse(c.reseedDeadCodes());
    assertEquals(2e-4, c.learningRate()); // train_tokenizer_MM.sh line 10
    assertEquals(1e-4, c.weightDecay()); // main_new_MM.py line 25
    assertEquals(1024, c.batchSize()); // train_tokenizer_MM.sh line 11
    assertEquals(20000, c.epochs()); // main_new_MM.py line 17
    assertEquals(1, c.validateEvery()); // trainer_new_mm.py line 259: every epoch
    assertEquals(Criterion.LOSS, c.criterion()); // trainer_new_mm.py line 259
    assertEquals(2000, c.patience()); // train_tokenizer_MM.sh line 12, trainer_new_mm.py line 276
    assertEquals(42, c.seed()); // main_new_MM.py line 50
    assertEquals(c, MmRqVaeConfig.referencePreset());
  }

  @Test
  void referenceSizeBoundsFollowTheReferenceRule() {
    // Beauty: 12,086 items, K = 256: 12086 / 512 = 23 (below the cap of 50), max 4 x 23
    assertArrayEquals(new int[] {23, 92}, KmeansSizes.REFERENCE.bounds(12086, 256));
    assertArrayEquals(new int[] {50, 200}, KmeansSizes.REFERENCE.bounds(50_000, 256));
    // above 200 * K items 4 x 50 per cluster cannot hold them all (infeasible in the reference): ceil(n / K)
    assertArrayEquals(new int[] {50, 391}, KmeansSizes.REFERENCE.bounds(100_000, 256));
    // fewer than 2K items: no lower bound, and the upper one is raised to ceil(n / K)
    assertArrayEquals(new int[] {0, 2}, KmeansSizes.REFERENCE.bounds(300, 256));
    assertArrayEquals(new int[] {0, 0}, KmeansSizes.FREE.bounds(12086, 256));
  }

  @Test
  void newSettingsAreValidatedAndKeptInJson() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MmRqVaeConfig.builder().balancedKmeans(true).kmeansSizes(KmeansSizes.REFERENCE).build());
    assertTrue(e.getMessage().contains("balancedKmeans") && e.getMessage().contains("REFERENCE"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MmRqVaeConfig.builder().kmeansRestarts(0).build());
    assertTrue(e.getMessage().contains("kmeansRestarts"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MmRqVaeConfig.builder().commitment(null).build());
    assertTrue(e.getMessage().contains("EVERY_LEVEL, FIRST_LEVEL"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MmRqVaeConfig.builder().sinkhornOrder(null).build());
    assertTrue(e.getMessage().contains("CODES_FIRST, ITEMS_FIRST"), e.getMessage());
    // an unset choice is named, with its allowed values only
    e = assertThrows(IllegalArgumentException.class, () -> MmRqVaeConfig.builder().criterion(null).build());
    assertTrue(e.getMessage().contains("criterion is not set; allowed: [LOSS, COLLISION]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KmeansSizes.REFERENCE.bounds(100, 0));
    assertTrue(e.getMessage().contains("allowed: n >= 0 and k >= 1"), e.getMessage());

    MmRqVaeConfig preset = MmRqVaeConfig.referencePreset();
    ObjectNode json = (ObjectNode) Json.toTree(preset);
    assertEquals("FIRST_LEVEL", json.get("commitment").asText());
    assertEquals("ITEMS_FIRST", json.get("sinkhorn_order").asText());
    assertEquals(preset, Json.readConfig(json, MmRqVaeConfig.class, MmRqVaeConfig.builder().build(), "test"));
    // a configuration written before these settings existed reads with the defaults
    for (String key : new String[] {"commitment", "kmeans_restarts", "kmeans_sample", "kmeans_sizes", "sinkhorn_order"}) {
      json.remove(key);
    }
    MmRqVaeConfig old = Json.readConfig(json, MmRqVaeConfig.class, MmRqVaeConfig.builder().build(), "test");
    MmRqVaeConfig defaults = MmRqVaeConfig.builder().build();
    assertEquals(defaults.commitment(), old.commitment());
    assertEquals(defaults.kmeansSample(), old.kmeansSample());
    assertEquals(defaults.kmeansSizes(), old.kmeansSizes());
    assertEquals(defaults.kmeansRestarts(), old.kmeansRestarts());
    assertEquals(defaults.sinkhornOrder(), old.sinkhornOrder());
  }
}
