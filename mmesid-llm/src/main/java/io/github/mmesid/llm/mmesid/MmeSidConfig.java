package io.github.mmesid.llm.mmesid;

import io.github.mmesid.core.io.Json;
import io.github.mmesid.llm.lora.LoraConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Hyperparameters of the MME-SID recommender and its training (METHOD.md section 3). Immutable
 * and validated; build one with {@link #builder()}. JSON keys are the snake_case field names
 * ({@link Json}); the command line uses the kebab-case ones.
 *
 * @param backbonePreset the architecture of a backbone trained from scratch (used when the
 *     inputs name no Hugging Face checkpoint); such a backbone has no pretrained knowledge
 * @param backboneTraining which backbone weights train
 * @param loraR LoRA rank
 * @param loraAlpha LoRA alpha (scale {@code alpha / r})
 * @param loraDropout LoRA dropout on the adapted modules' inputs, in {@code [0, 1)}
 * @param loraTargets the adapted modules by PEFT name ({@code q_proj ... down_proj})
 * @param prompt the prompt around the item slots
 * @param modalities the modalities used, by name, in this order; empty = every modality of the
 *     inputs in their order (the modality ablation)
 * @param sidEmbeddings whether each history item also enters as its semantic-ID embeddings
 *     {@code C_m(i)} (false: only the projected modality embeddings {@code P_m(x_m(i))})
 * @param sidInit how the SID embedding tables start: from the quantizer's codebooks or random
 *     (the forgetting ablation)
 * @param scoring frequency-aware fusion of the item heads, or the ID head {@code S} alone
 * @param tau temperature of the fusion weights {@code softmax(g(f) / tau)}, {@code > 0}
 * @param maxHistory the longest history the model reads (older items are dropped), {@code >= 1}
 * @param maxTargetsPerUser training targets per user (the last positions of the training part),
 *     {@code >= 1}
 * @param includeEmptyHistory whether the first item of a user's training part is also a target
 *     (with an empty history), as the reference implementation does
 * @param learningRate AdamW peak learning rate, {@code > 0}
 * @param weightDecay AdamW decoupled weight decay, {@code >= 0}
 * @param warmupSteps linear warm-up updates before the cosine decay, {@code >= 0}
 * @param maxGradNorm global gradient-norm clipping, {@code > 0}, or 0 for none
 * @param batchSize training examples per update, {@code >= 1}
 * @param epochs passes over the training examples at most, {@code >= 1}
 * @param patience stop after this many validations (one per epoch) without a better NDCG@10; 0
 *     never stops early
 * @param validationUsers validate on a fixed seeded sample of this many evaluable users (0: all)
 * @param seed seed of initialisation, example order and dropout
 */
public record MmeSidConfig(BackbonePreset backbonePreset, BackboneTraining backboneTraining,
    int loraR, double loraAlpha, double loraDropout, List<String> loraTargets,
    PromptPreset prompt, List<String> modalities, boolean sidEmbeddings, SidInit sidInit,
    Scoring scoring, double tau, int maxHistory, int maxTargetsPerUser,
    boolean includeEmptyHistory, double learningRate, double weightDecay, int warmupSteps,
    double maxGradNorm, int batchSize, int epochs, int patience, int validationUsers, long seed) {

  /** Which backbone weights train. */
  public enum BackboneTraining {
    /** LoRA for a Hugging Face checkpoint, FULL for a preset backbone trained from scratch. */
    DEFAULT,
    /** The backbone is frozen; LoRA adapters train. */
    LORA,
    /** The backbone is frozen; only the item-side parts and heads train. */
    FROZEN,
    /** Every backbone weight trains. */
    FULL
  }

  /** How the semantic-ID embedding tables are initialised. */
  public enum SidInit {
    /** From the trained quantizer's codebooks (the method). */
    CODEBOOK,
    /** Randomly (the paper's forgetting ablation). */
    RANDOM
  }

  /** How items are scored against the user vector. */
  public enum Scoring {
    /**
     * Multimodal frequency-aware fusion: {@code F_i = w_0(i) S_i + sum_m w_m(i) P_m(x_m(i))}.
     */
    FUSED,
    /** The item-ID head alone: {@code F_i = S_i}. */
    ID_ONLY
  }

  /**
   * Validates the fields.
   *
   * @param backbonePreset see the record description
   * @param backboneTraining see the record description
   * @param loraR see the record description
   * @param loraAlpha see the record description
   * @param loraDropout see the record description
   * @param loraTargets see the record description
   * @param prompt see the record description
   * @param modalities see the record description
   * @param sidEmbeddings see the record description
   * @param sidInit see the record description
   * @param scoring see the record description
   * @param tau see the record description
   * @param maxHistory see the record description
   * @param maxTargetsPerUser see the record description
   * @param includeEmptyHistory see the record description
   * @param learningRate see the record description
   * @param weightDecay see the record description
   * @param warmupSteps see the record description
   * @param maxGradNorm see the record description
   * @param batchSize see the record description
   * @param epochs see the record description
   * @param patience see the record description
   * @param validationUsers see the record description
   * @param seed see the record description
   * @throws IllegalArgumentException naming the field and what is allowed
   */
  public MmeSidConfig {
    notNull(backbonePreset, "backbonePreset", BackbonePreset.values());
    notNull(backboneTraining, "backboneTraining", BackboneTraining.values());
    notNull(prompt, "prompt", PromptPreset.values());
    notNull(sidInit, "sidInit", SidInit.values());
    notNull(scoring, "scoring", Scoring.values());
    if (loraTargets == null || modalities == null) {
      throw new IllegalArgumentException("MmeSidConfig.loraTargets and modalities must not be null; "
          + "use an empty list for all modalities");
    }
    loraTargets = List.copyOf(loraTargets);
    modalities = List.copyOf(modalities);
    // LoraConfig validates rank, alpha, dropout and module names
    try {
      lora(loraR, loraAlpha, loraDropout, loraTargets);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("MmeSidConfig LoRA settings: " + e.getMessage(), e);
    }
    if (modalities.size() != modalities.stream().distinct().count()) {
      throw new IllegalArgumentException("MmeSidConfig.modalities " + modalities
          + " names a modality twice; allowed: distinct names");
    }
    check(tau > 0 && Double.isFinite(tau), "tau", tau, "a finite value > 0");
    check(maxHistory >= 1 && maxHistory <= 4096, "maxHistory", maxHistory, "1..4096");
    check(maxTargetsPerUser >= 1, "maxTargetsPerUser", maxTargetsPerUser, ">= 1");
    check(learningRate > 0 && Double.isFinite(learningRate), "learningRate", learningRate, "> 0");
    check(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay", weightDecay, ">= 0");
    check(warmupSteps >= 0, "warmupSteps", warmupSteps, ">= 0");
    check(maxGradNorm >= 0 && Double.isFinite(maxGradNorm), "maxGradNorm", maxGradNorm,
        ">= 0 (0 = no clipping)");
    check(batchSize >= 1 && batchSize <= 65_536, "batchSize", batchSize, "1..65536");
    check(epochs >= 1, "epochs", epochs, ">= 1");
    check(patience >= 0, "patience", patience, ">= 0 (0 = no early stopping)");
    check(validationUsers >= 0, "validationUsers", validationUsers, ">= 0 (0 = all users)");
  }

  private static void notNull(Object v, String field, Object[] allowed) {
    if (v == null) {
      throw new IllegalArgumentException("MmeSidConfig." + field + " must be set; allowed: "
          + Arrays.toString(allowed).toLowerCase(Locale.ROOT));
    }
  }

  private static void check(boolean ok, String field, Object value, String allowed) {
    if (!ok) {
      throw new IllegalArgumentException(
          "MmeSidConfig." + field + " = " + value + " is invalid; allowed: " + allowed);
    }
  }

  private static LoraConfig lora(int r, double alpha, double dropout, List<String> targets) {
    return LoraConfig.of(r, alpha, dropout, targets.toArray(String[]::new));
  }

  /**
   * The LoRA settings as the backbone takes them.
   *
   * @return the LoRA configuration
   */
  public LoraConfig loraConfig() {
    return lora(loraR, loraAlpha, loraDropout, loraTargets);
  }

  /**
   * Formats this configuration as JSON (snake_case keys).
   *
   * @return the JSON text
   */
  public String toJson() {
    return Json.write(this);
  }

  /**
   * Parses a configuration; missing keys take the defaults, unknown keys fail.
   *
   * @param json the JSON text
   * @param source where it comes from, for messages
   * @return the configuration
   * @throws IllegalArgumentException naming the key if the JSON is not a valid configuration
   */
  public static MmeSidConfig fromJson(String json, String source) {
    return Json.readConfig(json, MmeSidConfig.class, builder().build(), source);
  }

  /**
   * A builder with the defaults: the {@code small} preset backbone (trained in full from scratch;
   * LoRA r 8, alpha 16, dropout 0.05 on gate/up/down for checkpoints), METHOD's prompt, every
   * modality, SID embeddings initialised from the codebooks, frequency-aware fusion with tau 1,
   * histories of at most 50 items, 50 targets per user without the empty history, AdamW lr 1e-3
   * without weight decay, 100 warm-up updates then cosine decay, clipping at norm 1, batch 64,
   * at most 4 epochs, patience 1 over per-epoch validations on 5000 users, seed 42.
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
    b.backbonePreset = backbonePreset;
    b.backboneTraining = backboneTraining;
    b.loraR = loraR;
    b.loraAlpha = loraAlpha;
    b.loraDropout = loraDropout;
    b.loraTargets = loraTargets;
    b.prompt = prompt;
    b.modalities = modalities;
    b.sidEmbeddings = sidEmbeddings;
    b.sidInit = sidInit;
    b.scoring = scoring;
    b.tau = tau;
    b.maxHistory = maxHistory;
    b.maxTargetsPerUser = maxTargetsPerUser;
    b.includeEmptyHistory = includeEmptyHistory;
    b.learningRate = learningRate;
    b.weightDecay = weightDecay;
    b.warmupSteps = warmupSteps;
    b.maxGradNorm = maxGradNorm;
    b.batchSize = batchSize;
    b.epochs = epochs;
    b.patience = patience;
    b.validationUsers = validationUsers;
    b.seed = seed;
    return b;
  }

  /** Builds {@link MmeSidConfig}; validation happens in {@link #build()}. */
  public static final class Builder {
    private BackbonePreset backbonePreset = BackbonePreset.SMALL;
    private BackboneTraining backboneTraining = BackboneTraining.DEFAULT;
    private int loraR = 8;
    private double loraAlpha = 16;
    private double loraDropout = 0.05;
    private List<String> loraTargets = List.of("gate_proj", "up_proj", "down_proj");
    private PromptPreset prompt = PromptPreset.METHOD;
    private List<String> modalities = List.of();
    private boolean sidEmbeddings = true;
    private SidInit sidInit = SidInit.CODEBOOK;
    private Scoring scoring = Scoring.FUSED;
    private double tau = 1.0;
    private int maxHistory = 50;
    private int maxTargetsPerUser = 50;
    private boolean includeEmptyHistory;
    private double learningRate = 1e-3;
    private double weightDecay = 0;
    private int warmupSteps = 100;
    private double maxGradNorm = 1.0;
    private int batchSize = 64;
    private int epochs = 4;
    private int patience = 1;
    private int validationUsers = 5000;
    private long seed = 42;

    private Builder() {}

    /**
     * Sets the preset of a backbone trained from scratch.
     *
     * @param v the preset
     * @return this builder
     */
    public Builder backbonePreset(BackbonePreset v) {
      backbonePreset = v;
      return this;
    }

    /**
     * Sets which backbone weights train.
     *
     * @param v the mode
     * @return this builder
     */
    public Builder backboneTraining(BackboneTraining v) {
      backboneTraining = v;
      return this;
    }

    /**
     * Sets the LoRA settings.
     *
     * @param r rank
     * @param alpha alpha
     * @param dropout dropout in [0, 1)
     * @param targets PEFT module names
     * @return this builder
     */
    public Builder lora(int r, double alpha, double dropout, List<String> targets) {
      loraR = r;
      loraAlpha = alpha;
      loraDropout = dropout;
      loraTargets = targets;
      return this;
    }

    /**
     * Sets the prompt preset.
     *
     * @param v the preset
     * @return this builder
     */
    public Builder prompt(PromptPreset v) {
      prompt = v;
      return this;
    }

    /**
     * Restricts the modalities (empty: all).
     *
     * @param v modality names in the order to use
     * @return this builder
     */
    public Builder modalities(List<String> v) {
      modalities = v;
      return this;
    }

    /**
     * Turns the semantic-ID embeddings of history items on or off.
     *
     * @param v true to use them
     * @return this builder
     */
    public Builder sidEmbeddings(boolean v) {
      sidEmbeddings = v;
      return this;
    }

    /**
     * Sets how the SID embedding tables start.
     *
     * @param v the initialisation
     * @return this builder
     */
    public Builder sidInit(SidInit v) {
      sidInit = v;
      return this;
    }

    /**
     * Sets the scoring.
     *
     * @param v fused or ID only
     * @return this builder
     */
    public Builder scoring(Scoring v) {
      scoring = v;
      return this;
    }

    /**
     * Sets the fusion temperature.
     *
     * @param v tau, {@code > 0}
     * @return this builder
     */
    public Builder tau(double v) {
      tau = v;
      return this;
    }

    /**
     * Sets the history cap.
     *
     * @param v items
     * @return this builder
     */
    public Builder maxHistory(int v) {
      maxHistory = v;
      return this;
    }

    /**
     * Sets the number of training targets per user.
     *
     * @param v targets
     * @return this builder
     */
    public Builder maxTargetsPerUser(int v) {
      maxTargetsPerUser = v;
      return this;
    }

    /**
     * Whether the empty-history example of each user is included.
     *
     * @param v true to include it
     * @return this builder
     */
    public Builder includeEmptyHistory(boolean v) {
      includeEmptyHistory = v;
      return this;
    }

    /**
     * Sets the peak learning rate.
     *
     * @param v the rate
     * @return this builder
     */
    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    /**
     * Sets the weight decay.
     *
     * @param v the decay
     * @return this builder
     */
    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    /**
     * Sets the warm-up length.
     *
     * @param v updates
     * @return this builder
     */
    public Builder warmupSteps(int v) {
      warmupSteps = v;
      return this;
    }

    /**
     * Sets the gradient clipping norm.
     *
     * @param v the norm, 0 for none
     * @return this builder
     */
    public Builder maxGradNorm(double v) {
      maxGradNorm = v;
      return this;
    }

    /**
     * Sets the batch size.
     *
     * @param v examples per update
     * @return this builder
     */
    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    /**
     * Sets the epoch limit.
     *
     * @param v epochs
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
     * Validates and builds.
     *
     * @return the configuration
     * @throws IllegalArgumentException naming the first invalid field
     */
    public MmeSidConfig build() {
      return new MmeSidConfig(backbonePreset, backboneTraining, loraR, loraAlpha, loraDropout,
          loraTargets, prompt, modalities, sidEmbeddings, sidInit, scoring, tau, maxHistory,
          maxTargetsPerUser, includeEmptyHistory, learningRate, weightDecay, warmupSteps,
          maxGradNorm, batchSize, epochs, patience, validationUsers, seed);
    }
  }
}
