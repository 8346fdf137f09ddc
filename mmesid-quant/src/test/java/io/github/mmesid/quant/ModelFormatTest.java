package io.github.mmesid.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.data.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The saved format: a model written by format version 1 (kept in test resources) still loads and
 * encodes its recorded inputs to the recorded codes; malformed manifests and weights are rejected.
 */
class ModelFormatTest {

  static Path fixture() {
    try {
      return Path.of(ModelFormatTest.class.getResource("/mmrqvae-v1/mmrqvae.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void version1FixtureStillLoadsAndEncodes() {
    Path dir = fixture();
    try (MmRqVaeModel m = MmRqVaeModel.load(dir, MmRqVaeTrainerTest.ONE)) {
      assertEquals(List.of("collab", "text"), m.modalities());
      assertEquals(2, m.config().levels());
      assertEquals(8, m.config().codebookSize());
      assertEquals(4, m.config().latentDim());
      assertEquals(20, m.inputDim("text"));
      for (String name : m.modalities()) {
        float[][] x = Npy.readFloatMatrix(dir.resolve("inputs_" + name + ".npy"));
        int[][] expected = Npy.read(dir.resolve("codes_" + name + ".npy")).toIntMatrix();
        assertArrayEquals(expected, m.quantizer(name).encode(x), "codes of " + name);
      }
    }
  }

  @Test
  void saveLoadRoundTripOfHandMadeModel(@TempDir Path tmp) {
    try (MmRqVaeModel m = HandMadeModels.identityTwoLevels()) {
      m.save(tmp);
      try (MmRqVaeModel back = MmRqVaeModel.load(tmp, MmRqVaeTrainerTest.ONE)) {
        assertEquals(m.config(), back.config());
        for (String p : m.parameters().keySet()) {
          assertArrayEquals(m.parameters().get(p).toFloats(), back.parameters().get(p).toFloats(), p);
        }
      }
    }
  }

  private static Path copyFixture(Path tmp) throws IOException {
    for (String f : new String[] {MmRqVaeModel.MANIFEST_FILE, MmRqVaeModel.WEIGHTS_FILE}) {
      Files.copy(fixture().resolve(f), tmp.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    return tmp;
  }

  private static void expectBad(Path dir, String fragment) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MmRqVaeModel.load(dir));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  @Test
  void malformedFilesAreRejected(@TempDir Path tmp) throws IOException {
    Path dir = copyFixture(tmp);
    Path manifest = dir.resolve(MmRqVaeModel.MANIFEST_FILE);
    String good = Files.readString(manifest);
    Files.writeString(manifest, good.replace("\"format_version\" : 1", "\"format_version\" : 2"));
    expectBad(dir, "format_version");
    Files.writeString(manifest, good.replace("\"levels\" : 2", "\"levels\" : 0"));
    expectBad(dir, "levels");
    Files.writeString(manifest, good.replace("\"latent_dim\" : 4", "\"latent_dim\" : 5"));
    expectBad(dir, "shape");
    Files.writeString(manifest, good.replace("\"input_dim\" : 12", "\"input_dim\" : -12"));
    expectBad(dir, "input_dim");
    Files.writeString(manifest, "{ not json");
    expectBad(dir, "not valid JSON");
    Files.writeString(manifest, good);
    Files.write(dir.resolve(MmRqVaeModel.WEIGHTS_FILE), new byte[] {1, 2, 3});
    assertThrows(IllegalArgumentException.class, () -> MmRqVaeModel.load(dir));
    Files.delete(manifest);
    assertThrows(UncheckedIOException.class, () -> MmRqVaeModel.load(dir));
  }
}
