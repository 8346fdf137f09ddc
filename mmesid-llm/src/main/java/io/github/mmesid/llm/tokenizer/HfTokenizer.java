package io.github.mmesid.llm.tokenizer;

import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A Hugging Face fast tokenizer loaded from {@code tokenizer.json} (plus, optionally,
 * {@code tokenizer_config.json} for the BOS/EOS/PAD token names and the chat template), run by the
 * native Rust {@code tokenizers} library that DJL ({@code ai.djl.huggingface:tokenizers}) bundles.
 *
 * <p><b>Offline.</b> DJL contacts a cloud metadata address for telemetry and, when it detects
 * CUDA, may download a GPU build of its native library, unless told not to. The static
 * initializer of this class therefore sets the system properties {@code ai.djl.offline=true} and
 * (when neither the environment nor a system property already decides it)
 * {@code OPT_OUT_TRACKING=true} before any DJL tokenizer is created; if the environment variable
 * {@code DJL_OFFLINE} is set to something other than {@code true} (environment variables win over
 * system properties in DJL), it also sets {@code RUST_FLAVOR=cpu} so that the CPU library bundled
 * in the jar is used instead of a download. Deployments should still export
 * {@code OPT_OUT_TRACKING=true DJL_OFFLINE=true} (the build's test runner and {@code .ci/run} do).
 * The bundled native library is extracted once to DJL's cache, {@code ~/.djl.ai/tokenizers/}
 * (or {@code $DJL_CACHE_DIR}/{@code $ENGINE_CACHE_DIR}; {@code java.io.tmpdir} when the home
 * directory is not writable), and loaded from there; nothing is downloaded.
 *
 * <p><b>Behaviour.</b> Encoding never truncates or pads (DJL's defaults would truncate to 512
 * tokens); {@code addSpecialTokens} applies the file's post-processor (for example a
 * {@code TemplateProcessing} that prepends BOS); special tokens written literally in the text,
 * such as {@code <|begin_of_text|>}, are always recognised as single tokens. Decoding performs no
 * clean-up of spaces, so {@code decode(encode(s, false), false)} reproduces {@code s} for
 * byte-level BPE tokenizers such as Llama 3's.
 *
 * <p><b>Untrusted files.</b> Sizes are checked before reading ({@link #MAX_TOKENIZER_JSON_BYTES},
 * {@link #MAX_CONFIG_JSON_BYTES}), the JSON is parsed and its vocabulary and added tokens are
 * validated in Java before the native library sees it; every error names the file.
 *
 * <p><b>Threads.</b> Encoding and decoding are thread-safe and run concurrently; {@link #close()}
 * waits for calls in progress, is idempotent, and later calls fail with
 * {@link IllegalStateException}.
 */
public final class HfTokenizer implements AutoCloseable {

  /** File name of the tokenizer definition inside a tokenizer directory. */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  /** File name of the optional tokenizer configuration inside a tokenizer directory. */
  public static final String CONFIG_FILE = "tokenizer_config.json";

  /** Largest {@code tokenizer.json} accepted (256 MiB; Llama 3's is about 9 MB). */
  public static final long MAX_TOKENIZER_JSON_BYTES = 256L << 20;

  /** Largest {@code tokenizer_config.json} accepted (16 MiB; Llama 3's is about 50 kB). */
  public static final long MAX_CONFIG_JSON_BYTES = 16L << 20;

  /** DJL options: never truncate, never pad (DJL would otherwise default to 512 tokens). */
  private static final Map<String, String> DJL_OPTIONS =
      Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false");

  static {
    configureDjlOffline();
  }

  private final Path source;
  private final Path configSource;
  private final HuggingFaceTokenizer delegate;
  private final int vocabSize;
  private final Map<String, Integer> addedTokens;
  private final Set<Integer> specialIds;
  private final TokenizerFiles.TokenizerConfig config;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private HfTokenizer(Path source, Path configSource, HuggingFaceTokenizer delegate,
      TokenizerFiles.TokenizerJson json, TokenizerFiles.TokenizerConfig config) {
    this.source = source;
    this.configSource = configSource;
    this.delegate = delegate;
    this.vocabSize = json.vocabSize();
    this.addedTokens = json.addedTokens();
    this.specialIds = json.specialIds();
    this.config = config;
  }

  /** Sets DJL's offline/no-telemetry switches; runs once, before any DJL tokenizer exists. */
  private static void configureDjlOffline() {
    System.setProperty("ai.djl.offline", "true");
    if (System.getenv("OPT_OUT_TRACKING") == null && System.getProperty("OPT_OUT_TRACKING") == null) {
      System.setProperty("OPT_OUT_TRACKING", "true");
    }
    String envOffline = System.getenv("DJL_OFFLINE");
    if (envOffline != null && !Boolean.parseBoolean(envOffline)
        && System.getenv("RUST_FLAVOR") == null && System.getProperty("RUST_FLAVOR") == null) {
      System.setProperty("RUST_FLAVOR", "cpu");
    }
  }

  /**
   * Loads a tokenizer from a directory holding {@value #TOKENIZER_FILE} (and optionally
   * {@value #CONFIG_FILE}), or from the path of a {@code tokenizer.json} file, in which case a
   * {@value #CONFIG_FILE} next to it is used when present.
   *
   * @param path a tokenizer directory or a {@code tokenizer.json} file
   * @return the loaded tokenizer; close it when done
   * @throws IllegalArgumentException naming the file if a file is empty, too large, not valid JSON,
   *     not a Hugging Face tokenizer, or rejected by the tokenizers library
   * @throws UncheckedIOException if the path or its {@code tokenizer.json} does not exist or
   *     cannot be read
   */
  public static HfTokenizer load(Path path) {
    Objects.requireNonNull(path, "path");
    Path json;
    Path cfg;
    if (Files.isDirectory(path)) {
      json = path.resolve(TOKENIZER_FILE);
      cfg = path.resolve(CONFIG_FILE);
      if (!Files.isRegularFile(json)) {
        throw new UncheckedIOException(path + ": the directory has no " + TOKENIZER_FILE
            + "; expected a Hugging Face tokenizer directory (" + TOKENIZER_FILE + ", optionally "
            + CONFIG_FILE + ") or the path of a tokenizer.json file",
            new NoSuchFileException(json.toString()));
      }
    } else if (Files.isRegularFile(path)) {
      json = path;
      Path parent = path.toAbsolutePath().getParent();
      cfg = parent == null ? null : parent.resolve(CONFIG_FILE);
    } else {
      throw new UncheckedIOException(path + ": no such file or directory; expected a Hugging Face tokenizer "
          + "directory (" + TOKENIZER_FILE + ", optionally " + CONFIG_FILE + ") or a tokenizer.json file",
          new NoSuchFileException(path.toString()));
    }
    return load(json, cfg != null && Files.isRegularFile(cfg) ? cfg : null);
  }

  /**
   * Loads a tokenizer from an explicit {@code tokenizer.json} and an optional
   * {@code tokenizer_config.json}.
   *
   * @param tokenizerJson the {@code tokenizer.json} file
   * @param tokenizerConfigJson the {@code tokenizer_config.json} file, or {@code null} for none
   * @return the loaded tokenizer; close it when done
   * @throws IllegalArgumentException naming the file if a file is empty, too large, not valid JSON,
   *     not a Hugging Face tokenizer (configuration), or rejected by the tokenizers library
   * @throws UncheckedIOException if a file does not exist or cannot be read
   * @throws IllegalStateException if DJL's native tokenizers library cannot be loaded
   */
  public static HfTokenizer load(Path tokenizerJson, Path tokenizerConfigJson) {
    Objects.requireNonNull(tokenizerJson, "tokenizerJson");
    TokenizerFiles.TokenizerJson json =
        TokenizerFiles.readTokenizerJson(tokenizerJson, MAX_TOKENIZER_JSON_BYTES);
    TokenizerFiles.TokenizerConfig cfg = tokenizerConfigJson == null
        ? TokenizerFiles.TokenizerConfig.NONE
        : TokenizerFiles.readTokenizerConfig(tokenizerConfigJson, MAX_CONFIG_JSON_BYTES);
    HuggingFaceTokenizer nativeTokenizer;
    try {
      nativeTokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.bytes()), DJL_OPTIONS);
    } catch (EngineException e) {
      throw new IllegalStateException("cannot load DJL's native tokenizers library (bundled in the "
          + "ai.djl.huggingface:tokenizers jar for linux-x86_64, linux-aarch64, osx-aarch64, win-x86_64 and "
          + "extracted to ~/.djl.ai/tokenizers): " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(tokenizerJson + ": cannot read tokenizer.json", e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(tokenizerJson + ": the Hugging Face tokenizers library rejected the "
          + "file (a tokenizer.json as written by tokenizers/transformers is required): " + e.getMessage(), e);
    }
    return new HfTokenizer(tokenizerJson, tokenizerConfigJson, nativeTokenizer, json, cfg);
  }

  /**
   * Encodes text into token ids.
   *
   * @param text the text; special tokens written in it (e.g. {@code <|eot_id|>}) become single ids
   * @param addSpecialTokens whether to apply the tokenizer's post-processor (e.g. prepend BOS)
   * @return the token ids
   * @throws IllegalStateException if the tokenizer is closed
   */
  public long[] encode(String text, boolean addSpecialTokens) {
    Objects.requireNonNull(text, "text");
    lock.readLock().lock();
    try {
      ensureOpen();
      return delegate.encode(text, addSpecialTokens, false).getIds();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Encodes text into token ids as {@code int}s (every id is below {@link #vocabSize()}).
   *
   * @param text the text
   * @param addSpecialTokens whether to apply the tokenizer's post-processor
   * @return the token ids
   * @throws IllegalStateException if the tokenizer is closed
   */
  public int[] encodeToInts(String text, boolean addSpecialTokens) {
    long[] ids = encode(text, addSpecialTokens);
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /**
   * Encodes several texts (in parallel inside the native library).
   *
   * @param texts the texts
   * @param addSpecialTokens whether to apply the tokenizer's post-processor
   * @return one id array per text, in order, each unpadded
   * @throws IllegalStateException if the tokenizer is closed
   */
  public long[][] encodeBatch(List<String> texts, boolean addSpecialTokens) {
    Objects.requireNonNull(texts, "texts");
    for (int i = 0; i < texts.size(); i++) {
      Objects.requireNonNull(texts.get(i), () -> "texts contains null");
    }
    if (texts.isEmpty()) {
      return new long[0][];
    }
    lock.readLock().lock();
    try {
      ensureOpen();
      Encoding[] enc = delegate.batchEncode(texts, addSpecialTokens, false);
      long[][] out = new long[enc.length][];
      for (int i = 0; i < enc.length; i++) {
        out[i] = enc[i].getIds();
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Splits text into token strings (in the model's own spelling, e.g. {@code Ġthe} for byte-level
   * BPE), for inspection.
   *
   * @param text the text
   * @param addSpecialTokens whether to apply the tokenizer's post-processor
   * @return the tokens, one per id of {@link #encode(String, boolean)}
   * @throws IllegalStateException if the tokenizer is closed
   */
  public List<String> tokens(String text, boolean addSpecialTokens) {
    Objects.requireNonNull(text, "text");
    lock.readLock().lock();
    try {
      ensureOpen();
      return List.of(delegate.encode(text, addSpecialTokens, false).getTokens());
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Decodes token ids into text, keeping special tokens.
   *
   * @param ids token ids, each in [0, {@link #vocabSize()})
   * @return the text
   * @throws IllegalArgumentException if an id is out of range
   * @throws IllegalStateException if the tokenizer is closed
   */
  public String decode(long[] ids) {
    return decode(ids, false);
  }

  /**
   * Decodes token ids into text.
   *
   * @param ids token ids, each in [0, {@link #vocabSize()})
   * @param skipSpecialTokens whether to leave out tokens marked special
   * @return the text
   * @throws IllegalArgumentException if an id is out of range
   * @throws IllegalStateException if the tokenizer is closed
   */
  public String decode(long[] ids, boolean skipSpecialTokens) {
    Objects.requireNonNull(ids, "ids");
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocabSize) {
        throw new IllegalArgumentException("token id " + ids[i] + " at index " + i + " is out of range; ids must be in [0, "
            + vocabSize + ") for " + source);
      }
    }
    lock.readLock().lock();
    try {
      ensureOpen();
      return delegate.decode(ids, skipSpecialTokens);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Decodes {@code int} token ids into text.
   *
   * @param ids token ids, each in [0, {@link #vocabSize()})
   * @param skipSpecialTokens whether to leave out tokens marked special
   * @return the text
   * @throws IllegalArgumentException if an id is out of range
   * @throws IllegalStateException if the tokenizer is closed
   */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    Objects.requireNonNull(ids, "ids");
    return decode(Arrays.stream(ids).asLongStream().toArray(), skipSpecialTokens);
  }

  /**
   * Returns the number of token ids: one more than the largest id in the model vocabulary or the
   * added tokens (128256 for Llama 3).
   *
   * @return the vocabulary size
   */
  public int vocabSize() {
    return vocabSize;
  }

  /**
   * Returns the id of a special token by its text, e.g. {@code <|begin_of_text|>} → 128000 for
   * Llama 3.
   *
   * @param token the token's content, exactly as in {@code added_tokens}
   * @return its id
   * @throws IllegalArgumentException if the tokenizer has no special token with that content
   */
  public int specialTokenId(String token) {
    Objects.requireNonNull(token, "token");
    Integer id = addedTokens.get(token);
    if (id == null || !specialIds.contains(id)) {
      StringBuilder known = new StringBuilder();
      int shown = 0;
      for (Map.Entry<String, Integer> e : addedTokens.entrySet()) {
        if (specialIds.contains(e.getValue()) && shown++ < 8) {
          known.append(shown == 1 ? "" : ", ").append(e.getKey());
        }
      }
      throw new IllegalArgumentException("\"" + token + "\" is not a special token of " + source + "; it has "
          + specialIds.size() + " special tokens" + (shown > 0 ? ", e.g. " + known : ""));
    }
    return id;
  }

  /**
   * Looks up any added token (special or not) by its text.
   *
   * @param token the token's content
   * @return its id, or empty if the tokenizer has no such added token
   */
  public OptionalInt addedTokenId(String token) {
    Integer id = addedTokens.get(Objects.requireNonNull(token, "token"));
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /**
   * Returns whether an id belongs to an added token marked special.
   *
   * @param id a token id
   * @return true for special tokens
   */
  public boolean isSpecial(long id) {
    return id >= 0 && id < vocabSize && specialIds.contains((int) id);
  }

  /**
   * Returns the added tokens of {@code tokenizer.json} (content → id), in file order.
   *
   * @return an unmodifiable map
   */
  public Map<String, Integer> addedTokens() {
    return addedTokens;
  }

  /**
   * Returns the BOS token named by {@code tokenizer_config.json}.
   *
   * @return the token text, or empty without a config or entry
   */
  public Optional<String> bosToken() {
    return Optional.ofNullable(config.bosToken());
  }

  /**
   * Returns the EOS token named by {@code tokenizer_config.json}.
   *
   * @return the token text, or empty without a config or entry
   */
  public Optional<String> eosToken() {
    return Optional.ofNullable(config.eosToken());
  }

  /**
   * Returns the padding token named by {@code tokenizer_config.json} (Llama 3 has none).
   *
   * @return the token text, or empty without a config or entry
   */
  public Optional<String> padToken() {
    return Optional.ofNullable(config.padToken());
  }

  /**
   * Returns the unknown-token name from {@code tokenizer_config.json}.
   *
   * @return the token text, or empty without a config or entry
   */
  public Optional<String> unkToken() {
    return Optional.ofNullable(config.unkToken());
  }

  /**
   * Returns the Jinja chat template of {@code tokenizer_config.json} (the {@code default} one when
   * the file lists several), for reference; this SDK builds its prompts in Java
   * ({@link MmeSidPrompt}).
   *
   * @return the template source, or empty without a config or entry
   */
  public Optional<String> chatTemplate() {
    return Optional.ofNullable(config.chatTemplate());
  }

  /**
   * Returns the {@code tokenizer.json} this tokenizer was loaded from.
   *
   * @return the path
   */
  public Path source() {
    return source;
  }

  /**
   * Returns the {@code tokenizer_config.json} that was read, if any.
   *
   * @return the path, or empty
   */
  public Optional<Path> configSource() {
    return Optional.ofNullable(configSource);
  }

  /**
   * Frees the native tokenizer after calls in progress finish. Idempotent.
   */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        delegate.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("tokenizer " + source + " is closed; load it again to use it");
    }
  }

  @Override
  public String toString() {
    return "HfTokenizer[" + source + ", vocab " + vocabSize + ", " + addedTokens.size() + " added tokens]";
  }
}
