package io.github.mmesid.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.Autodiff;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The two commitment schemes against plain-Java gradients of the quantization loss: the loss
 * value is the same, the encoder gradient differs (level 2's commitment reaches the encoder only
 * with EVERY_LEVEL), the codebook gradients are the same.
 */
class CommitmentTest {
  private static final RuntimeOptions ONE = RuntimeOptions.builder().intraOpThreads(1).build();
  private static final int B = 6;
  private static final int D = 3;
  private static final int E = 2;
  private static final int K = 3;
  private static final double BETA = 0.5;

  private record Grads(double loss, float[] encoderWeight, float[] encoderBias, float[] codebook0,
      float[] codebook1) {}

  private static MmRqVaeConfig config(MmRqVaeConfig.Commitment c) {
    // one linear encoder/decoder, MSE reconstruction weighted 0: the loss is the quantization loss
    return MmRqVaeConfig.builder().levels(2).codebookSize(K).latentDim(E).hiddenLayers()
        .beta(BETA).commitment(c).recon(MmRqVaeConfig.ReconLoss.MSE).weights(0, 1, 0)
        .align(MmRqVaeConfig.AlignLoss.NONE).sinkhornEpsilons(0, 0).seed(3).build();
  }

  private static float[] codebook(int level) {
    return level == 0 ? new float[] {1, 0, -1, 0.5f, 0, -1} : new float[] {0.2f, 0.1f, -0.3f, 0, 0, -0.2f};
  }

  private static Grads graphGradients(MmRqVaeConfig cfg, float[] x) {
    RqVaeNetwork net = new RqVaeNetwork(cfg, List.of("m"), new int[] {D});
    Map<String, TensorData> values = new LinkedHashMap<>(net.initialParameters());
    values.put(RqVaeNetwork.codebook("m", 0), TensorData.ofFloats(new long[] {K, E}, codebook(0)));
    values.put(RqVaeNetwork.codebook("m", 1), TensorData.ofFloats(new long[] {K, E}, codebook(1)));
    Graph g = new Graph("commitment");
    Map<String, Tensor> p = RqVaeNetwork.declare(g, values);
    Tensor loss = net.trainingLoss(g, p);
    List<String> names = List.of(RqVaeNetwork.encoderWeight("m", 0), RqVaeNetwork.encoderBias("m", 0),
        RqVaeNetwork.codebook("m", 0), RqVaeNetwork.codebook("m", 1));
    Map<Tensor, Tensor> grads = Autodiff.gradients(loss, names.stream().map(p::get).toList());
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("loss", loss);
    for (int i = 0; i < names.size(); i++) {
      outs.put("g" + i, grads.get(p.get(names.get(i))));
    }
    try (Predictor pr = Predictor.create(g, outs, new ParameterSnapshot(Map.of()), ONE);
        HostTensor in = HostTensor.of(x, B, D);
        RunOutputs out = pr.run(Map.of(RqVaeNetwork.input("m"), in))) {
      return new Grads(out.get("loss").toFloatArray()[0], out.get("g0").toFloatArray(),
          out.get("g1").toFloatArray(), out.get("g2").toFloatArray(), out.get("g3").toFloatArray());
    }
  }

  /** The quantization loss and its gradients written out in double. */
  private static Grads reference(MmRqVaeConfig cfg, float[] x, boolean everyLevel) {
    RqVaeNetwork net = new RqVaeNetwork(cfg, List.of("m"), new int[] {D});
    float[] w = net.initialParameters().get(RqVaeNetwork.encoderWeight("m", 0)).toFloats(); // [E, D]
    double[][] z = new double[B][E];
    for (int i = 0; i < B; i++) {
      for (int j = 0; j < E; j++) {
        for (int t = 0; t < D; t++) {
          z[i][j] += (double) x[i * D + t] * w[j * D + t]; // biases start at 0
        }
      }
    }
    double[][] r = z;
    double[][][] q = new double[2][B][E];
    double[][][] res = new double[2][][];
    double loss = 0;
    double n = B * E;
    double[][] gc = new double[2][K * E];
    for (int l = 0; l < 2; l++) {
      float[] c = codebook(l);
      res[l] = r;
      double[][] next = new double[B][E];
      for (int i = 0; i < B; i++) {
        int best = 0;
        double bestD = Double.POSITIVE_INFINITY;
        for (int k = 0; k < K; k++) {
          double dd = 0;
          for (int j = 0; j < E; j++) {
            dd += (r[i][j] - c[k * E + j]) * (r[i][j] - c[k * E + j]);
          }
          if (dd < bestD) {
            bestD = dd;
            best = k;
          }
        }
        for (int j = 0; j < E; j++) {
          q[l][i][j] = c[best * E + j];
          next[i][j] = r[i][j] - q[l][i][j];
          double diff = q[l][i][j] - r[i][j];
          loss += (1 + BETA) * diff * diff / n / 2; // (codebook + beta commitment) / L, L = 2
          gc[l][best * E + j] += 2 * diff / n / 2; // d/dq of the codebook term
        }
      }
      r = next;
    }
    // d loss / d z: level 1's commitment always; level 2's (r2 = z - q1) only with EVERY_LEVEL
    double[][] gz = new double[B][E];
    for (int i = 0; i < B; i++) {
      for (int j = 0; j < E; j++) {
        gz[i][j] = BETA * 2 * (z[i][j] - q[0][i][j]) / n / 2;
        if (everyLevel) {
          gz[i][j] += BETA * 2 * (res[1][i][j] - q[1][i][j]) / n / 2;
        }
      }
    }
    float[] gw = new float[E * D];
    float[] gb = new float[E];
    for (int j = 0; j < E; j++) {
      for (int i = 0; i < B; i++) {
        gb[j] += (float) gz[i][j];
        for (int t = 0; t < D; t++) {
          gw[j * D + t] += (float) (gz[i][j] * x[i * D + t]);
        }
      }
    }
    float[] g0 = new float[K * E];
    float[] g1 = new float[K * E];
    for (int t = 0; t < K * E; t++) {
      g0[t] = (float) gc[0][t];
      g1[t] = (float) gc[1][t];
    }
    return new Grads(loss, gw, gb, g0, g1);
  }

  private static void assertClose(float[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what);
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], 1e-5 + 1e-4 * Math.abs(want[i]), what + " [" + i + "]");
    }
  }

  @Test
  void firstLevelCommitmentStopsDeeperLevelsReachingTheEncoder() {
    SplittableRandom rnd = new SplittableRandom(2);
    float[] x = new float[B * D];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (2 * rnd.nextGaussian());
    }
    Grads every = graphGradients(config(MmRqVaeConfig.Commitment.EVERY_LEVEL), x);
    Grads first = graphGradients(config(MmRqVaeConfig.Commitment.FIRST_LEVEL), x);
    Grads everyRef = reference(config(MmRqVaeConfig.Commitment.EVERY_LEVEL), x, true);
    Grads firstRef = reference(config(MmRqVaeConfig.Commitment.FIRST_LEVEL), x, false);
    for (Object[] c : new Object[][] {{every, everyRef, "every level"}, {first, firstRef, "first level"}}) {
      Grads got = (Grads) c[0];
      Grads want = (Grads) c[1];
      String what = (String) c[2];
      assertEquals(want.loss(), got.loss(), 1e-5 * Math.abs(want.loss()), what + " loss");
      assertClose(want.encoderWeight(), got.encoderWeight(), what + " encoder weight gradient");
      assertClose(want.encoderBias(), got.encoderBias(), what + " encoder bias gradient");
      assertClose(want.codebook0(), got.codebook0(), what + " level-1 codebook gradient");
      assertClose(want.codebook1(), got.codebook1(), what + " level-2 codebook gradient");
    }
    // the same loss, different encoder gradients
    assertEquals(every.loss(), first.loss(), 1e-6);
    double diff = 0;
    for (int i = 0; i < every.encoderWeight().length; i++) {
      diff = Math.max(diff, Math.abs(every.encoderWeight()[i] - first.encoderWeight()[i]));
    }
    assertTrue(diff > 1e-3, "level 2's commitment did not change the encoder gradient: " + diff);
  }
}
