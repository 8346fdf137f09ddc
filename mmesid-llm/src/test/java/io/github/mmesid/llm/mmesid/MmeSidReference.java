package io.github.mmesid.llm.mmesid;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.apache.commons.math3.special.Erf;

/**
 * Slow, obviously-correct double-precision reference of the MME-SID item-side math (METHOD.md §3):
 * item input embeddings (projections, SID embeddings, fusion MLP), the frequency head, the fused
 * item matrix, logits and cross-entropy. Plain loops over row-major {@code double[]} arrays; meant
 * only for differential tests.
 *
 * <p>Parameter names and shapes ({@code {m}} is a modality name, N items, H hidden size, M
 * modalities, Pn = 2M with SID embeddings and M without; linear layers are PyTorch style, y = x
 * W^T + b with W [out, in]): {@code mod.{m}.table} [N+1, d_m]; {@code mod.{m}.codes} [N+1, L_m]
 * (integer-valued doubles in [0, K_m), only with SID); {@code mod.{m}.proj.weight} [H, d_m],
 * {@code mod.{m}.proj.bias} [H]; {@code mod.{m}.sid.{l}} [K_m, e_m]; {@code mod.{m}.sid_proj.weight}
 * [H, e_m] (only when e_m != H, no bias); {@code fusion.0.weight} [M*H, Pn*H], {@code
 * fusion.0.bias} [M*H], {@code fusion.1.weight} [H, M*H], {@code fusion.1.bias} [H]; {@code
 * score.items} [N, H] (row i-1 is item i); {@code freq.0.weight} [64, 1], {@code freq.0.bias} [64],
 * {@code freq.1.weight} [10, 64], {@code freq.1.bias} [10], {@code freq.2.weight} [64, 10], {@code
 * freq.3.weight} [1+M, 64], {@code freq.3.bias} [1+M]; {@code freq.f} [N]. Keys not needed by
 * the settings are ignored; a missing or mis-sized one fails in the constructor.
 *
 * <p>GELU is exact, {@code x * 0.5 * erfc(-x / sqrt 2)} (= {@code x * 0.5 * (1 + erf(x / sqrt
 * 2))}), with Commons Math {@link Erf#erfc(double)}: relative error at most ~2e-15 (<= 9 ulp)
 * measured against 30-digit tables at erf(0.5, 1, 2) and erfc(1, 3, 5), checked in the test. The
 * erfc form avoids the cancellation of 1 + erf for negative x.
 */
public final class MmeSidReference {

  /**
   * One modality's dimensions.
   *
   * @param name the name used in parameter keys
   * @param inputDim d_m, the raw embedding size
   * @param levels L_m, the number of SID levels
   * @param codebookSize K_m, the entries per codebook
   * @param sidDim e_m, the SID embedding size
   */
  public record Modality(String name, int inputDim, int levels, int codebookSize, int sidDim) {
    /** Validates the dimensions. */
    public Modality {
      Objects.requireNonNull(name, "name");
      if (inputDim < 1 || levels < 1 || codebookSize < 1 || sidDim < 1) {
        throw new IllegalArgumentException("modality " + name + ": all dims must be >= 1, got d="
            + inputDim + " L=" + levels + " K=" + codebookSize + " e=" + sidDim);
      }
    }
  }

  private static final int FREQ_HIDDEN = 64;
  private static final int FREQ_BOTTLENECK = 10;

  private final Map<String, double[]> p = new LinkedHashMap<>();
  private final List<Modality> mods;
  private final int h;
  private final int n;
  private final boolean useSid;
  private final boolean fused;
  private final double tau;

  /**
   * Creates the reference, checking that every parameter the settings need is present and sized.
   *
   * @param params parameters by name (copied; arrays are not copied, do not mutate them)
   * @param modalities the M >= 1 modalities, in order
   * @param hidden H
   * @param numItems N (item ids 1..N, 0 is padding)
   * @param useSid whether the item input includes the SID embeddings C_m
   * @param fused whether scoring uses frequency-aware fusion (else F_i = S_i)
   * @param tau the softmax temperature of the frequency weights, > 0
   */
  public MmeSidReference(Map<String, double[]> params, List<Modality> modalities, int hidden,
      int numItems, boolean useSid, boolean fused, double tau) {
    if (modalities.isEmpty() || hidden < 1 || numItems < 1 || !(tau > 0)) {
      throw new IllegalArgumentException("need M >= 1, H >= 1, N >= 1, tau > 0; got M="
          + modalities.size() + " H=" + hidden + " N=" + numItems + " tau=" + tau);
    }
    this.mods = List.copyOf(modalities);
    this.h = hidden;
    this.n = numItems;
    this.useSid = useSid;
    this.fused = fused;
    this.tau = tau;
    shapes(mods, h, n, useSid).forEach((k, len) -> {
      double[] v = params.get(k);
      if (v == null || v.length != len) {
        throw new IllegalArgumentException("parameter " + k + ": expected " + len + " values, got "
            + (v == null ? "none (missing)" : v.length));
      }
      p.put(k, v);
    });
    if (useSid) {
      for (Modality m : mods) {
        double[] c = p.get("mod." + m.name() + ".codes");
        for (int i = 0; i < c.length; i++) {
          if (c[i] != Math.rint(c[i]) || c[i] < 0 || c[i] >= m.codebookSize()) {
            throw new IllegalArgumentException("mod." + m.name() + ".codes[" + i / m.levels() + "]["
                + i % m.levels() + "] = " + c[i] + ": must be an integer in [0, "
                + m.codebookSize() + ")");
          }
        }
      }
    }
  }

  /** Required parameter names and their lengths (row-major element counts) for these settings. */
  static Map<String, Integer> shapes(List<Modality> mods, int h, int n, boolean useSid) {
    Map<String, Integer> s = new LinkedHashMap<>();
    int mm = mods.size();
    for (Modality m : mods) {
      String k = "mod." + m.name() + ".";
      s.put(k + "table", (n + 1) * m.inputDim());
      s.put(k + "proj.weight", h * m.inputDim());
      s.put(k + "proj.bias", h);
      if (useSid) {
        s.put(k + "codes", (n + 1) * m.levels());
        for (int l = 0; l < m.levels(); l++) {
          s.put(k + "sid." + l, m.codebookSize() * m.sidDim());
        }
        if (m.sidDim() != h) {
          s.put(k + "sid_proj.weight", h * m.sidDim());
        }
      }
    }
    int pn = (useSid ? 2 : 1) * mm;
    s.put("fusion.0.weight", mm * h * pn * h);
    s.put("fusion.0.bias", mm * h);
    s.put("fusion.1.weight", h * mm * h);
    s.put("fusion.1.bias", h);
    s.put("score.items", n * h);
    s.put("freq.0.weight", FREQ_HIDDEN);
    s.put("freq.0.bias", FREQ_HIDDEN);
    s.put("freq.1.weight", FREQ_BOTTLENECK * FREQ_HIDDEN);
    s.put("freq.1.bias", FREQ_BOTTLENECK);
    s.put("freq.2.weight", FREQ_HIDDEN * FREQ_BOTTLENECK);
    s.put("freq.3.weight", (1 + mm) * FREQ_HIDDEN);
    s.put("freq.3.bias", 1 + mm);
    s.put("freq.f", n);
    return s;
  }

  /**
   * Random parameters for the given settings: every weight ~ N(0, 0.5^2), raw-table row 0 zero,
   * codes uniform in [0, K_m) with row 0 zero, and {@code freq.f} uniform in [0, 1] with its min
   * set to 0 and max to 1 (as after min-max normalisation; needs N >= 2 for both).
   *
   * @param modalities the modalities
   * @param hidden H
   * @param numItems N
   * @param useSid whether to include SID tables and codes (and size the fusion input for them)
   * @param seed the {@link SplittableRandom} seed
   * @return a fresh mutable map
   */
  public static Map<String, double[]> randomParameters(List<Modality> modalities, int hidden,
      int numItems, boolean useSid, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, double[]> out = new LinkedHashMap<>();
    shapes(modalities, hidden, numItems, useSid).forEach((k, len) -> {
      double[] v = new double[len];
      Modality m = modalities.stream().filter(x -> k.startsWith("mod." + x.name() + "."))
          .findFirst().orElse(null);
      for (int i = 0; i < len; i++) {
        if (k.equals("freq.f")) {
          v[i] = rnd.nextDouble();
        } else if (k.endsWith(".codes")) {
          v[i] = i < m.levels() ? 0 : rnd.nextInt(m.codebookSize());
        } else if (k.endsWith(".table") && i < m.inputDim()) {
          v[i] = 0;
        } else {
          v[i] = 0.5 * gaussian(rnd);
        }
      }
      if (k.equals("freq.f") && len >= 2) {
        int lo = rnd.nextInt(len);
        v[lo] = 0;
        v[(lo + 1 + rnd.nextInt(len - 1)) % len] = 1;
      }
      out.put(k, v);
    });
    return out;
  }

  private static double gaussian(SplittableRandom r) { // Box-Muller
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  /**
   * Exact GELU, {@code x * Phi(x)}.
   *
   * @param x the input
   * @return {@code x * 0.5 * erfc(-x / sqrt 2)}
   */
  public static double gelu(double x) {
    return x * 0.5 * Erf.erfc(-x / Math.sqrt(2));
  }

  /** y = W x + b, W row-major [out, in], b may be null. */
  static double[] linear(double[] w, double[] b, double[] x, int out) {
    int in = x.length;
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      double acc = b == null ? 0 : b[o];
      for (int j = 0; j < in; j++) {
        acc += w[o * in + j] * x[j];
      }
      y[o] = acc;
    }
    return y;
  }

  private void checkItem(int item) {
    if (item < 1 || item > n) {
      throw new IllegalArgumentException("item id " + item + " out of range: allowed 1.." + n);
    }
  }

  /**
   * P_m(x_m(i)) = proj.weight x + proj.bias for the raw embedding of item i.
   *
   * @param m modality index in 0..M-1
   * @param item item id in 1..N
   * @return a new H-vector
   */
  public double[] projected(int m, int item) {
    checkItem(item);
    Modality mod = mods.get(m);
    String k = "mod." + mod.name() + ".";
    double[] x = new double[mod.inputDim()];
    System.arraycopy(p.get(k + "table"), item * mod.inputDim(), x, 0, mod.inputDim());
    return linear(p.get(k + "proj.weight"), p.get(k + "proj.bias"), x, h);
  }

  /**
   * C_m(i): the sum over levels of the SID embedding rows of item i's codes, then sid_proj when
   * e_m != H.
   *
   * @param m modality index in 0..M-1
   * @param item item id in 1..N
   * @return a new H-vector
   * @throws IllegalStateException when SID embeddings are off
   */
  public double[] sidEmbedding(int m, int item) {
    checkItem(item);
    if (!useSid) {
      throw new IllegalStateException("SID embeddings are off (useSid = false)");
    }
    Modality mod = mods.get(m);
    String k = "mod." + mod.name() + ".";
    int e = mod.sidDim();
    double[] sum = new double[e];
    for (int l = 0; l < mod.levels(); l++) {
      int code = (int) p.get(k + "codes")[item * mod.levels() + l];
      double[] table = p.get(k + "sid." + l);
      for (int j = 0; j < e; j++) {
        sum[j] += table[code * e + j];
      }
    }
    return e == h ? sum : linear(p.get(k + "sid_proj.weight"), null, sum, h);
  }

  /**
   * The fusion MLP input for item i: per modality in order, P_m then (with SID) C_m.
   *
   * @param item item id in 1..N
   * @return a new vector of Pn*H values
   */
  public double[] itemInput(int item) {
    List<double[]> parts = new ArrayList<>();
    for (int m = 0; m < mods.size(); m++) {
      parts.add(projected(m, item));
      if (useSid) {
        parts.add(sidEmbedding(m, item));
      }
    }
    double[] cat = new double[parts.size() * h];
    for (int q = 0; q < parts.size(); q++) {
      System.arraycopy(parts.get(q), 0, cat, q * h, h);
    }
    return cat;
  }

  /**
   * e(i) = GELU(fusion.1(ReLU(fusion.0(itemInput(i))))).
   *
   * @param item item id in 1..N
   * @return a new H-vector
   */
  public double[] itemEmbedding(int item) {
    double[] a = linear(p.get("fusion.0.weight"), p.get("fusion.0.bias"), itemInput(item),
        mods.size() * h);
    for (int j = 0; j < a.length; j++) {
      a[j] = Math.max(0, a[j]);
    }
    double[] y = linear(p.get("fusion.1.weight"), p.get("fusion.1.bias"), a, h);
    for (int j = 0; j < h; j++) {
      y[j] = gelu(y[j]);
    }
    return y;
  }

  /**
   * e(i) for each item of a history.
   *
   * @param history item ids in 1..N (no padding)
   * @return [T][H]
   */
  public double[][] historyEmbeddings(int[] history) {
    double[][] out = new double[history.length][];
    for (int t = 0; t < history.length; t++) {
      out[t] = itemEmbedding(history[t]);
    }
    return out;
  }

  /**
   * g(f_i) = freq.3(GELU(freq.2(freq.1(GELU(freq.0([f_i])))))), no activation between freq.1 and
   * freq.2.
   *
   * @param item item id in 1..N
   * @return the 1+M raw gate values
   */
  public double[] gate(int item) {
    checkItem(item);
    double[] a = linear(p.get("freq.0.weight"), p.get("freq.0.bias"),
        new double[] {p.get("freq.f")[item - 1]}, FREQ_HIDDEN);
    for (int j = 0; j < a.length; j++) {
      a[j] = gelu(a[j]);
    }
    double[] b = linear(p.get("freq.1.weight"), p.get("freq.1.bias"), a, FREQ_BOTTLENECK);
    double[] c = linear(p.get("freq.2.weight"), null, b, FREQ_HIDDEN);
    for (int j = 0; j < c.length; j++) {
      c[j] = gelu(c[j]);
    }
    return linear(p.get("freq.3.weight"), p.get("freq.3.bias"), c, 1 + mods.size());
  }

  /**
   * w(i) = softmax(g(f_i) / tau), computed stably (max subtracted).
   *
   * @param item item id in 1..N
   * @return 1+M weights summing to 1: index 0 for S_i, index m+1 for modality m
   */
  public double[] weights(int item) {
    double[] g = gate(item);
    double max = Double.NEGATIVE_INFINITY;
    for (double v : g) {
      max = Math.max(max, v / tau);
    }
    double z = 0;
    double[] w = new double[g.length];
    for (int k = 0; k < g.length; k++) {
      w[k] = Math.exp(g[k] / tau - max);
      z += w[k];
    }
    for (int k = 0; k < g.length; k++) {
      w[k] /= z;
    }
    return w;
  }

  /**
   * F_i = w_0 S_i + sum_m w_{m+1} P_m(x_m(i)) when fused, else S_i.
   *
   * @param item item id in 1..N
   * @return a new H-vector
   */
  public double[] fusedItem(int item) {
    checkItem(item);
    double[] s = new double[h];
    System.arraycopy(p.get("score.items"), (item - 1) * h, s, 0, h);
    if (!fused) {
      return s;
    }
    double[] w = weights(item);
    double[] f = new double[h];
    for (int j = 0; j < h; j++) {
      f[j] = w[0] * s[j];
    }
    for (int m = 0; m < mods.size(); m++) {
      double[] pm = projected(m, item);
      for (int j = 0; j < h; j++) {
        f[j] += w[m + 1] * pm[j];
      }
    }
    return f;
  }

  /**
   * logit_i = h . F_i for every item.
   *
   * @param user the user vector h, length H
   * @return double[N+1]: index i holds item i's logit; index 0 (padding) is NaN
   */
  public double[] logits(double[] user) {
    if (user.length != h) {
      throw new IllegalArgumentException("user vector has " + user.length + " values, need H=" + h);
    }
    double[] out = new double[n + 1];
    out[0] = Double.NaN;
    for (int i = 1; i <= n; i++) {
      double[] f = fusedItem(i);
      double acc = 0;
      for (int j = 0; j < h; j++) {
        acc += user[j] * f[j];
      }
      out[i] = acc;
    }
    return out;
  }

  /**
   * Cross-entropy over items 1..N (padding never a class): -log softmax(logits)[target], via a
   * stable log-sum-exp.
   *
   * @param user the user vector h, length H
   * @param target the true next item, 1..N
   * @return the loss, >= 0
   */
  public double crossEntropy(double[] user, int target) {
    checkItem(target);
    double[] z = logits(user);
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 1; i <= n; i++) {
      max = Math.max(max, z[i]);
    }
    double sum = 0;
    for (int i = 1; i <= n; i++) {
      sum += Math.exp(z[i] - max);
    }
    return max + Math.log(sum) - z[target];
  }
}
