package io.github.mmesid.llm.llama;

import io.github.mmesid.core.Finite;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.io.safetensors.SafetensorsDType;
import io.github.mmesid.core.io.safetensors.SafetensorsReader;
import io.github.mmesid.core.io.safetensors.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The float32 weights of a Llama backbone, each in direct (off-heap) memory so that ONNX Runtime
 * binds them in place: F32 checkpoint tensors stay memory-mapped when their bytes are 4-byte
 * aligned (no copy at all), F16 and BF16 tensors are converted once, a chunk at a time, into one
 * direct float32 buffer each. The weights therefore exist once in memory; nothing is staged on the
 * Java heap. An embedding table larger than one buffer can hold ({@link HostTensor#MAX_BYTES}) is
 * kept as several row blocks.
 *
 * <p>Every tensor is checked for NaN and infinity once, when the weights are made (loaded,
 * built from values or replaced), in one streaming pass over its float32 buffer; a failure names
 * the tensor and the first bad element.
 *
 * <p>Instances are immutable; {@link #withReplaced} shares the unchanged tensors.
 */
public final class LlamaWeights {
  private final LlamaConfig config;
  private final Map<String, TensorData> tensors;
  private final List<TensorData> embedding;
  private final long embeddingBlockRows;

  private LlamaWeights(LlamaConfig config, Map<String, TensorData> tensors,
      List<TensorData> embedding, long embeddingBlockRows) {
    this.config = config;
    this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    this.embedding = List.copyOf(embedding);
    this.embeddingBlockRows = embeddingBlockRows;
  }

  /**
   * How a checkpoint is loaded.
   *
   * @param embeddings load the token embedding table (needed for the token-id path; MME-SID
   *     feeds {@code inputs_embeds} and may skip it)
   * @param mapFloat32 bind 4-byte-aligned F32 tensors straight from the memory-mapped file
   *     instead of copying them
   */
  public record LoadOptions(boolean embeddings, boolean mapFloat32) {
    /**
     * Everything, F32 memory-mapped.
     *
     * @return the default options
     */
    public static LoadOptions defaults() {
      return new LoadOptions(true, true);
    }
  }

  // ------------------------------------------------------------------ loading

  /**
   * Loads a Hugging Face checkpoint directory ({@code config.json} plus {@code
   * model.safetensors} or a sharded set with {@code model.safetensors.index.json}).
   *
   * @param directory the checkpoint directory
   * @return the weights
   * @throws IllegalArgumentException if the config is invalid or tensors are missing, unknown or
   *     mis-shaped (one message lists them all)
   * @throws java.io.UncheckedIOException on IO failure
   */
  public static LlamaWeights load(Path directory) {
    return load(directory, LoadOptions.defaults());
  }

  /**
   * Loads a checkpoint directory with options.
   *
   * @param directory the checkpoint directory
   * @param options what to load and how
   * @return the weights
   * @throws IllegalArgumentException see {@link #load(Path)}
   */
  public static LlamaWeights load(Path directory, LoadOptions options) {
    if (!Files.isDirectory(directory)) {
      throw new IllegalArgumentException(directory + " is not a directory; a Hugging Face "
          + "checkpoint directory with config.json and model.safetensors is expected");
    }
    LlamaConfig config = LlamaConfig.read(directory);
    try (SafetensorsReader reader = SafetensorsReader.open(directory)) {
      return load(config, reader, options);
    }
  }

  /**
   * Loads the backbone tensors from an open reader. Every problem is collected first: missing
   * tensors, unknown tensors (other than the LM head and rotary buffers, which are known and
   * skipped), tensors of the wrong shape and tensors of a non-floating-point dtype are reported
   * in one {@link IllegalArgumentException}.
   *
   * @param config the architecture
   * @param reader the safetensors reader (may be closed afterwards: mapped buffers stay valid)
   * @param options what to load and how
   * @return the weights
   */
  public static LlamaWeights load(LlamaConfig config, SafetensorsReader reader,
      LoadOptions options) {
    Map<String, long[]> expected = LlamaTensorNames.backboneShapes(config);
    boolean bare = LlamaTensorNames.isBareLayout(reader.names());
    Map<String, String> fileName = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>();
    for (String n : reader.names()) {
      String norm = LlamaTensorNames.normalize(n, bare);
      if (expected.containsKey(norm)) {
        fileName.put(norm, n);
      } else if (!LlamaTensorNames.isKnownUnused(norm)) {
        unknown.add(n);
      }
    }
    List<String> missing = new ArrayList<>();
    List<String> misShaped = new ArrayList<>();
    List<String> badType = new ArrayList<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      String f = fileName.get(e.getKey());
      if (f == null) {
        missing.add(e.getKey());
        continue;
      }
      TensorInfo info = reader.tensor(f);
      if (!Arrays.equals(info.shape(), e.getValue())) {
        misShaped.add(f + " is " + LlamaTensorNames.shape(info.shape()) + ", expected "
            + LlamaTensorNames.shape(e.getValue()));
      }
      if (!info.dtype().isFloatingPoint()) {
        badType.add(f + " is " + info.dtype());
      }
    }
    if (!missing.isEmpty() || !unknown.isEmpty() || !misShaped.isEmpty() || !badType.isEmpty()) {
      StringBuilder b = new StringBuilder(reader.path() + ": checkpoint does not match " + config
          + ":");
      if (!missing.isEmpty()) {
        b.append("\n  missing tensors (").append(missing.size()).append("): ")
            .append(limit(missing));
      }
      if (!unknown.isEmpty()) {
        b.append("\n  unknown tensors (").append(unknown.size()).append("): ")
            .append(limit(unknown));
      }
      if (!misShaped.isEmpty()) {
        b.append("\n  mis-shaped tensors (").append(misShaped.size()).append("): ")
            .append(limit(misShaped));
      }
      if (!badType.isEmpty()) {
        b.append("\n  unsupported dtypes (allowed: F32, F16, BF16, F64): ")
            .append(limit(badType));
      }
      throw new IllegalArgumentException(b.toString());
    }
    Map<String, TensorData> out = new LinkedHashMap<>();
    List<TensorData> emb = new ArrayList<>();
    long blockRows = 0;
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      String name = e.getKey();
      String f = fileName.get(name);
      long[] shape = e.getValue();
      if (name.equals(LlamaTensorNames.EMBED_TOKENS)) {
        if (options.embeddings()) {
          blockRows = embeddingBlockRows(config);
          for (long r0 = 0; r0 < shape[0]; r0 += blockRows) {
            long rows = Math.min(blockRows, shape[0] - r0);
            TensorData block = readRows(reader, f, r0 * shape[1], new long[] {rows, shape[1]},
                options.mapFloat32());
            checkFinite(block, reader.path() + ": tensor '" + f + "' rows " + r0 + ".." + (r0 + rows - 1));
            emb.add(block);
          }
        }
        continue;
      }
      TensorData t = readRows(reader, f, 0, shape, options.mapFloat32());
      checkFinite(t, reader.path() + ": tensor '" + f + "'");
      out.put(name, t);
    }
    return new LlamaWeights(config, out, emb, blockRows);
  }

  /** One pass over a direct float32 tensor; names it and the first NaN/Inf element. */
  private static void checkFinite(TensorData t, String what) {
    Finite.check(t.bytes().asFloatBuffer(), t.shape(), what);
  }

  private static String limit(List<String> items) {
    int max = 20;
    if (items.size() <= max) {
      return String.join(", ", items);
    }
    return String.join(", ", items.subList(0, max)) + ", ... (" + (items.size() - max)
        + " more)";
  }

  static long embeddingBlockRows(LlamaConfig c) {
    long rowBytes = 4L * c.hiddenSize();
    long max = HostTensor.MAX_BYTES / rowBytes;
    if (max < 1) {
      throw new IllegalArgumentException("hidden_size " + c.hiddenSize() + " is too large: one "
          + "embedding row exceeds " + HostTensor.MAX_BYTES + " bytes");
    }
    return Math.min(max, c.vocabSize());
  }

  private static TensorData readRows(SafetensorsReader reader, String name, long firstElement,
      long[] shape, boolean map) {
    long n = shape[0] * (shape.length > 1 ? shape[1] : 1);
    long bytes = 4 * n;
    if (bytes > HostTensor.MAX_BYTES) {
      throw new IllegalArgumentException(reader.path() + ": tensor '" + name + "' needs " + bytes
          + " bytes as float32, more than one buffer can hold (" + HostTensor.MAX_BYTES
          + "); only the embedding table is split into row blocks");
    }
    TensorInfo info = reader.tensor(name);
    if (map && info.dtype() == SafetensorsDType.F32
        && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      ByteBuffer mapped = reader.slice(name, 4 * firstElement, (int) bytes);
      if (mapped.isDirect() && mapped.alignmentOffset(0, 4) == 0) {
        return TensorData.wrap(DType.FLOAT32, shape, mapped);
      }
    }
    ByteBuffer buf = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer fb = buf.asFloatBuffer();
    reader.readInto(name, firstElement, fb);
    return TensorData.wrap(DType.FLOAT32, shape, buf);
  }

  // ------------------------------------------------------------------ construction

  /**
   * Random weights with Hugging Face's initialisation (projections and embeddings {@code N(0,
   * 0.02^2)}), except that the RMSNorm weights are {@code 1 + N(0, 0.1^2)} instead of exactly one
   * so that tests exercise them. Deterministic in {@code seed} and each tensor's name.
   *
   * @param config the architecture
   * @param seed the seed
   * @return the weights, embedding included
   */
  public static LlamaWeights random(LlamaConfig config, long seed) {
    Map<String, TensorData> m = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : LlamaTensorNames.backboneShapes(config).entrySet()) {
      long[] s = e.getValue();
      TensorData d = s.length == 1
          ? Initializers.normal(1.0, 0.1).create(seed, e.getKey(), DType.FLOAT32, s)
          : Initializers.normal(0.02).create(seed, e.getKey(), DType.FLOAT32, s);
      m.put(e.getKey(), d);
    }
    return of(config, m);
  }

  /**
   * Weights from values by Hugging Face name (float32 or float64, converted to direct float32).
   *
   * @param config the architecture
   * @param values every tensor of {@link LlamaTensorNames#backboneShapes}, embedding included
   * @return the weights
   * @throws IllegalArgumentException if a tensor is missing, unknown or mis-shaped
   */
  public static LlamaWeights of(LlamaConfig config, Map<String, TensorData> values) {
    return of(config, values, embeddingBlockRows(config));
  }

  /** As {@link #of(LlamaConfig, Map)} with a given embedding block size (tests). */
  static LlamaWeights of(LlamaConfig config, Map<String, TensorData> values, long blockRows) {
    Map<String, long[]> expected = LlamaTensorNames.backboneShapes(config);
    Set<String> problems = new TreeSet<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      TensorData d = values.get(e.getKey());
      if (d == null) {
        problems.add("missing " + e.getKey());
      } else if (!Arrays.equals(d.shape(), e.getValue())) {
        problems.add(e.getKey() + " is " + LlamaTensorNames.shape(d.shape()) + ", expected "
            + LlamaTensorNames.shape(e.getValue()));
      }
    }
    for (String n : values.keySet()) {
      if (!expected.containsKey(n)) {
        problems.add("unknown " + n);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("Llama weights do not match " + config + ": "
          + problems);
    }
    Map<String, TensorData> out = new LinkedHashMap<>();
    List<TensorData> emb = new ArrayList<>();
    for (String n : expected.keySet()) {
      TensorData d = values.get(n);
      if (n.equals(LlamaTensorNames.EMBED_TOKENS)) {
        long[] s = d.shape();
        for (long r0 = 0; r0 < s[0]; r0 += blockRows) {
          long rows = Math.min(blockRows, s[0] - r0);
          TensorData block = toDirect(d, r0 * s[1], new long[] {rows, s[1]});
          checkFinite(block, "Llama tensor '" + n + "' rows " + r0 + ".." + (r0 + rows - 1));
          emb.add(block);
        }
      } else {
        TensorData t = toDirect(d, 0, d.shape());
        checkFinite(t, "Llama tensor '" + n + "'");
        out.put(n, t);
      }
    }
    return new LlamaWeights(config, out, emb, blockRows);
  }

  /**
   * Copies (part of) a float32 or float64 value into a direct float32 buffer; a direct float32
   * value covering the whole range is returned as is.
   */
  static TensorData toDirect(TensorData d, long firstElement, long[] shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    if (d.isDirect() && d.dtype() == DType.FLOAT32 && firstElement == 0 && n == d.numel()) {
      return d;
    }
    if (d.dtype() != DType.FLOAT32 && d.dtype() != DType.FLOAT64) {
      throw new IllegalArgumentException("Llama weights must be FLOAT32 or FLOAT64, got " + d);
    }
    ByteBuffer buf = ByteBuffer.allocateDirect(Math.toIntExact(4 * n))
        .order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer fb = buf.asFloatBuffer();
    ByteBuffer src = d.bytes();
    int w = d.dtype().byteSize();
    for (long i = 0; i < n; i++) {
      int at = Math.toIntExact((firstElement + i) * w);
      fb.put(w == 4 ? src.getFloat(at) : (float) src.getDouble(at));
    }
    return TensorData.wrap(DType.FLOAT32, shape, buf);
  }

  /**
   * The same weights with some tensors replaced (e.g. LoRA-merged projections); unchanged
   * tensors are shared, not copied.
   *
   * @param replacements new values by Hugging Face name, each of the original shape
   * @return new weights
   * @throws IllegalArgumentException if a name is unknown or a shape differs
   */
  public LlamaWeights withReplaced(Map<String, TensorData> replacements) {
    Map<String, TensorData> m = new LinkedHashMap<>(tensors);
    for (Map.Entry<String, TensorData> e : replacements.entrySet()) {
      TensorData old = m.get(e.getKey());
      if (old == null) {
        throw new IllegalArgumentException("Cannot replace '" + e.getKey()
            + "': not a backbone tensor other than the embedding; known: " + m.keySet());
      }
      if (!Arrays.equals(old.shape(), e.getValue().shape())) {
        throw new IllegalArgumentException("Replacement for '" + e.getKey() + "' is "
            + LlamaTensorNames.shape(e.getValue().shape()) + ", expected "
            + LlamaTensorNames.shape(old.shape()));
      }
      TensorData t = toDirect(e.getValue(), 0, e.getValue().shape());
      checkFinite(t, "replacement for Llama tensor '" + e.getKey() + "'");
      m.put(e.getKey(), t);
    }
    return new LlamaWeights(config, m, embedding, embeddingBlockRows);
  }

  // ------------------------------------------------------------------ access

  /**
   * The architecture.
   *
   * @return the config
   */
  public LlamaConfig config() {
    return config;
  }

  /**
   * One backbone tensor other than the embedding table (use {@link #embeddingBlocks()}).
   *
   * @param name the Hugging Face name
   * @return the float32 value
   * @throws IllegalArgumentException if unknown
   */
  public TensorData tensor(String name) {
    TensorData d = tensors.get(name);
    if (d == null) {
      throw new IllegalArgumentException("No backbone tensor '" + name + "'"
          + (name.equals(LlamaTensorNames.EMBED_TOKENS)
              ? "; the embedding table is held in row blocks, see embeddingBlocks()"
              : "; known: " + tensors.keySet()));
    }
    return d;
  }

  /**
   * All tensors except the embedding table, by Hugging Face name in model order.
   *
   * @return an unmodifiable map
   */
  public Map<String, TensorData> tensors() {
    return tensors;
  }

  /**
   * Whether the token embedding table was loaded.
   *
   * @return true if {@link #embeddingBlocks()} is not empty
   */
  public boolean hasEmbeddings() {
    return !embedding.isEmpty();
  }

  /**
   * The token embedding table as consecutive row blocks, each {@code [rows, hidden]} float32 (one
   * block unless the table exceeds {@link HostTensor#MAX_BYTES}).
   *
   * @return the blocks, empty if not loaded
   */
  public List<TensorData> embeddingBlocks() {
    return embedding;
  }

  /**
   * Rows per embedding block (every block but the last has this many).
   *
   * @return the row count, 0 if the embedding is not loaded
   */
  public long embeddingBlockRows() {
    return embeddingBlockRows;
  }

  /**
   * Looks token embeddings up on the host (for prompts fed as {@code inputs_embeds}).
   *
   * @param ids token ids, each in {@code [0, vocab)}
   * @return {@code ids.length * hidden} floats in row-major order
   * @throws IllegalArgumentException if an id is out of range or the table was not loaded
   */
  public float[] embed(long[] ids) {
    if (!hasEmbeddings()) {
      throw new IllegalArgumentException("The embedding table was not loaded; load with "
          + "LoadOptions.embeddings = true");
    }
    int h = config.hiddenSize();
    float[] out = new float[Math.multiplyExact(ids.length, h)];
    for (int i = 0; i < ids.length; i++) {
      long id = ids[i];
      if (id < 0 || id >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + id + " at position " + i
            + " is out of range; allowed: [0, " + config.vocabSize() + ")");
      }
      TensorData block = embedding.get((int) (id / embeddingBlockRows));
      long row = id % embeddingBlockRows;
      FloatBuffer fb = block.bytes().asFloatBuffer();
      fb.get(Math.toIntExact(row * h), out, i * h, h);
    }
    return out;
  }

  /**
   * Bytes of float32 weight data held (embedding included).
   *
   * @return the byte count
   */
  public long byteSize() {
    long n = 0;
    for (TensorData d : tensors.values()) {
      n += d.byteSize();
    }
    for (TensorData d : embedding) {
      n += d.byteSize();
    }
    return n;
  }

  @Override
  public String toString() {
    return "LlamaWeights[" + config + ", " + tensors.size() + " tensors + embedding in "
        + embedding.size() + " block(s), " + byteSize() + " bytes]";
  }
}
