package io.github.mmesid.quant;

import io.github.mmesid.core.Finite;
import io.github.mmesid.core.Quantizer;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import java.util.Map;

/**
 * One modality of a trained MM-RQ-VAE as a {@link Quantizer}: the encoder MLP and the nearest-code
 * residual quantization run as one ONNX Runtime session, the decoder as another. Thread-safe;
 * owns native sessions until {@link #close()} (idempotent).
 */
public final class RqQuantizer implements Quantizer, AutoCloseable {

  /** Rows per ONNX Runtime call when encoding many vectors. */
  private static final int CHUNK = 4096;

  private final String modality;
  private final int inputDim;
  private final int latentDim;
  private final float[][][] codebooks;
  private final Predictor encoder;
  private final Predictor decoder;
  private volatile boolean closed;

  RqQuantizer(RqVaeNetwork net, Map<String, TensorData> params, int mi, RuntimeOptions options) {
    this.modality = net.names().get(mi);
    this.inputDim = net.dim(mi);
    MmRqVaeConfig cfg = net.config();
    this.latentDim = cfg.latentDim();
    this.codebooks = new float[cfg.levels()][cfg.codebookSize()][latentDim];
    for (int l = 0; l < cfg.levels(); l++) {
      float[] flat = params.get(RqVaeNetwork.codebook(modality, l)).toFloats();
      for (int k = 0; k < cfg.codebookSize(); k++) {
        System.arraycopy(flat, k * latentDim, codebooks[l][k], 0, latentDim);
      }
    }
    ParameterSnapshot none = new ParameterSnapshot(Map.of());
    Graph ge = new Graph("rqvae_encode");
    Map<String, Tensor> pe = RqVaeNetwork.declare(ge, params, modality + ".");
    Predictor enc = Predictor.create(ge, net.encodeOutputs(ge, pe, mi), none, options);
    try {
      Graph gd = new Graph("rqvae_decode");
      Map<String, Tensor> pd = RqVaeNetwork.declare(gd, params, modality + ".");
      this.decoder = Predictor.create(gd, net.decodeOutputs(gd, pd, mi), none, options);
    } catch (RuntimeException e) {
      enc.close();
      throw e;
    }
    this.encoder = enc;
  }

  /**
   * Returns the modality this quantizer belongs to.
   *
   * @return the modality name
   */
  public String modality() {
    return modality;
  }

  @Override
  public int levels() {
    return codebooks.length;
  }

  @Override
  public int codebookSize() {
    return codebooks[0].length;
  }

  @Override
  public int inputDim() {
    return inputDim;
  }

  @Override
  public int latentDim() {
    return latentDim;
  }

  @Override
  public int[] encode(float[] v) {
    return encode(new float[][] {v})[0];
  }

  @Override
  public int[][] encode(float[][] vs) {
    int[][] out = new int[vs.length][];
    run(vs, out, null);
    return out;
  }

  /**
   * Returns the encoder's continuous latents {@code z} (before quantization).
   *
   * @param vs vectors of length {@link #inputDim()}
   * @return {@code [n][latentDim]}
   * @throws IllegalArgumentException if a length is wrong or a value is not finite (naming the row)
   */
  public float[][] latents(float[][] vs) {
    float[][] out = new float[vs.length][];
    run(vs, null, out);
    return out;
  }

  private void run(float[][] vs, int[][] codesOut, float[][] latentOut) {
    checkOpen();
    if (vs == null) {
      throw new IllegalArgumentException("vectors are null; pass an array of vectors of length " + inputDim);
    }
    int levels = levels();
    for (int from = 0; from < vs.length; from += CHUNK) {
      int n = Math.min(CHUNK, vs.length - from);
      float[] flat = new float[n * inputDim];
      for (int i = 0; i < n; i++) {
        float[] v = vs[from + i];
        checkVector(v, from + i);
        System.arraycopy(v, 0, flat, i * inputDim, inputDim);
      }
      try (HostTensor x = HostTensor.of(flat, n, inputDim);
          RunOutputs out = encoder.run(Map.of("x", x))) {
        float[] z = out.get("latent").toFloatArray();
        Finite.check(z, new long[] {n, latentDim}, "modality '" + modality + "' latents of rows " + from + ".."
            + (from + n - 1));
        if (codesOut != null) {
          long[] c = out.get("codes").toLongArray();
          for (int i = 0; i < n; i++) {
            int[] row = new int[levels];
            for (int l = 0; l < levels; l++) {
              row[l] = (int) c[i * levels + l];
            }
            codesOut[from + i] = row;
          }
        }
        if (latentOut != null) {
          for (int i = 0; i < n; i++) {
            latentOut[from + i] = java.util.Arrays.copyOfRange(z, i * latentDim, (i + 1) * latentDim);
          }
        }
      }
    }
  }

  private void checkVector(float[] v, int row) {
    if (v == null || v.length != inputDim) {
      throw new IllegalArgumentException("modality '" + modality + "' vector " + row + " has "
          + (v == null ? "no" : v.length) + " values; the quantizer expects inputDim = " + inputDim);
    }
    for (int j = 0; j < v.length; j++) {
      if (!Float.isFinite(v[j])) {
        throw new IllegalArgumentException("modality '" + modality + "' vector " + row + ", column "
            + j + " = " + v[j] + "; values must be finite");
      }
    }
  }

  @Override
  public float[][][] codebooks() {
    float[][][] out = new float[codebooks.length][][];
    for (int l = 0; l < codebooks.length; l++) {
      out[l] = new float[codebooks[l].length][];
      for (int k = 0; k < codebooks[l].length; k++) {
        out[l][k] = codebooks[l][k].clone();
      }
    }
    return out;
  }

  @Override
  public float[] quantizedLatent(int[] codes) {
    checkCodes(codes);
    float[] out = new float[latentDim];
    for (int l = 0; l < codes.length; l++) {
      float[] c = codebooks[l][codes[l]];
      for (int j = 0; j < latentDim; j++) {
        out[j] += c[j];
      }
    }
    return out;
  }

  @Override
  public float[] reconstruct(int[] codes) {
    return reconstruct(new int[][] {codes})[0];
  }

  /**
   * Decodes several code tuples back into the input space.
   *
   * @param codes {@code [n][L]} codes, each in 0..K-1
   * @return {@code [n][inputDim]}
   * @throws IllegalArgumentException if a tuple has the wrong length or a code is out of range
   */
  public float[][] reconstruct(int[][] codes) {
    checkOpen();
    float[][] out = new float[codes.length][];
    for (int from = 0; from < codes.length; from += CHUNK) {
      int n = Math.min(CHUNK, codes.length - from);
      float[] flat = new float[n * latentDim];
      for (int i = 0; i < n; i++) {
        System.arraycopy(quantizedLatent(codes[from + i]), 0, flat, i * latentDim, latentDim);
      }
      try (HostTensor zq = HostTensor.of(flat, n, latentDim);
          RunOutputs o = decoder.run(Map.of("zq", zq))) {
        float[] x = o.get("x").toFloatArray();
        Finite.check(x, new long[] {n, inputDim}, "modality '" + modality + "' reconstructions of code tuples "
            + from + ".." + (from + n - 1));
        for (int i = 0; i < n; i++) {
          out[from + i] = java.util.Arrays.copyOfRange(x, i * inputDim, (i + 1) * inputDim);
        }
      }
    }
    return out;
  }

  private void checkCodes(int[] codes) {
    if (codes == null || codes.length != levels()) {
      throw new IllegalArgumentException("code tuple has " + (codes == null ? "no" : codes.length)
          + " codes; modality '" + modality + "' needs L = " + levels());
    }
    for (int l = 0; l < codes.length; l++) {
      if (codes[l] < 0 || codes[l] >= codebookSize()) {
        throw new IllegalArgumentException("code " + codes[l] + " at level " + l
            + " is out of range; allowed 0.." + (codebookSize() - 1));
      }
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("quantizer of modality '" + modality + "' is closed");
    }
  }

  /** Closes the ONNX Runtime sessions; idempotent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      encoder.close();
      decoder.close();
    }
  }
}
