package io.github.mmesid.quant;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.optim.LrSchedule;
import io.github.mmesid.core.engine.optim.Optimizer;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.train.InMemoryBatchSource;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.core.engine.train.StepInfo;
import io.github.mmesid.core.engine.train.Trainer;
import io.github.mmesid.core.engine.train.TrainerConfig;
import io.github.mmesid.core.engine.train.TrainingListener;
import io.github.mmesid.core.engine.train.TrainingLog;
import io.github.mmesid.core.engine.train.TrainingResult;
import io.github.mmesid.core.engine.train.ValidationHook;
import io.github.mmesid.core.io.Json;
import io.github.mmesid.quant.cluster.KMeans;
import io.github.mmesid.quant.cluster.Sinkhorn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains an MM-RQ-VAE (METHOD.md section 2) on the engine.
 *
 * <p>The run: validate the inputs; initialise the parameters from the seed; when {@link
 * MmRqVaeConfig#kmeansInit()} is on, encode a first batch (a seeded sample of {@code max(batch,
 * K)} items) or all items ({@link MmRqVaeConfig#kmeansSample()}) and set each level's codebook
 * to the k-means centroids (plain, balanced or size-constrained, {@link
 * MmRqVaeConfig#kmeansRestarts()} runs) of that level's residuals;
 * then minimise {@code recon * sum_m Recon_m + quant * sum_m Quant_m + align * sum_{m != anchor}
 * Align(anchor, m)} with AdamW through {@link Trainer}. Every {@link
 * MmRqVaeConfig#validateEvery()} epochs a validation encodes all items with nearest codes, logs
 * the collision rate per modality, optionally re-seeds unused codes, and scores the chosen
 * criterion; the best model is kept and early stopping applies. With a checkpoint directory the
 * run is resumable.
 */
public final class MmRqVaeTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(MmRqVaeTrainer.class);
  private static final int CHUNK = 4096;

  private MmRqVaeTrainer() {}

  /**
   * Trains on the items of a catalog (rows 1..N of every modality; row 0, the padding row, is not
   * used).
   *
   * @param catalog the items and their modality embeddings
   * @param config the hyperparameters
   * @param run how to run (threads, execution provider, checkpoints written at every validation,
   *     listeners)
   * @return the trained model, its metrics and the training log
   * @throws IllegalArgumentException if the inputs do not fit the settings (see {@link
   *     #train(Map, MmRqVaeConfig, RunOptions)})
   */
  public static MmRqVaeTrainingResult train(ItemCatalog catalog, MmRqVaeConfig config,
      RunOptions run) {
    Map<String, float[][]> m = new LinkedHashMap<>();
    for (String name : catalog.modalities()) {
      float[][] all = catalog.matrix(name);
      m.put(name, Arrays.copyOfRange(all, 1, all.length));
    }
    return train(m, config, run);
  }

  /**
   * Trains on modality matrices whose rows are the items, in the same order for every modality.
   *
   * @param modalities modality name to {@code [N][d_m]} (iteration order = modality order, so pass a
   *     {@link LinkedHashMap}); names of 1-64 letters, digits, '_' or '-' starting with a letter
   * @param config the hyperparameters
   * @param run how to run
   * @return the trained model, its metrics ({@code collision_rate_<modality>}: nearest-code
   *     collision rate of each modality's items under the returned model) and the training log
   * @throws IllegalArgumentException if there is no modality, a name is not allowed, row counts
   *     differ across modalities, a row is ragged or holds NaN/Inf (naming modality and row), K
   *     exceeds the number of items N, or the anchor is not a modality
   */
  public static MmRqVaeTrainingResult train(Map<String, float[][]> modalities,
      MmRqVaeConfig config, RunOptions run) {
    long t0 = System.nanoTime();
    List<String> names = new ArrayList<>(modalities.keySet());
    int[] dims = validate(modalities, config);
    int n = modalities.get(names.get(0)).length;
    RqVaeNetwork net = new RqVaeNetwork(config, names, dims);
    net.anchorIndex();
    Map<String, TensorData> params = net.initialParameters();
    if (config.kmeansInit()) {
      initCodebooks(net, params, modalities, run);
    }
    Graph g = new Graph("mmrqvae_train");
    Map<String, Tensor> p = RqVaeNetwork.declare(g, params);
    Tensor loss = net.trainingLoss(g, p);
    InMemoryBatchSource.Builder data = InMemoryBatchSource.builder(n);
    for (int mi = 0; mi < names.size(); mi++) {
      data.floats(RqVaeNetwork.input(names.get(mi)), flatten(modalities.get(names.get(mi)), dims[mi]), dims[mi]);
    }
    long perEpoch = (n + (long) config.batchSize() - 1) / config.batchSize();
    long validateSteps = perEpoch * config.validateEvery();
    Validator validator = new Validator(net, modalities, config, run);
    TrainerConfig.Builder tb = updateSettings(config)
        .epochs(config.epochs())
        .validation(validator, validateSteps, false, config.patience())
        .restoreBest(true)
        .keepCheckpoints(2)
        .runDescription(runDescription(config))
        .listener(validator);
    run.applyTo(tb, 100, validateSteps);
    LOG.info("MM-RQ-VAE: {} items, modalities {} dims {}, L={} K={} e_dim={} hidden={}, recon={} align={}",
        n, names, Arrays.toString(dims), config.levels(), config.codebookSize(), config.latentDim(),
        Arrays.toString(config.hiddenLayers()), config.recon(), config.align());
    TrainingResult result;
    try (Trainer trainer = new Trainer(loss, tb.build())) {
      validator.trainer = trainer;
      result = trainer.train(data.build());
    }
    Map<String, TensorData> trained = new LinkedHashMap<>();
    for (String name : net.parameterShapes().keySet()) {
      trained.put(name, result.parameters().get(name));
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    ParameterSnapshot best = new ParameterSnapshot(trained);
    for (int mi = 0; mi < names.size(); mi++) {
      try (Predictor pr = Predictor.create(validator.graphs.get(mi), validator.outputs.get(mi),
          best, run.runtime())) {
        metrics.put("collision_rate_" + names.get(mi), collisionRate(encodeAll(pr,
            modalities.get(names.get(mi)), dims[mi], config.levels(), config.latentDim()).codes()));
      }
    }
    MmRqVaeModel model = new MmRqVaeModel(config, names, dims, trained, run.runtime());
    return new MmRqVaeTrainingResult(model, metrics, TrainingLog.of(result,
        config.criterion().name().toLowerCase(Locale.ROOT), (System.nanoTime() - t0) / 1e9));
  }

  /**
   * The trainer settings that shape one update (seed, AdamW with the config's learning rate and
   * weight decay, constant schedule, batch size), shared with {@link RqVaeDeviceChecks} so that
   * the checked update is the trained one.
   */
  static TrainerConfig.Builder updateSettings(MmRqVaeConfig config) {
    return TrainerConfig.builder(config.seed())
        .optimizer(Optimizer.adamW(config.learningRate()).withWeightDecay(config.weightDecay()))
        .schedule(LrSchedule.constant())
        .batchSize(config.batchSize());
  }

  /**
   * The settings recorded with checkpoints: the config's fields, with {@code validate_every}
   * (epochs here) recorded as {@code validate_every_epochs} so that it does not collide with the
   * trainer's own {@code validate_every} (steps); the other shared names ({@code epochs}, {@code
   * batch_size}, {@code patience}, {@code seed}) mean the same in both.
   */
  static Map<String, String> runDescription(MmRqVaeConfig config) {
    Map<String, String> out = new LinkedHashMap<>();
    Json.flatten(config).forEach((k, v) -> out.put(k.equals("validate_every") ? "validate_every_epochs" : k, v));
    return out;
  }

  /**
   * Checks modality matrices against the settings.
   *
   * @param modalities name to {@code [N][d]}
   * @param config the settings
   * @return the dimension of each modality, in order
   * @throws IllegalArgumentException describing the first problem found
   */
  static int[] validate(Map<String, float[][]> modalities, MmRqVaeConfig config) {
    if (modalities == null || modalities.isEmpty()) {
      throw new IllegalArgumentException("no modality given; an MM-RQ-VAE needs at least one [N][d] matrix");
    }
    int[] dims = new int[modalities.size()];
    int n = -1;
    String first = null;
    int mi = 0;
    for (Map.Entry<String, float[][]> e : modalities.entrySet()) {
      String name = MmRqVaeModel.checkName(e.getKey());
      float[][] x = e.getValue();
      if (x == null || x.length == 0) {
        throw new IllegalArgumentException("modality '" + name + "' has no rows; it needs N >= 1 item rows");
      }
      if (n < 0) {
        n = x.length;
        first = name;
      } else if (x.length != n) {
        throw new IllegalArgumentException("modality '" + name + "' has " + x.length + " rows but '" + first
            + "' has " + n + "; every modality needs one row per item, in the same item order");
      }
      int d = x[0] == null ? 0 : x[0].length;
      if (d < 1) {
        throw new IllegalArgumentException("modality '" + name + "' row 0 is empty; rows need d >= 1 values");
      }
      for (int r = 0; r < x.length; r++) {
        float[] row = x[r];
        if (row == null || row.length != d) {
          throw new IllegalArgumentException("modality '" + name + "' row " + r + " has "
              + (row == null ? 0 : row.length) + " values; all rows must have d = " + d + " (the length of row 0)");
        }
        for (int j = 0; j < d; j++) {
          if (!Float.isFinite(row[j])) {
            throw new IllegalArgumentException("modality '" + name + "' row " + r + ", column " + j + " = "
                + row[j] + "; embeddings must be finite (no NaN or Inf)");
          }
        }
      }
      dims[mi++] = d;
    }
    if (config.codebookSize() > n) {
      throw new IllegalArgumentException("codebook size K = " + config.codebookSize() + " exceeds the number of items N = "
          + n + "; allowed: K <= N (k-means needs at least K points)");
    }
    if (config.anchor() != null && !modalities.containsKey(config.anchor())) {
      throw new IllegalArgumentException("anchor modality '" + config.anchor() + "' is not one of " + modalities.keySet());
    }
    return dims;
  }

  static float[] flatten(float[][] x, int d) {
    float[] out = new float[x.length * d];
    for (int i = 0; i < x.length; i++) {
      System.arraycopy(x[i], 0, out, i * d, d);
    }
    return out;
  }

  /** Codes and latents of all items of one modality under the given parameter values. */
  static Encoded encodeAll(Predictor p, float[][] x, int d, int levels, int e) {
    int n = x.length;
    int[][] codes = new int[n][levels];
    float[][] z = new float[n][];
    for (int from = 0; from < n; from += CHUNK) {
      int m = Math.min(CHUNK, n - from);
      float[] flat = new float[m * d];
      for (int i = 0; i < m; i++) {
        System.arraycopy(x[from + i], 0, flat, i * d, d);
      }
      try (HostTensor in = HostTensor.of(flat, m, d); RunOutputs out = p.run(Map.of("x", in))) {
        long[] c = out.get("codes").toLongArray();
        float[] zz = out.get("latent").toFloatArray();
        for (int i = 0; i < m; i++) {
          for (int l = 0; l < levels; l++) {
            codes[from + i][l] = (int) c[i * levels + l];
          }
          z[from + i] = Arrays.copyOfRange(zz, i * e, (i + 1) * e);
        }
      }
    }
    return new Encoded(codes, z);
  }

  record Encoded(int[][] codes, float[][] latents) {}

  private static void initCodebooks(RqVaeNetwork net, Map<String, TensorData> params,
      Map<String, float[][]> modalities, RunOptions options) {
    MmRqVaeConfig cfg = net.config();
    List<String> names = net.names();
    int n = modalities.get(names.get(0)).length;
    boolean all = cfg.kmeansSample() == MmRqVaeConfig.KmeansSample.ALL_ITEMS;
    int sample = all ? n : Math.min(n, Math.max(cfg.batchSize(), cfg.codebookSize()));
    int[] perm = all ? null : permutation(n, new SplittableRandom(cfg.seed() * 31 + 7));
    int[] bounds = cfg.kmeansSizes().bounds(sample, cfg.codebookSize());
    for (int mi = 0; mi < names.size(); mi++) {
      String m = names.get(mi);
      float[][] x = modalities.get(m);
      float[][] batch = new float[sample][];
      for (int i = 0; i < sample; i++) {
        batch[i] = x[all ? i : perm[i]];
      }
      Graph g = new Graph("mmrqvae_init");
      Map<String, Tensor> p = RqVaeNetwork.declare(g, params, m + ".");
      Map<String, Tensor> outs = net.encodeOutputs(g, p, mi);
      float[][] r;
      try (Predictor pr = Predictor.create(g, outs, new ParameterSnapshot(Map.of()), options.runtime())) {
        r = encodeAll(pr, batch, net.dim(mi), cfg.levels(), cfg.latentDim()).latents();
      }
      long t0 = System.nanoTime();
      for (int l = 0; l < cfg.levels(); l++) {
        KMeans.Options ko = new KMeans.Options(cfg.codebookSize(), cfg.kmeansIterations(),
            cfg.balancedKmeans(), 0.003, cfg.sinkhornIterations(), cfg.seed() * 1000003L + mi * 101L + l,
            bounds[0], bounds[1], cfg.kmeansRestarts());
        KMeans.Result km = KMeans.train(r, ko);
        float[][] c = km.centroids();
        params.put(RqVaeNetwork.codebook(m, l), TensorData.ofFloats(
            new long[] {cfg.codebookSize(), cfg.latentDim()}, flatten(c, cfg.latentDim())));
        if (l + 1 < cfg.levels()) {
          int[] codes = initialCodes(r, c, cfg.sinkhornEpsilons()[l], cfg, km);
          float[][] next = new float[sample][cfg.latentDim()];
          for (int i = 0; i < sample; i++) {
            float[] ci = c[codes[i]];
            for (int j = 0; j < cfg.latentDim(); j++) {
              next[i][j] = r[i][j] - ci[j];
            }
          }
          r = next;
        }
      }
      LOG.info("k-means initialised the {} codebooks of '{}' from {} items{} in {} s", cfg.levels(), m, sample,
          cfg.kmeansSizes() == MmRqVaeConfig.KmeansSizes.FREE ? ""
              : " (cluster sizes " + bounds[0] + ".." + bounds[1] + ")",
          String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    }
  }

  /**
   * The codes the next level's initialisation subtracts: the ones training would choose from the
   * new codebook, nearest codes on levels without Sinkhorn and the Sinkhorn plan's codes
   * otherwise (over the whole initialisation sample, as the reference does), except that a plain
   * k-means keeps its own assignment (the nearest centroids, unless the iteration limit ended it
   * early, as before size bounds existed).
   */
  private static int[] initialCodes(float[][] r, float[][] c, double epsilon, MmRqVaeConfig cfg,
      KMeans.Result km) {
    boolean plain = !cfg.balancedKmeans() && cfg.kmeansSizes() == MmRqVaeConfig.KmeansSizes.FREE;
    if (epsilon == 0 && plain) {
      return km.assignments();
    }
    double[][] d = new double[r.length][c.length];
    for (int i = 0; i < r.length; i++) {
      for (int q = 0; q < c.length; q++) {
        double s = 0;
        for (int j = 0; j < c[q].length; j++) {
          double t = (double) r[i][j] - c[q][j];
          s += t * t;
        }
        d[i][q] = s;
      }
    }
    if (epsilon > 0) {
      return Sinkhorn.assign(d, epsilon, cfg.sinkhornIterations(), cfg.sinkhornOrder());
    }
    int[] out = new int[r.length];
    for (int i = 0; i < r.length; i++) {
      for (int q = 1; q < c.length; q++) {
        if (d[i][q] < d[i][out[i]]) {
          out[i] = q;
        }
      }
    }
    return out;
  }

  static int[] permutation(int n, SplittableRandom r) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** Validation: collision rates, dead-code re-seeding, the selection metric. */
  private static final class Validator implements ValidationHook, TrainingListener {
    private final RqVaeNetwork net;
    private final Map<String, float[][]> data;
    private final MmRqVaeConfig cfg;
    private final RunOptions options;
    private final List<Graph> graphs = new ArrayList<>();
    private final List<Map<String, Tensor>> outputs = new ArrayList<>();
    private Trainer trainer;
    private double lossSum;
    private long lossCount;
    private long lastStep;
    private int epoch;

    Validator(RqVaeNetwork net, Map<String, float[][]> data, MmRqVaeConfig cfg,
        RunOptions options) {
      this.net = net;
      this.data = data;
      this.cfg = cfg;
      this.options = options;
      Map<String, TensorData> init = net.initialParameters();
      for (int mi = 0; mi < net.names().size(); mi++) {
        Graph g = new Graph("mmrqvae_validate");
        Map<String, Tensor> p = RqVaeNetwork.declare(g, init, net.names().get(mi) + ".");
        graphs.add(g);
        outputs.add(net.encodeOutputs(g, p, mi));
      }
    }

    @Override
    public void onStep(StepInfo info) {
      lossSum += info.loss();
      lossCount++;
      lastStep = info.step();
      epoch = info.epoch();
    }

    @Override
    public double evaluate(ParameterSnapshot snap) {
      StringBuilder msg = new StringBuilder();
      double collisionSum = 0;
      Map<String, TensorData> reseeded = new LinkedHashMap<>();
      int deadTotal = 0;
      for (int mi = 0; mi < net.names().size(); mi++) {
        String m = net.names().get(mi);
        Encoded enc;
        try (Predictor pr = Predictor.create(graphs.get(mi), outputs.get(mi), snap, options.runtime())) {
          enc = encodeAll(pr, data.get(m), net.dim(mi), cfg.levels(), cfg.latentDim());
        }
        double rate = collisionRate(enc.codes());
        collisionSum += rate;
        msg.append(String.format(Locale.ROOT, " %s collision %.4f", m, rate));
        if (cfg.reseedDeadCodes()) {
          deadTotal += reseed(m, enc, snap, reseeded);
        }
      }
      double meanLoss = lossCount == 0 ? Double.NaN : lossSum / lossCount;
      lossSum = 0;
      lossCount = 0;
      if (!reseeded.isEmpty()) {
        trainer.setParameters(reseeded);
        msg.append(", re-seeded ").append(deadTotal).append(" unused codes");
      }
      LOG.info("validation at step {} (epoch {}): mean loss {}{}", lastStep, epoch + 1,
          String.format(Locale.ROOT, "%.5f", meanLoss), msg);
      double collision = collisionSum / net.names().size();
      return cfg.criterion() == MmRqVaeConfig.Criterion.COLLISION ? collision
          : Double.isFinite(meanLoss) ? meanLoss : Double.MAX_VALUE;
    }

    private int reseed(String m, Encoded enc, ParameterSnapshot snap, Map<String, TensorData> out) {
      int k = cfg.codebookSize();
      int e = cfg.latentDim();
      int n = enc.codes().length;
      SplittableRandom rng = new SplittableRandom(cfg.seed() * 7919 + lastStep * 104729L + m.hashCode());
      float[][] r = new float[n][];
      for (int i = 0; i < n; i++) {
        r[i] = enc.latents()[i].clone();
      }
      int dead = 0;
      for (int l = 0; l < cfg.levels(); l++) {
        String name = RqVaeNetwork.codebook(m, l);
        float[] c = snap.floats(name);
        int[] count = new int[k];
        for (int[] codes : enc.codes()) {
          count[codes[l]]++;
        }
        boolean changed = false;
        int[] perm = permutation(n, rng);
        int next = 0;
        for (int code = 0; code < k; code++) {
          if (count[code] == 0) {
            float[] src = r[perm[next++ % n]];
            System.arraycopy(src, 0, c, code * e, e);
            changed = true;
            dead++;
          }
        }
        if (changed) {
          out.put(name, TensorData.ofFloats(new long[] {k, e}, c));
        }
        float[] orig = snap.floats(name);
        for (int i = 0; i < n; i++) {
          int code = enc.codes()[i][l];
          for (int j = 0; j < e; j++) {
            r[i][j] -= orig[code * e + j];
          }
        }
      }
      return dead;
    }
  }

  /**
   * The collision rate {@code 1 - distinct code tuples / items}.
   *
   * @param codes {@code [N][L]}
   * @return the rate in [0, 1)
   */
  static double collisionRate(int[][] codes) {
    Set<List<Integer>> distinct = new HashSet<>();
    for (int[] c : codes) {
      List<Integer> key = new ArrayList<>(c.length);
      for (int v : c) {
        key.add(v);
      }
      distinct.add(key);
    }
    return codes.length == 0 ? 0 : 1.0 - (double) distinct.size() / codes.length;
  }
}
