package io.github.mmesid.llm.text;

import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.time.Duration;

/**
 * How a {@link SentenceEncoder} runs. Immutable and validated; build one with {@link #builder()}
 * or take {@link #defaults()}.
 *
 * @param batchSize texts per ONNX Runtime run, in [1, {@value #MAX_BATCH_SIZE}] (default 32)
 * @param maxLength the longest token sequence the model sees, special tokens included; longer
 *     texts are truncated at the end, as sentence-transformers does. {@code 0} (the default) takes
 *     it from the model's files (see {@link SentenceEncoder}); otherwise in [{@value
 *     #MIN_LENGTH}, {@value #MAX_LENGTH}]
 * @param normalize L2-normalise each embedding (default true, like langchain4j and
 *     sentence-transformers' {@code normalize_embeddings=True})
 * @param runtime the ONNX Runtime session options (default {@link RuntimeOptions#defaults()}: CPU,
 *     all cores, idle threads sleep). CUDA with REQUIRE or PREFER like every other graph. {@code
 *     threadSpinning(true)} made single texts 10-20% faster on an idle 2-core machine (one run is
 *     a chain of small operators, each waking the workers) but halved throughput while another
 *     process used the cores (see benchmarks/RESULTS.md), so it stays off by default
 * @param progressInterval how often a long {@code embed} call logs its progress (items done,
 *     rate, ETA) through SLF4J; positive (default 10 s)
 */
public record SentenceEncoderConfig(
    int batchSize, int maxLength, boolean normalize, RuntimeOptions runtime, Duration progressInterval) {

  /** Largest accepted batch size. */
  public static final int MAX_BATCH_SIZE = 65_536;

  /** Smallest accepted explicit {@code maxLength}: room for the special tokens and one token. */
  public static final int MIN_LENGTH = 3;

  /** Largest accepted explicit {@code maxLength}. */
  public static final int MAX_LENGTH = 1 << 16;

  /**
   * Validates the components.
   *
   * @param batchSize see the record description
   * @param maxLength see the record description
   * @param normalize see the record description
   * @param runtime see the record description
   * @param progressInterval see the record description
   */
  public SentenceEncoderConfig {
    if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new IllegalArgumentException("batchSize was " + batchSize + "; allowed: 1.." + MAX_BATCH_SIZE);
    }
    if (maxLength != 0 && (maxLength < MIN_LENGTH || maxLength > MAX_LENGTH)) {
      throw new IllegalArgumentException("maxLength was " + maxLength + "; allowed: 0 (from the model's files) or "
          + MIN_LENGTH + ".." + MAX_LENGTH);
    }
    if (runtime == null) {
      throw new IllegalArgumentException("runtime must not be null; allowed: RuntimeOptions.defaults() or a built RuntimeOptions");
    }
    if (progressInterval == null || progressInterval.isNegative() || progressInterval.isZero()) {
      throw new IllegalArgumentException("progressInterval was " + progressInterval + "; allowed: a positive duration");
    }
  }

  /**
   * The defaults: batches of 32, the model's own maximum length, normalised embeddings, default
   * runtime options (CPU, all cores), progress every 10 s.
   *
   * @return the default configuration
   */
  public static SentenceEncoderConfig defaults() {
    return builder().build();
  }

  /**
   * A builder initialised with the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder initialised with this configuration.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.batchSize = batchSize;
    b.maxLength = maxLength;
    b.normalize = normalize;
    b.runtime = runtime;
    b.progressInterval = progressInterval;
    return b;
  }

  /** Mutable builder of {@link SentenceEncoderConfig}; validation happens in {@link #build()}. */
  public static final class Builder {
    private int batchSize = 32;
    private int maxLength = 0;
    private boolean normalize = true;
    private RuntimeOptions runtime = RuntimeOptions.defaults();
    private Duration progressInterval = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * Sets the number of texts per run.
     *
     * @param value in [1, {@value SentenceEncoderConfig#MAX_BATCH_SIZE}]
     * @return this builder
     */
    public Builder batchSize(int value) {
      this.batchSize = value;
      return this;
    }

    /**
     * Sets the maximum token length (special tokens included).
     *
     * @param value 0 for the model's own limit, else in [{@value SentenceEncoderConfig#MIN_LENGTH},
     *     {@value SentenceEncoderConfig#MAX_LENGTH}]
     * @return this builder
     */
    public Builder maxLength(int value) {
      this.maxLength = value;
      return this;
    }

    /**
     * Sets whether embeddings are L2-normalised.
     *
     * @param value true to normalise
     * @return this builder
     */
    public Builder normalize(boolean value) {
      this.normalize = value;
      return this;
    }

    /**
     * Sets the ONNX Runtime options.
     *
     * @param value the options
     * @return this builder
     */
    public Builder runtime(RuntimeOptions value) {
      this.runtime = value;
      return this;
    }

    /**
     * Sets how often long calls log progress.
     *
     * @param value a positive duration
     * @return this builder
     */
    public Builder progressInterval(Duration value) {
      this.progressInterval = value;
      return this;
    }

    /**
     * Validates and builds the configuration.
     *
     * @return the configuration
     * @throws IllegalArgumentException if a value is out of range
     */
    public SentenceEncoderConfig build() {
      return new SentenceEncoderConfig(batchSize, maxLength, normalize, runtime, progressInterval);
    }
  }
}
