package io.github.mmesid.llm.mmesid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.core.io.safetensors.SafetensorsFile;
import io.github.mmesid.core.io.safetensors.TensorInfo;
import io.github.mmesid.llm.llama.LlamaCheckpointWriter;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.lora.LoraAdapters;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docs/BUNDLE.md} against real bundles: the documented tensor table (names, dtypes, shapes,
 * when present), the manifest's keys, the backbone and adapter layouts per kind and mode, and the
 * base-model identity recomputed as the document describes it. Bundles are saved from untrained
 * models (what is checked is the format, not learning).
 */
class MmeSidBundleFormatTest {
  static final int N = 30;
  static final RuntimeOptions ONE = RuntimeOptions.builder().intraOpThreads(1).build();

  @TempDir
  Path dir;

  static Path doc() {
    for (Path p : List.of(Path.of("..", "docs", "BUNDLE.md"), Path.of("docs", "BUNDLE.md"))) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalStateException("docs/BUNDLE.md not found from " + Path.of("").toAbsolutePath());
  }

  static String section(String marker) throws IOException {
    String text = Files.readString(doc());
    int from = text.indexOf("<!-- " + marker + " -->");
    int to = text.indexOf("<!-- /" + marker + " -->");
    assertTrue(from >= 0 && to > from, "markers of " + marker + " in BUNDLE.md");
    return text.substring(from, to);
  }

  /** One documented tensor row. */
  record Row(String name, String dtype, String shape, String present) {}

  static List<Row> documentedTensors() throws IOException {
    List<Row> rows = new ArrayList<>();
    Pattern p = Pattern.compile("^\\| `([^`]+)` \\| (\\w+) \\| `\\[([^\\]]*)\\]` \\| ([^|]+) \\|$");
    for (String line : section("tensors").lines().toList()) {
      Matcher m = p.matcher(line.trim());
      if (m.matches()) {
        rows.add(new Row(m.group(1), m.group(2), m.group(3), m.group(4).trim()));
      }
    }
    assertTrue(rows.size() >= 15, "tensor rows parsed: " + rows);
    return rows;
  }

  /** Evaluates {@code N+1}, {@code M*H}, {@code 1+M}, {@code d_m}, {@code 64} ... */
  static long eval(String expr, Map<String, Long> vars) {
    long sum = 0;
    for (String term : expr.split("\\+")) {
      long prod = 1;
      for (String f : term.trim().split("\\*")) {
        String t = f.trim();
        Long v = t.matches("\\d+") ? Long.valueOf(t) : vars.get(t);
        if (v == null) {
          throw new AssertionError("unknown symbol '" + t + "' in shape " + expr);
        }
        prod *= v;
      }
      sum += prod;
    }
    return sum;
  }

  static boolean present(String condition, MmeSidSpec spec, MmeSidSpec.Modality m) {
    boolean sid = spec.config().sidEmbeddings();
    boolean fused = spec.config().scoring() == MmeSidConfig.Scoring.FUSED;
    return switch (condition) {
      case "always" -> true;
      case "with SID embeddings" -> sid;
      case "with SID embeddings, when e_m != H" -> sid && m.sidDim() != spec.hidden();
      case "with fused scoring" -> fused;
      default -> throw new AssertionError("BUNDLE.md: unknown condition '" + condition + "'");
    };
  }

  /** The tensors BUNDLE.md says a bundle of this spec holds: name to {dtype, shape}. */
  static Map<String, String> expected(MmeSidSpec spec) throws IOException {
    Map<String, Long> vars = new LinkedHashMap<>();
    vars.put("N", (long) spec.numItems());
    vars.put("M", (long) spec.modalities().size());
    vars.put("H", (long) spec.hidden());
    vars.put("D", (long) spec.promptTokens().length);
    vars.put("P", spec.config().sidEmbeddings() ? 2L : 1L);
    Map<String, String> out = new TreeMap<>();
    for (Row r : documentedTensors()) {
      List<MmeSidSpec.Modality> mods = r.name().contains("<m>") ? spec.modalities() : List.of(spec.modalities().get(0));
      for (MmeSidSpec.Modality m : mods) {
        if (!present(r.present(), spec, m)) {
          continue;
        }
        Map<String, Long> v = new LinkedHashMap<>(vars);
        v.put("d_m", (long) m.dim());
        v.put("L_m", (long) m.levels());
        v.put("K_m", (long) m.codebookSize());
        v.put("e_m", (long) m.sidDim());
        List<Long> shape = new ArrayList<>();
        for (String e : r.shape().split(",")) {
          shape.add(eval(e, v));
        }
        String base = r.name().replace("<m>", m.name());
        int levels = base.contains("<l>") ? m.levels() : 1;
        for (int l = 0; l < levels; l++) {
          out.put(base.replace("<l>", Integer.toString(l)), r.dtype() + " " + shape);
        }
      }
    }
    return out;
  }

  static Map<String, String> actual(Path file) {
    Map<String, String> out = new TreeMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      for (Map.Entry<String, TensorInfo> e : f.tensors().entrySet()) {
        List<Long> shape = new ArrayList<>();
        for (long s : e.getValue().shape()) {
          shape.add(s);
        }
        out.put(e.getKey(), e.getValue().dtype().name() + " " + shape);
      }
    }
    return out;
  }

  static MmeSidRecommender recommender(MmeSidConfig config, MmeSidInputs inputs, LoraAdapters adapters) {
    MmeSidModelInit init = MmeSidModelInit.create(config, inputs, MmeSidModelTest.counts(N, 2));
    return MmeSidRecommender.create(init.spec(), init.values(), init.backbone(),
        adapters != null ? adapters : init.adapters(), ONE, true);
  }

  /** Adapters with random A and B (fresh ones have B = 0 and change nothing). */
  static LoraAdapters randomAdapters(LlamaConfig llama, MmeSidConfig config) {
    SplittableRandom r = new SplittableRandom(7);
    Map<String, TensorData> v = new LinkedHashMap<>();
    LoraAdapters.shapes(llama, config.loraConfig()).forEach((name, shape) -> {
      float[] x = new float[(int) (shape[0] * shape[1])];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (r.nextGaussian() * 0.3);
      }
      v.put(name, TensorData.ofFloats(shape, x));
    });
    return LoraAdapters.of(llama, config.loraConfig(), v);
  }

  static void assertSameScores(MmeSidRecommender a, MmeSidRecommender b) {
    List<int[]> hs = List.of(new int[] {3, 4, 5}, new int[0], new int[] {30, 1, 2});
    float[][] x = a.scores(hs);
    float[][] y = b.scores(hs);
    for (int i = 0; i < x.length; i++) {
      assertArrayEquals(x[i], y[i], "history " + i);
    }
  }

  @Test
  void documentedTensorsAreExactlyTheSavedOnes() throws IOException {
    MmeSidInputs inputs = MmeSidModelTest.inputs(N, 1); // collab: e = 32 = H; text: e = 8 != H
    List<MmeSidConfig> configs = List.of(MmeSidModelTest.tiny().build(),
        MmeSidModelTest.tiny().sidEmbeddings(false).scoring(MmeSidConfig.Scoring.ID_ONLY).build(),
        MmeSidModelTest.tiny().modalities(List.of("text")).build());
    for (int c = 0; c < configs.size(); c++) {
      Path bundle = dir.resolve("b" + c);
      try (MmeSidRecommender rec = recommender(configs.get(c), inputs, null)) {
        rec.save(bundle);
        assertEquals(expected(rec.spec()), actual(bundle.resolve(MmeSidBundle.WEIGHTS)), "config " + c);
        assertFalse(MmeSidRecommender.requiresBaseModel(bundle));
        try (SafetensorsFile f = SafetensorsFile.open(bundle.resolve(MmeSidBundle.WEIGHTS))) {
          assertEquals("mmesid-recommender", f.metadata().get("format"));
        }
      }
    }
    assertTrue(actual(dir.resolve("b0").resolve(MmeSidBundle.WEIGHTS)).containsKey("mod.text.sid_proj.weight"));
    assertFalse(actual(dir.resolve("b0").resolve(MmeSidBundle.WEIGHTS)).containsKey("mod.collab.sid_proj.weight"));
  }

  /** Object keys of two JSON trees are the same, recursively (arrays: their first elements). */
  static void assertSameKeys(JsonNode doc, JsonNode real, String path) {
    if (doc.isObject()) {
      assertTrue(real.isObject(), path + " is an object");
      assertEquals(new TreeSet<>(keys(doc)), new TreeSet<>(keys(real)), "keys of " + path);
      for (String k : keys(doc)) {
        assertSameKeys(doc.get(k), real.get(k), path + "." + k);
      }
    } else if (doc.isArray() && !doc.isEmpty() && doc.get(0).isContainerNode()) {
      assertSameKeys(doc.get(0), real.get(0), path + "[0]");
    }
  }

  static List<String> keys(JsonNode n) {
    List<String> out = new ArrayList<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }

  @Test
  void presetBundleLayoutAndManifestAsDocumented() throws IOException {
    String block = section("manifest");
    JsonNode example = Json.parse(block.substring(block.indexOf("```json") + 7, block.lastIndexOf("```")), "BUNDLE.md");
    Path bundle = dir.resolve("preset");
    try (MmeSidRecommender rec = recommender(MmeSidModelTest.tiny().build(), MmeSidModelTest.inputs(N, 1), null)) {
      rec.save(bundle);
      JsonNode manifest = Json.readTree(bundle.resolve(MmeSidBundle.MANIFEST));
      assertSameKeys(example, manifest, "mmesid.json");
      assertEquals("preset", manifest.at("/backbone/kind").asText());
      assertEquals("FULL", manifest.at("/backbone/mode").asText());
      // backbone/: a Hugging Face checkpoint whose token table is the prompt table
      assertEquals(rec.spec().promptTokens().length,
          Json.readTree(bundle.resolve("backbone/config.json")).get("vocab_size").asInt());
      try (SafetensorsFile b = SafetensorsFile.open(bundle.resolve("backbone/model.safetensors"));
          SafetensorsFile w = SafetensorsFile.open(bundle.resolve(MmeSidBundle.WEIGHTS))) {
        assertArrayEquals(w.readFloat32("prompt.embed"), b.readFloat32("model.embed_tokens.weight"));
        for (String n : List.of("model.norm.weight", "lm_head.weight", "model.layers.0.self_attn.q_proj.weight",
            "model.layers.0.mlp.gate_proj.weight", "model.layers.0.input_layernorm.weight")) {
          assertTrue(b.tensors().containsKey(n), n);
          assertEquals("F32", b.tensor(n).dtype().name());
        }
      }
      assertFalse(Files.exists(bundle.resolve(MmeSidBundle.ADAPTER_DIR)));
    }
  }

  @Test
  void presetLoraBundleKeepsItsAdapters() throws IOException {
    MmeSidConfig c = MmeSidModelTest.tiny().backboneTraining(MmeSidConfig.BackboneTraining.LORA).build();
    MmeSidInputs inputs = MmeSidModelTest.inputs(N, 1);
    LlamaConfig llama = MmeSidModelInit.create(c, inputs, MmeSidModelTest.counts(N, 2)).backbone().config();
    Path bundle = dir.resolve("preset-lora");
    try (MmeSidRecommender rec = recommender(c, inputs, randomAdapters(llama, c))) {
      rec.save(bundle);
      assertTrue(Files.isDirectory(bundle.resolve(MmeSidBundle.BACKBONE_DIR)));
      assertAdapterLayout(bundle, c);
      assertFalse(MmeSidRecommender.requiresBaseModel(bundle));
      try (MmeSidRecommender back = MmeSidRecommender.load(bundle, ONE)) {
        assertSameScores(rec, back);
      }
    }
  }

  static void assertAdapterLayout(Path bundle, MmeSidConfig c) {
    Path adapter = bundle.resolve(MmeSidBundle.ADAPTER_DIR);
    JsonNode cfg = Json.readTree(adapter.resolve("adapter_config.json"));
    assertEquals("LORA", cfg.get("peft_type").asText());
    assertEquals(c.loraR(), cfg.get("r").asInt());
    Pattern name = Pattern.compile("base_model\\.model\\.model\\.layers\\.\\d+\\.mlp\\.(gate|up|down)_proj\\.lora_[AB]\\.weight");
    try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"))) {
      assertFalse(f.tensors().isEmpty());
      for (Map.Entry<String, TensorInfo> e : f.tensors().entrySet()) {
        assertTrue(name.matcher(e.getKey()).matches(), e.getKey());
        assertEquals("F32", e.getValue().dtype().name());
        long[] s = e.getValue().shape();
        assertEquals(c.loraR(), e.getKey().contains("lora_A") ? s[0] : s[1], e.getKey() + " rank dimension");
      }
    }
  }

  /** The base-model identity exactly as BUNDLE.md describes it, written apart from the SDK's code. */
  static String documentedIdentity(Path checkpoint) throws IOException, NoSuchAlgorithmException {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(Files.readAllBytes(checkpoint.resolve("config.json")));
    List<Path> files;
    try (Stream<Path> s = Files.list(checkpoint)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
    }
    for (Path f : files) {
      md.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
      md.update(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(Files.size(f)).array());
      try (InputStream in = Files.newInputStream(f)) {
        long n = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        md.update(in.readNBytes((int) n));
      }
      byte[] all = Files.readAllBytes(f);
      int chunk = 65_536;
      for (int c = 0; c < 64; c++) {
        long at = all.length <= chunk ? 0 : (long) (all.length - chunk) * c / 63;
        md.update(all, (int) at, (int) Math.min(chunk, all.length - at));
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  @Test
  void checkpointBundlesRecordTheBaseModelAndStoreOnlyWhatTrained() throws Exception {
    // a tiny random "Hugging Face" checkpoint whose vocabulary holds the Llama 3 prompt ids
    Path ckpt = dir.resolve("hf");
    LlamaCheckpointWriter.writeRandom(ckpt, LlamaConfig.of(32, 64, 1, 2, 1, 128_010, 4096), 3,
        LlamaCheckpointWriter.Format.singleF32());
    MmeSidInputs inputs = MmeSidModelTest.inputs(N, 1).withBackbone(ckpt);
    MmeSidConfig lora = MmeSidModelTest.tiny().build(); // a checkpoint trains LoRA by default
    Path bundle = dir.resolve("lora");
    LlamaConfig llama = LlamaConfig.read(ckpt);
    try (MmeSidRecommender rec = recommender(lora, inputs, randomAdapters(llama, lora))) {
      assertThrows(IllegalArgumentException.class, () -> rec.save(dir.resolve("nobase")));
      rec.save(bundle, ckpt);
      JsonNode m = Json.readTree(bundle.resolve(MmeSidBundle.MANIFEST));
      assertEquals("checkpoint", m.at("/backbone/kind").asText());
      assertEquals("LORA", m.at("/backbone/mode").asText());
      assertEquals(new TreeSet<>(List.of("path", "files", "sha256")), new TreeSet<>(keys(m.at("/backbone/base_model"))));
      assertEquals(documentedIdentity(ckpt), m.at("/backbone/base_model/sha256").asText());
      assertEquals("model.safetensors", m.at("/backbone/base_model/files/0").asText());
      assertFalse(Files.exists(bundle.resolve(MmeSidBundle.BACKBONE_DIR)), "the checkpoint is not copied");
      assertAdapterLayout(bundle, lora);
      assertEquals(expected(rec.spec()), actual(bundle.resolve(MmeSidBundle.WEIGHTS)));
      assertTrue(MmeSidRecommender.requiresBaseModel(bundle));
      try (MmeSidRecommender back = MmeSidRecommender.load(bundle, ckpt, ONE)) {
        assertSameScores(rec, back);
      }
    }
    MmeSidConfig frozen = MmeSidModelTest.tiny().backboneTraining(MmeSidConfig.BackboneTraining.FROZEN).build();
    Path fb = dir.resolve("frozen");
    try (MmeSidRecommender rec = recommender(frozen, inputs, null)) {
      rec.save(fb, ckpt);
      assertEquals("FROZEN", Json.readTree(fb.resolve(MmeSidBundle.MANIFEST)).at("/backbone/mode").asText());
      assertFalse(Files.exists(fb.resolve(MmeSidBundle.BACKBONE_DIR)));
      assertFalse(Files.exists(fb.resolve(MmeSidBundle.ADAPTER_DIR)));
      assertTrue(MmeSidRecommender.requiresBaseModel(fb));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MmeSidRecommender.requiresBaseModel(dir));
    assertTrue(e.getMessage().contains("not an MME-SID bundle"), e.getMessage());
  }
}
