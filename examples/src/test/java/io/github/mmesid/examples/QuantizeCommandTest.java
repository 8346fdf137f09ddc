package io.github.mmesid.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.quant.MmRqVaeModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quantize command on tiny generated embeddings: outputs, report keys, bad input. */
class QuantizeCommandTest {

  @TempDir
  Path dir;

  private static int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
    return Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private Path matrix(String name, int rows, int cols, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    Path p = dir.resolve(name);
    Npy.write(p, NpyArray.ofFloats(v, rows, cols));
    return p;
  }

  @Test
  void trainsAndWritesAllOutputs() throws IOException {
    Path a = matrix("a.npy", 81, 6, 1);
    Path b = matrix("b.npy", 81, 10, 2);
    Path out = dir.resolve("out");
    ByteArrayOutputStream so = new ByteArrayOutputStream();
    ByteArrayOutputStream se = new ByteArrayOutputStream();
    int status = run(so, se, "quantize", "--embeddings", a + "," + b, "--names", "collab,text",
        "--padding-row", "0", "--out", out.toString(), "--levels", "2", "--codebook-size", "8", "--latent-dim", "4",
        "--hidden-layers", "8", "--epochs", "2", "--batch-size", "40", "--pairs", "500", "--threads", "1",
        "--validate-every", "1");
    assertEquals(0, status, se.toString(StandardCharsets.UTF_8));
    for (String f : new String[] {"mmrqvae.json", "mmrqvae.safetensors", "codes_collab.npy", "codes_text.npy",
        "sids_collab.npy", "sids_text.npy", "codebooks_collab.npy", "codebooks_text.npy", "report.json"}) {
      assertTrue(Files.isRegularFile(out.resolve(f)), "missing " + f);
    }
    NpyArray codes = Npy.read(out.resolve("codes_text.npy"));
    assertArrayEquals(new int[] {81, 2}, codes.shape()); // padding row 0 kept as a zero row
    assertArrayEquals(new int[] {81, 3}, Npy.read(out.resolve("sids_text.npy")).shape());
    assertArrayEquals(new int[] {2, 8, 4}, Npy.read(out.resolve("codebooks_collab.npy")).shape());
    JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertEquals(80, rep.get("items").asInt());
    for (String m : new String[] {"collab", "text"}) {
      assertTrue(rep.get("collision_rate").get(m).has("before_disambiguation"));
      assertEquals(0.0, rep.get("collision_rate").get(m).get("after_disambiguation").asDouble());
      assertTrue(rep.get("kendall_tau").get(m).isNumber());
      assertEquals(2, rep.get("modalities").get(m).get("perplexity").size());
    }
    assertEquals("collab", rep.get("cross_modal").get(0).get("anchor").asText());
    try (MmRqVaeModel model = MmRqVaeModel.load(out)) {
      int[][] table = codes.toIntMatrix();
      float[][] x = Npy.readFloatMatrix(b);
      assertArrayEquals(table[5], model.quantizer("text").encode(x[5]));
    }
  }

  @Test
  void badInputGivesOneLineErrors() {
    Path a = matrix("a.npy", 20, 3, 1);
    Path b = matrix("b.npy", 21, 3, 2);
    ByteArrayOutputStream so = new ByteArrayOutputStream();
    ByteArrayOutputStream se = new ByteArrayOutputStream();
    assertEquals(2, run(so, se, "quantize", "--embeddings", a.toString(), "--out", dir.toString(),
        "--recon", "l1"));
    assertTrue(se.toString(StandardCharsets.UTF_8).contains("allowed: mmd, mse"));
    se.reset();
    assertEquals(1, run(so, se, "quantize", "--embeddings", a + "," + b, "--out", dir.toString(),
        "--codebook-size", "4", "--levels", "1", "--epochs", "1"));
    assertTrue(se.toString(StandardCharsets.UTF_8).contains("rows"), se.toString(StandardCharsets.UTF_8));
    se.reset();
    assertEquals(1, run(so, se, "quantize", "--embeddings", a.toString(), "--out", dir.toString(),
        "--codebook-size", "64", "--epochs", "1"));
    assertTrue(se.toString(StandardCharsets.UTF_8).contains("--codebook-size 64"), se.toString(StandardCharsets.UTF_8));
    se.reset();
    assertEquals(2, run(so, se, "quantize", "--embeddings", a.toString(), "--out", dir.toString(),
        "--levels", "0"));
  }
}
