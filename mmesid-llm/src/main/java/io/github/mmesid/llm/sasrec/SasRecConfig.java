package io.github.mmesid.llm.sasrec;

import io.github.mmesid.core.io.Json;
import java.util.Locale;

/**
 * Hyper-parameters of a SASRec model and its training. Immutable and validated; build one with
 * {@link #builder()} (the defaults are the ones chosen on Amazon Beauty, see
 * {@code benchmarks/RESULTS.md}).
 *
 * <p>Architecture fields ({@code dim}, {@code blocks}, {@code heads}, {@code ffnDim}, {@code
 * maxLen}) define the parameter shapes and are stored with a saved model; the training fields only
 * affect {@link SasRecTrainer}.
 *
 * @param dim embedding and hidden size, divisible by {@code heads}
 * @param blocks number of self-attention blocks, {@code >= 1}
 * @param heads attention heads per block, {@code >= 1}
 * @param ffnDim inner size of the point-wise feed-forward layer, {@code >= 1}, or 0 for {@code
 *     dim} (see {@link #effectiveFfnDim()})
 * @param maxLen the longest history the model sees (older items are dropped), {@code >= 1}
 * @param dropout dropout rate on embeddings, attention outputs and feed-forward layers, in
 *     {@code [0, 1)}
 * @param loss the training loss
 * @param negatives sampled negatives per target for {@link SasRecLoss#SAMPLED_BCE}, {@code >= 1}
 * @param learningRate AdamW learning rate, {@code > 0}
 * @param weightDecay AdamW decoupled weight decay, {@code >= 0}
 * @param batchSize users (training sequences) per update, {@code >= 1}
 * @param epochs upper bound on passes over the training sequences, {@code >= 1}
 * @param patience early stopping: stop after this many validations without a better NDCG@10
 *     ({@code 0}: never stop early)
 * @param validationUsers validate on a fixed seeded sample of this many evaluable users ({@code
 *     0}: all of them)
 * @param seed seed of initialisation, shuffling, dropout and negative sampling
 */
public record SasRecConfig(int dim, int blocks, int heads, int ffnDim, int maxLen, double dropout,
    SasRecLoss loss, int negatives, double learningRate, double weightDecay, int batchSize,
    int epochs, int patience, int validationUsers, long seed) {

  /** Largest accepted embedding size: far above useful values, it catches typos. */
  public static final int MAX_DIM = 8192;
  /** Largest accepted history length. */
  public static final int MAX_LEN = 4096;

  /**
   * Validates the fields.
   *
   * @param dim see the record description
   * @param blocks see the record description
   * @param heads see the record description
   * @param ffnDim see the record description
   * @param maxLen see the record description
   * @param dropout see the record description
   * @param loss see the record description
   * @param negatives see the record description
   * @param learningRate see the record description
   * @param weightDecay see the record description
   * @param batchSize see the record description
   * @param epochs see the record description
   * @param patience see the record description
   * @param validationUsers see the record description
   * @param seed see the record description
   * @throws IllegalArgumentException naming the field and its allowed range
   */
  public SasRecConfig {
    check(dim >= 1 && dim <= MAX_DIM, "dim", dim, "1.." + MAX_DIM);
    check(blocks >= 1 && blocks <= 64, "blocks", blocks, "1..64");
    check(heads >= 1 && heads <= dim && dim % heads == 0, "heads", heads,
        "1..dim with dim % heads == 0 (dim = " + dim + ")");
    check(ffnDim >= 0 && ffnDim <= 8 * MAX_DIM, "ffnDim", ffnDim,
        "0.." + 8 * MAX_DIM + " (0 = same as dim)");
    check(maxLen >= 1 && maxLen <= MAX_LEN, "maxLen", maxLen, "1.." + MAX_LEN);
    check(dropout >= 0 && dropout < 1, "dropout", dropout, "[0, 1)");
    check(loss != null, "loss", loss, "CROSS_ENTROPY or SAMPLED_BCE");
    check(negatives >= 1 && negatives <= 10_000, "negatives", negatives, "1..10000");
    check(learningRate > 0 && Double.isFinite(learningRate), "learningRate", learningRate, "> 0");
    check(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay", weightDecay, ">= 0");
    check(batchSize >= 1 && batchSize <= 65_536, "batchSize", batchSize, "1..65536");
    check(epochs >= 1, "epochs", epochs, ">= 1");
    check(patience >= 0, "patience", patience, ">= 0 (0 = no early stopping)");
    check(validationUsers >= 0, "validationUsers", validationUsers, ">= 0 (0 = all users)");
  }

  private static void check(boolean ok, String field, Object value, String allowed) {
    if (!ok) {
      throw new IllegalArgumentException(
          "SasRecConfig." + field + " = " + value + " is invalid; allowed: " + allowed);
    }
  }

  /**
   * A builder with the defaults: dim 64, 2 blocks, 1 head, ffnDim 0 (= dim), maxLen 50, dropout 0.2,
   * full-softmax cross-entropy, learning rate 2e-3, no weight decay, batch 128, at most 200
   * epochs, patience 3, validation on a sample of 5000 users, seed 42.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder initialised from this configuration.
   *
   * @return the builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.dim = dim;
    b.blocks = blocks;
    b.heads = heads;
    b.ffnDim = ffnDim;
    b.maxLen = maxLen;
    b.dropout = dropout;
    b.loss = loss;
    b.negatives = negatives;
    b.learningRate = learningRate;
    b.weightDecay = weightDecay;
    b.batchSize = batchSize;
    b.epochs = epochs;
    b.patience = patience;
    b.validationUsers = validationUsers;
    b.seed = seed;
    return b;
  }

  /**
   * The inner size of the feed-forward layer: {@code ffnDim}, or {@code dim} when it is 0.
   *
   * @return the size
   */
  public int effectiveFfnDim() {
    return ffnDim == 0 ? dim : ffnDim;
  }

  /**
   * Formats this configuration as JSON (snake_case keys, see {@link Json}).
   *
   * @return the JSON object text
   */
  public String toJson() {
    return Json.write(this);
  }

  /**
   * Parses a configuration written by {@link #toJson()}. Missing keys take the builder defaults;
   * unknown keys and invalid values fail.
   *
   * @param json the JSON text
   * @param source where it comes from (a file name), for messages
   * @return the configuration
   * @throws IllegalArgumentException naming the key if the JSON is not a valid configuration
   */
  public static SasRecConfig fromJson(String json, String source) {
    return Json.readConfig(json, SasRecConfig.class, builder().build(), source);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "SASRec[dim=%d, blocks=%d, heads=%d, ffn=%d, maxLen=%d, "
        + "dropout=%.2f, loss=%s%s, lr=%.2g, wd=%.2g, batch=%d, epochs<=%d, patience=%d, seed=%d]",
        dim, blocks, heads, effectiveFfnDim(), maxLen, dropout, loss,
        loss == SasRecLoss.SAMPLED_BCE ? "x" + negatives : "", learningRate, weightDecay,
        batchSize, epochs, patience, seed);
  }

  /** Builder of {@link SasRecConfig}; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private int dim = 64;
    private int blocks = 2;
    private int heads = 1;
    private int ffnDim = 0;
    private int maxLen = 50;
    private double dropout = 0.2;
    private SasRecLoss loss = SasRecLoss.CROSS_ENTROPY;
    private int negatives = 1;
    private double learningRate = 2e-3;
    private double weightDecay = 0;
    private int batchSize = 128;
    private int epochs = 200;
    private int patience = 3;
    private int validationUsers = 5000;
    private long seed = 42;

    private Builder() {}

    /**
     * Sets the embedding and hidden size.
     *
     * @param v the size
     * @return this builder
     */
    public Builder dim(int v) {
      dim = v;
      return this;
    }

    /**
     * Sets the number of blocks.
     *
     * @param v the count
     * @return this builder
     */
    public Builder blocks(int v) {
      blocks = v;
      return this;
    }

    /**
     * Sets the number of attention heads.
     *
     * @param v the count, dividing dim
     * @return this builder
     */
    public Builder heads(int v) {
      heads = v;
      return this;
    }

    /**
     * Sets the feed-forward inner size (default 0: equal to dim).
     *
     * @param v the size
     * @return this builder
     */
    public Builder ffnDim(int v) {
      ffnDim = v;
      return this;
    }

    /**
     * Sets the maximum history length.
     *
     * @param v the length
     * @return this builder
     */
    public Builder maxLen(int v) {
      maxLen = v;
      return this;
    }

    /**
     * Sets the dropout rate.
     *
     * @param v the rate in [0, 1)
     * @return this builder
     */
    public Builder dropout(double v) {
      dropout = v;
      return this;
    }

    /**
     * Sets the loss.
     *
     * @param v the loss
     * @return this builder
     */
    public Builder loss(SasRecLoss v) {
      loss = v;
      return this;
    }

    /**
     * Sets the negatives per target of the sampled BCE loss.
     *
     * @param v the count
     * @return this builder
     */
    public Builder negatives(int v) {
      negatives = v;
      return this;
    }

    /**
     * Sets the learning rate.
     *
     * @param v the rate
     * @return this builder
     */
    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    /**
     * Sets the AdamW weight decay.
     *
     * @param v the decay
     * @return this builder
     */
    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    /**
     * Sets the batch size.
     *
     * @param v sequences per update
     * @return this builder
     */
    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    /**
     * Sets the epoch limit.
     *
     * @param v the limit
     * @return this builder
     */
    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    /**
     * Sets the early-stopping patience.
     *
     * @param v validations without improvement, 0 = never stop early
     * @return this builder
     */
    public Builder patience(int v) {
      patience = v;
      return this;
    }

    /**
     * Sets the validation sample size.
     *
     * @param v users, 0 = all
     * @return this builder
     */
    public Builder validationUsers(int v) {
      validationUsers = v;
      return this;
    }

    /**
     * Sets the seed.
     *
     * @param v the seed
     * @return this builder
     */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /**
     * Creates the configuration.
     *
     * @return the validated configuration
     * @throws IllegalArgumentException if a field is out of range
     */
    public SasRecConfig build() {
      return new SasRecConfig(dim, blocks, heads, ffnDim, maxLen, dropout,
          loss, negatives, learningRate, weightDecay, batchSize, epochs, patience,
          validationUsers, seed);
    }
  }
}
