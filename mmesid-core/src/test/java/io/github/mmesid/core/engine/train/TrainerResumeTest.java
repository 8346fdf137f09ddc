package io.github.mmesid.core.engine.train;

import static io.github.mmesid.core.engine.train.TrainerFixtures.base;
import static io.github.mmesid.core.engine.train.TrainerFixtures.mlpLoss;
import static io.github.mmesid.core.engine.train.TrainerFixtures.regression;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.optim.Optimizer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Safe resumes: settings and data must match, history survives, damaged checkpoints fall back. */
class TrainerResumeTest {
  private static final InMemoryBatchSource DATA = regression(100, 9); // 7 batches of 16 per epoch

  private static TrainingResult train(TrainerConfig c, BatchSource data) {
    try (Trainer t = new Trainer(mlpLoss(3), c)) {
      return t.train(data);
    }
  }

  private static void assertSameRun(TrainingResult expected, TrainingResult actual) {
    assertEquals(expected.steps(), actual.steps());
    assertEquals(expected.lossHistory(), actual.lossHistory(), "loss history");
    assertEquals(expected.validations(), actual.validations(), "validations");
    for (String name : expected.parameters().names()) {
      assertArrayEquals(expected.parameters().floats(name), actual.parameters().floats(name), 0f,
          "parameter " + name);
    }
  }

  private static Path step(Path root, long step) {
    return root.resolve(TrainingCheckpoint.stepDirName(step));
  }

  private static void truncate(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() / 2);
    }
  }

  /** Validation on the l2 bias: deterministic in the parameters, so equal across resumes. */
  private static TrainerConfig.Builder validated() {
    return base().validation(p -> Math.abs(p.floats("l2.bias")[0]), 0, false, 0);
  }

  @Test
  void resumedRunReportsTheWholeHistory(@TempDir Path dir) {
    TrainingResult uninterrupted = train(validated().build(), DATA);
    Path ck = dir.resolve("ck");
    TrainingResult part = train(validated().maxSteps(10).checkpoints(ck, 4).build(), DATA);
    assertEquals(10, part.steps());
    assertEquals(1, part.epochsCompleted(), "the second epoch is only partly done");
    TrainingResult resumed = train(validated().checkpoints(ck, 4).build(), DATA);
    assertEquals(10, resumed.resumedFromStep());
    assertEquals(-1, uninterrupted.resumedFromStep());
    assertSameRun(uninterrupted, resumed);
    assertEquals(21, resumed.lossHistory().size());
    assertEquals(3, resumed.validations().size());
    assertEquals(List.of(0, 1, 2), resumed.epochs().stream().map(EpochTiming::epoch).toList());
    assertEquals(List.of(7L, 7L, 7L),
        resumed.epochs().stream().map(EpochTiming::updates).toList());
    // The CPU time of training survives the checkpoint: the interrupted epoch sums both parts.
    for (EpochTiming e : resumed.epochs()) {
      assertTrue(e.trainCpuSeconds() >= 0, e.toString());
    }
    assertTrue(resumed.epochs().get(1).trainCpuSeconds()
        >= part.epochs().get(1).trainCpuSeconds());
    assertEquals(uninterrupted.lastLoss(), resumed.lastLoss());
    assertEquals(3, resumed.epochsCompleted());
  }

  @Test
  void changedSettingsAreRefusedNamingEachDifference(@TempDir Path dir) {
    Path ck = dir.resolve("ck");
    train(base().maxSteps(5).checkpoints(ck, 5)
        .runDescription(Map.of("hidden", 16, "data", "a.csv", "dims", new int[] {4, 2})).build(),
        DATA);
    TrainerConfig changed = base().optimizer(Optimizer.adamW(1e-2).withMaxGradNorm(1.0))
        .batchSize(8).checkpoints(ck, 5)
        .runDescription(Map.of("hidden", 32, "data", "a.csv", "dims", new int[] {4, 2})).build();
    CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
        () -> train(changed, DATA));
    String m = e.getMessage();
    for (String part : List.of(step(ck, 5).toString(), "was written with", "trainer.batch_size=16",
        "hidden=16", "optimizer.lr=0.005", "this run has", "trainer.batch_size=8", "hidden=32",
        "optimizer.lr=0.01", "Use the same settings or a new checkpoint directory")) {
      assertTrue(m.contains(part), () -> "message lacks '" + part + "': " + m);
    }
    assertEquals(List.of("hidden", "optimizer.lr", "trainer.batch_size"), e.settings());
    assertEquals(step(ck, 5), e.checkpoint());
    assertFalse(m.contains("data=a.csv"), m);
    // The checkpoint is untouched and still resumable with the original settings.
    TrainingResult same = train(base().checkpoints(ck, 5)
        .runDescription(Map.of("hidden", 16, "data", "a.csv", "dims", new int[] {4, 2})).build(),
        DATA);
    assertEquals(5, same.resumedFromStep());
  }

  @Test
  void otherDataOrSeedIsRefused(@TempDir Path dir) {
    Path ck = dir.resolve("ck");
    train(base().maxSteps(5).checkpoints(ck, 5).dataFingerprint("train-v1").build(), DATA);
    TrainerConfig same = base().checkpoints(ck, 5).dataFingerprint("train-v1").build();
    assertEquals(List.of("data.source_fingerprint"), assertThrows(
        CheckpointMismatchException.class, () -> train(same, regression(100, 10))).settings());
    assertEquals(List.of("data.examples", "data.source_fingerprint"), assertThrows(
        CheckpointMismatchException.class, () -> train(same, regression(90, 9))).settings());
    CheckpointMismatchException fp = assertThrows(CheckpointMismatchException.class,
        () -> train(base().checkpoints(ck, 5).dataFingerprint("train-v2").build(), DATA));
    assertTrue(fp.getMessage().contains("data.fingerprint=train-v1")
        && fp.getMessage().contains("data.fingerprint=train-v2"), fp.getMessage());
    CheckpointMismatchException absent = assertThrows(CheckpointMismatchException.class,
        () -> train(base().checkpoints(ck, 5).build(), DATA));
    assertTrue(absent.getMessage().contains("data.fingerprint=<absent>"), absent.getMessage());
    CheckpointMismatchException seed = assertThrows(CheckpointMismatchException.class,
        () -> train(TrainerConfig.builder(8).optimizer(Optimizer.adamW(5e-3).withMaxGradNorm(1))
            .batchSize(16).epochs(3).runtime(TrainerFixtures.ONE_THREAD)
            .checkpoints(ck, 5).dataFingerprint("train-v1").build(), DATA));
    assertEquals(List.of("trainer.seed"), seed.settings());
    assertTrue(seed.getMessage().contains("trainer.seed=7") && seed.getMessage().contains("trainer.seed=8"));
  }

  @Test
  void moreEpochsNeedExplicitPermission(@TempDir Path dir) {
    Path ck = dir.resolve("ck");
    train(base().epochs(2).checkpoints(ck, 0).build(), DATA);
    CheckpointMismatchException refused = assertThrows(CheckpointMismatchException.class,
        () -> train(base().epochs(3).checkpoints(ck, 0).build(), DATA));
    assertTrue(refused.getMessage().contains("epochs=2")
        && refused.getMessage().contains("epochs=3")
        && refused.getMessage().contains("allowEpochExtension"), refused.getMessage());
    assertThrows(CheckpointMismatchException.class, () -> train(
        base().epochs(1).checkpoints(ck, 0).allowEpochExtension(true).build(), DATA));
    TrainingResult extended = train(base().epochs(3).checkpoints(ck, 0).allowEpochExtension(true)
        .build(), DATA);
    assertEquals(14, extended.resumedFromStep());
    assertSameRun(train(base().epochs(3).build(), DATA), extended);
  }

  @Test
  void runDescriptionMayNotContradictTheTrainer() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> train(base().runDescription(Map.of("trainer.epochs", 5)).maxSteps(1).build(), DATA));
    assertTrue(e.getMessage().contains("'trainer.epochs' = 5") && e.getMessage().contains("3"),
        e.getMessage());
    // a model's own settings live beside the trainer's (e.g. its epochs or validate_every, which
    // may count other units than the trainer's)
    assertEquals(1, train(base().runDescription(Map.of("epochs", 5, "validate_every", 7)).maxSteps(1)
        .build(), DATA).steps());
    IllegalArgumentException keep = assertThrows(IllegalArgumentException.class,
        () -> base().keepCheckpoints(1).build());
    assertTrue(keep.getMessage().contains("keepCheckpoints") && keep.getMessage().contains(">= 2"),
        keep.getMessage());
  }

  @Test
  void truncatedLatestCheckpointFallsBackToTheOlderOne(@TempDir Path dir) throws IOException {
    TrainingResult uninterrupted = train(validated().build(), DATA);
    Path ck = dir.resolve("ck");
    train(validated().maxSteps(10).checkpoints(ck, 4).build(), DATA);
    assertEquals(List.of(step(ck, 10), step(ck, 8)), TrainingCheckpoint.stepDirectories(ck));
    truncate(step(ck, 10).resolve(TrainingCheckpoint.PARAMETERS_FILE));
    IllegalArgumentException damage = assertThrows(IllegalArgumentException.class,
        () -> TrainingCheckpoint.read(step(ck, 10)));
    assertTrue(damage.getMessage().contains("truncated"), damage.getMessage());
    TrainingResult resumed = train(validated().checkpoints(ck, 4).build(), DATA);
    assertEquals(8, resumed.resumedFromStep());
    assertSameRun(uninterrupted, resumed);
    assertTrue(Files.isDirectory(ck.resolve(TrainingCheckpoint.DAMAGED_PREFIX
        + step(ck, 10).getFileName())), "the damaged checkpoint is kept aside");
    assertEquals(step(ck, 21), TrainingCheckpoint.latest(ck).orElseThrow());
  }

  @Test
  void badManifestOrMissingFileAlsoFallsBack(@TempDir Path dir) throws IOException {
    Path ck = dir.resolve("ck");
    train(base().maxSteps(10).checkpoints(ck, 4).build(), DATA);
    Files.writeString(step(ck, 10).resolve(TrainingCheckpoint.MANIFEST_FILE), "{\"format\": ");
    assertEquals(8, train(base().maxSteps(12).checkpoints(ck, 4).build(), DATA)
        .resumedFromStep());
    Files.delete(step(ck, 12).resolve(TrainingCheckpoint.OPTIMIZER_FILE));
    assertEquals(8, train(base().checkpoints(ck, 4).build(), DATA).resumedFromStep());
  }

  @Test
  void allCheckpointsDamagedFailsNamingEach(@TempDir Path dir) throws IOException {
    Path ck = dir.resolve("ck");
    train(base().maxSteps(10).checkpoints(ck, 4).build(), DATA);
    truncate(step(ck, 10).resolve(TrainingCheckpoint.PARAMETERS_FILE));
    truncate(step(ck, 8).resolve(TrainingCheckpoint.HISTORY_FILE));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> train(base().checkpoints(ck, 4).build(), DATA));
    String m = e.getMessage();
    assertTrue(m.contains("No intact checkpoint") && m.contains(step(ck, 10).toString())
        && m.contains(step(ck, 8).toString()) && m.contains("truncated"), m);
    assertTrue(Files.isDirectory(step(ck, 10)), "nothing is moved when nothing can resume");
  }
}
