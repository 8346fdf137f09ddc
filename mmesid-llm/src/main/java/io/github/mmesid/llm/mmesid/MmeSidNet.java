package io.github.mmesid.llm.mmesid;

import io.github.mmesid.core.engine.graph.ArrayOps;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.MathOps;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import io.github.mmesid.llm.llama.LlamaBackbone;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MME-SID recipe on the engine's graph DSL (METHOD.md section 3), for any number M of
 * modalities. Not public API: {@link MmeSidTrainer} and {@link MmeSidRecommender} build their
 * graphs with it.
 *
 * <p><b>Item input embedding.</b> A history item {@code i} enters the backbone as {@code
 * GELU(fusion.1(ReLU(fusion.0(concat_m [P_m(x_m(i)), C_m(i)]))))}, with {@code P_m} a trainable
 * {@code Linear(d_m -> H)} of the frozen modality table and {@code C_m(i) = sum_l E_{m,l}[code_l]}
 * the sum of the item's semantic-ID embeddings (trainable tables of the quantizer's code size
 * {@code e_m}; when {@code e_m != H} a trainable {@code Linear(e_m -> H)} without bias maps the
 * sum to H, so that the tables keep the codebooks' geometry, which the forgetting measurement
 * compares).
 *
 * <p><b>Sequence.</b> {@code [prompt prefix][left padding][history items][prompt suffix]}; the
 * prefix is the same for every row, so its keys and values are computed once per batch (in
 * training) or once per model (in inference) and every row attends to them; position ids skip
 * the padding, which makes this equal to left-padding the whole prompt.
 *
 * <p><b>Scoring.</b> The user vector {@code h} is the final hidden state of the last suffix
 * token; {@code logit_i = h . F_i} with {@code F_i = w_0(i) S_i + sum_m w_m(i) P_m(x_m(i))},
 * {@code w(i) = softmax(g(f_i) / tau)}. Item-indexed tensors have N + 1 rows (row 0 = padding,
 * never a class: logits are sliced to items 1..N).
 */
final class MmeSidNet {
  /** Input: history item ids {@code [B, T]}, left-padded with 0. */
  static final String ITEMS = "items";
  /** Input: 1 where {@link #ITEMS} holds an item, 0 at padding {@code [B, T]}. */
  static final String ITEM_MASK = "item_mask";
  /** Training input: target class {@code item - 1}, {@code [B]}. */
  static final String TARGETS = "targets";
  /** Inference output: scores {@code [B, N]} of items 1..N. */
  static final String SCORES = "scores";
  /** Output: the user vectors {@code [B, H]}. */
  static final String USER = "user";
  /** The prompt's token table {@code [D, H]} (its distinct tokens). */
  static final String PROMPT_EMBED = "prompt.embed";
  /** The ID head S {@code [N + 1, H]}. */
  static final String SCORE_ITEMS = "score.items";
  /** The frequency feature {@code [N + 1, 1]}. */
  static final String FREQ = "freq.f";
  /** Frozen inference input: the precomputed fused item matrix. */
  static final String FUSED_TABLE = "fused.table";
  static final String B = "B";
  static final String T = "T";
  /** Symbol of a row's length after the prefix: history items plus the prompt suffix. */
  static final String ROW = "R";
  private static final int[] G_SIZES = {64, 10, 64};

  private final MmeSidSpec spec;
  private final Graph graph;
  private final Map<String, Tensor> t = new LinkedHashMap<>();
  private final LlamaBackbone backbone;

  /**
   * Declares the model's sources on a graph.
   *
   * @param graph the graph
   * @param spec the resolved model description
   * @param values every item-side value and the prompt table (see {@link MmeSidSpec})
   * @param trainable names of the values that are trainable parameters (the rest are frozen)
   * @param backbone the backbone declared on the same graph
   */
  MmeSidNet(Graph graph, MmeSidSpec spec, Map<String, TensorData> values, List<String> trainable,
      LlamaBackbone backbone) {
    this.graph = graph;
    this.spec = spec;
    this.backbone = backbone;
    for (Map.Entry<String, TensorData> e : values.entrySet()) {
      TensorData v = widen(e.getValue(), graph.floatType());
      t.put(e.getKey(), trainable.contains(e.getKey()) ? graph.parameter(e.getKey(), v)
          : graph.frozen(e.getKey(), v));
    }
  }

  private static TensorData widen(TensorData v, DType floatType) {
    if (floatType == DType.FLOAT64 && v.dtype() == DType.FLOAT32) {
      return TensorData.ofDoubles(v.shape(), v.toDoubles());
    }
    return v;
  }

  /** The tensor of a declared value. */
  Tensor source(String name) {
    Tensor x = t.get(name);
    if (x == null) {
      throw new IllegalStateException("MME-SID value '" + name + "' was not declared; declared: "
          + t.keySet());
    }
    return x;
  }

  LlamaBackbone backbone() {
    return backbone;
  }

  // ------------------------------------------------------------------ names and shapes

  static String table(String m) {
    return "mod." + m + ".table";
  }

  static String codes(String m) {
    return "mod." + m + ".codes";
  }

  static String projW(String m) {
    return "mod." + m + ".proj.weight";
  }

  static String projB(String m) {
    return "mod." + m + ".proj.bias";
  }

  static String sid(String m, int level) {
    return "mod." + m + ".sid." + level;
  }

  static String sidProj(String m) {
    return "mod." + m + ".sid_proj.weight";
  }

  /**
   * The shapes of the item-side trainable parameters (everything but the backbone and the prompt
   * table), in a stable order.
   */
  static Map<String, long[]> trainableShapes(MmeSidSpec s) {
    Map<String, long[]> m = new LinkedHashMap<>();
    long h = s.hidden();
    for (MmeSidSpec.Modality mod : s.modalities()) {
      m.put(projW(mod.name()), new long[] {h, mod.dim()});
      m.put(projB(mod.name()), new long[] {h});
      if (s.config().sidEmbeddings()) {
        for (int l = 0; l < mod.levels(); l++) {
          m.put(sid(mod.name(), l), new long[] {mod.codebookSize(), mod.sidDim()});
        }
        if (mod.sidDim() != s.hidden()) {
          m.put(sidProj(mod.name()), new long[] {h, mod.sidDim()});
        }
      }
    }
    int parts = s.config().sidEmbeddings() ? 2 : 1;
    long mh = h * s.modalities().size();
    m.put("fusion.0.weight", new long[] {mh, parts * mh});
    m.put("fusion.0.bias", new long[] {mh});
    m.put("fusion.1.weight", new long[] {h, mh});
    m.put("fusion.1.bias", new long[] {h});
    m.put(SCORE_ITEMS, new long[] {s.numItems() + 1L, h});
    if (s.config().scoring() == MmeSidConfig.Scoring.FUSED) {
      int heads = 1 + s.modalities().size();
      m.put("freq.0.weight", new long[] {G_SIZES[0], 1});
      m.put("freq.0.bias", new long[] {G_SIZES[0]});
      m.put("freq.1.weight", new long[] {G_SIZES[1], G_SIZES[0]});
      m.put("freq.1.bias", new long[] {G_SIZES[1]});
      m.put("freq.2.weight", new long[] {G_SIZES[2], G_SIZES[1]});
      m.put("freq.3.weight", new long[] {heads, G_SIZES[2]});
      m.put("freq.3.bias", new long[] {heads});
    }
    return m;
  }

  /**
   * Seeded initial values of the item-side trainable parameters: PyTorch {@code nn.Linear}
   * initialisation for every linear map and for S, SID tables from the codebooks (or, with
   * {@code sidInit = RANDOM}, normal with each level's codebook standard deviation).
   */
  static Map<String, TensorData> initialValues(MmeSidSpec s, MmeSidInputs in) {
    long seed = s.config().seed();
    Map<String, TensorData> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : trainableShapes(s).entrySet()) {
      String n = e.getKey();
      long[] shape = e.getValue();
      TensorData v;
      if (n.endsWith(".bias")) {
        long fanIn = trainableShapes(s).get(n.substring(0, n.length() - 4) + "weight")[1];
        v = Initializers.linearBias(fanIn).create(seed, n, DType.FLOAT32, shape);
      } else if (n.contains(".sid.")) {
        String mod = n.substring(4, n.indexOf(".sid."));
        int level = Integer.parseInt(n.substring(n.lastIndexOf('.') + 1));
        float[][] book = in.sid(mod).codebooks()[level];
        float[] flat = new float[book.length * book[0].length];
        for (int c = 0; c < book.length; c++) {
          System.arraycopy(book[c], 0, flat, c * book[0].length, book[0].length);
        }
        if (s.config().sidInit() == MmeSidConfig.SidInit.RANDOM) {
          double mean = 0;
          for (float x : flat) {
            mean += x;
          }
          mean /= flat.length;
          double var = 0;
          for (float x : flat) {
            var += (x - mean) * (x - mean);
          }
          double std = Math.max(Math.sqrt(var / flat.length), 1e-3);
          v = Initializers.normal(std).create(seed, n, DType.FLOAT32, shape);
        } else {
          v = TensorData.ofFloats(shape, flat);
        }
      } else {
        v = Initializers.linearWeight().create(seed, n, DType.FLOAT32, shape);
      }
      out.put(n, v);
    }
    return out;
  }

  // ------------------------------------------------------------------ recipe

  /**
   * Input embeddings of history items: {@code [B, T] -> [B, T, H]}.
   *
   * @param items INT64 item ids (0 = padding; its embedding is computed and masked later)
   * @return the fused embeddings
   */
  Tensor itemEmbeddings(Tensor items) {
    List<Tensor> parts = new ArrayList<>();
    for (MmeSidSpec.Modality mod : spec.modalities()) {
      String m = mod.name();
      Tensor x = ArrayOps.gather(source(table(m)), items);
      parts.add(MathOps.linear(x, source(projW(m)), source(projB(m))));
      if (spec.config().sidEmbeddings()) {
        Tensor c = ArrayOps.gather(source(codes(m)), items); // [B, T, L]
        Tensor sum = null;
        for (int l = 0; l < mod.levels(); l++) {
          Tensor idx = ArrayOps.squeeze(ArrayOps.slice(c, 2, l, l + 1), 2);
          Tensor e = ArrayOps.gather(source(sid(m, l)), idx);
          sum = sum == null ? e : sum.add(e);
        }
        if (mod.sidDim() != spec.hidden()) {
          sum = MathOps.linear(sum, source(sidProj(m)), null);
        }
        parts.add(sum);
      }
    }
    Tensor cat = parts.size() == 1 ? parts.get(0) : ArrayOps.concat(-1, parts);
    Tensor hidden = MathOps.linear(cat, source("fusion.0.weight"), source("fusion.0.bias")).relu();
    return NnOps.gelu(MathOps.linear(hidden, source("fusion.1.weight"),
        source("fusion.1.bias")));
  }

  /**
   * The fusion weights {@code softmax(g(f) / tau)}, {@code [N + 1, 1 + M]}.
   *
   * @return the weights
   */
  Tensor fusionWeights() {
    Tensor f = source(FREQ);
    Tensor a = NnOps.gelu(MathOps.linear(f, source("freq.0.weight"), source("freq.0.bias")));
    Tensor b = MathOps.linear(a, source("freq.1.weight"), source("freq.1.bias"));
    Tensor c = NnOps.gelu(MathOps.linear(b, source("freq.2.weight"), null));
    Tensor g = MathOps.linear(c, source("freq.3.weight"), source("freq.3.bias"));
    return NnOps.softmax(g.mul(1.0 / spec.config().tau()), -1);
  }

  /**
   * The fused item matrix {@code F [N + 1, H]} (row 0 meaningless).
   *
   * @return F
   */
  Tensor fusedItems() {
    Tensor s = source(SCORE_ITEMS);
    if (spec.config().scoring() == MmeSidConfig.Scoring.ID_ONLY) {
      return s;
    }
    Tensor w = fusionWeights();
    Tensor f = s.mul(ArrayOps.slice(w, 1, 0, 1));
    List<MmeSidSpec.Modality> mods = spec.modalities();
    for (int k = 0; k < mods.size(); k++) {
      String m = mods.get(k).name();
      Tensor feat = MathOps.linear(source(table(m)), source(projW(m)), source(projB(m)));
      f = f.add(feat.mul(ArrayOps.slice(w, 1, k + 1, k + 2)));
    }
    return f;
  }

  /**
   * The prompt prefix's embeddings {@code [1, P, H]}.
   *
   * @return the embeddings
   */
  Tensor prefixEmbeddings() {
    Tensor ids = graph.constant(TensorData.ofLongs(new long[] {spec.prefixLocal().length},
        toLongs(spec.prefixLocal())));
    return ArrayOps.unsqueeze(ArrayOps.gather(source(PROMPT_EMBED), ids), 0);
  }

  /**
   * The user vectors: the final hidden state of the last prompt token, {@code [B, H]}.
   *
   * @param items INT64 {@code [B, T]}
   * @param itemMask INT64 {@code [B, T]}
   * @param prefix the prompt prefix's keys and values, or null to run the whole prompt per row
   * @return the user vectors
   */
  Tensor user(Tensor items, Tensor itemMask, LlamaBackbone.PrefixCache prefix) {
    Tensor emb = itemEmbeddings(items);
    int sLen = spec.suffixLocal().length;
    Tensor batch = ArrayOps.dimVector(items, 0);
    long h = spec.hidden();
    Tensor suffixIds = graph.constant(TensorData.ofLongs(new long[] {sLen},
        toLongs(spec.suffixLocal())));
    Tensor suffix = ArrayOps.unsqueeze(ArrayOps.gather(source(PROMPT_EMBED), suffixIds), 0);
    Shape batchRows = Shape.mixed(B, (long) sLen, h);
    Tensor suffixRows = ArrayOps.expand(suffix, ArrayOps.concat(0, batch,
        graph.int64s(sLen, h)), batchRows);
    Tensor ones = ArrayOps.constantOfShape(ArrayOps.concat(0, batch, graph.int64s(sLen)), 1,
        DType.INT64, Shape.mixed(B, (long) sLen));
    // name the row length (items + suffix) so that shapes of dropout noise over it are known
    Tensor cat = ArrayOps.concat(1, emb, suffixRows);
    Tensor seq = ArrayOps.reshape(cat, ArrayOps.shapeOf(cat), Shape.mixed(B, ROW, h));
    Tensor maskCat = ArrayOps.concat(1, itemMask, ones);
    Tensor mask = ArrayOps.reshape(maskCat, ArrayOps.shapeOf(maskCat), Shape.mixed(B, ROW));
    Tensor hidden;
    if (prefix != null) {
      hidden = backbone.forward(seq, mask, prefix);
    } else {
      int pLen = spec.prefixLocal().length;
      Tensor prefixRows = ArrayOps.expand(prefixEmbeddings(), ArrayOps.concat(0, batch,
          graph.int64s(pLen, h)), Shape.mixed(B, (long) pLen, h));
      Tensor prefixOnes = ArrayOps.constantOfShape(ArrayOps.concat(0, batch,
          graph.int64s(pLen)), 1, DType.INT64, Shape.mixed(B, (long) pLen));
      // [prefix][pad][items][suffix] through the plain decoder: position ids skip the padding
      // and no token attends to it, so this equals the left-padded whole prompt row by row
      hidden = backbone.forward(ArrayOps.concat(1, prefixRows, seq),
          ArrayOps.concat(1, prefixOnes, mask));
    }
    Tensor last = ArrayOps.slice(hidden, 1, -1, Long.MAX_VALUE);
    return ArrayOps.squeeze(last, 1);
  }

  /**
   * Scores of items 1..N: {@code user . F^T}, {@code [B, N]}.
   *
   * @param user {@code [B, H]}
   * @param fused {@code [N + 1, H]}
   * @return the logits
   */
  Tensor logits(Tensor user, Tensor fused) {
    Tensor all = user.matmul(MathOps.transposeLast2(fused)); // [B, N + 1]
    return ArrayOps.slice(all, 1, 1, spec.numItems() + 1L);
  }

  /**
   * The mean cross-entropy of the targets over the N items.
   *
   * @param logits {@code [B, N]}
   * @param targets INT64 {@code [B]}, class = item - 1
   * @return the scalar loss
   */
  static Tensor loss(Tensor logits, Tensor targets) {
    return NnOps.crossEntropy(logits, targets);
  }

  static long[] toLongs(int[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }
}
