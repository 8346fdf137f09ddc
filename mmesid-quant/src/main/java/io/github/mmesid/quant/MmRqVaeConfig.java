package io.github.mmesid.quant;

import io.github.mmesid.quant.loss.QuantLosses;
import java.util.Arrays;

/**
 * Settings of an MM-RQ-VAE (METHOD.md section 2): architecture, losses, codebook
 * initialisation, balanced assignment and training. Immutable; build with {@link #builder()}.
 *
 * @param levels L, residual levels, {@code >= 1}
 * @param codebookSize K, codes per level, {@code >= 1}
 * @param latentDim e_dim, the size of latents and code vectors, {@code >= 1}
 * @param hiddenLayers hidden sizes of the encoder ({@code d -> h1 -> ... -> e_dim}); the decoder
 *     mirrors them; may be empty (a single linear map)
 * @param dropout dropout ratio on hidden activations during training, in {@code [0, 1)}
 * @param beta the commitment weight of the per-level loss {@code |q - sg(r)|^2 + beta |r - sg(q)|^2}
 * @param recon the reconstruction loss
 * @param mmdAlphas the MMD kernel set (bandwidth factors), used by MMD reconstruction and MMD
 *     alignment
 * @param align the cross-modal alignment loss
 * @param temperature the InfoNCE temperature, {@code > 0}
 * @param anchor the anchor modality of the alignment, or null for the first modality
 * @param reconWeight weight of the summed reconstruction losses, {@code >= 0}
 * @param quantWeight weight of the summed quantization losses, {@code >= 0}
 * @param alignWeight weight of the summed alignment losses, {@code >= 0}
 * @param kmeansInit initialise the codebooks by k-means of the first batch's residuals
 * @param balancedKmeans use size-balanced (Sinkhorn-assignment) k-means for the initialisation
 * @param kmeansIterations Lloyd iterations at most, {@code >= 1}
 * @param sinkhornEpsilons per level: 0 for nearest-code training assignment, {@code > 0} for a
 *     Sinkhorn-Knopp plan with that regularisation
 * @param sinkhornIterations Sinkhorn normalisation rounds, {@code >= 1}
 * @param reseedDeadCodes at each validation, move codes no item uses onto residuals of random
 *     items
 * @param learningRate AdamW learning rate, {@code > 0}
 * @param weightDecay AdamW weight decay, {@code >= 0}
 * @param batchSize items per update, {@code >= 1}
 * @param epochs passes over the items at most, {@code >= 1}
 * @param validateEvery validate (progress, best model, early stopping) every this many epochs,
 *     {@code >= 1}
 * @param criterion what selects the best model and drives early stopping
 * @param patience stop after this many validations without improvement; 0 never stops early
 * @param seed the seed of initialisation, shuffling, dropout and k-means
 */
public record MmRqVaeConfig(int levels, int codebookSize, int latentDim, int[] hiddenLayers,
    double dropout, double beta, ReconLoss recon, double[] mmdAlphas, AlignLoss align,
    double temperature, String anchor, double reconWeight, double quantWeight, double alignWeight,
    boolean kmeansInit, boolean balancedKmeans, int kmeansIterations, double[] sinkhornEpsilons,
    int sinkhornIterations, boolean reseedDeadCodes, double learningRate, double weightDecay,
    int batchSize, int epochs, int validateEvery, Criterion criterion, int patience, long seed) {

  /** The reconstruction loss. */
  public enum ReconLoss {
    /** Multi-kernel maximum mean discrepancy between decoded and input batches. */
    MMD,
    /** Mean squared error per row. */
    MSE
  }

  /** The cross-modal alignment loss between the anchor's and each other modality's {@code z_q}. */
  public enum AlignLoss {
    /** Symmetric InfoNCE with in-batch negatives. */
    INFONCE,
    /** Multi-kernel MMD between the batches. */
    MMD,
    /** No alignment. */
    NONE
  }

  /** What a validation measures. */
  public enum Criterion {
    /** The mean training loss since the previous validation (lower is better). */
    LOSS,
    /** The mean collision rate over modalities of the nearest-code IDs (lower is better). */
    COLLISION
  }

  /**
   * Validates and copies the settings.
   *
   * @param levels see the record description
   * @param codebookSize see the record description
   * @param latentDim see the record description
   * @param hiddenLayers see the record description
   * @param dropout see the record description
   * @param beta see the record description
   * @param recon see the record description
   * @param mmdAlphas see the record description
   * @param align see the record description
   * @param temperature see the record description
   * @param anchor see the record description
   * @param reconWeight see the record description
   * @param quantWeight see the record description
   * @param alignWeight see the record description
   * @param kmeansInit see the record description
   * @param balancedKmeans see the record description
   * @param kmeansIterations see the record description
   * @param sinkhornEpsilons see the record description
   * @param sinkhornIterations see the record description
   * @param reseedDeadCodes see the record description
   * @param learningRate see the record description
   * @param weightDecay see the record description
   * @param batchSize see the record description
   * @param epochs see the record description
   * @param validateEvery see the record description
   * @param criterion see the record description
   * @param patience see the record description
   * @param seed see the record description
   * @throws IllegalArgumentException naming the first invalid setting and what is allowed
   */
  public MmRqVaeConfig {
    check(levels >= 1, "levels (L)", levels, ">= 1");
    check(codebookSize >= 1, "codebookSize (K)", codebookSize, ">= 1");
    check(latentDim >= 1, "latentDim (e_dim)", latentDim, ">= 1");
    if (hiddenLayers == null) {
      throw new IllegalArgumentException("hiddenLayers is null; allowed: a (possibly empty) list of sizes >= 1");
    }
    hiddenLayers = hiddenLayers.clone();
    for (int h : hiddenLayers) {
      check(h >= 1, "hiddenLayers entry", h, ">= 1");
    }
    check(dropout >= 0 && dropout < 1, "dropout", dropout, "[0, 1)");
    check(beta >= 0 && Double.isFinite(beta), "beta", beta, "a finite value >= 0");
    if (recon == null || align == null || criterion == null) {
      throw new IllegalArgumentException("recon, align and criterion must be set; allowed recon: "
          + Arrays.toString(ReconLoss.values()) + ", align: " + Arrays.toString(AlignLoss.values())
          + ", criterion: " + Arrays.toString(Criterion.values()));
    }
    if (mmdAlphas == null || mmdAlphas.length == 0) {
      throw new IllegalArgumentException("mmdAlphas is empty; allowed: one or more finite values > 0");
    }
    mmdAlphas = mmdAlphas.clone();
    for (double a : mmdAlphas) {
      check(a > 0 && Double.isFinite(a), "mmdAlphas entry", a, "a finite value > 0");
    }
    check(temperature > 0 && Double.isFinite(temperature), "temperature", temperature, "a finite value > 0");
    check(reconWeight >= 0 && Double.isFinite(reconWeight), "reconWeight", reconWeight, "a finite value >= 0");
    check(quantWeight >= 0 && Double.isFinite(quantWeight), "quantWeight", quantWeight, "a finite value >= 0");
    check(alignWeight >= 0 && Double.isFinite(alignWeight), "alignWeight", alignWeight, "a finite value >= 0");
    check(kmeansIterations >= 1, "kmeansIterations", kmeansIterations, ">= 1");
    if (sinkhornEpsilons == null || sinkhornEpsilons.length != levels) {
      throw new IllegalArgumentException("sinkhornEpsilons has " + (sinkhornEpsilons == null ? 0 : sinkhornEpsilons.length)
          + " entries; it needs one per level (L = " + levels + "), each 0 (nearest code) or > 0");
    }
    sinkhornEpsilons = sinkhornEpsilons.clone();
    for (double e : sinkhornEpsilons) {
      check(e >= 0 && Double.isFinite(e), "sinkhornEpsilons entry", e, "0 (nearest code) or a finite value > 0");
    }
    check(sinkhornIterations >= 1, "sinkhornIterations", sinkhornIterations, ">= 1");
    check(learningRate > 0 && Double.isFinite(learningRate), "learningRate", learningRate, "a finite value > 0");
    check(weightDecay >= 0 && Double.isFinite(weightDecay), "weightDecay", weightDecay, "a finite value >= 0");
    check(batchSize >= 1, "batchSize", batchSize, ">= 1");
    check(epochs >= 1, "epochs", epochs, ">= 1");
    check(validateEvery >= 1, "validateEvery", validateEvery, ">= 1 (epochs)");
    check(patience >= 0, "patience", patience, ">= 0 (0 = no early stopping)");
    if (anchor != null && anchor.isBlank()) {
      throw new IllegalArgumentException("anchor is blank; allowed: a modality name, or null for the first modality");
    }
  }

  private static void check(boolean ok, String name, Object value, String allowed) {
    if (!ok) {
      throw new IllegalArgumentException("MM-RQ-VAE setting " + name + " = " + value + " is invalid; allowed: " + allowed);
    }
  }

  /**
   * Returns a copy of the hidden layer sizes.
   *
   * @return the sizes
   */
  @Override
  public int[] hiddenLayers() {
    return hiddenLayers.clone();
  }

  /**
   * Returns a copy of the MMD kernel set.
   *
   * @return the bandwidth factors
   */
  @Override
  public double[] mmdAlphas() {
    return mmdAlphas.clone();
  }

  /**
   * Returns a copy of the per-level Sinkhorn epsilons.
   *
   * @return one value per level
   */
  @Override
  public double[] sinkhornEpsilons() {
    return sinkhornEpsilons.clone();
  }

  /**
   * Returns whether two configurations hold the same settings (arrays compared by content).
   *
   * @param o the other object
   * @return true if equal
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof MmRqVaeConfig c && toBuilder().sameAs(c.toBuilder());
  }

  /**
   * Returns a hash of the settings consistent with {@link #equals}.
   *
   * @return the hash
   */
  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  /**
   * Returns the settings as {@code name=value} pairs (arrays by content).
   *
   * @return the description
   */
  @Override
  public String toString() {
    return "MmRqVaeConfig[levels=" + levels + ", codebookSize=" + codebookSize + ", latentDim="
        + latentDim + ", hiddenLayers=" + Arrays.toString(hiddenLayers) + ", dropout=" + dropout
        + ", beta=" + beta + ", recon=" + recon + ", mmdAlphas=" + Arrays.toString(mmdAlphas)
        + ", align=" + align + ", temperature=" + temperature + ", anchor=" + anchor
        + ", reconWeight=" + reconWeight + ", quantWeight=" + quantWeight + ", alignWeight="
        + alignWeight + ", kmeansInit=" + kmeansInit + ", balancedKmeans=" + balancedKmeans
        + ", kmeansIterations=" + kmeansIterations + ", sinkhornEpsilons="
        + Arrays.toString(sinkhornEpsilons) + ", sinkhornIterations=" + sinkhornIterations
        + ", reseedDeadCodes=" + reseedDeadCodes + ", learningRate=" + learningRate
        + ", weightDecay=" + weightDecay + ", batchSize=" + batchSize + ", epochs=" + epochs
        + ", validateEvery=" + validateEvery + ", criterion=" + criterion + ", patience="
        + patience + ", seed=" + seed + "]";
  }

  /**
   * Returns a builder with the defaults: L = 4, K = 256, e_dim = 64, hidden [256, 128], no
   * dropout, beta 0.25, MMD reconstruction with kernels {1/8..2}, InfoNCE alignment at temperature
   * 0.1 anchored on the first modality, weights 3 / 1 / 0.01, k-means initialisation (50
   * iterations, not balanced), Sinkhorn only on the last level (epsilon 0.003, 50 rounds), no
   * dead-code re-seeding, AdamW lr 1e-3 with weight decay 1e-4, batch 1024, 50 epochs,
   * validation every 10 epochs on the loss, no early stopping, seed 42.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder initialised from these settings.
   *
   * @return the builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.levels = levels;
    b.codebookSize = codebookSize;
    b.latentDim = latentDim;
    b.hiddenLayers = hiddenLayers.clone();
    b.dropout = dropout;
    b.beta = beta;
    b.recon = recon;
    b.mmdAlphas = mmdAlphas.clone();
    b.align = align;
    b.temperature = temperature;
    b.anchor = anchor;
    b.reconWeight = reconWeight;
    b.quantWeight = quantWeight;
    b.alignWeight = alignWeight;
    b.kmeansInit = kmeansInit;
    b.balancedKmeans = balancedKmeans;
    b.kmeansIterations = kmeansIterations;
    b.sinkhornEpsilons = sinkhornEpsilons.clone();
    b.sinkhornIterations = sinkhornIterations;
    b.reseedDeadCodes = reseedDeadCodes;
    b.learningRate = learningRate;
    b.weightDecay = weightDecay;
    b.batchSize = batchSize;
    b.epochs = epochs;
    b.validateEvery = validateEvery;
    b.criterion = criterion;
    b.patience = patience;
    b.seed = seed;
    return b;
  }

  /** Builder of {@link MmRqVaeConfig}; validation happens in {@link #build()}. */
  public static final class Builder {
    private int levels = 4;
    private int codebookSize = 256;
    private int latentDim = 64;
    private int[] hiddenLayers = {256, 128};
    private double dropout = 0;
    private double beta = 0.25;
    private ReconLoss recon = ReconLoss.MMD;
    private double[] mmdAlphas = QuantLosses.defaultMmdAlphas();
    private AlignLoss align = AlignLoss.INFONCE;
    private double temperature = 0.1;
    private String anchor;
    private double reconWeight = 3;
    private double quantWeight = 1;
    private double alignWeight = 0.01;
    private boolean kmeansInit = true;
    private boolean balancedKmeans;
    private int kmeansIterations = 50;
    private double[] sinkhornEpsilons; // null: default for the level count
    private int sinkhornIterations = 50;
    private boolean reseedDeadCodes;
    private double learningRate = 1e-3;
    private double weightDecay = 1e-4;
    private int batchSize = 1024;
    private int epochs = 50;
    private int validateEvery = 10;
    private Criterion criterion = Criterion.LOSS;
    private int patience;
    private long seed = 42;

    private Builder() {}

    boolean sameAs(Builder o) {
      return levels == o.levels && codebookSize == o.codebookSize && latentDim == o.latentDim
          && Arrays.equals(hiddenLayers, o.hiddenLayers) && dropout == o.dropout && beta == o.beta
          && recon == o.recon && Arrays.equals(mmdAlphas, o.mmdAlphas) && align == o.align
          && temperature == o.temperature && java.util.Objects.equals(anchor, o.anchor)
          && reconWeight == o.reconWeight && quantWeight == o.quantWeight
          && alignWeight == o.alignWeight && kmeansInit == o.kmeansInit
          && balancedKmeans == o.balancedKmeans && kmeansIterations == o.kmeansIterations
          && Arrays.equals(sinkhornEpsilons, o.sinkhornEpsilons)
          && sinkhornIterations == o.sinkhornIterations && reseedDeadCodes == o.reseedDeadCodes
          && learningRate == o.learningRate && weightDecay == o.weightDecay
          && batchSize == o.batchSize && epochs == o.epochs && validateEvery == o.validateEvery
          && criterion == o.criterion && patience == o.patience && seed == o.seed;
    }

    /**
     * Sets L.
     *
     * @param v residual levels
     * @return this builder
     */
    public Builder levels(int v) {
      levels = v;
      return this;
    }

    /**
     * Sets K.
     *
     * @param v codes per level
     * @return this builder
     */
    public Builder codebookSize(int v) {
      codebookSize = v;
      return this;
    }

    /**
     * Sets e_dim.
     *
     * @param v latent size
     * @return this builder
     */
    public Builder latentDim(int v) {
      latentDim = v;
      return this;
    }

    /**
     * Sets the encoder's hidden sizes (the decoder mirrors them).
     *
     * @param v sizes, possibly none
     * @return this builder
     */
    public Builder hiddenLayers(int... v) {
      hiddenLayers = v == null ? null : v.clone();
      return this;
    }

    /**
     * Sets the dropout ratio on hidden activations.
     *
     * @param v ratio in [0, 1)
     * @return this builder
     */
    public Builder dropout(double v) {
      dropout = v;
      return this;
    }

    /**
     * Sets the commitment weight beta.
     *
     * @param v beta
     * @return this builder
     */
    public Builder beta(double v) {
      beta = v;
      return this;
    }

    /**
     * Sets the reconstruction loss.
     *
     * @param v MMD or MSE
     * @return this builder
     */
    public Builder recon(ReconLoss v) {
      recon = v;
      return this;
    }

    /**
     * Sets the MMD kernel set.
     *
     * @param v bandwidth factors
     * @return this builder
     */
    public Builder mmdAlphas(double... v) {
      mmdAlphas = v == null ? null : v.clone();
      return this;
    }

    /**
     * Sets the alignment loss.
     *
     * @param v INFONCE, MMD or NONE
     * @return this builder
     */
    public Builder align(AlignLoss v) {
      align = v;
      return this;
    }

    /**
     * Sets the InfoNCE temperature.
     *
     * @param v temperature
     * @return this builder
     */
    public Builder temperature(double v) {
      temperature = v;
      return this;
    }

    /**
     * Sets the anchor modality of the alignment.
     *
     * @param v a modality name, or null for the first
     * @return this builder
     */
    public Builder anchor(String v) {
      anchor = v;
      return this;
    }

    /**
     * Sets the loss weights.
     *
     * @param recon weight of the reconstruction losses
     * @param quant weight of the quantization losses
     * @param align weight of the alignment losses
     * @return this builder
     */
    public Builder weights(double recon, double quant, double align) {
      reconWeight = recon;
      quantWeight = quant;
      alignWeight = align;
      return this;
    }

    /**
     * Sets whether codebooks start from k-means of the first batch.
     *
     * @param v on or off
     * @return this builder
     */
    public Builder kmeansInit(boolean v) {
      kmeansInit = v;
      return this;
    }

    /**
     * Sets whether the initial k-means is size-balanced.
     *
     * @param v on or off
     * @return this builder
     */
    public Builder balancedKmeans(boolean v) {
      balancedKmeans = v;
      return this;
    }

    /**
     * Sets the k-means iteration limit.
     *
     * @param v iterations
     * @return this builder
     */
    public Builder kmeansIterations(int v) {
      kmeansIterations = v;
      return this;
    }

    /**
     * Sets the per-level Sinkhorn epsilons (0 = nearest code).
     *
     * @param v one value per level
     * @return this builder
     */
    public Builder sinkhornEpsilons(double... v) {
      sinkhornEpsilons = v == null ? null : v.clone();
      return this;
    }

    /**
     * Sets the Sinkhorn normalisation rounds.
     *
     * @param v rounds
     * @return this builder
     */
    public Builder sinkhornIterations(int v) {
      sinkhornIterations = v;
      return this;
    }

    /**
     * Sets whether unused codes are re-seeded at validations.
     *
     * @param v on or off
     * @return this builder
     */
    public Builder reseedDeadCodes(boolean v) {
      reseedDeadCodes = v;
      return this;
    }

    /**
     * Sets the AdamW learning rate.
     *
     * @param v learning rate
     * @return this builder
     */
    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    /**
     * Sets the AdamW weight decay.
     *
     * @param v weight decay
     * @return this builder
     */
    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    /**
     * Sets the batch size.
     *
     * @param v items per update
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
     * Sets the validation interval.
     *
     * @param v epochs between validations
     * @return this builder
     */
    public Builder validateEvery(int v) {
      validateEvery = v;
      return this;
    }

    /**
     * Sets the model-selection criterion.
     *
     * @param v LOSS or COLLISION
     * @return this builder
     */
    public Builder criterion(Criterion v) {
      criterion = v;
      return this;
    }

    /**
     * Sets the early-stopping patience.
     *
     * @param v validations without improvement before stopping; 0 never stops
     * @return this builder
     */
    public Builder patience(int v) {
      patience = v;
      return this;
    }

    /**
     * Sets the seed.
     *
     * @param v seed
     * @return this builder
     */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /**
     * Builds the validated configuration. Without explicit Sinkhorn epsilons, the last level
     * uses 0.003 and the others 0 (the reference setting).
     *
     * @return the configuration
     * @throws IllegalArgumentException naming the first invalid setting
     */
    public MmRqVaeConfig build() {
      double[] eps = sinkhornEpsilons;
      if (eps == null && levels >= 1) {
        eps = new double[levels];
        eps[levels - 1] = 0.003;
      }
      return new MmRqVaeConfig(levels, codebookSize, latentDim, hiddenLayers, dropout, beta, recon,
          mmdAlphas, align, temperature, anchor, reconWeight, quantWeight, alignWeight, kmeansInit,
          balancedKmeans, kmeansIterations, eps, sinkhornIterations, reseedDeadCodes, learningRate,
          weightDecay, batchSize, epochs, validateEvery, criterion, patience, seed);
    }
  }
}
