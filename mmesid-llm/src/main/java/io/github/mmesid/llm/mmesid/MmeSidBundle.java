package io.github.mmesid.llm.mmesid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mmesid.core.Finite;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.io.AtomicFiles;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.core.io.safetensors.SafetensorsFile;
import io.github.mmesid.core.io.safetensors.SafetensorsWriter;
import io.github.mmesid.core.io.safetensors.TensorInfo;
import io.github.mmesid.llm.llama.LlamaCheckpointWriter;
import io.github.mmesid.llm.llama.LlamaConfig;
import io.github.mmesid.llm.llama.LlamaWeights;
import io.github.mmesid.llm.llama.TrainingMode;
import io.github.mmesid.llm.lora.LoraAdapters;
import io.github.mmesid.llm.lora.LoraConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Saving and loading MME-SID bundles (format described in {@code docs/BUNDLE.md}): a directory
 * with {@value #MANIFEST} (format, version, config, modalities, prompt, backbone description and,
 * for a checkpoint backbone, the base model's identity), {@value #WEIGHTS} (every item-side
 * tensor: modality tables, codes, frequency feature, projections, SID embeddings, fusion MLP,
 * heads, prompt token table), and the backbone: {@value #BACKBONE_DIR}/ as a Hugging Face
 * checkpoint for a backbone trained from scratch or in full, {@value #ADAPTER_DIR}/ as PEFT
 * files for LoRA, nothing for a frozen checkpoint backbone (the base model is given at load).
 */
final class MmeSidBundle {
  static final String FORMAT = "mmesid-recommender";
  static final int FORMAT_VERSION = 1;
  static final String MANIFEST = "mmesid.json";
  static final String WEIGHTS = "model.safetensors";
  static final String BACKBONE_DIR = "backbone";
  static final String ADAPTER_DIR = "adapter";
  private static final long MAX_ITEMS = 100_000_000L;

  private MmeSidBundle() {}

  // ------------------------------------------------------------------ save

  static void save(MmeSidRecommender rec, Path dir, Path baseModel) {
    MmeSidSpec spec = rec.spec();
    Path abs = dir.toAbsolutePath();
    Path parent = abs.getParent();
    Path tmp;
    try {
      Files.createDirectories(parent);
      tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a bundle next to " + dir + ": " + e, e);
    }
    try {
      SafetensorsWriter w = new SafetensorsWriter().putMetadata("format", FORMAT);
      for (Map.Entry<String, TensorData> e : rec.values().entrySet()) {
        TensorData d = e.getValue();
        if (d.dtype() == DType.INT64) {
          w.addInt64(e.getKey(), d.shape(), toLongs(d));
        } else {
          w.addFloat32(e.getKey(), d.shape(), d.toFloats());
        }
      }
      w.write(tmp.resolve(WEIGHTS));
      ObjectNode backbone = Json.mapper().createObjectNode();
      backbone.put("kind", spec.checkpoint() ? "checkpoint" : "preset");
      backbone.put("mode", spec.mode().name());
      backbone.set("llama_config", Json.parse(spec.llama().toJson(), "llama config"));
      if (spec.mode() == TrainingMode.FULL || !spec.checkpoint()) {
        LlamaCheckpointWriter.write(tmp.resolve(BACKBONE_DIR), withPromptTable(rec),
            LlamaCheckpointWriter.Format.singleF32(), 0);
      }
      if (spec.mode() == TrainingMode.LORA) {
        rec.adapters().save(tmp.resolve(ADAPTER_DIR), baseModel == null ? null
            : baseModel.toString());
      }
      if (spec.checkpoint() && spec.mode() != TrainingMode.FULL) {
        if (baseModel == null) {
          throw new IllegalArgumentException("this model adapts a Hugging Face checkpoint; give "
              + "its directory so that the bundle records the base model's identity");
        }
        backbone.set("base_model", identity(baseModel));
      }
      ObjectNode root = Json.mapper().createObjectNode();
      root.put("format", FORMAT);
      root.put("format_version", FORMAT_VERSION);
      root.put("num_items", spec.numItems());
      root.set("config", Json.toTree(spec.config()));
      ArrayNode mods = root.putArray("modalities");
      for (MmeSidSpec.Modality m : spec.modalities()) {
        mods.add(Json.toTree(m));
      }
      ObjectNode prompt = root.putObject("prompt");
      prompt.set("tokens", Json.toTree(spec.promptTokens()));
      prompt.set("prefix", Json.toTree(spec.prefixLocal()));
      prompt.set("suffix", Json.toTree(spec.suffixLocal()));
      root.set("backbone", backbone);
      Json.writeFile(tmp.resolve(MANIFEST), root);
      replace(tmp, abs);
      tmp = null;
    } finally {
      if (tmp != null) {
        deleteTree(tmp);
      }
    }
  }

  /** A preset backbone's weights with the trained prompt table as its token table. */
  private static LlamaWeights withPromptTable(MmeSidRecommender rec) {
    LlamaWeights w = rec.backboneWeights();
    Map<String, TensorData> all = new LinkedHashMap<>(w.tensors());
    if (!rec.spec().checkpoint()) {
      all.put(io.github.mmesid.llm.llama.LlamaTensorNames.EMBED_TOKENS,
          rec.values().get(MmeSidNet.PROMPT_EMBED));
      return LlamaWeights.of(w.config(), all);
    }
    return w;
  }

  private static long[] toLongs(TensorData d) {
    ByteBuffer b = d.bytes().order(ByteOrder.LITTLE_ENDIAN);
    long[] out = new long[b.remaining() / 8];
    b.asLongBuffer().get(out);
    return out;
  }

  /** Moves a finished temporary bundle into place, replacing an older bundle there. */
  private static void replace(Path tmp, Path target) {
    try {
      Path old = null;
      if (Files.exists(target)) {
        if (!Files.isDirectory(target)) {
          throw new IllegalArgumentException(target + " exists and is not a directory; a bundle "
              + "is a directory");
        }
        if (!isEmpty(target) && !Files.isRegularFile(target.resolve(MANIFEST))) {
          throw new IllegalArgumentException(target + " is a non-empty directory without "
              + MANIFEST + "; refusing to replace it (choose an empty or new directory)");
        }
        old = target.resolveSibling("." + target.getFileName() + ".old");
        deleteTree(old);
        AtomicFiles.move(target, old);
      }
      AtomicFiles.move(tmp, target);
      if (old != null) {
        deleteTree(old);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move the bundle into " + target + ": "
          + AtomicFiles.reason(e), e);
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      return !s.iterator().hasNext();
    }
  }

  private static void deleteTree(Path p) {
    if (p == null || !Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(x);
      }
    } catch (IOException e) {
      // best effort: what matters is the error that made us clean up
    }
  }

  /** Data chunks sampled per safetensors file for the identity, and their size. */
  private static final int ID_CHUNKS = 64;
  private static final int ID_CHUNK_BYTES = 64 << 10;

  /**
   * The identity of a Hugging Face checkpoint: SHA-256 of its {@code config.json}, of every
   * safetensors file's name, size and header (tensor names, dtypes, shapes, offsets), and of
   * {@value #ID_CHUNKS} evenly spaced {@value #ID_CHUNK_BYTES}-byte chunks of each file's data.
   * It tells checkpoints apart (two models of one architecture differ in every sampled chunk)
   * while reading a few MiB of an 8B model; it is not a proof of the weights' integrity.
   */
  static ObjectNode identity(Path checkpoint) {
    ObjectNode o = Json.mapper().createObjectNode();
    o.put("path", checkpoint.toAbsolutePath().toString());
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      Path config = checkpoint.resolve(LlamaConfig.FILE_NAME);
      md.update(Files.readAllBytes(config));
      List<Path> files;
      try (Stream<Path> s = Files.list(checkpoint)) {
        files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted()
            .toList();
      }
      if (files.isEmpty()) {
        throw new IllegalArgumentException(checkpoint + " holds no .safetensors file; a Hugging "
            + "Face checkpoint directory is expected");
      }
      ArrayNode names = o.putArray("files");
      for (Path f : files) {
        names.add(f.getFileName().toString());
        md.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
        md.update(ByteBuffer.allocate(8).putLong(Files.size(f)).array());
        try (InputStream in = Files.newInputStream(f)) {
          byte[] len = in.readNBytes(8);
          if (len.length < 8) {
            throw new IllegalArgumentException(f + " is too short to be a safetensors file");
          }
          long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
          if (n < 2 || n > (100L << 20)) {
            throw new IllegalArgumentException(f + ": safetensors header length " + n
                + " is not plausible; allowed 2..104857600");
          }
          md.update(in.readNBytes((int) n));
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
          long size = ch.size();
          ByteBuffer chunk = ByteBuffer.allocate(ID_CHUNK_BYTES);
          for (int c = 0; c < ID_CHUNKS; c++) {
            long at = size <= ID_CHUNK_BYTES ? 0 : (size - ID_CHUNK_BYTES) * c / (ID_CHUNKS - 1);
            chunk.clear();
            while (chunk.hasRemaining() && ch.read(chunk, at + chunk.position()) > 0) {
              // read until the chunk is full or the file ends
            }
            chunk.flip();
            md.update(chunk);
          }
        }
      }
      o.put("sha256", HexFormat.of().formatHex(md.digest()));
      return o;
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(checkpoint + " is not a Hugging Face checkpoint directory: "
          + "missing " + e.getFile(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + checkpoint + ": " + e, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }

  // ------------------------------------------------------------------ load

  /**
   * Whether a bundle adapts a Hugging Face checkpoint that must be given at load (LoRA or frozen
   * checkpoint backbone), read from its manifest.
   */
  static boolean requiresBaseModel(Path dir) {
    Path manifest = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(manifest)) {
      throw new IllegalArgumentException(dir + " is not an MME-SID bundle: " + MANIFEST
          + " is missing");
    }
    JsonNode root = Json.readTree(manifest);
    if (!FORMAT.equals(root.path("format").asText())) {
      throw new IllegalArgumentException(manifest + ": \"format\" is " + root.path("format")
          + "; expected \"" + FORMAT + "\"");
    }
    JsonNode bb = root.path("backbone");
    return "checkpoint".equals(bb.path("kind").asText())
        && !TrainingMode.FULL.name().equals(bb.path("mode").asText());
  }

  static MmeSidRecommender load(Path dir, Path baseModel, RuntimeOptions runtime) {
    Path manifest = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(manifest)) {
      throw new IllegalArgumentException(dir + " is not an MME-SID bundle: " + MANIFEST
          + " is missing");
    }
    JsonNode root = Json.readTree(manifest);
    String where = manifest.toString();
    if (!FORMAT.equals(root.path("format").asText())) {
      throw new IllegalArgumentException(where + ": \"format\" is " + root.path("format")
          + "; expected \"" + FORMAT + "\"");
    }
    if (root.path("format_version").asInt(-1) != FORMAT_VERSION) {
      throw new IllegalArgumentException(where + ": format_version " + root.path("format_version")
          + " is not supported; allowed: " + FORMAT_VERSION);
    }
    long n = root.path("num_items").asLong(-1);
    if (n < 1 || n > MAX_ITEMS) {
      throw new IllegalArgumentException(where + ": num_items = " + root.path("num_items")
          + "; allowed 1.." + MAX_ITEMS);
    }
    MmeSidConfig config = Json.readConfig(root.path("config"), MmeSidConfig.class,
        MmeSidConfig.builder().build(), where + " \"config\"");
    List<MmeSidSpec.Modality> mods = new ArrayList<>();
    JsonNode ms = root.path("modalities");
    if (!ms.isArray() || ms.isEmpty() || ms.size() > 64) {
      throw new IllegalArgumentException(where + ": \"modalities\" must be an array of 1..64 "
          + "entries");
    }
    for (JsonNode m : ms) {
      MmeSidSpec.Modality mod = Json.readConfig(m, MmeSidSpec.Modality.class,
          new MmeSidSpec.Modality("m", 1, 0, 0, 0), where + " \"modalities\"");
      if (mod.dim() < 1 || mod.levels() < 0 || mod.codebookSize() < 0 || mod.sidDim() < 0) {
        throw new IllegalArgumentException(where + ": modality " + mod + " has invalid sizes");
      }
      mods.add(mod);
    }
    JsonNode prompt = root.path("prompt");
    long[] tokens = longs(prompt.path("tokens"), where + " prompt.tokens");
    int[] prefix = ints(prompt.path("prefix"), tokens.length, where + " prompt.prefix");
    int[] suffix = ints(prompt.path("suffix"), tokens.length, where + " prompt.suffix");
    JsonNode bb = root.path("backbone");
    boolean checkpoint = "checkpoint".equals(bb.path("kind").asText());
    TrainingMode mode;
    try {
      mode = TrainingMode.valueOf(bb.path("mode").asText());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": backbone.mode = " + bb.path("mode")
          + "; allowed: " + Arrays.toString(TrainingMode.values()), e);
    }
    LlamaConfig llama = LlamaConfig.parse(bb.path("llama_config").toString(),
        where + " backbone.llama_config");
    LlamaWeights weights;
    LoraAdapters adapters = null;
    if (mode == TrainingMode.FULL || !checkpoint) {
      Path b = dir.resolve(BACKBONE_DIR);
      weights = LlamaWeights.load(b);
      checkSameArchitecture(weights.config(), llama, b.toString());
    } else {
      if (baseModel == null) {
        throw new IllegalArgumentException(dir + " adapts the Hugging Face checkpoint "
            + bb.path("base_model").path("path").asText() + "; give that directory to load it");
      }
      String expected = bb.path("base_model").path("sha256").asText();
      String actual = identity(baseModel).path("sha256").asText();
      if (!expected.equals(actual)) {
        throw new IllegalArgumentException("the base model " + baseModel + " is not the one "
            + dir + " was trained on (" + bb.path("base_model").path("path").asText()
            + "): identity sha256 " + actual + " differs from the recorded " + expected);
      }
      weights = LlamaWeights.load(baseModel);
      checkSameArchitecture(weights.config(), llama, baseModel.toString());
    }
    // LoRA adapters: over a checkpoint, or over a stored preset backbone trained with LoRA
    if (mode == TrainingMode.LORA) {
      LoraConfig lc = LoraConfig.read(dir.resolve(ADAPTER_DIR));
      if (!lc.equals(config.loraConfig())) {
        throw new IllegalArgumentException(dir.resolve(ADAPTER_DIR) + ": adapter config " + lc
            + " differs from the bundle config's LoRA settings " + config.loraConfig());
      }
      adapters = LoraAdapters.load(dir.resolve(ADAPTER_DIR), weights.config());
      for (Map.Entry<String, TensorData> e : adapters.tensors().entrySet()) {
        Finite.check(e.getValue().toFloats(), e.getValue().shape(),
            dir.resolve(ADAPTER_DIR) + " tensor " + e.getKey());
      }
    }
    MmeSidSpec spec = new MmeSidSpec(config, (int) n, mods, weights.config(), mode, checkpoint,
        tokens, prefix, suffix);
    Map<String, TensorData> values = readWeights(dir.resolve(WEIGHTS), spec);
    return MmeSidRecommender.create(spec, values, weights, adapters, runtime, true);
  }

  /** The same architecture; the stored dtype name may differ (the bundle stores float32). */
  private static void checkSameArchitecture(LlamaConfig actual, LlamaConfig expected, String where) {
    if (!actual.withDtypeAndTie(null, false).equals(expected.withDtypeAndTie(null, false))) {
      throw new IllegalArgumentException(where + " holds a backbone " + actual
          + " but the bundle describes " + expected);
    }
  }

  /** Reads and checks every tensor the spec implies (names, dtypes, shapes, finite, code ranges). */
  private static Map<String, TensorData> readWeights(Path file, MmeSidSpec spec) {
    Map<String, long[]> expected = expectedShapes(spec);
    Map<String, TensorData> out = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      TreeSet<String> missing = new TreeSet<>(expected.keySet());
      missing.removeAll(f.tensors().keySet());
      TreeSet<String> extra = new TreeSet<>(f.tensors().keySet());
      extra.removeAll(expected.keySet());
      if (!missing.isEmpty() || !extra.isEmpty()) {
        throw new IllegalArgumentException(file + " does not match the manifest: missing "
            + missing + ", unexpected " + extra);
      }
      for (Map.Entry<String, long[]> e : expected.entrySet()) {
        String name = e.getKey();
        TensorInfo t = f.tensor(name);
        if (!Arrays.equals(t.shape(), e.getValue())) {
          throw new IllegalArgumentException(file + ": tensor '" + name + "' has shape "
              + Arrays.toString(t.shape()) + "; the manifest implies "
              + Arrays.toString(e.getValue()));
        }
        boolean codes = name.endsWith(".codes");
        if (codes) {
          if (!"I64".equals(t.dtype().name())) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' has dtype "
                + t.dtype() + "; allowed: I64");
          }
          ByteBuffer raw = f.slice(name, 0, Math.toIntExact(t.byteLength()))
              .order(ByteOrder.LITTLE_ENDIAN);
          long[] v = new long[(int) t.elementCount()];
          raw.asLongBuffer().get(v);
          long k = codebookSize(spec, name);
          for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= k) {
              throw new IllegalArgumentException(file + ": tensor '" + name + "' element " + i
                  + " = " + v[i] + " is not a code; allowed 0.." + (k - 1));
            }
          }
          out.put(name, TensorData.ofLongs(t.shape(), v));
        } else {
          if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' has dtype "
                + t.dtype() + "; allowed: a floating-point type");
          }
          float[] v = f.readFloat32(name);
          Finite.check(v, t.shape(), file + " tensor '" + name + "'");
          out.put(name, TensorData.ofFloats(t.shape(), v));
        }
      }
    }
    return out;
  }

  private static long codebookSize(MmeSidSpec spec, String codesName) {
    for (MmeSidSpec.Modality m : spec.modalities()) {
      if (MmeSidNet.codes(m.name()).equals(codesName)) {
        return m.codebookSize();
      }
    }
    return 0;
  }

  /** Every tensor of {@value #WEIGHTS} with its shape. */
  static Map<String, long[]> expectedShapes(MmeSidSpec spec) {
    Map<String, long[]> m = new LinkedHashMap<>(MmeSidNet.trainableShapes(spec));
    int n = spec.numItems();
    m.put(MmeSidNet.PROMPT_EMBED, new long[] {spec.promptTokens().length, spec.hidden()});
    for (MmeSidSpec.Modality mod : spec.modalities()) {
      m.put(MmeSidNet.table(mod.name()), new long[] {n + 1L, mod.dim()});
      if (spec.config().sidEmbeddings()) {
        m.put(MmeSidNet.codes(mod.name()), new long[] {n + 1L, mod.levels()});
      }
    }
    if (spec.config().scoring() == MmeSidConfig.Scoring.FUSED) {
      m.put(MmeSidNet.FREQ, new long[] {n + 1L, 1});
    }
    return m;
  }

  private static long[] longs(JsonNode a, String where) {
    if (!a.isArray() || a.isEmpty() || a.size() > 100_000) {
      throw new IllegalArgumentException(where + " must be a non-empty array of token ids");
    }
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      if (!a.get(i).canConvertToLong() || a.get(i).asLong() < 0) {
        throw new IllegalArgumentException(where + "[" + i + "] = " + a.get(i)
            + " is not a token id (an integer >= 0)");
      }
      out[i] = a.get(i).asLong();
    }
    return out;
  }

  private static int[] ints(JsonNode a, int bound, String where) {
    if (!a.isArray() || a.size() > 100_000) {
      throw new IllegalArgumentException(where + " must be an array of indices into the tokens");
    }
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      int v = a.get(i).asInt(-1);
      if (!a.get(i).isInt() || v < 0 || v >= bound) {
        throw new IllegalArgumentException(where + "[" + i + "] = " + a.get(i)
            + " is not an index into the " + bound + " prompt tokens");
      }
      out[i] = v;
    }
    return out;
  }
}
