package io.github.mmesid.quant.loss;

import io.github.mmesid.core.engine.graph.ArrayOps;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Dim;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.MathOps;
import io.github.mmesid.core.engine.graph.NnOps;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.quant.cluster.Sinkhorn;

/**
 * Losses and code selections of the MM-RQ-VAE as compositions of engine ops (so their gradients
 * come from the engine's rules; the tests check them by finite differences in float64).
 */
public final class QuantLosses {

  /** The kernel set of the multi-kernel MMD by default: {@code alpha in {2^-3, ..., 2^1}}. */
  private static final double[] DEFAULT_ALPHAS = {0.125, 0.25, 0.5, 1.0, 2.0};

  private QuantLosses() {}

  /**
   * Returns the default MMD kernel set {@code {1/8, 1/4, 1/2, 1, 2}}.
   *
   * @return a copy of the bandwidth factors
   */
  public static double[] defaultMmdAlphas() {
    return DEFAULT_ALPHAS.clone();
  }

  /**
   * The biased (quadratic) maximum mean discrepancy between two batches of equal size, summed
   * over Gaussian kernels: with {@code D} the squared distances of the joint batch {@code [x; y]}
   * and {@code m = mean(D)} (treated as a constant), kernel {@code a} is {@code exp(-D / (2 a
   * m))} and contributes {@code mean(K_xx) + mean(K_yy) - 2 mean(K_xy)}. The batches are matched as
   * distributions, not row by row.
   *
   * @param x {@code [B, d]}
   * @param y {@code [B, d]}, same dtype and (known or symbolic) batch size
   * @param alphas bandwidth factors, at least one, each {@code > 0}
   * @return the scalar loss
   * @throws IllegalArgumentException if shapes or alphas are invalid
   */
  public static Tensor mmd(Tensor x, Tensor y, double... alphas) {
    requireBatchPair("MMD", x, y);
    checkAlphas(alphas);
    Tensor dxx = MathOps.pairwiseSquaredDistances(x, x);
    Tensor dyy = MathOps.pairwiseSquaredDistances(y, y);
    Tensor dxy = MathOps.pairwiseSquaredDistances(x, y);
    // mean over the joint (2B x 2B) matrix: the xy block appears twice
    Tensor meanD = dxx.mean(false).add(dyy.mean(false)).add(dxy.mean(false).mul(2.0)).mul(0.25)
        .stopGradient();
    return kernelSum(dxx, dyy, dxy, meanD, alphas);
  }

  /**
   * The MMD of {@link #mmd} with a given bandwidth base instead of the batch's mean squared
   * distance: {@link #mmd}'s gradient is this function's gradient at {@code meanSquaredDistance
   * = mean(D)}, which is how the tests check it by finite differences.
   *
   * @param x {@code [B, d]}
   * @param y {@code [B, d]}, same dtype and batch size
   * @param meanSquaredDistance the bandwidth base m (kernel a is {@code exp(-D / (2 a m))}), {@code > 0}
   * @param alphas bandwidth factors, at least one, each {@code > 0}
   * @return the scalar loss
   * @throws IllegalArgumentException if shapes, alphas or the bandwidth base are invalid
   */
  public static Tensor mmdFixedBandwidth(Tensor x, Tensor y, double meanSquaredDistance,
      double... alphas) {
    requireBatchPair("MMD", x, y);
    checkAlphas(alphas);
    if (!(meanSquaredDistance > 0) || Double.isInfinite(meanSquaredDistance)) {
      throw new IllegalArgumentException("MMD bandwidth base = " + meanSquaredDistance
          + "; allowed: a finite value > 0");
    }
    return kernelSum(MathOps.pairwiseSquaredDistances(x, x),
        MathOps.pairwiseSquaredDistances(y, y), MathOps.pairwiseSquaredDistances(x, y),
        x.graph().scalarLike(meanSquaredDistance, x), alphas);
  }

  private static void checkAlphas(double[] alphas) {
    if (alphas == null || alphas.length == 0) {
      throw new IllegalArgumentException("MMD needs at least one kernel bandwidth factor alpha; got none");
    }
    for (double a : alphas) {
      if (!(a > 0) || Double.isInfinite(a)) {
        throw new IllegalArgumentException("MMD kernel alpha = " + a + "; allowed: finite values > 0");
      }
    }
  }

  private static Tensor kernelSum(Tensor dxx, Tensor dyy, Tensor dxy, Tensor meanD,
      double[] alphas) {
    // -D / (2 m) once per block; kernel a is then exp(that / a)
    Tensor neg = meanD.add(1e-12).mul(-2.0);
    Tensor sxx = dxx.div(neg);
    Tensor syy = dyy.div(neg);
    Tensor sxy = dxy.div(neg);
    Tensor total = null;
    for (double a : alphas) {
      Tensor kxx = (a == 1 ? sxx : sxx.mul(1 / a)).exp().mean(false);
      Tensor kyy = (a == 1 ? syy : syy.mul(1 / a)).exp().mean(false);
      Tensor kxy = (a == 1 ? sxy : sxy.mul(1 / a)).exp().mean(false);
      Tensor term = kxx.add(kyy).sub(kxy.mul(2.0));
      total = total == null ? term : total.add(term);
    }
    return total;
  }

  /**
   * Symmetric InfoNCE between two batches of paired rows: rows are L2-normalised, the logits are
   * {@code a_i . b_j / temperature}, row i of {@code a} is the positive of row i of {@code b} and
   * the other rows of the batch are negatives; the loss is the mean of the cross-entropies in both
   * directions.
   *
   * @param a {@code [B, d]}
   * @param b {@code [B, d]}, same dtype and batch size
   * @param temperature {@code > 0}
   * @return the scalar loss
   * @throws IllegalArgumentException if shapes or the temperature are invalid
   */
  public static Tensor infoNce(Tensor a, Tensor b, double temperature) {
    requireBatchPair("InfoNCE", a, b);
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("InfoNCE temperature = " + temperature + "; allowed: a finite value > 0");
    }
    Tensor an = l2Normalize(a);
    Tensor bn = l2Normalize(b);
    Tensor logits = an.matmul(bn.transpose(1, 0)).mul(1.0 / temperature);
    Tensor targets = ArrayOps.arange(logits, 0);
    Tensor ab = NnOps.crossEntropy(logits, targets);
    Tensor ba = NnOps.crossEntropy(logits.transpose(1, 0), targets);
    return ab.add(ba).mul(0.5);
  }

  /**
   * Rows divided by their L2 norm ({@code x / sqrt(|x|^2 + 1e-12)}).
   *
   * @param x {@code [..., d]}
   * @return the normalised rows
   */
  public static Tensor l2Normalize(Tensor x) {
    return x.div(x.square().sum(true, -1).add(1e-12).sqrt());
  }

  /**
   * The index of the nearest codebook row (squared L2) of every row of {@code r}. No gradient.
   *
   * @param r {@code [B, e]}
   * @param codebook {@code [K, e]}
   * @return INT64 {@code [B]}
   */
  public static Tensor nearestCodes(Tensor r, Tensor codebook) {
    return MathOps.pairwiseSquaredDistances(r.stopGradient(), codebook.stopGradient())
        .argMin(1, false);
  }

  /**
   * Balanced codes of a batch from a Sinkhorn-Knopp plan with {@link Sinkhorn.Order#CODES_FIRST}
   * iterations; see {@link #sinkhornCodes(Tensor, Tensor, double, int, Sinkhorn.Order)}.
   *
   * @param r {@code [B, e]} residuals
   * @param codebook {@code [K, e]}
   * @param epsilon the regularisation, {@code > 0}
   * @param iterations normalisation rounds, {@code >= 1}
   * @return INT64 {@code [B]}
   * @throws IllegalArgumentException if epsilon or iterations are out of range
   */
  public static Tensor sinkhornCodes(Tensor r, Tensor codebook, double epsilon, int iterations) {
    return sinkhornCodes(r, codebook, epsilon, iterations, Sinkhorn.Order.CODES_FIRST);
  }

  /**
   * Balanced codes of a batch from a Sinkhorn-Knopp plan, computed in the graph in float64 with
   * the algorithm of {@link Sinkhorn} (min-max centred, row-stabilised kernel {@code G}, the
   * given normalisation order). The normalisations are kept as scaling vectors, {@code plan =
   * diag(u) G diag(v)}, with {@code v = 1 / (G^T u)} for a column step and {@code u = 1 / (G v)}
   * for a row step (two matrix-vector products per round instead of rescaling the whole matrix;
   * the constant factors {@code 1/K}, {@code 1/B} do not change the result). Items-first rounds
   * are codes-first rounds on the row-normalised kernel. Since {@code u} scales whole rows, a
   * row's code is {@code argmax_j G_ij v_j}. No gradient.
   *
   * @param r {@code [B, e]} residuals
   * @param codebook {@code [K, e]}
   * @param epsilon the regularisation, {@code > 0}
   * @param iterations normalisation rounds, {@code >= 1}
   * @param order which marginal each round normalises first
   * @return INT64 {@code [B]}
   * @throws IllegalArgumentException if epsilon or iterations are out of range or the order is
   *     null
   */
  public static Tensor sinkhornCodes(Tensor r, Tensor codebook, double epsilon, int iterations,
      Sinkhorn.Order order) {
    if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException("Sinkhorn epsilon = " + epsilon + "; allowed: a finite value > 0");
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("Sinkhorn iterations = " + iterations + "; allowed: >= 1");
    }
    if (order == null) {
      throw new IllegalArgumentException("Sinkhorn order is null; allowed: "
          + java.util.Arrays.toString(Sinkhorn.Order.values()));
    }
    Tensor d = MathOps.pairwiseSquaredDistances(r.stopGradient(), codebook.stopGradient())
        .cast(DType.FLOAT64);
    Tensor max = d.max(false);
    Tensor min = d.min(false);
    Tensor mid = max.add(min).mul(0.5);
    Tensor amp = max.sub(mid).add(1e-5);
    Tensor c = d.sub(mid).div(amp);
    Tensor kernel = c.sub(c.min(true, 1)).mul(-1.0 / epsilon).exp(); // [B, K]
    Graph g = r.graph();
    Tensor tiny = g.scalar(1e-300, DType.FLOAT64);
    if (order == Sinkhorn.Order.ITEMS_FIRST) {
      kernel = kernel.div(kernel.sum(true, 1).maximum(tiny)); // the first row step
    }
    Tensor kernelT = kernel.transpose(1, 0); // [K, B]
    Tensor one = g.scalar(1.0, DType.FLOAT64);
    Tensor v = one.div(kernel.sum(true, 0).maximum(tiny)); // [1, K]: u = 1 at the start
    for (int it = 1; it < iterations; it++) {
      Tensor u = one.div(kernel.matmul(v.transpose(1, 0)).maximum(tiny)); // [B, 1]
      v = one.div(kernelT.matmul(u).maximum(tiny)).transpose(1, 0); // [1, K]
    }
    return kernel.mul(v).argMax(1, false);
  }

  private static void requireBatchPair(String op, Tensor x, Tensor y) {
    if (x.rank() != 2 || y.rank() != 2) {
      throw new IllegalArgumentException(op + " needs two [B, d] batches; got " + x + " and " + y);
    }
    if (x.dtype() != y.dtype()) {
      throw new IllegalArgumentException(op + " needs batches of one dtype; got " + x + " and " + y);
    }
    Dim bx = x.shape().dim(0);
    Dim by = y.shape().dim(0);
    Dim dx = x.shape().dim(1);
    Dim dy = y.shape().dim(1);
    if (!bx.equals(by) || (dx.isKnown() && dy.isKnown() && dx.value() != dy.value())) {
      throw new IllegalArgumentException(op + " needs batches of the same shape [B, d]; got " + x
          + " and " + y);
    }
  }
}
