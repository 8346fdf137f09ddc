package io.github.mmesid.llm.llama;

import io.github.mmesid.core.engine.graph.Layers;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.llm.llama.LlamaTensorNames.Module;
import java.util.HashMap;
import java.util.Map;

/**
 * A naive, independent forward pass of the Llama backbone in double precision with plain loops,
 * written from the Hugging Face definition, against which the graph is differential-tested. It
 * computes its own rotary frequencies (including llama3 scaling), position ids that skip left
 * padding, grouped-query attention with causal and padding masking, and the SwiGLU MLP. It is
 * slow (cubic loops) and meant for tiny configurations only.
 */
public final class LlamaReference {
  private final LlamaConfig c;
  private final Map<String, double[]> w = new HashMap<>();
  private final double[] embedding;

  /**
   * Widens the weights to double.
   *
   * @param weights the weights (embedding needed only for {@link #forwardIds})
   */
  public LlamaReference(LlamaWeights weights) {
    this.c = weights.config();
    for (Map.Entry<String, TensorData> e : weights.tensors().entrySet()) {
      w.put(e.getKey(), e.getValue().toDoubles());
    }
    if (weights.hasEmbeddings()) {
      double[] emb = new double[Math.multiplyExact(c.vocabSize(), c.hiddenSize())];
      int off = 0;
      for (TensorData b : weights.embeddingBlocks()) {
        double[] d = b.toDoubles();
        System.arraycopy(d, 0, emb, off, d.length);
        off += d.length;
      }
      this.embedding = emb;
    } else {
      this.embedding = null;
    }
  }

  /**
   * The rotary inverse frequencies, computed independently of the engine.
   *
   * @param c the configuration
   * @return {@code headDim / 2} values
   */
  static double[] inverseFrequencies(LlamaConfig c) {
    int d = c.headDim();
    double[] inv = new double[d / 2];
    Layers.RopeScaling s = c.ropeScaling();
    for (int i = 0; i < d / 2; i++) {
      double f = Math.pow(c.ropeTheta(), -2.0 * i / d);
      if (s.type().equals("linear")) {
        f = f / s.factor();
      } else if (s.type().equals("llama3")) {
        double wavelength = 2 * Math.PI / f;
        double lowWavelength = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highWavelength = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        if (wavelength > lowWavelength) {
          f = f / s.factor();
        } else if (wavelength >= highWavelength) {
          double smooth = (s.originalMaxPositionEmbeddings() / wavelength - s.lowFreqFactor())
              / (s.highFreqFactor() - s.lowFreqFactor());
          f = (1 - smooth) * f / s.factor() + smooth * f;
        }
      }
      inv[i] = f;
    }
    return inv;
  }

  /**
   * Hidden states from token ids.
   *
   * @param ids {@code [B][T]} token ids
   * @param mask {@code [B][T]} 1 for tokens, 0 for padding
   * @return {@code [B][T][H]} after the final norm
   */
  public double[][][] forwardIds(long[][] ids, int[][] mask) {
    if (embedding == null) {
      throw new IllegalArgumentException("The reference has no embedding table");
    }
    int h = c.hiddenSize();
    double[][][] x = new double[ids.length][][];
    for (int b = 0; b < ids.length; b++) {
      x[b] = new double[ids[b].length][h];
      for (int t = 0; t < ids[b].length; t++) {
        System.arraycopy(embedding, Math.toIntExact(ids[b][t] * h), x[b][t], 0, h);
      }
    }
    return forward(x, mask);
  }

  /**
   * Hidden states from input embeddings.
   *
   * @param embeds {@code [B][T][H]}
   * @param mask {@code [B][T]} 1 for tokens, 0 for padding
   * @return {@code [B][T][H]} after the final norm (padding positions: uniform attention)
   */
  public double[][][] forward(double[][][] embeds, int[][] mask) {
    double[][][] out = new double[embeds.length][][];
    for (int b = 0; b < embeds.length; b++) {
      out[b] = sequence(embeds[b], mask[b]);
    }
    return out;
  }

  private double[][] sequence(double[][] embeds, int[] mask) {
    int t = embeds.length;
    int hd = c.headDim();
    int half = hd / 2;
    double[] inv = inverseFrequencies(c);
    int[] pos = new int[t];
    int count = 0;
    for (int i = 0; i < t; i++) {
      count += mask[i];
      pos[i] = Math.max(count - 1, 0);
    }
    double[][] h = new double[t][];
    for (int i = 0; i < t; i++) {
      h[i] = embeds[i].clone();
    }
    for (int l = 0; l < c.numHiddenLayers(); l++) {
      double[][] x = norm(h, w.get(LlamaTensorNames.inputNorm(l)));
      double[][] q = linear(x, l, Module.Q_PROJ);
      double[][] k = linear(x, l, Module.K_PROJ);
      double[][] v = linear(x, l, Module.V_PROJ);
      for (int i = 0; i < t; i++) {
        rotate(q[i], c.numAttentionHeads(), hd, half, pos[i], inv);
        rotate(k[i], c.numKeyValueHeads(), hd, half, pos[i], inv);
      }
      double[][] attn = new double[t][c.qDim()];
      double scale = 1 / Math.sqrt(hd);
      for (int head = 0; head < c.numAttentionHeads(); head++) {
        int kvHead = head / c.kvGroups();
        for (int i = 0; i < t; i++) {
          double[] s = new double[t];
          boolean any = false;
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < t; j++) {
            boolean allowed = j <= i && mask[j] == 1;
            if (allowed) {
              double dot = 0;
              for (int d = 0; d < hd; d++) {
                dot += q[i][head * hd + d] * k[j][kvHead * hd + d];
              }
              s[j] = dot * scale;
              max = Math.max(max, s[j]);
              any = true;
            } else {
              s[j] = Double.NaN;
            }
          }
          double sum = 0;
          for (int j = 0; j < t; j++) {
            s[j] = !any ? 1 : Double.isNaN(s[j]) ? 0 : Math.exp(s[j] - max);
            sum += s[j];
          }
          for (int j = 0; j < t; j++) {
            double p = s[j] / sum;
            for (int d = 0; d < hd; d++) {
              attn[i][head * hd + d] += p * v[j][kvHead * hd + d];
            }
          }
        }
      }
      double[][] o = linear(attn, l, Module.O_PROJ);
      for (int i = 0; i < t; i++) {
        for (int d = 0; d < h[i].length; d++) {
          h[i][d] += o[i][d];
        }
      }
      double[][] y = norm(h, w.get(LlamaTensorNames.postAttentionNorm(l)));
      double[][] gate = linear(y, l, Module.GATE_PROJ);
      double[][] up = linear(y, l, Module.UP_PROJ);
      for (int i = 0; i < t; i++) {
        for (int d = 0; d < gate[i].length; d++) {
          double g = gate[i][d];
          gate[i][d] = g / (1 + Math.exp(-g)) * up[i][d];
        }
      }
      double[][] down = linear(gate, l, Module.DOWN_PROJ);
      for (int i = 0; i < t; i++) {
        for (int d = 0; d < h[i].length; d++) {
          h[i][d] += down[i][d];
        }
      }
    }
    return norm(h, w.get(LlamaTensorNames.FINAL_NORM));
  }

  private static void rotate(double[] x, int heads, int hd, int half, int pos, double[] inv) {
    for (int head = 0; head < heads; head++) {
      int o = head * hd;
      for (int i = 0; i < half; i++) {
        double angle = pos * inv[i];
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double a = x[o + i];
        double b = x[o + i + half];
        x[o + i] = a * cos - b * sin;
        x[o + i + half] = b * cos + a * sin;
      }
    }
  }

  private double[][] norm(double[][] x, double[] weight) {
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      double ms = 0;
      for (double v : x[i]) {
        ms += v * v;
      }
      ms /= x[i].length;
      double r = 1 / Math.sqrt(ms + c.rmsNormEps());
      out[i] = new double[x[i].length];
      for (int d = 0; d < x[i].length; d++) {
        out[i][d] = x[i][d] * r * weight[d];
      }
    }
    return out;
  }

  private double[][] linear(double[][] x, int layer, Module m) {
    double[] wt = w.get(LlamaTensorNames.linear(layer, m));
    int out = m.outFeatures(c);
    int in = m.inFeatures(c);
    double[][] y = new double[x.length][out];
    for (int i = 0; i < x.length; i++) {
      for (int o = 0; o < out; o++) {
        double s = 0;
        for (int k = 0; k < in; k++) {
          s += x[i][k] * wt[o * in + k];
        }
        y[i][o] = s;
      }
    }
    return y;
  }
}
