package io.github.mmesid.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.core.data.RatingsCsv;
import io.github.mmesid.core.data.SequenceFiles;
import io.github.mmesid.core.data.SyntheticData;
import io.github.mmesid.core.data.SyntheticDataGenerator;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.core.io.safetensors.SafetensorsFile;
import io.github.mmesid.llm.llama.LlamaCheckpointWriter;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.mmesid.MmeSidRecommender;
import io.github.mmesid.llm.sasrec.SasRecRecommender;
import io.github.mmesid.quant.MmRqVaeModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train-mmesid}, {@code evaluate --model mmesid --bundle} and {@code recommend} through
 * {@link Cli#run} on tiny synthetic data: the whole pipeline once from a sequences file (SASRec,
 * MM-RQ-VAE, MME-SID with one extra modality), once from a ratings CSV with a given collaborative
 * table, a table aligned by {@code --mapping} and no semantic IDs; then every artifact, the
 * bundle's metrics, recommendations, and bad input.
 */
class TrainMmeSidCommandTest {

  @TempDir
  static Path dir;
  static Path seq;
  static Path text;
  static int numItems;
  static CliInputsTest.Result trained;
  static Path out;
  static Path ckpt;

  static final String[] TINY = {"--backbone-preset", "tiny", "--epochs", "1", "--batch-size", "32",
      "--max-history", "8", "--warmup-steps", "5", "--validation-users", "0", "--threads", "1", "--seed", "5"};

  static String[] args(String[] head, String... tail) {
    List<String> a = new ArrayList<>(List.of(head));
    a.addAll(List.of(tail));
    return a.toArray(new String[0]);
  }

  @BeforeAll
  static void trainFromSequences() throws IOException {
    SyntheticData synth = SyntheticDataGenerator.builder().users(150).items(40).seed(3).build().generate();
    synth.writeTo(dir);
    seq = dir.resolve(SyntheticData.SEQUENCES_FILE);
    numItems = SequenceFiles.read(seq).numItems();
    assertEquals(40, numItems, "every synthetic item occurs");
    text = dir.resolve("text.npy");
    Files.writeString(dir.resolve("sasrec.json"), "{\"dim\": 16, \"blocks\": 1, \"heads\": 1, \"max_len\": 10, "
        + "\"epochs\": 1, \"batch_size\": 64, \"validation_users\": 0}");
    Files.writeString(dir.resolve("quant.json"), "{\"levels\": 2, \"codebook_size\": 8, \"latent_dim\": 8, "
        + "\"hidden_layers\": [16], \"epochs\": 2, \"batch_size\": 40, \"validate_every\": 1}");
    out = dir.resolve("run");
    ckpt = dir.resolve("ckpt");
    trained = CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences", seq.toString(), "--modality",
        "text=" + text, "--sasrec-config", dir.resolve("sasrec.json").toString(), "--quant-config",
        dir.resolve("quant.json").toString(), "--out", out.toString(), "--checkpoints", ckpt.toString()}, TINY));
  }

  @Test
  void writesEveryArtifactAndEachLoads() throws IOException {
    assertEquals(0, trained.status(), trained.err());
    for (String f : List.of("sasrec/sasrec.safetensors", "sasrec/item_emb.npy", "quant/mmrqvae.json",
        "quant/mmrqvae.safetensors", "quant/codes_collab.npy", "quant/codes_text.npy", "quant/sids_collab.npy",
        "quant/sids_text.npy", "quant/codebooks_collab.npy", "quant/codebooks_text.npy", "quant/report.json",
        "bundle/mmesid.json", "bundle/model.safetensors", "bundle/backbone/config.json", "metrics.json",
        "training.json")) {
      assertTrue(Files.isRegularFile(out.resolve(f)), "missing " + f);
    }
    assertFalse(Files.exists(out.resolve(ItemIdMapping.FILE_NAME)), "no mapping for a sequences file");
    for (String stage : List.of("sasrec", "quant", "mmesid")) {
      assertTrue(Files.isDirectory(ckpt.resolve(stage)), "checkpoints of " + stage);
    }
    float[][] collab = Npy.readFloatMatrix(out.resolve("sasrec/item_emb.npy"));
    try (SasRecRecommender s = SasRecRecommender.load(out.resolve("sasrec/sasrec.safetensors"), null)) {
      assertEquals(numItems, s.numItems());
      assertEquals(16, s.config().dim());
      assertArrayEquals(s.itemEmbeddings()[7], collab[7]);
    }
    try (MmRqVaeModel q = MmRqVaeModel.load(out.resolve("quant"))) {
      assertEquals(List.of("collab", "text"), q.modalities());
      int[][] codes = Npy.read(out.resolve("quant/codes_text.npy")).toIntMatrix();
      assertEquals(numItems + 1, codes.length, "row i = item i, row 0 = padding");
      assertArrayEquals(q.quantizer("text").encode(Npy.readFloatMatrix(text)[5]), codes[5]);
      assertArrayEquals(q.quantizer("collab").encode(collab[9]),
          Npy.read(out.resolve("quant/codes_collab.npy")).toIntMatrix()[9], "collab = SASRec's table");
    }
    try (MmeSidRecommender r = MmeSidRecommender.load(out.resolve("bundle"), null)) {
      assertEquals(numItems, r.numItems());
      assertEquals(List.of("collab", "text"), r.modalities());
      assertEquals(1, r.config().epochs());
      assertEquals(5, r.config().seed());
    }
    JsonNode m = Json.readTree(out.resolve("metrics.json"));
    for (String k : List.of("recall@5", "ndcg@10", "mrr@20")) {
      assertTrue(m.get(k).asDouble() >= 0 && m.get(k).asDouble() <= 1, k + " in " + m);
    }
    JsonNode t = Json.readTree(out.resolve("training.json"));
    assertEquals(16, t.at("/sasrec/config/dim").asInt());
    assertEquals(1, t.at("/sasrec/training/epochs_completed").asInt());
    assertEquals(8, t.at("/quant/config/codebook_size").asInt());
    assertEquals("collab", t.at("/quant/config/anchor").asText());
    assertEquals(2, t.at("/quant/config/sinkhorn_epsilons").size(), "epsilons follow the levels");
    assertTrue(t.at("/quant/metrics").has("collision_rate_text"), t.toString());
    assertEquals("TINY", t.at("/mmesid/config/backbone_preset").asText());
    assertEquals(1, t.at("/mmesid/training/epochs_completed").asInt());
    assertTrue(t.at("/mmesid/training/loss_history").size() > 0);
    assertTrue(t.at("/mmesid/metrics").has("sid_tau_after_text"), t.toString());
    for (String s : List.of("sasrec", "quant", "mmesid")) {
      assertTrue(t.at("/" + s + "/seconds").asDouble() > 0, s);
    }
    assertTrue(t.get("total_seconds").asDouble() > 0);
    assertTrue(t.get("peak_rss_bytes").asLong() > 0);
    for (String s : List.of("stage sasrec: start", "stage sasrec: done", "stage quant: done", "stage mmesid: start",
        "stage mmesid: done", "split=test")) {
      assertTrue(trained.out().contains(s), "'" + s + "' in " + trained.out());
    }
  }

  @Test
  void aSecondRunResumesEveryStageFromTheCheckpoints() throws IOException {
    assertEquals(0, trained.status(), trained.err());
    Path again = dir.resolve("again");
    CliInputsTest.Result r = CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences", seq.toString(),
        "--modality", "text=" + text, "--sasrec-config", dir.resolve("sasrec.json").toString(), "--quant-config",
        dir.resolve("quant.json").toString(), "--out", again.toString(), "--checkpoints", ckpt.toString()}, TINY));
    assertEquals(0, r.status(), r.err());
    JsonNode first = Json.readTree(out.resolve("training.json"));
    JsonNode second = Json.readTree(again.resolve("training.json"));
    for (String stage : List.of("sasrec", "quant", "mmesid")) {
      long steps = first.at("/" + stage + "/training/steps").asLong();
      assertTrue(steps > 0, stage);
      assertEquals(-1, first.at("/" + stage + "/training/resumed_from_step").asLong(), stage);
      assertEquals(steps, second.at("/" + stage + "/training/resumed_from_step").asLong(), stage + " resumed");
    }
    assertEquals(Json.readTree(out.resolve("metrics.json")), Json.readTree(again.resolve("metrics.json")));
  }

  @Test
  void evaluatingTheBundleGivesTheMetricsOfTraining() throws IOException {
    assertEquals(0, trained.status(), trained.err());
    Path json = dir.resolve("eval.json");
    CliInputsTest.Result e = CliInputsTest.run("evaluate", "--model", "mmesid", "--bundle",
        out.resolve("bundle").toString(), "--sequences", seq.toString(), "--threads", "1", "--json", json.toString());
    assertEquals(0, e.status(), e.err());
    assertTrue(e.out().contains("loaded from"), e.out());
    assertEquals(Json.readTree(out.resolve("metrics.json")), Json.readTree(json));
  }

  @Test
  void recommendPrintsKLinesWithoutTheHistory() {
    assertEquals(0, trained.status(), trained.err());
    CliInputsTest.Result r = CliInputsTest.run("recommend", "--bundle", out.resolve("bundle").toString(), "--history",
        "3,5,7", "--k", "6", "--threads", "1");
    assertEquals(0, r.status(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(6, lines.size(), r.out());
    double last = Double.POSITIVE_INFINITY;
    Set<Integer> items = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String[] p = lines.get(i).split("\t");
      assertEquals(3, p.length, lines.get(i));
      assertEquals(i + 1, Integer.parseInt(p[0]));
      int item = Integer.parseInt(p[1]);
      assertTrue(item >= 1 && item <= numItems && item != 3 && item != 5 && item != 7, lines.get(i));
      assertTrue(items.add(item));
      double score = Double.parseDouble(p[2]);
      assertTrue(score <= last, "best first");
      last = score;
    }
    try (MmeSidRecommender rec = MmeSidRecommender.load(out.resolve("bundle"), null)) {
      assertEquals(rec.topK(new int[] {3, 5, 7}, 6).get(0).item(), Integer.parseInt(lines.get(0).split("\t")[1]));
    }
    CliInputsTest.Result d = CliInputsTest.run("recommend", "--bundle", out.resolve("bundle").toString(), "--history",
        "", "--threads", "1");
    assertEquals(0, d.status(), d.err());
    assertEquals(io.github.mmesid.core.SequentialRecommender.DEFAULT_K, d.out().lines().count(), "default k");
  }

  @Test
  void ratingsWithAGivenCollabTableAndAMappedModality() throws IOException {
    // the synthetic sequences as a ratings CSV whose item ids are 100 + 2 * id
    SequenceDataset data = SequenceFiles.read(seq);
    StringBuilder sb = new StringBuilder("userId,movieId,rating,timestamp\n");
    for (int u = 0; u < data.numUsers(); u++) {
      int[] s = data.sequence(u);
      for (int t = 0; t < s.length; t++) {
        sb.append(u).append(',').append(100 + 2 * s[t]).append(",4,").append(t).append('\n');
      }
    }
    Path csv = dir.resolve("ratings.csv");
    Files.writeString(csv, sb.toString());
    ItemIdMapping mapping = RatingsCsv.read(csv).mapping();
    Path items = dir.resolve("items.csv");
    mapping.writeCsv(items);
    // collab by internal id, text by external id (row r = the item whose external id is r)
    float[][] synthCollab = Npy.readFloatMatrix(dir.resolve("collab.npy"));
    float[][] synthText = Npy.readFloatMatrix(text);
    float[][] collab = new float[numItems + 1][];
    collab[0] = new float[synthCollab[0].length];
    float[][] textByExternal = new float[100 + 2 * numItems + 1][synthText[0].length];
    for (int i = 1; i <= numItems; i++) {
      int synthId = (Integer.parseInt(mapping.originalId(i)) - 100) / 2;
      collab[i] = synthCollab[synthId];
      textByExternal[100 + 2 * synthId] = synthText[synthId];
    }
    Path collabNpy = dir.resolve("collab_internal.npy");
    Npy.writeFloatMatrix(collabNpy, collab);
    Path textExt = dir.resolve("text_external.npy");
    Npy.writeFloatMatrix(textExt, textByExternal);
    Path out2 = dir.resolve("run2");
    CliInputsTest.Result r = CliInputsTest.run(args(new String[] {"train-mmesid", "--ratings", csv.toString(),
        "--collab", collabNpy.toString(), "--modality", "text=" + textExt, "--mapping", items.toString(),
        "--sid-embeddings", "false", "--out", out2.toString()}, TINY));
    assertEquals(0, r.status(), r.err());
    assertFalse(Files.exists(out2.resolve(TrainMmeSidCommand.SASREC_DIR)), "no SASRec with --collab");
    assertFalse(Files.exists(out2.resolve(TrainMmeSidCommand.QUANT_DIR)), "no MM-RQ-VAE without SID embeddings");
    assertEquals(mapping.originalIds(), ItemIdMapping.readCsv(out2.resolve("items.csv")).originalIds());
    assertEquals(mapping.originalIds(), ItemIdMapping.readCsv(out2.resolve("bundle/items.csv")).originalIds());
    JsonNode t = Json.readTree(out2.resolve("training.json"));
    assertTrue(t.at("/sasrec/skipped").asText().contains("--collab"), t.toString());
    assertTrue(t.at("/quant/skipped").asText().contains("--sid-embeddings false"), t.toString());
    // the bundle's tables are the aligned inputs: internal id i holds synthetic item (external id - 100) / 2
    try (SafetensorsFile f = SafetensorsFile.open(out2.resolve("bundle/model.safetensors"))) {
      float[] tt = f.readFloat32("mod.text.table");
      float[] ct = f.readFloat32("mod.collab.table");
      int d = synthText[0].length;
      int dc = synthCollab[0].length;
      for (int i = 1; i <= numItems; i++) {
        int synthId = (Integer.parseInt(mapping.originalId(i)) - 100) / 2;
        assertArrayEquals(synthText[synthId], Arrays.copyOfRange(tt, i * d, (i + 1) * d), "text row " + i);
        assertArrayEquals(synthCollab[synthId], Arrays.copyOfRange(ct, i * dc, (i + 1) * dc), "collab row " + i);
      }
    }
    // evaluate with the ratings: same numbering as the bundle's items.csv, same metrics as training
    Path json = dir.resolve("eval2.json");
    CliInputsTest.Result e = CliInputsTest.run("evaluate", "--model", "mmesid", "--bundle",
        out2.resolve("bundle").toString(), "--ratings", csv.toString(), "--threads", "1", "--json", json.toString());
    assertEquals(0, e.status(), e.err());
    assertEquals(Json.readTree(out2.resolve("metrics.json")), Json.readTree(json));
    // recommend takes and prints external ids
    String h1 = mapping.originalId(2);
    String h2 = mapping.originalId(4);
    CliInputsTest.Result rec = CliInputsTest.run("recommend", "--bundle", out2.resolve("bundle").toString(),
        "--history", h1 + "," + h2, "--threads", "1");
    assertEquals(0, rec.status(), rec.err());
    for (String line : rec.out().lines().toList()) {
      String item = line.split("\t")[1];
      assertTrue(mapping.contains(item) && !item.equals(h1) && !item.equals(h2), line);
    }
    CliInputsTest.assertOneLineError(CliInputsTest.run("recommend", "--bundle", out2.resolve("bundle").toString(),
        "--history", h1 + ",99999,abc"), 2, "unknown item ids '99999', 'abc'", "items.csv");
    // a bundle from a sequences file cannot be evaluated on remapped ratings ids
    CliInputsTest.assertOneLineError(CliInputsTest.run("evaluate", "--model", "mmesid", "--bundle",
        out.resolve("bundle").toString(), "--ratings", csv.toString()), 1, "has no items.csv", "--sequences");
  }

  @Test
  void aHuggingFaceBackboneTrainsLoraAndItsBundleNeedsTheBaseModel() throws IOException {
    // a tiny random checkpoint whose vocabulary holds the Llama 3 prompt token ids
    Path hf = dir.resolve("hf");
    LlamaCheckpointWriter.writeRandom(hf, LlamaConfig.of(32, 64, 1, 2, 1, 128_010, 4096), 3,
        LlamaCheckpointWriter.Format.singleF32());
    Path out3 = dir.resolve("run3");
    // the default LoRA settings (dropout 0.05) over the variable-length rows
    CliInputsTest.Result r = CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences", seq.toString(),
        "--collab", dir.resolve("collab.npy").toString(), "--sid-embeddings", "false", "--backbone", hf.toString(),
        "--lora-r", "4", "--out", out3.toString()}, Arrays.copyOfRange(TINY, 2, TINY.length)));
    assertEquals(0, r.status(), r.err());
    Path bundle = out3.resolve("bundle");
    assertTrue(Files.isRegularFile(bundle.resolve("adapter/adapter_model.safetensors")));
    assertFalse(Files.exists(bundle.resolve("backbone")), "the checkpoint is not copied");
    assertEquals(4, Json.readTree(bundle.resolve("mmesid.json")).at("/config/lora_r").asInt());
    CliInputsTest.assertOneLineError(CliInputsTest.run("recommend", "--bundle", bundle.toString(), "--history", "1,2"),
        2, "adapts a Hugging Face checkpoint", "--base-model");
    CliInputsTest.Result rec = CliInputsTest.run("recommend", "--bundle", bundle.toString(), "--history", "1,2",
        "--base-model", hf.toString(), "--k", "3", "--threads", "1");
    assertEquals(0, rec.status(), rec.err());
    assertEquals(3, rec.out().lines().count(), rec.out());
    Path json = dir.resolve("eval3.json");
    CliInputsTest.Result e = CliInputsTest.run("evaluate", "--model", "mmesid", "--bundle", bundle.toString(),
        "--base-model", hf.toString(), "--sequences", seq.toString(), "--threads", "1", "--json", json.toString());
    assertEquals(0, e.status(), e.err());
    assertEquals(Json.readTree(out3.resolve("metrics.json")), Json.readTree(json));
    CliInputsTest.assertOneLineError(CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences",
        seq.toString(), "--backbone", hf.toString(), "--out", dir.resolve("never").toString()}, TINY)), 2,
        "--backbone-preset has no effect together with --backbone");
  }

  @Test
  void tablesCoveringItemsNoUserHasMetExtendTheItemUniverse() throws IOException {
    // the synthetic tables cover 40 items; drop every interaction with item 40
    Path fewer = dir.resolve("fewer.txt");
    StringBuilder sb = new StringBuilder();
    for (String line : Files.readAllLines(seq)) {
      String[] tok = line.split(" ");
      String kept = tok[0] + java.util.Arrays.stream(tok, 1, tok.length).filter(t -> !t.equals("40"))
          .map(t -> " " + t).collect(java.util.stream.Collectors.joining());
      if (kept.split(" ").length > 1) {
        sb.append(kept).append('\n');
      }
    }
    Files.writeString(fewer, sb.toString());
    assertEquals(39, SequenceFiles.read(fewer).numItems());
    Path o = dir.resolve("cold");
    CliInputsTest.Result r = CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences", fewer.toString(),
        "--collab", dir.resolve("collab.npy").toString(), "--sid-embeddings", "false", "--out", o.toString()}, TINY));
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("item tables cover 40 items; the interactions use ids up to 39"), r.out());
    try (MmeSidRecommender rec = MmeSidRecommender.load(o.resolve("bundle"), null)) {
      assertEquals(40, rec.numItems());
    }
    CliInputsTest.Result ev = CliInputsTest.run("evaluate", "--sequences", fewer.toString(), "--model", "mmesid",
        "--bundle", o.resolve("bundle").toString(), "--threads", "1");
    assertEquals(0, ev.status(), ev.err());
  }

  @Test
  void badInputGivesOneLineErrors() throws IOException {
    assertEquals(0, trained.status(), trained.err());
    String bundle = out.resolve("bundle").toString();
    CliInputsTest.assertOneLineError(CliInputsTest.run("evaluate", "--model", "mmesid", "--sequences",
        seq.toString()), 2, "give --bundle DIR");
    CliInputsTest.assertOneLineError(CliInputsTest.run("evaluate", "--model", "sasrec", "--bundle", bundle,
        "--sequences", seq.toString()), 2, "--bundle has no effect unless --model is mmesid");
    CliInputsTest.assertOneLineError(CliInputsTest.run("evaluate", "--model", "mmesid", "--bundle", bundle,
        "--sequences", seq.toString(), "--base-model", dir.toString()), 2, "--base-model has no effect");
    CliInputsTest.assertOneLineError(CliInputsTest.run("evaluate", "--model", "mmesid", "--bundle",
        dir.resolve("nothing").toString(), "--sequences", seq.toString()), 2, "no such directory");
    Path other = dir.resolve("other.txt");
    Files.writeString(other, "a 1 2 3 4\nb 4 3 2 41\nc 2 3 4 5\n");
    CliInputsTest.assertOneLineError(CliInputsTest.run("evaluate", "--model", "mmesid", "--bundle", bundle,
        "--sequences", other.toString()), 1, "ranks 40 items but", "has 41");
    CliInputsTest.assertOneLineError(CliInputsTest.run("recommend", "--bundle", bundle, "--history", "3,41"), 2,
        "'41' is not an item id of the bundle; allowed 1..40");
    CliInputsTest.assertOneLineError(CliInputsTest.run("recommend", "--bundle", bundle, "--history", "3", "--k",
        "40"), 2, "allowed 1..39");
    // a bundle with an items.csv maps external ids and names every unknown one
    Path mapped = dir.resolve("mapped");
    Files.createDirectories(mapped);
    try (Stream<Path> files = Files.walk(out.resolve("bundle"))) {
      for (Path f : files.toList()) {
        Path target = mapped.resolve(out.resolve("bundle").relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    List<String> ext = new ArrayList<>();
    for (int i = 1; i <= numItems; i++) {
      ext.add("sku-" + i);
    }
    ItemIdMapping.of(ext).writeCsv(mapped.resolve(ItemIdMapping.FILE_NAME));
    CliInputsTest.Result ok = CliInputsTest.run("recommend", "--bundle", mapped.toString(), "--history",
        "sku-3,sku-5,sku-7", "--k", "6", "--threads", "1");
    CliInputsTest.Result plain = CliInputsTest.run("recommend", "--bundle", bundle, "--history", "3,5,7", "--k", "6",
        "--threads", "1");
    assertEquals(0, ok.status(), ok.err());
    assertEquals(plain.out().replaceAll("(?m)^(\\d+)\t(\\d+)\t", "$1\tsku-$2\t"), ok.out());
    CliInputsTest.assertOneLineError(CliInputsTest.run("recommend", "--bundle", mapped.toString(), "--history",
        "sku-3,sku-99,3"), 2, "unknown item ids 'sku-99', '3'");

    // train-mmesid: malformed --modality, a table of the wrong size, options without effect
    Path fresh = dir.resolve("fresh");
    CliInputsTest.assertOneLineError(CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences",
        seq.toString(), "--modality", text.toString(), "--out", fresh.toString()}, TINY)), 2,
        "must be NAME=FILE.npy");
    CliInputsTest.assertOneLineError(CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences",
        seq.toString(), "--modality", "collab=" + text, "--out", fresh.toString()}, TINY)), 2, "use --collab");
    Path wrong = dir.resolve("wrong.npy");
    Npy.write(wrong, NpyArray.ofFloats(new float[numItems * 3], numItems, 3));
    CliInputsTest.assertOneLineError(CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences",
        seq.toString(), "--modality", "img=" + wrong, "--out", fresh.toString()}, TINY)), 1,
        "--modality img=", "wrong.npy has 40 rows but the interactions have 40 items", "needs N + 1 = 41 rows");
    assertFalse(Files.exists(fresh), "a failed run leaves no output directory");
    float[] nan = new float[(numItems + 1) * 2];
    nan[2 * 7 + 1] = Float.NaN;
    Npy.write(wrong, NpyArray.ofFloats(nan, numItems + 1, 2));
    CliInputsTest.assertOneLineError(CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences",
        seq.toString(), "--modality", "img=" + wrong, "--out", fresh.toString()}, TINY)), 1,
        "wrong.npy: row 7, column 1 is NaN");
    CliInputsTest.assertOneLineError(CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences",
        seq.toString(), "--backbone", dir.toString(), "--out", fresh.toString()}, Arrays.copyOfRange(TINY, 2,
        TINY.length))), 2, "no config.json in it");
    CliInputsTest.assertOneLineError(CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences",
        seq.toString(), "--collab", dir.resolve("collab.npy").toString(), "--sasrec-config",
        dir.resolve("sasrec.json").toString(), "--out", fresh.toString()}, TINY)), 2,
        "--sasrec-config has no effect together with --collab");
    CliInputsTest.assertOneLineError(CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences",
        seq.toString(), "--lora-r", "4", "--out", fresh.toString()}, TINY)), 2, "--lora-r has no effect");
    CliInputsTest.assertOneLineError(CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences",
        seq.toString(), "--modalities", "collab,audio", "--out", fresh.toString()}, TINY)), 2,
        "'audio', which is not a modality");
    Files.writeString(dir.resolve("badquant.json"), "{\"levels\": 2, \"codebooks\": 8}");
    CliInputsTest.assertOneLineError(CliInputsTest.run(args(new String[] {"train-mmesid", "--sequences",
        seq.toString(), "--quant-config", dir.resolve("badquant.json").toString(), "--out", fresh.toString()}, TINY)),
        1, "badquant.json", "codebooks");
    assertFalse(Files.exists(fresh), "a failed run leaves no output directory");
  }
}
