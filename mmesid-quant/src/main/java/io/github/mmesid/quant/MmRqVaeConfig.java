package io.github.mmesid.quant;

import io.github.mmesid.quant.cluster.Sinkhorn;
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
 * @param commitment which levels' commitment terms reach the encoder
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
 * @param kmeansRestarts k-means runs from different seeds per level, the one of least inertia
 *     kept, {@code >= 1}
 * @param kmeansSample which items' residuals the initial k-means clusters
 * @param kmeansSizes the cluster size bounds of the initial k-means
 * @param sinkhornEpsilons per level: 0 for nearest-code training assignment, {@code > 0} for a
 *     Sinkhorn-Knopp plan with that regularisation
 * @param sinkhornIterations Sinkhorn normalisation rounds, {@code >= 1}
 * @param sinkhornOrder which marginal each Sinkhorn round normalises first (training
 *     assignments and the initial residuals)
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
    double dropout, double beta, Commitment commitment, ReconLoss recon, double[] mmdAlphas,
    AlignLoss align, double temperature, String anchor, double reconWeight, double quantWeight,
    double alignWeight, boolean kmeansInit, boolean balancedKmeans, int kmeansIterations,
    int kmeansRestarts, KmeansSample kmeansSample, KmeansSizes kmeansSizes,
    double[] sinkhornEpsilons, int sinkhornIterations, Sinkhorn.Order sinkhornOrder,
    boolean reseedDeadCodes, double learningRate, double weightDecay, int batchSize, int epochs,
    int validateEvery, Criterion criterion, int patience, long seed) {

  /**
   * Which levels' commitment terms {@code beta |r_l - sg(q_l)|^2} reach the encoder, set by what
   * the next level's residual carries back.
   */
  public enum Commitment {
    /**
     * {@code r_{l+1} = r_l - sg(q_l)}: every level's commitment pulls the encoder (level l + 1's
     * towards the partial sum {@code q_1 + ... + q_{l+1}}).
     */
    EVERY_LEVEL,
    /**
     * {@code r_{l+1} = sg(r_l - q_l)}: only level 1's commitment reaches the encoder; deeper
     * residuals are constants (their terms still count in the loss value). This is what the
     * reference's residual {@code r - (r + sg(q - r))} amounts to.
     */
    FIRST_LEVEL
  }

  /** Which items the initial k-means clusters. */
  public enum KmeansSample {
    /** A seeded sample of {@code max(batchSize, K)} items (one batch). */
    FIRST_BATCH,
    /** All items. */
    ALL_ITEMS
  }

  /** Cluster size bounds of the initial k-means. */
  public enum KmeansSizes {
    /** Plain (or, with {@code balancedKmeans}, Sinkhorn-balanced) k-means: no bounds. */
    FREE,
    /**
     * Size-constrained k-means with the reference's bounds for n clustered items: at least
     * {@code min(floor(n / (2K)), 50)} and at most 4 times that per cluster (raised to {@code
     * ceil(n / K)} where 4 times the lower bound could not hold all n items: below 2K items, or
     * above 200 * K, where the reference's own bounds are infeasible).
     */
    REFERENCE;

    /**
     * The bounds for n items in K clusters.
     *
     * @param n items clustered
     * @param k clusters
     * @return {@code {min, max}}; {@code {0, 0}} (none) for {@link #FREE}
     * @throws IllegalArgumentException if {@code n < 0} or {@code k < 1}
     */
    public int[] bounds(int n, int k) {
      if (n < 0 || k < 1) {
        throw new IllegalArgumentException("k-means size bounds for n = " + n + " items in k = " + k
            + " clusters; allowed: n >= 0 and k >= 1");
      }
      if (this == FREE) {
        return new int[] {0, 0};
      }
      int min = Math.min(n / (2 * k), 50);
      return new int[] {min, Math.max(4 * min, (n + k - 1) / k)};
    }
  }

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
   * @param commitment see the record description
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
   * @param kmeansRestarts see the record description
   * @param kmeansSample see the record description
   * @param kmeansSizes see the record description
   * @param sinkhornEpsilons see the record description
   * @param sinkhornIterations see the record description
   * @param sinkhornOrder see the record description
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
    requireSet(commitment, "commitment", Commitment.values());
    requireSet(recon, "recon", ReconLoss.values());
    requireSet(align, "align", AlignLoss.values());
    requireSet(kmeansSample, "kmeansSample", KmeansSample.values());
    requireSet(kmeansSizes, "kmeansSizes", KmeansSizes.values());
    requireSet(sinkhornOrder, "sinkhornOrder", Sinkhorn.Order.values());
    requireSet(criterion, "criterion", Criterion.values());
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
    check(kmeansRestarts >= 1, "kmeansRestarts", kmeansRestarts, ">= 1");
    if (balancedKmeans && kmeansSizes != KmeansSizes.FREE) {
      throw new IllegalArgumentException("MM-RQ-VAE settings balancedKmeans = true and kmeansSizes = " + kmeansSizes
          + " exclude each other (Sinkhorn-balanced or size-constrained k-means); allowed: one of them");
    }
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

  private static void requireSet(Enum<?> value, String name, Enum<?>[] allowed) {
    if (value == null) {
      throw new IllegalArgumentException("MM-RQ-VAE setting " + name + " is not set; allowed: "
          + Arrays.toString(allowed));
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
        + ", beta=" + beta + ", commitment=" + commitment + ", recon=" + recon + ", mmdAlphas=" + Arrays.toString(mmdAlphas)
        + ", align=" + align + ", temperature=" + temperature + ", anchor=" + anchor
        + ", reconWeight=" + reconWeight + ", quantWeight=" + quantWeight + ", alignWeight="
        + alignWeight + ", kmeansInit=" + kmeansInit + ", balancedKmeans=" + balancedKmeans
        + ", kmeansIterations=" + kmeansIterations + ", kmeansRestarts=" + kmeansRestarts
        + ", kmeansSample=" + kmeansSample + ", kmeansSizes=" + kmeansSizes + ", sinkhornEpsilons="
        + Arrays.toString(sinkhornEpsilons) + ", sinkhornIterations=" + sinkhornIterations
        + ", sinkhornOrder=" + sinkhornOrder + ", reseedDeadCodes=" + reseedDeadCodes + ", learningRate=" + learningRate
        + ", weightDecay=" + weightDecay + ", batchSize=" + batchSize + ", epochs=" + epochs
        + ", validateEvery=" + validateEvery + ", criterion=" + criterion + ", patience="
        + patience + ", seed=" + seed + "]";
  }

  /**
   * Returns a builder with the defaults: L = 4, K = 256, e_dim = 64, hidden [256, 128], no
   * dropout, beta 0.25 with commitment at every level, MSE reconstruction (the MMD kernel set,
   * used by {@code recon(MMD)} and {@code align(MMD)}, is {1/8..2}), InfoNCE alignment at
   * temperature 0.1 anchored on the first modality, weights 3 / 1 / 0.01, k-means initialisation
   * on a first batch (50 iterations, one run, no size bounds, not balanced), Sinkhorn only on the
   * last level (epsilon 0.003, 50 codes-first rounds), no dead-code re-seeding, AdamW lr 1e-3
   * with weight decay 1e-4, batch 1024, 50 epochs, validation every 10 epochs keeping the model
   * of least collision rate, no early stopping, seed 42. MSE reconstruction, commitment at every
   * level and the collision criterion were chosen on Beauty's SASRec table, 3 seeds each
   * (benchmarks/RESULTS.md, issue 12): MSE kept item-distance order better than MMD (Kendall tau
   * 0.50 vs 0.44), and with MSE the training loss rises while the codes improve, so the loss
   * would keep an early model.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The Stage-1 settings of the MME-SID reference implementation (repository {@code
   * Applied-Machine-Learning-Lab/MME-SID}, directory {@code MM-RQ-VAE/}; commit f5b0689 unless
   * noted), one by one. {@code sh} is {@code train_tokenizer_MM.sh} (the published training
   * command), {@code main} is {@code main_new_MM.py} (its argument defaults):
   *
   * <ul>
   *   <li>levels 4, K 256: {@code sh} line 8 ({@code --num_emb_list 256 256 256 256});
   *   <li>e_dim 4096: {@code sh} line 7; hidden [4096, 4096, 4096]: {@code sh} line 9; the
   *       decoder mirrors the encoder: {@code rqvae_mm.py} lines 57 and 81; Xavier-normal
   *       weights, zero biases, ReLU between layers (the SDK's only MLP): LC-Rec {@code
   *       index/models/layers.py} lines 22-40, imported at {@code rqvae_mm.py} line 8;
   *   <li>dropout 0: {@code main} line 26 (no batch norm: line 27);
   *   <li>beta 0.01: the quantizers' commitment weight {@code mu} is the alignment coefficient,
   *       {@code rqvae_mm.py} line 66 passes {@code align} (0.01, {@code main} line 42) to {@code
   *       rq_mm.py} line 19 ({@code mu=align}), used at {@code vq_mm.py} line 144;
   *   <li>commitment {@link Commitment#FIRST_LEVEL}: each level returns {@code r + sg(q - r)}
   *       ({@code vq_mm.py} line 148) and the next residual is {@code r - that} ({@code rq_mm.py}
   *       line 59), which carries no gradient;
   *   <li>MMD reconstruction: {@code main} line 28 and {@code sh} line 13; one Gaussian kernel
   *       with alpha 0.5: {@code rqvae_mm.py} line 90;
   *   <li>InfoNCE alignment at temperature 0.1, anchored on the collaborative (first) modality:
   *       {@code rqvae_mm.py} at commit 97bbf07 lines 91 and 128 (the {@code info_nce} package's
   *       default temperature is 0.1; the earlier commit f5b0689 aligns with the MMD, line 127);
   *   <li>weights recon 3 / quant 1 / align 0.01: {@code sh} line 14, {@code main} lines 36 and 42;
   *   <li>k-means initialisation on all items: {@code main} line 29; {@code trainer_new_mm.py}
   *       (commit eae3353) line 109 loads one batch of all items, line 247 initialises before the
   *       first epoch; the encoders' outputs go level by level through {@code rq_mm.py} lines
   *       44-45;
   *   <li>size-constrained k-means with at least {@code min(N / 2K, 50)} and at most 4 times
   *       that per cluster, 10 iterations, 10 runs: {@code vq_mm.py} lines 50 and 52 (the
   *       {@code --kmeans_iters 100} of {@code main} line 30 is not used by it); the next level is
   *       initialised on the residuals after each item's code, the nearest on levels without
   *       Sinkhorn ({@code vq_mm.py} lines 72-102);
   *   <li>Sinkhorn on the last level only, epsilon 0.003, 50 rounds: {@code main} lines 31-32;
   *       distances min-max centred and in float64: {@code vq_mm.py} lines 61-69 and 131-133;
   *       {@link Sinkhorn.Order#ITEMS_FIRST}: LC-Rec {@code index/models/layers.py} lines 99-104
   *       (imported at {@code vq_mm.py} line 4) first divides by the {@code dim=1} sums, i.e. each
   *       item's row of the {@code [B, K]} plan, then by the {@code dim=0} (code) sums; its
   *       comments name them the other way round; inference uses nearest codes ({@code
   *       rqvae_mm.py} line 108);
   *   <li>no dead-code re-seeding (none in the reference);
   *   <li>AdamW ({@code main} line 21), lr 2e-4 ({@code sh} line 10), weight decay 1e-4 ({@code
   *       main} line 25), batch 1024 ({@code sh} line 11);
   *   <li>20000 epochs: {@code main} line 17; the best model by the epoch's training loss,
   *       checked every epoch, stopping after 2000 epochs without improvement: {@code
   *       trainer_new_mm.py} lines 259-276 with {@code --maxe 2000} ({@code sh} line 12);
   *   <li>seed 42: {@code main} line 50.
   * </ul>
   *
   * <p>Known differences that remain: the reference's MMD ({@code tllib}'s multi-kernel MMD)
   * leaves the diagonal out of the same-batch kernel means and adds {@code 2/(B-1)}, which scales
   * those two means by {@code B/(B-1)} (0.1% at B = 1024); its InfoNCE is one-directional where
   * the SDK's is symmetric (only with two or more modalities); {@code main} line 78 passes an
   * undefined {@code align} and {@code recon} (it would not run as published; the argument
   * values are used here). At this size (three 4096 hidden layers, e_dim 4096, 20000 epochs) the
   * preset needs a GPU; reduce {@code latentDim}, {@code hiddenLayers} and {@code epochs} to run it
   * on a CPU.
   *
   * @return the preset
   */
  public static MmRqVaeConfig referencePreset() {
    return builder().levels(4).codebookSize(256).latentDim(4096).hiddenLayers(4096, 4096, 4096)
        .dropout(0).beta(0.01).commitment(Commitment.FIRST_LEVEL).recon(ReconLoss.MMD)
        .mmdAlphas(0.5).align(AlignLoss.INFONCE).temperature(0.1).anchor(null).weights(3, 1, 0.01)
        .kmeansInit(true).balancedKmeans(false).kmeansSample(KmeansSample.ALL_ITEMS)
        .kmeansSizes(KmeansSizes.REFERENCE).kmeansIterations(10).kmeansRestarts(10)
        .sinkhornEpsilons(0, 0, 0, 0.003).sinkhornIterations(50)
        .sinkhornOrder(Sinkhorn.Order.ITEMS_FIRST).reseedDeadCodes(false).learningRate(2e-4)
        .weightDecay(1e-4).batchSize(1024).epochs(20000).validateEvery(1).criterion(Criterion.LOSS)
        .patience(2000).seed(42).build();
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
    b.commitment = commitment;
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
    b.kmeansRestarts = kmeansRestarts;
    b.kmeansSample = kmeansSample;
    b.kmeansSizes = kmeansSizes;
    b.sinkhornEpsilons = sinkhornEpsilons.clone();
    b.sinkhornIterations = sinkhornIterations;
    b.sinkhornOrder = sinkhornOrder;
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
    private Commitment commitment = Commitment.EVERY_LEVEL;
    private ReconLoss recon = ReconLoss.MSE;
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
    private int kmeansRestarts = 1;
    private KmeansSample kmeansSample = KmeansSample.FIRST_BATCH;
    private KmeansSizes kmeansSizes = KmeansSizes.FREE;
    private double[] sinkhornEpsilons; // null: default for the level count
    private int sinkhornIterations = 50;
    private Sinkhorn.Order sinkhornOrder = Sinkhorn.Order.CODES_FIRST;
    private boolean reseedDeadCodes;
    private double learningRate = 1e-3;
    private double weightDecay = 1e-4;
    private int batchSize = 1024;
    private int epochs = 50;
    private int validateEvery = 10;
    private Criterion criterion = Criterion.COLLISION;
    private int patience;
    private long seed = 42;

    private Builder() {}

    boolean sameAs(Builder o) {
      return levels == o.levels && codebookSize == o.codebookSize && latentDim == o.latentDim
          && Arrays.equals(hiddenLayers, o.hiddenLayers) && dropout == o.dropout && beta == o.beta
          && commitment == o.commitment && recon == o.recon && Arrays.equals(mmdAlphas, o.mmdAlphas) && align == o.align
          && temperature == o.temperature && java.util.Objects.equals(anchor, o.anchor)
          && reconWeight == o.reconWeight && quantWeight == o.quantWeight
          && alignWeight == o.alignWeight && kmeansInit == o.kmeansInit
          && balancedKmeans == o.balancedKmeans && kmeansIterations == o.kmeansIterations
          && kmeansRestarts == o.kmeansRestarts && kmeansSample == o.kmeansSample
          && kmeansSizes == o.kmeansSizes && Arrays.equals(sinkhornEpsilons, o.sinkhornEpsilons)
          && sinkhornIterations == o.sinkhornIterations && sinkhornOrder == o.sinkhornOrder
          && reseedDeadCodes == o.reseedDeadCodes
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
     * Sets which levels' commitment terms reach the encoder.
     *
     * @param v EVERY_LEVEL or FIRST_LEVEL
     * @return this builder
     */
    public Builder commitment(Commitment v) {
      commitment = v;
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
     * Sets the number of k-means runs per level (the one of least inertia is kept).
     *
     * @param v runs
     * @return this builder
     */
    public Builder kmeansRestarts(int v) {
      kmeansRestarts = v;
      return this;
    }

    /**
     * Sets which items the initial k-means clusters.
     *
     * @param v FIRST_BATCH or ALL_ITEMS
     * @return this builder
     */
    public Builder kmeansSample(KmeansSample v) {
      kmeansSample = v;
      return this;
    }

    /**
     * Sets the cluster size bounds of the initial k-means.
     *
     * @param v FREE or REFERENCE
     * @return this builder
     */
    public Builder kmeansSizes(KmeansSizes v) {
      kmeansSizes = v;
      return this;
    }

    /**
     * Sets which marginal each Sinkhorn round normalises first.
     *
     * @param v CODES_FIRST or ITEMS_FIRST
     * @return this builder
     */
    public Builder sinkhornOrder(Sinkhorn.Order v) {
      sinkhornOrder = v;
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
      return new MmRqVaeConfig(levels, codebookSize, latentDim, hiddenLayers, dropout, beta,
          commitment, recon, mmdAlphas, align, temperature, anchor, reconWeight, quantWeight,
          alignWeight, kmeansInit, balancedKmeans, kmeansIterations, kmeansRestarts, kmeansSample,
          kmeansSizes, eps, sinkhornIterations, sinkhornOrder, reseedDeadCodes, learningRate,
          weightDecay, batchSize, epochs, validateEvery, criterion, patience, seed);
    }
  }
}
