package io.github.mmesid.core.engine.graph;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Transformer building blocks composed from primitive operations, so that their gradients come
 * from {@link Autodiff}: RMS and layer normalisation, rotary position embeddings in the Hugging
 * Face "rotate half" layout (with Llama 3.1 frequency scaling), attention masks and scaled
 * dot-product attention with grouped key/value heads. Everything works in float32 and float64.
 */
public final class Layers {
  private Layers() {}

  // ------------------------------------------------------------------ normalisation

  private static void checkNormArgs(String op, Tensor x, Tensor p, String what, double eps) {
    MathOps.requireFloat(op, x);
    if (x.rank() < 1) {
      throw new IllegalArgumentException(op + " needs an input of rank >= 1, got " + x);
    }
    if (!(eps >= 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException(op + " eps must be finite and >= 0, got " + eps);
    }
    if (p == null) {
      return;
    }
    MathOps.requireSameType(op, x, p);
    Dim d = x.shape().dim(-1);
    if (p.rank() != 1 || (d.isKnown() && p.shape().dim(0).isKnown()
        && d.value() != p.shape().dim(0).value())) {
      throw new IllegalArgumentException(op + " " + what + " must be a vector of the input's "
          + "last dimension " + d + ", got " + p + " for input " + x);
    }
  }

  /**
   * RMS normalisation over the last axis as in Hugging Face {@code LlamaRMSNorm}: {@code x /
   * sqrt(mean(x^2, -1) + eps) * weight}.
   *
   * @param x input {@code [..., D]}
   * @param weight scale {@code [D]}
   * @param eps added to the mean square, {@code >= 0}
   * @return the normalised tensor, shape of {@code x}
   */
  public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
    if (weight == null) {
      throw new IllegalArgumentException("RMSNorm needs a weight vector, got null");
    }
    checkNormArgs("RMSNorm", x, weight, "weight", eps);
    Tensor ms = x.mul(x).mean(true, -1);
    return x.div(ms.add(eps).sqrt()).mul(weight);
  }

  /**
   * Layer normalisation over the last axis with PyTorch semantics (biased variance): {@code (x -
   * mean) / sqrt(var + eps) * weight + bias}.
   *
   * @param x input {@code [..., D]}
   * @param weight scale {@code [D]}, or null for none
   * @param bias shift {@code [D]}, or null for none
   * @param eps added to the variance, {@code >= 0}
   * @return the normalised tensor, shape of {@code x}
   */
  public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
    checkNormArgs("LayerNorm", x, weight, "weight", eps);
    checkNormArgs("LayerNorm", x, bias, "bias", eps);
    Tensor xc = x.sub(x.mean(true, -1));
    Tensor var = xc.mul(xc).mean(true, -1);
    Tensor y = xc.div(var.add(eps).sqrt());
    if (weight != null) {
      y = y.mul(weight);
    }
    if (bias != null) {
      y = y.add(bias);
    }
    return y;
  }

  // ------------------------------------------------------------------ rotary embeddings

  /**
   * Rotary-embedding frequency scaling, as in a Hugging Face {@code rope_scaling} config entry.
   *
   * @param type {@code "default"} (none), {@code "linear"} (all frequencies divided by the
   *     factor) or {@code "llama3"} (Llama 3.1 wavelength-dependent scaling)
   * @param factor scaling factor ({@code > 0}; ignored for "default")
   * @param lowFreqFactor llama3 {@code low_freq_factor}
   * @param highFreqFactor llama3 {@code high_freq_factor} ({@code > lowFreqFactor})
   * @param originalMaxPositionEmbeddings llama3 {@code original_max_position_embeddings}
   */
  public record RopeScaling(String type, double factor, double lowFreqFactor,
      double highFreqFactor, long originalMaxPositionEmbeddings) {
    /**
     * Validates the fields.
     *
     * @param type see the record description
     * @param factor see the record description
     * @param lowFreqFactor see the record description
     * @param highFreqFactor see the record description
     * @param originalMaxPositionEmbeddings see the record description
     */
    public RopeScaling {
      if (type == null || !List.of("default", "linear", "llama3").contains(type)) {
        throw new IllegalArgumentException("Unsupported rope_scaling type '" + type
            + "'; allowed: default, linear, llama3");
      }
      if (!"default".equals(type) && !(factor > 0 && Double.isFinite(factor))) {
        throw new IllegalArgumentException("rope_scaling factor must be finite and > 0, got "
            + factor);
      }
      if ("llama3".equals(type) && !(lowFreqFactor > 0 && highFreqFactor > lowFreqFactor
          && Double.isFinite(highFreqFactor) && originalMaxPositionEmbeddings > 0)) {
        throw new IllegalArgumentException("llama3 rope_scaling needs 0 < low_freq_factor < "
            + "high_freq_factor and original_max_position_embeddings > 0, got low="
            + lowFreqFactor + ", high=" + highFreqFactor + ", original="
            + originalMaxPositionEmbeddings);
      }
    }

    /**
     * No scaling.
     *
     * @return the default scaling
     */
    public static RopeScaling none() {
      return new RopeScaling("default", 1, 0, 0, 0);
    }

    /**
     * Linear (position-interpolation) scaling: every inverse frequency is divided by the factor.
     *
     * @param factor the factor, {@code > 0}
     * @return the scaling
     */
    public static RopeScaling linear(double factor) {
      return new RopeScaling("linear", factor, 0, 0, 0);
    }

    /**
     * Llama 3.1 scaling.
     *
     * @param factor {@code factor} (8 for Llama 3.1/3.2)
     * @param lowFreqFactor {@code low_freq_factor} (1)
     * @param highFreqFactor {@code high_freq_factor} (4)
     * @param originalMaxPositionEmbeddings {@code original_max_position_embeddings} (8192)
     * @return the scaling
     */
    public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor,
        long originalMaxPositionEmbeddings) {
      return new RopeScaling("llama3", factor, lowFreqFactor, highFreqFactor,
          originalMaxPositionEmbeddings);
    }
  }

  /**
   * The rotary inverse frequencies {@code 1 / theta^(2i / headDim)}, {@code i < headDim / 2},
   * after scaling. Computed in double precision (Hugging Face computes them in float32; the two
   * agree to float32 rounding).
   *
   * @param headDim the head dimension, even and {@code >= 2}
   * @param theta the base ({@code rope_theta}), {@code > 1}
   * @param scaling the scaling
   * @return {@code headDim / 2} inverse frequencies
   */
  public static double[] ropeInvFreq(int headDim, double theta, RopeScaling scaling) {
    if (headDim < 2 || headDim % 2 != 0) {
      throw new IllegalArgumentException("RoPE head dimension must be even and >= 2, got "
          + headDim);
    }
    if (!(theta > 1) || Double.isInfinite(theta)) {
      throw new IllegalArgumentException("RoPE theta must be finite and > 1, got " + theta);
    }
    if (scaling == null) {
      throw new IllegalArgumentException("RoPE scaling must not be null; use RopeScaling.none()");
    }
    int half = headDim / 2;
    double[] inv = new double[half];
    for (int i = 0; i < half; i++) {
      inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
    }
    switch (scaling.type()) {
      case "linear":
        for (int i = 0; i < half; i++) {
          inv[i] /= scaling.factor();
        }
        break;
      case "llama3": {
        double oldLen = scaling.originalMaxPositionEmbeddings();
        double lowWavelen = oldLen / scaling.lowFreqFactor();
        double highWavelen = oldLen / scaling.highFreqFactor();
        for (int i = 0; i < half; i++) {
          double wavelen = 2 * Math.PI / inv[i];
          if (wavelen > lowWavelen) {
            inv[i] = inv[i] / scaling.factor();
          } else if (wavelen >= highWavelen) {
            double smooth = (oldLen / wavelen - scaling.lowFreqFactor())
                / (scaling.highFreqFactor() - scaling.lowFreqFactor());
            inv[i] = (1 - smooth) * inv[i] / scaling.factor() + smooth * inv[i];
          }
        }
        break;
      }
      default:
        break;
    }
    return inv;
  }

  /**
   * Cosine and sine tables of rotary embeddings, each {@code positions.shape + [headDim]} in the
   * graph's float type.
   *
   * @param cos the cosines
   * @param sin the sines
   */
  public record RopeTables(Tensor cos, Tensor sin) {}

  /**
   * Rotary cosine/sine tables for the given positions, in the Hugging Face layout: the angle of
   * channel {@code c} at position {@code p} is {@code p * invFreq[c mod headDim/2]}. The angles
   * are formed in the graph's float type (float32, like Hugging Face, or float64). ONNX Runtime's
   * CPU Cos and Sin kernels run in both.
   *
   * @param positions INT64 or INT32 position ids, typically {@code [B, T]}
   * @param headDim the head dimension, even
   * @param theta the base ({@code rope_theta})
   * @param scaling frequency scaling
   * @return the tables, each {@code positions.shape + [headDim]}
   */
  public static RopeTables ropeCosSin(Tensor positions, int headDim, double theta,
      RopeScaling scaling) {
    if (positions.dtype() != DType.INT64 && positions.dtype() != DType.INT32) {
      throw new IllegalArgumentException("RoPE positions must be INT64 or INT32, got "
          + positions);
    }
    double[] inv = ropeInvFreq(headDim, theta, scaling);
    double[] both = new double[headDim];
    System.arraycopy(inv, 0, both, 0, inv.length);
    System.arraycopy(inv, 0, both, inv.length, inv.length);
    Graph g = positions.graph();
    DType ft = g.floatType();
    Tensor freq = g.constant(TensorData.ofReals(ft, new long[] {headDim}, both));
    Tensor angles = ArrayOps.unsqueeze(ArrayOps.cast(positions, ft), -1).mul(freq);
    Tensor cos = g.apply("Cos", List.of(angles), Map.of(), ft, angles.shape());
    Tensor sin = g.apply("Sin", List.of(angles), Map.of(), ft, angles.shape());
    return new RopeTables(cos, sin);
  }

  /**
   * {@code cat(-x2, x1)} where {@code x1, x2} are the two halves of the last axis.
   *
   * @param x input whose last dimension is known and even
   * @return the rotated tensor
   */
  public static Tensor rotateHalf(Tensor x) {
    Dim d = x.shape().dim(-1);
    if (!d.isKnown() || d.value() % 2 != 0) {
      throw new IllegalArgumentException("rotateHalf needs a known, even last dimension, got "
          + x);
    }
    List<Tensor> halves = ArrayOps.split(x, -1, d.value() / 2, d.value() / 2);
    return ArrayOps.concat(-1, halves.get(1).neg(), halves.get(0));
  }

  /**
   * Applies rotary embeddings (Hugging Face {@code apply_rotary_pos_emb}): {@code q * cos +
   * rotateHalf(q) * sin} with the tables broadcast over heads.
   *
   * @param q queries or keys {@code [B, H, T, D]}
   * @param cos cosines {@code [B, T, D]} (from {@link #ropeCosSin})
   * @param sin sines {@code [B, T, D]}
   * @return the rotated tensor {@code [B, H, T, D]}
   */
  public static Tensor applyRope(Tensor q, Tensor cos, Tensor sin) {
    MathOps.requireFloat("applyRope", q);
    MathOps.requireSameType("applyRope", q, cos);
    MathOps.requireSameType("applyRope", q, sin);
    if (q.rank() != 4 || cos.rank() != 3 || sin.rank() != 3) {
      throw new IllegalArgumentException("applyRope needs q [B, H, T, D] and cos/sin [B, T, D], "
          + "got " + q + ", " + cos + ", " + sin);
    }
    Dim dq = q.shape().dim(-1);
    Dim dc = cos.shape().dim(-1);
    if (dq.isKnown() && dc.isKnown() && dq.value() != dc.value()) {
      throw new IllegalArgumentException("applyRope head dimension of " + q
          + " differs from the table's " + cos);
    }
    Tensor c = ArrayOps.unsqueeze(cos, 1);
    Tensor s = ArrayOps.unsqueeze(sin, 1);
    try {
      Shape.broadcast(q.shape(), c.shape());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("applyRope tables " + cos + " do not match " + q + ": "
          + e.getMessage(), e);
    }
    return q.mul(c).add(rotateHalf(q).mul(s));
  }

  // ------------------------------------------------------------------ masks

  /**
   * The additive mask value of a float type: half the most negative finite value, so that two
   * masks can be summed without overflow and a fully masked row stays finite.
   *
   * @param dtype FLOAT32 or FLOAT64
   * @return the value
   */
  public static double maskValue(DType dtype) {
    switch (dtype) {
      case FLOAT32:
        return -Float.MAX_VALUE / 2.0;
      case FLOAT64:
        return -Double.MAX_VALUE / 2.0;
      default:
        throw new IllegalArgumentException("Additive masks are FLOAT32 or FLOAT64, got " + dtype);
    }
  }

  /**
   * The causal mask: BOOL {@code [T, T]}, true where key {@code j <= query i}.
   *
   * @param reference a tensor whose axis {@code seqAxis} has the sequence length {@code T}
   * @param seqAxis the axis, negative counts from the end
   * @return BOOL {@code [T, T]}
   */
  public static Tensor causalMask(Tensor reference, int seqAxis) {
    Tensor pos = ArrayOps.arange(reference, seqAxis);
    return ArrayOps.compare("LessOrEqual", ArrayOps.unsqueeze(pos, 0),
        ArrayOps.unsqueeze(pos, 1));
  }

  /**
   * The key padding mask: BOOL {@code [B, 1, 1, T]}, true at tokens.
   *
   * @param attentionMask {@code [B, T]} INT64, INT32 or BOOL, 1 for tokens and 0 for padding
   * @return BOOL {@code [B, 1, 1, T]}
   */
  public static Tensor paddingMask(Tensor attentionMask) {
    if (attentionMask.rank() != 2) {
      throw new IllegalArgumentException("paddingMask needs an attention mask [B, T], got "
          + attentionMask);
    }
    Tensor m = ArrayOps.toInt64Mask("paddingMask", attentionMask);
    Tensor tok = ArrayOps.compare("Greater", m, m.graph().scalar(0, DType.INT64));
    return ArrayOps.unsqueeze(tok, 1, 2);
  }

  /**
   * Converts a BOOL "may attend" mask to an additive one: 0 where allowed, {@link
   * #maskValue(DType)} elsewhere.
   *
   * @param allowed BOOL mask
   * @param dtype FLOAT32 or FLOAT64
   * @return the additive mask, shape of {@code allowed}
   */
  public static Tensor additiveMask(Tensor allowed, DType dtype) {
    if (allowed.dtype() != DType.BOOL) {
      throw new IllegalArgumentException("additiveMask needs a BOOL mask, got " + allowed);
    }
    Graph g = allowed.graph();
    return ArrayOps.where(allowed, g.scalar(0, dtype), g.scalar(maskValue(dtype), dtype));
  }

  /**
   * The additive causal + padding mask of a batch of (left- or right-) padded sequences: {@code
   * [B, 1, T, T]} in the graph's float type, 0 where query {@code i} may attend key {@code j}
   * ({@code j <= i} and {@code j} is a token), {@link #maskValue(DType)} elsewhere. Rows of
   * padding queries may be fully masked; attention then averages all values (finite, no NaN),
   * and such rows should be ignored by the loss.
   *
   * @param attentionMask {@code [B, T]} INT64, INT32 or BOOL, 1 for tokens and 0 for padding
   * @return the additive mask {@code [B, 1, T, T]}
   */
  public static Tensor causalPaddingMask(Tensor attentionMask) {
    Tensor allowed = ArrayOps.logicalAnd(causalMask(attentionMask, 1),
        paddingMask(attentionMask));
    return additiveMask(allowed, attentionMask.graph().floatType());
  }

  // ------------------------------------------------------------------ attention

  /**
   * Repeats each key/value head {@code nRep} times (Hugging Face {@code repeat_kv}): head {@code
   * h} of the result is head {@code h / nRep} of the input.
   *
   * @param x {@code [B, Hkv, S, D]}
   * @param nRep repetitions, {@code >= 1}
   * @return {@code [B, Hkv * nRep, S, D]}
   */
  public static Tensor repeatKv(Tensor x, int nRep) {
    if (x.rank() != 4 || nRep < 1) {
      throw new IllegalArgumentException("repeatKv needs [B, Hkv, S, D] and nRep >= 1, got " + x
          + " and " + nRep);
    }
    if (nRep == 1) {
      return x;
    }
    Dim hkv = x.shape().dim(1);
    if (!hkv.isKnown()) {
      throw new IllegalArgumentException("repeatKv needs a known head count, got " + x);
    }
    Tensor e = ArrayOps.expand(ArrayOps.unsqueeze(x, 2), Shape.of(1, 1, nRep, 1, 1));
    long heads = hkv.value() * nRep;
    Graph g = x.graph();
    Tensor shape = ArrayOps.concat(0, ArrayOps.dimVector(x, 0), g.int64s(heads),
        ArrayOps.dimVector(x, 2), ArrayOps.dimVector(x, 3));
    Shape out = Shape.of(List.of(x.shape().dim(0), Dim.of(heads), x.shape().dim(2),
        x.shape().dim(3)));
    return ArrayOps.reshape(e, shape, out);
  }

  /**
   * Softmax over the last axis as one ONNX Softmax node with its own gradient rule {@code y * (g
   * - sum(g * y, -1))}. ONNX Runtime's CPU Softmax runs in float32 and float64.
   */
  static Tensor softmaxLastAxis(Tensor x) {
    MathOps.requireFloat("Softmax", x);
    Vjp rule = (n, g, need) -> {
      Tensor y = n.output(0);
      Tensor gy = g.get(0);
      Tensor dot = gy.mul(y).sum(true, -1);
      return Arrays.asList(y.mul(gy.sub(dot)));
    };
    return x.graph().addNode("Softmax", List.of(x), Map.of("axis", -1L),
        new DType[] {x.dtype()}, new Shape[] {x.shape()}, rule).output(0);
  }

  /**
   * Scaled dot-product attention with grouped key/value heads: {@code softmax(q k^T * scale +
   * mask) v}, where each group of {@code Hq / Hkv} query heads shares one key/value head.
   *
   * <p>Note for float64 graphs: ONNX Runtime's graph optimiser fuses the score scaling into a
   * FusedMatMul whose {@code alpha} is a float32 attribute, so a scale that float32 cannot
   * represent exactly is rounded to float32 (relative effect about 1e-8; float32 graphs are
   * unaffected).
   *
   * @param q queries {@code [B, Hq, T, D]}
   * @param k keys {@code [B, Hkv, S, D]}, {@code Hq % Hkv == 0}
   * @param v values {@code [B, Hkv, S, Dv]}
   * @param additiveMask null, or an additive mask broadcastable to {@code [B, Hq, T, S]} (e.g.
   *     {@link #causalPaddingMask})
   * @param scale the score scale, finite and {@code > 0} (usually {@code 1 / sqrt(D)})
   * @return {@code [B, Hq, T, Dv]}
   */
  public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v,
      Tensor additiveMask, double scale) {
    MathOps.requireFloat("Attention", q);
    MathOps.requireSameType("Attention", q, k);
    MathOps.requireSameType("Attention", q, v);
    if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
      throw new IllegalArgumentException("Attention needs q [B, Hq, T, D], k [B, Hkv, S, D], "
          + "v [B, Hkv, S, Dv], got " + q + ", " + k + ", " + v);
    }
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("Attention scale must be finite and > 0, got " + scale);
    }
    Dim hq = q.shape().dim(1);
    Dim hkv = k.shape().dim(1);
    if (!hq.isKnown() || !hkv.isKnown() || hkv.value() == 0 || hq.value() % hkv.value() != 0
        || !hkv.equals(v.shape().dim(1))) {
      throw new IllegalArgumentException("Attention needs known head counts with Hq % Hkv == 0 "
          + "and equal key/value heads, got q " + q + ", k " + k + ", v " + v);
    }
    checkEqual("Attention head dimension", q, 3, k, 3);
    checkEqual("Attention key/value length", k, 2, v, 2);
    int nRep = (int) (hq.value() / hkv.value());
    Tensor kr = repeatKv(k, nRep);
    Tensor vr = repeatKv(v, nRep);
    Tensor scores = q.matmul(MathOps.transposeLast2(kr)).mul(scale);
    if (additiveMask != null) {
      MathOps.requireSameType("Attention mask", q, additiveMask);
      Shape b;
      try {
        b = Shape.broadcast(scores.shape(), additiveMask.shape());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("Attention mask " + additiveMask
            + " does not broadcast to the scores " + scores.shape() + ": " + e.getMessage(), e);
      }
      if (b.rank() != 4) {
        throw new IllegalArgumentException("Attention mask " + additiveMask
            + " has rank > 4; allowed: broadcastable to [B, Hq, T, S]");
      }
      scores = scores.add(additiveMask);
    }
    return softmaxLastAxis(scores).matmul(vr);
  }

  /**
   * Scaled dot-product attention with the usual scale {@code 1 / sqrt(D)}.
   *
   * @param q queries {@code [B, Hq, T, D]}, {@code D} known
   * @param k keys {@code [B, Hkv, S, D]}
   * @param v values {@code [B, Hkv, S, Dv]}
   * @param additiveMask null or an additive mask broadcastable to {@code [B, Hq, T, S]}
   * @return {@code [B, Hq, T, Dv]}
   */
  public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v,
      Tensor additiveMask) {
    Dim d = q.rank() == 4 ? q.shape().dim(3) : null;
    if (d == null || !d.isKnown() || d.value() == 0) {
      throw new IllegalArgumentException("Attention without an explicit scale needs q [B, Hq, T, "
          + "D] with a known D > 0, got " + q);
    }
    return scaledDotProductAttention(q, k, v, additiveMask, 1.0 / Math.sqrt(d.value()));
  }

  private static void checkEqual(String what, Tensor a, int ia, Tensor b, int ib) {
    Dim da = a.shape().dim(ia);
    Dim db = b.shape().dim(ib);
    if (da.isKnown() && db.isKnown() && da.value() != db.value()) {
      throw new IllegalArgumentException(what + " differs: " + a + " vs " + b + " (" + da
          + " vs " + db + "); they must be equal");
    }
  }
}
