package io.github.mmesid.quant;

import io.github.mmesid.core.engine.graph.ArrayOps;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.quant.loss.QuantLosses;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MM-RQ-VAE as graph recipes on the engine: parameter naming and initial values, the training
 * loss, and the inference graphs (encode to codes, decode a quantized latent).
 *
 * <p>Straight-through estimator and code selection: the codes of level l are chosen in the graph
 * from stop-gradient copies of the residual and the codebook (ArgMin of the squared distances,
 * or ArgMax of a float64 Sinkhorn plan on levels with epsilon &gt; 0), so no gradient flows
 * through the selection. {@code q_l = Gather(C_l, code)} carries the codebook gradient of the
 * term {@code |q_l - sg(r_l)|^2}; the commitment term {@code beta |r_l - sg(q_l)|^2} pulls the
 * encoder. With {@link MmRqVaeConfig.Commitment#EVERY_LEVEL} the next residual is {@code r_{l+1}
 * = r_l - sg(q_l)}, so level l + 1's commitment pulls {@code z} towards the partial sum {@code
 * q_1 + ... + q_{l+1}}; with {@link MmRqVaeConfig.Commitment#FIRST_LEVEL} it is {@code
 * sg(r_l - q_l)}, so only level 1's commitment reaches the encoder (the reference's residual
 * {@code r_l - (r_l + sg(q_l - r_l))}). The decoder sees {@code z_q = z + sg(sum_l q_l - z)}: its
 * value is the quantized latent, its gradient goes to {@code z}.
 */
final class RqVaeNetwork {

  private final MmRqVaeConfig cfg;
  private final List<String> names;
  private final int[] dims;

  RqVaeNetwork(MmRqVaeConfig cfg, List<String> names, int[] dims) {
    this.cfg = cfg;
    this.names = List.copyOf(names);
    this.dims = dims.clone();
  }

  static String encoderWeight(String m, int i) {
    return m + ".encoder." + i + ".weight";
  }

  static String encoderBias(String m, int i) {
    return m + ".encoder." + i + ".bias";
  }

  static String decoderWeight(String m, int i) {
    return m + ".decoder." + i + ".weight";
  }

  static String decoderBias(String m, int i) {
    return m + ".decoder." + i + ".bias";
  }

  static String codebook(String m, int level) {
    return m + ".codebook." + level;
  }

  static String input(String m) {
    return "x." + m;
  }

  /** Layer sizes of the encoder: {@code d, h1, ..., e}. */
  int[] encoderSizes(int d) {
    int[] h = cfg.hiddenLayers();
    int[] s = new int[h.length + 2];
    s[0] = d;
    System.arraycopy(h, 0, s, 1, h.length);
    s[s.length - 1] = cfg.latentDim();
    return s;
  }

  /** Layer sizes of the decoder: {@code e, hn, ..., h1, d}. */
  int[] decoderSizes(int d) {
    int[] e = encoderSizes(d);
    int[] s = new int[e.length];
    for (int i = 0; i < e.length; i++) {
      s[i] = e[e.length - 1 - i];
    }
    return s;
  }

  /** Parameter shapes by name, in a fixed order. */
  Map<String, long[]> parameterShapes() {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (int mi = 0; mi < names.size(); mi++) {
      String m = names.get(mi);
      int[] es = encoderSizes(dims[mi]);
      for (int i = 0; i + 1 < es.length; i++) {
        out.put(encoderWeight(m, i), new long[] {es[i + 1], es[i]});
        out.put(encoderBias(m, i), new long[] {es[i + 1]});
      }
      int[] ds = decoderSizes(dims[mi]);
      for (int i = 0; i + 1 < ds.length; i++) {
        out.put(decoderWeight(m, i), new long[] {ds[i + 1], ds[i]});
        out.put(decoderBias(m, i), new long[] {ds[i + 1]});
      }
      for (int l = 0; l < cfg.levels(); l++) {
        out.put(codebook(m, l), new long[] {cfg.codebookSize(), cfg.latentDim()});
      }
    }
    return out;
  }

  /**
   * Initial values: Xavier-normal weights, zero biases, codebooks uniform in {@code [-1/K, 1/K)}
   * (replaced by k-means when that is on), all from (seed, name).
   */
  Map<String, TensorData> initialParameters() {
    Map<String, TensorData> out = new LinkedHashMap<>();
    long seed = cfg.seed();
    double k = cfg.codebookSize();
    for (Map.Entry<String, long[]> e : parameterShapes().entrySet()) {
      String n = e.getKey();
      long[] s = e.getValue();
      TensorData v;
      if (n.endsWith(".weight")) {
        v = Initializers.xavierNormal(1.0).create(seed, n, DType.FLOAT32, s);
      } else if (n.endsWith(".bias")) {
        v = TensorData.ofFloats(s, new float[(int) s[0]]);
      } else {
        v = Initializers.uniform(-1 / k, 1 / k).create(seed, n, DType.FLOAT32, s);
      }
      out.put(n, v);
    }
    return out;
  }

  /** Declares all parameters in {@code g} with the given values. */
  static Map<String, Tensor> declare(Graph g, Map<String, TensorData> values) {
    return declare(g, values, "");
  }

  /** Declares the parameters whose names start with {@code prefix} (e.g. one modality's). */
  static Map<String, Tensor> declare(Graph g, Map<String, TensorData> values, String prefix) {
    Map<String, Tensor> p = new LinkedHashMap<>();
    for (Map.Entry<String, TensorData> e : values.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        p.put(e.getKey(), g.parameter(e.getKey(), e.getValue()));
      }
    }
    return p;
  }

  List<String> names() {
    return names;
  }

  int dim(int mi) {
    return dims[mi];
  }

  MmRqVaeConfig config() {
    return cfg;
  }

  Tensor encode(Map<String, Tensor> p, int mi, Tensor x, boolean train) {
    String m = names.get(mi);
    int layers = encoderSizes(dims[mi]).length - 1;
    Tensor h = x;
    for (int i = 0; i < layers; i++) {
      h = h.linear(p.get(encoderWeight(m, i)), p.get(encoderBias(m, i)));
      if (i + 1 < layers) {
        h = h.relu();
        if (train) {
          h = NnOps.dropout(h, cfg.dropout(), "noise." + m + ".encoder." + i);
        }
      }
    }
    return h;
  }

  Tensor decode(Map<String, Tensor> p, int mi, Tensor z, boolean train) {
    String m = names.get(mi);
    int layers = decoderSizes(dims[mi]).length - 1;
    Tensor h = z;
    for (int i = 0; i < layers; i++) {
      h = h.linear(p.get(decoderWeight(m, i)), p.get(decoderBias(m, i)));
      if (i + 1 < layers) {
        h = h.relu();
        if (train) {
          h = NnOps.dropout(h, cfg.dropout(), "noise." + m + ".decoder." + i);
        }
      }
    }
    return h;
  }

  /** The training objective of all modalities. */
  Tensor trainingLoss(Graph g, Map<String, Tensor> p) {
    int mCount = names.size();
    Tensor[] zq = new Tensor[mCount];
    Tensor recon = null;
    Tensor quant = null;
    for (int mi = 0; mi < mCount; mi++) {
      String m = names.get(mi);
      Tensor x = g.input(input(m), DType.FLOAT32, Shape.mixed("B", dims[mi]));
      Tensor z = encode(p, mi, x, true);
      Tensor r = z;
      Tensor sum = null;
      Tensor levelLoss = null;
      for (int l = 0; l < cfg.levels(); l++) {
        Tensor c = p.get(codebook(m, l));
        double eps = cfg.sinkhornEpsilons()[l];
        Tensor codes = eps > 0
            ? QuantLosses.sinkhornCodes(r, c, eps, cfg.sinkhornIterations(), cfg.sinkhornOrder())
            : QuantLosses.nearestCodes(r, c);
        Tensor q = ArrayOps.gather(c, codes);
        Tensor codebookTerm = NnOps.mse(q, r.stopGradient());
        Tensor commitTerm = NnOps.mse(r, q.stopGradient());
        Tensor ll = codebookTerm.add(commitTerm.mul(cfg.beta()));
        levelLoss = levelLoss == null ? ll : levelLoss.add(ll);
        sum = sum == null ? q : sum.add(q);
        if (l + 1 < cfg.levels()) {
          r = cfg.commitment() == MmRqVaeConfig.Commitment.FIRST_LEVEL
              ? r.sub(q).stopGradient() : r.sub(q.stopGradient());
        }
      }
      Tensor quantM = levelLoss.mul(1.0 / cfg.levels());
      quant = quant == null ? quantM : quant.add(quantM);
      zq[mi] = z.add(sum.sub(z).stopGradient());
      Tensor xr = decode(p, mi, zq[mi], true);
      Tensor rec = cfg.recon() == MmRqVaeConfig.ReconLoss.MMD
          ? QuantLosses.mmd(xr, x, cfg.mmdAlphas()) : NnOps.mse(xr, x);
      recon = recon == null ? rec : recon.add(rec);
    }
    Tensor loss = recon.mul(cfg.reconWeight()).add(quant.mul(cfg.quantWeight()));
    if (cfg.align() != MmRqVaeConfig.AlignLoss.NONE && mCount > 1 && cfg.alignWeight() > 0) {
      int a = anchorIndex();
      Tensor align = null;
      for (int mi = 0; mi < mCount; mi++) {
        if (mi == a) {
          continue;
        }
        Tensor al = cfg.align() == MmRqVaeConfig.AlignLoss.INFONCE
            ? QuantLosses.infoNce(zq[a], zq[mi], cfg.temperature())
            : QuantLosses.mmd(zq[a], zq[mi], cfg.mmdAlphas());
        align = align == null ? al : align.add(al);
      }
      loss = loss.add(align.mul(cfg.alignWeight()));
    }
    return loss;
  }

  int anchorIndex() {
    if (cfg.anchor() == null) {
      return 0;
    }
    int i = names.indexOf(cfg.anchor());
    if (i < 0) {
      throw new IllegalArgumentException("anchor modality '" + cfg.anchor()
          + "' is not one of the modalities " + names);
    }
    return i;
  }

  /**
   * The inference graph of one modality: input {@code x [B, d]} to outputs {@code latent [B, e]}
   * and INT64 {@code codes [B, L]} (nearest code per level).
   */
  Map<String, Tensor> encodeOutputs(Graph g, Map<String, Tensor> p, int mi) {
    String m = names.get(mi);
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", dims[mi]));
    Tensor z = encode(p, mi, x, false);
    Tensor r = z;
    List<Tensor> cols = new ArrayList<>();
    for (int l = 0; l < cfg.levels(); l++) {
      Tensor c = p.get(codebook(m, l));
      Tensor codes = QuantLosses.nearestCodes(r, c);
      cols.add(codes.unsqueeze(1));
      if (l + 1 < cfg.levels()) {
        r = r.sub(ArrayOps.gather(c, codes));
      }
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    out.put("latent", z);
    out.put("codes", cols.size() == 1 ? cols.get(0) : ArrayOps.concat(1, cols));
    return out;
  }

  /** The decoder graph of one modality: input {@code zq [B, e]} to output {@code x [B, d]}. */
  Map<String, Tensor> decodeOutputs(Graph g, Map<String, Tensor> p, int mi) {
    Tensor zq = g.input("zq", DType.FLOAT32, Shape.mixed("B", cfg.latentDim()));
    return Map.of("x", decode(p, mi, zq, false));
  }
}
