package io.github.mmesid.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.io.Json;
import io.github.mmesid.llm.sasrec.SasRecConfig;
import io.github.mmesid.llm.sasrec.SasRecLoss;
import io.github.mmesid.quant.MmRqVaeConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigOptionsTest {

  private static List<String> names(List<Option> options) {
    List<String> out = new ArrayList<>();
    options.forEach(o -> out.add(o.name()));
    return out;
  }

  @Test
  void everyConfigFieldIsAnOptionNamedAfterIt() {
    assertEquals(Json.keys(SasRecConfig.builder().build()).stream().map(k -> k.replace('_', '-')).toList(),
        names(TrainSasRecCommand.CONFIG.options()));
    assertEquals(Json.keys(MmRqVaeConfig.builder().build()).stream().map(k -> k.replace('_', '-')).toList(),
        names(QuantizeCommand.CONFIG.options()));
    List<String> commandOptions = names(new QuantizeCommand().options());
    assertTrue(commandOptions.containsAll(List.of("latent-dim", "codebook-size", "hidden-layers", "batch-size",
        "learning-rate", "threads", "provider", "checkpoints")), commandOptions.toString());
  }

  @Test
  void aFieldWithoutDescriptionIsAProgrammingError() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new ConfigOptions<>(SasRecConfig.builder().build(), Map.of("dim", "x", "nonsense", "y")));
    assertTrue(e.getMessage().contains("fields without a description [blocks") && e.getMessage().contains("[nonsense]"),
        e.getMessage());
  }

  @Test
  void givenOptionsOverrideTheDefaultsAndBadValuesAreUsageErrors() {
    Args a = Args.parse("train-sasrec", new TrainSasRecCommand().options(),
        List.of("--out", "x", "--dim", "32", "--loss", "bce", "--negatives", "3", "--learning-rate", "0.01"));
    SasRecConfig c = TrainSasRecCommand.config(a);
    assertEquals(32, c.dim());
    assertEquals(SasRecLoss.SAMPLED_BCE, c.loss());
    assertEquals(3, c.negatives());
    assertEquals(0.01, c.learningRate());
    assertEquals(SasRecConfig.builder().build().maxLen(), c.maxLen());
    UsageException e = assertThrows(UsageException.class, () -> TrainSasRecCommand.config(
        Args.parse("train-sasrec", new TrainSasRecCommand().options(), List.of("--out", "x", "--heads", "3"))));
    assertTrue(e.getMessage().contains("heads"), e.getMessage());
    e = assertThrows(UsageException.class, () -> TrainSasRecCommand.config(
        Args.parse("train-sasrec", new TrainSasRecCommand().options(), List.of("--out", "x", "--loss", "l2"))));
    assertTrue(e.getMessage().contains("allowed: ce (cross_entropy), bce (sampled_bce)"), e.getMessage());
  }

  @Test
  void quantizeDerivesAnchorAndSinkhornDefaultsFromOtherOptions() {
    MmRqVaeConfig c = QuantizeCommand.config(Args.parse("quantize", new QuantizeCommand().options(),
        List.of("--embeddings", "a.npy,b.npy", "--out", "x", "--names", "text,image", "--levels", "3")));
    assertEquals("text", c.anchor());
    assertEquals(3, c.levels());
    assertEquals(List.of(0.0, 0.0, 0.003), java.util.Arrays.stream(c.sinkhornEpsilons()).boxed().toList());
    MmRqVaeConfig d = QuantizeCommand.config(Args.parse("quantize", new QuantizeCommand().options(),
        List.of("--embeddings", "a.npy", "--out", "x", "--levels", "2", "--sinkhorn-epsilons", "0.01,0",
            "--hidden-layers", "none", "--recon", "mse", "--kmeans-init", "false")));
    assertEquals(List.of(0.01, 0.0), java.util.Arrays.stream(d.sinkhornEpsilons()).boxed().toList());
    assertEquals(0, d.hiddenLayers().length);
    assertEquals(MmRqVaeConfig.ReconLoss.MSE, d.recon());
    assertEquals(false, d.kmeansInit());
  }

  @Test
  void quantizePresetReferenceStartsFromTheReferenceSettings() {
    MmRqVaeConfig full = QuantizeCommand.config(Args.parse("quantize", new QuantizeCommand().options(),
        List.of("--embeddings", "a.npy", "--out", "x", "--preset", "reference")));
    assertEquals(MmRqVaeConfig.referencePreset(), full);
    // given options replace the preset's values, the rest stay the reference's
    MmRqVaeConfig reduced = QuantizeCommand.config(Args.parse("quantize", new QuantizeCommand().options(),
        List.of("--embeddings", "a.npy", "--out", "x", "--preset", "reference", "--latent-dim", "64",
            "--hidden-layers", "256,256,256", "--epochs", "50", "--kmeans-restarts", "1", "--recon", "mse")));
    assertEquals(MmRqVaeConfig.referencePreset().toBuilder().latentDim(64).hiddenLayers(256, 256, 256).epochs(50)
        .kmeansRestarts(1).recon(MmRqVaeConfig.ReconLoss.MSE).build(), reduced);
    assertEquals(MmRqVaeConfig.builder().build(), QuantizeCommand.config(Args.parse("quantize",
        new QuantizeCommand().options(), List.of("--embeddings", "a.npy", "--out", "x", "--preset", "default"))));
    UsageException e = assertThrows(UsageException.class, () -> QuantizeCommand.config(Args.parse("quantize",
        new QuantizeCommand().options(), List.of("--embeddings", "a.npy", "--out", "x", "--preset", "paper"))));
    assertTrue(e.getMessage().contains("allowed: default, reference"), e.getMessage());
  }
}
