package io.github.mmesid.llm.sasrec;

import io.github.mmesid.core.engine.graph.ArrayOps;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Layers;
import io.github.mmesid.core.engine.graph.MathOps;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.RandomOps;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.init.Initializers;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SASRec recipe (Kang and McAuley, 2018) on the engine's graph DSL.
 *
 * <p>Input: item ids {@code [B, T]} (INT64, left-padded with 0, {@code T <= maxLen}). The item
 * embedding (row 0 = padding) is scaled by {@code sqrt(dim)} and a learned positional embedding is
 * added; positions count from the end of the window, so the most recent item always gets position
 * {@code maxLen - 1} and the output for a history does not depend on how much left padding
 * precedes it. Each block: {@code Q = LN(x)}, {@code x = Q + Dropout(MHA(Q, x, x))} under the
 * causal + key-padding mask, {@code x = LN(x)}, {@code x = x + Dropout(W2 Dropout(ReLU(W1 x)))};
 * padding positions are zeroed after the embedding, after every block and after the final
 * LayerNorm that gives the sequence representation. Item scores are dot products with the item
 * embedding table (output weights tied to the input embedding, as in the original model).
 *
 * <p>Not part of the public API: {@link SasRecTrainer} and {@link SasRecRecommender} use it.
 */
final class SasRecNet {
  /** Input: item ids {@code [B, T]}. */
  static final String ITEMS = "items";
  /** Training input: flat indices into {@code B * T} of the positions that have a target. */
  static final String POSITIONS = "positions";
  /** Training input: the target item of each selected position, 0 for unused rows. */
  static final String TARGETS = "targets";
  /** Inference output: scores {@code [B, N + 1]} for the next item after the last position. */
  static final String SCORES = "scores";
  /** Name of the item embedding parameter {@code [N + 1, dim]}. */
  static final String ITEM_EMB = "item_emb";
  /** Name of the positional embedding parameter {@code [maxLen, dim]}. */
  static final String POS_EMB = "pos_emb";
  /** Batch dimension symbol. */
  static final String B = "B";
  /** Window length symbol. */
  static final String T = "T";
  /** Selected-position count symbol. */
  static final String V = "V";
  private static final double LN_EPS = 1e-8;

  private SasRecNet() {}

  /**
   * The parameter shapes of a model, in a stable order.
   *
   * @param c the configuration
   * @param numItems N
   * @return name to shape
   */
  static Map<String, long[]> shapes(SasRecConfig c, int numItems) {
    Map<String, long[]> m = new LinkedHashMap<>();
    long d = c.dim();
    m.put(ITEM_EMB, new long[] {numItems + 1L, d});
    m.put(POS_EMB, new long[] {c.maxLen(), d});
    for (int i = 0; i < c.blocks(); i++) {
      String p = "blocks." + i + ".";
      m.put(p + "attn_ln.weight", new long[] {d});
      m.put(p + "attn_ln.bias", new long[] {d});
      for (String w : new String[] {"q", "k", "v", "o"}) {
        m.put(p + "attn." + w + ".weight", new long[] {d, d});
        m.put(p + "attn." + w + ".bias", new long[] {d});
      }
      m.put(p + "ffn_ln.weight", new long[] {d});
      m.put(p + "ffn_ln.bias", new long[] {d});
      m.put(p + "ffn.fc1.weight", new long[] {c.effectiveFfnDim(), d});
      m.put(p + "ffn.fc1.bias", new long[] {c.effectiveFfnDim()});
      m.put(p + "ffn.fc2.weight", new long[] {d, c.effectiveFfnDim()});
      m.put(p + "ffn.fc2.bias", new long[] {d});
    }
    m.put("final_ln.weight", new long[] {d});
    m.put("final_ln.bias", new long[] {d});
    return m;
  }

  /**
   * Seeded initial values: Xavier-normal embeddings and weight matrices (the padding row of the
   * item embedding is zero), zero biases, unit LayerNorm scales.
   *
   * @param c the configuration (its seed is used)
   * @param numItems N
   * @param dtype FLOAT32 or FLOAT64
   * @return name to value
   */
  static Map<String, TensorData> initialValues(SasRecConfig c, int numItems, DType dtype) {
    Map<String, TensorData> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes(c, numItems).entrySet()) {
      String n = e.getKey();
      long[] s = e.getValue();
      TensorData v;
      if (n.endsWith("ln.weight")) {
        v = Initializers.ones().create(c.seed(), n, dtype, s);
      } else if (n.endsWith(".bias")) {
        v = Initializers.zeros().create(c.seed(), n, dtype, s);
      } else {
        v = Initializers.xavierNormal(1.0).create(c.seed(), n, dtype, s);
        if (n.equals(ITEM_EMB)) {
          double[] x = v.toDoubles();
          for (int j = 0; j < s[1]; j++) {
            x[j] = 0;
          }
          v = TensorData.ofReals(dtype, s, x);
        }
      }
      out.put(n, v);
    }
    return out;
  }

  /**
   * Declares every parameter of the model in a graph.
   *
   * @param g the graph
   * @param values name to value (see {@link #shapes})
   * @return name to parameter tensor
   */
  static Map<String, Tensor> declare(Graph g, Map<String, TensorData> values) {
    Map<String, Tensor> p = new LinkedHashMap<>();
    for (Map.Entry<String, TensorData> e : values.entrySet()) {
      p.put(e.getKey(), g.parameter(e.getKey(), e.getValue()));
    }
    return p;
  }

  /**
   * The sequence encoder.
   *
   * @param items INT64 {@code [B, T]} left-padded item ids
   * @param p the parameters by name
   * @param c the configuration
   * @param train whether dropout is active (in-graph masks, random streams named {@code drop.*})
   * @return the representations {@code [B, T, dim]}, zero at padding positions
   */
  static Tensor encode(Tensor items, Map<String, Tensor> p, SasRecConfig c, boolean train) {
    Graph g = items.graph();
    Tensor keep = ArrayOps.unsqueeze(
        ArrayOps.cast(ArrayOps.compare("Greater", items, g.scalar(0, DType.INT64)),
            g.floatType()), -1);
    Tensor x = ArrayOps.gather(p.get(ITEM_EMB), items).mul(Math.sqrt(c.dim()));
    // Position of slot t in a window of length T: maxLen - T + t (counted from the end).
    Tensor ones = ArrayOps.fullLike(items, 1);
    Tensor fromEnd = ArrayOps.cumSum(ones, -1, false, true); // T - t
    Tensor pos = MathOps.sub(g.scalar(c.maxLen(), DType.INT64), fromEnd);
    x = x.add(ArrayOps.gather(p.get(POS_EMB), pos));
    x = dropout(x, c, train, "drop.emb").mul(keep);
    Tensor mask = Layers.causalPaddingMask(items);
    for (int i = 0; i < c.blocks(); i++) {
      x = block(x, keep, mask, i, p, c, train);
    }
    return Layers.layerNorm(x, p.get("final_ln.weight"), p.get("final_ln.bias"), LN_EPS)
        .mul(keep);
  }

  /**
   * One self-attention block.
   *
   * @param x {@code [B, T, dim]}
   * @param keep {@code [B, T, 1]} 1 at items, 0 at padding
   * @param mask the additive causal + padding mask {@code [B, 1, T, T]}
   * @param i the block index (selects the parameters {@code blocks.i.*})
   * @param p the parameters by name
   * @param c the configuration
   * @param train whether dropout is active
   * @return {@code [B, T, dim]}
   */
  static Tensor block(Tensor x, Tensor keep, Tensor mask, int i, Map<String, Tensor> p,
      SasRecConfig c, boolean train) {
    String n = "blocks." + i + ".";
    int h = c.heads();
    int dh = c.dim() / h;
    Tensor q = Layers.layerNorm(x, p.get(n + "attn_ln.weight"), p.get(n + "attn_ln.bias"),
        LN_EPS);
    Tensor qh = heads(q.linear(p.get(n + "attn.q.weight"), p.get(n + "attn.q.bias")), h, dh);
    Tensor kh = heads(x.linear(p.get(n + "attn.k.weight"), p.get(n + "attn.k.bias")), h, dh);
    Tensor vh = heads(x.linear(p.get(n + "attn.v.weight"), p.get(n + "attn.v.bias")), h, dh);
    Tensor a = Layers.scaledDotProductAttention(qh, kh, vh, mask);
    a = ArrayOps.reshape(ArrayOps.transpose(a, 0, 2, 1, 3), 0, 0, c.dim());
    a = a.linear(p.get(n + "attn.o.weight"), p.get(n + "attn.o.bias"));
    x = q.add(dropout(a, c, train, "drop." + i + ".attn"));
    x = Layers.layerNorm(x, p.get(n + "ffn_ln.weight"), p.get(n + "ffn_ln.bias"), LN_EPS);
    Tensor f = x.linear(p.get(n + "ffn.fc1.weight"), p.get(n + "ffn.fc1.bias"));
    f = dropout(f, c, train, "drop." + i + ".ffn1").relu();
    f = f.linear(p.get(n + "ffn.fc2.weight"), p.get(n + "ffn.fc2.bias"));
    x = x.add(dropout(f, c, train, "drop." + i + ".ffn2"));
    return x.mul(keep);
  }

  private static Tensor heads(Tensor x, int h, int dh) {
    return ArrayOps.transpose(ArrayOps.reshape(x, 0, 0, h, dh), 0, 2, 1, 3);
  }

  private static Tensor dropout(Tensor x, SasRecConfig c, boolean train, String name) {
    return train && c.dropout() > 0 ? NnOps.dropout(x, c.dropout(), name) : x;
  }

  /**
   * Builds the training loss in a new graph: inputs {@value #ITEMS} {@code [B, T]}, {@value
   * #POSITIONS} {@code [V]} (flat indices into {@code B * T}) and {@value #TARGETS} {@code [V]}
   * (target item per selected position, 0 = unused row). Cross-entropy: softmax over all N + 1
   * embedding rows, mean over used rows. Sampled BCE: {@code softplus(-s_pos) + mean_k
   * softplus(s_neg_k)} with negatives drawn uniformly from 1..N through the in-graph random
   * stream {@code neg.noise} {@code [V, negatives]}, mean over used rows.
   *
   * @param c the configuration
   * @param numItems N
   * @param values initial parameter values
   * @return the scalar loss (its graph holds the parameters)
   */
  static Tensor trainingLoss(SasRecConfig c, int numItems, Map<String, TensorData> values) {
    Graph g = new Graph("sasrec_train", values.get(ITEM_EMB).dtype());
    Map<String, Tensor> p = declare(g, values);
    Tensor items = g.input(ITEMS, DType.INT64, Shape.mixed(B, T));
    Tensor positions = g.input(POSITIONS, DType.INT64, Shape.mixed(V));
    Tensor targets = g.input(TARGETS, DType.INT64, Shape.mixed(V));
    Tensor hidden = encode(items, p, c, true);
    Tensor flat = ArrayOps.reshape(hidden, -1, c.dim());
    Tensor sel = ArrayOps.gather(flat, positions); // [V, d]
    Tensor emb = p.get(ITEM_EMB);
    if (c.loss() == SasRecLoss.CROSS_ENTROPY) {
      Tensor logits = sel.matmul(ArrayOps.transpose(emb, 1, 0)); // [V, N + 1]
      return NnOps.crossEntropy(logits, targets, 0, NnOps.Reduction.MEAN);
    }
    Tensor used = ArrayOps.cast(ArrayOps.compare("Greater", targets, g.scalar(0, DType.INT64)),
        g.floatType());
    Tensor pos = sel.mul(ArrayOps.gather(emb, targets)).sum(false, -1); // [V]
    Tensor negShape = ArrayOps.tile(ArrayOps.unsqueeze(targets, -1), 1, c.negatives());
    Tensor noise = RandomOps.uniform(negShape, g.floatType(), "neg.noise"); // [V, negatives]
    Tensor negIds = ArrayOps.cast(noise.mul(numItems).clip(0, numItems - 1), DType.INT64);
    negIds = MathOps.add(negIds, g.scalar(1, DType.INT64));
    Tensor neg = ArrayOps.unsqueeze(sel, 1).mul(ArrayOps.gather(emb, negIds)).sum(false, -1);
    Tensor perRow = softplus(pos.neg()).add(softplus(neg).mean(false, -1));
    Tensor count = MathOps.maximum(used.sum(false), g.scalarLike(1, used));
    return perRow.mul(used).sum(false).div(count);
  }

  /** {@code log(1 + exp(x))} computed stably as {@code relu(x) + log(1 + exp(-|x|))}. */
  static Tensor softplus(Tensor x) {
    return x.relu().add(x.abs().neg().exp().add(1).log());
  }

  /**
   * The inference output: scores {@code [B, N + 1]} of the next item after each window's last
   * position.
   *
   * @param items INT64 {@code [B, T]}
   * @param p the parameters
   * @param c the configuration
   * @return the scores
   */
  static Tensor scores(Tensor items, Map<String, Tensor> p, SasRecConfig c) {
    Graph g = items.graph();
    Tensor hidden = encode(items, p, c, false);
    Tensor last = ArrayOps.gather(hidden, g.scalar(-1, DType.INT64), 1); // [B, d]
    return last.matmul(ArrayOps.transpose(p.get(ITEM_EMB), 1, 0));
  }
}
