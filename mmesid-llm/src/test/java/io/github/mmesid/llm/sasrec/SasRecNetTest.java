package io.github.mmesid.llm.sasrec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.check.GradientChecker;
import io.github.mmesid.core.engine.graph.ArrayOps;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Layers;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import io.github.mmesid.core.engine.train.ParameterSnapshot;
import io.github.mmesid.core.engine.train.Predictor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The SASRec graph: causality, left-padding invariance, gradients through ONNX Runtime. */
class SasRecNetTest {
  private static final RuntimeOptions ONE = RuntimeOptions.builder().intraOpThreads(1).build();
  private static final int N = 20;

  private static SasRecConfig small() {
    return SasRecConfig.builder().dim(8).heads(2).blocks(2).ffnDim(12).maxLen(8).dropout(0.3)
        .seed(5).build();
  }

  /** Random (not freshly initialised) parameters so LayerNorm scales and biases matter. */
  private static Map<String, TensorData> randomParams(SasRecConfig c, DType dtype, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, TensorData> m = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : SasRecNet.shapes(c, N).entrySet()) {
      long n = 1;
      for (long s : e.getValue()) {
        n *= s;
      }
      double[] v = new double[(int) n];
      boolean scale = e.getKey().endsWith("ln.weight");
      for (int i = 0; i < v.length; i++) {
        v[i] = scale ? r.nextDouble(0.5, 1.5) : r.nextDouble(-0.5, 0.5);
      }
      m.put(e.getKey(), TensorData.ofReals(dtype, e.getValue(), v));
    }
    return m;
  }

  /** Runs the encoder (no dropout) on a batch of windows and returns [B][T][dim]. */
  private static float[][][] encode(SasRecConfig c, Map<String, TensorData> values, long[][] items) {
    Graph g = new Graph("enc");
    Map<String, Tensor> p = SasRecNet.declare(g, values);
    Tensor in = g.input(SasRecNet.ITEMS, DType.INT64, Shape.mixed("B", "T"));
    Tensor h = SasRecNet.encode(in, p, c, false);
    int b = items.length;
    int t = items[0].length;
    long[] flat = new long[b * t];
    for (int i = 0; i < b; i++) {
      System.arraycopy(items[i], 0, flat, i * t, t);
    }
    try (Predictor pr = Predictor.create(g, Map.of("h", h), new ParameterSnapshot(values), ONE);
        HostTensor x = HostTensor.of(flat, b, t);
        RunOutputs out = pr.run(Map.of(SasRecNet.ITEMS, x))) {
      float[] v = out.get("h").toFloatArray();
      float[][][] res = new float[b][t][c.dim()];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < t; j++) {
          System.arraycopy(v, (i * t + j) * c.dim(), res[i][j], 0, c.dim());
        }
      }
      return res;
    }
  }

  @Test
  void changingALaterItemNeverChangesEarlierOutputs() {
    SasRecConfig c = small();
    Map<String, TensorData> values = randomParams(c, DType.FLOAT32, 1);
    long[] a = {0, 0, 3, 7, 1, 9, 4, 12};
    for (int changed = 2; changed < a.length; changed++) {
      long[] b = a.clone();
      b[changed] = b[changed] % N + 1;
      float[][][] h = encode(c, values, new long[][] {a, b});
      for (int t = 0; t < changed; t++) {
        assertArrayEquals(h[0][t], h[1][t], "position " + t + " changed when item " + changed
            + " changed");
      }
      boolean differs = false;
      for (int t = changed; t < a.length; t++) {
        for (int k = 0; k < c.dim(); k++) {
          differs |= h[0][t][k] != h[1][t][k];
        }
      }
      assertTrue(differs, "changing item " + changed + " must change some later output");
    }
  }

  @Test
  void outputsDoNotDependOnLeftPadding() {
    SasRecConfig c = small();
    Map<String, TensorData> values = randomParams(c, DType.FLOAT32, 2);
    long[] history = {5, 2, 17, 8};
    float[][][] bare = encode(c, values, new long[][] {history});
    for (int pad = 1; pad <= c.maxLen() - history.length; pad++) {
      long[] padded = new long[history.length + pad];
      System.arraycopy(history, 0, padded, pad, history.length);
      float[][][] h = encode(c, values, new long[][] {padded});
      for (int t = 0; t < history.length; t++) {
        for (int k = 0; k < c.dim(); k++) {
          assertEquals(bare[0][t][k], h[0][pad + t][k], 1e-5, "pad " + pad + " position " + t);
        }
      }
      for (int t = 0; t < pad; t++) {
        for (int k = 0; k < c.dim(); k++) {
          assertEquals(0.0, h[0][t][k], 0.0, "padding outputs are zero");
        }
      }
    }
  }

  /**
   * Loss and parameter gradients of one training batch, windows left-padded to {@code length}
   * (positions and targets as {@link SasRecBatches} lays them out).
   */
  private static Map<String, double[]> lossAndGradients(SasRecConfig c,
      Map<String, TensorData> values, int[][] windows, int length) {
    Tensor loss = SasRecNet.trainingLoss(c, N, values);
    Graph g = loss.graph();
    Map<String, Tensor> outs = new LinkedHashMap<>();
    outs.put("loss", loss);
    List<Tensor> params = new ArrayList<>();
    for (Tensor t : g.parameters()) {
      params.add(t);
    }
    List<Tensor> grads = io.github.mmesid.core.engine.graph.Autodiff.gradientList(loss, params);
    for (int i = 0; i < params.size(); i++) {
      outs.put("grad_" + params.get(i).name().replace('.', '_'), grads.get(i));
    }
    long[] items = new long[windows.length * length];
    List<Long> pos = new ArrayList<>();
    List<Long> tgt = new ArrayList<>();
    for (int b = 0; b < windows.length; b++) {
      int n = windows[b].length - 1;
      for (int j = 0; j < n; j++) {
        items[b * length + length - n + j] = windows[b][j];
        pos.add((long) b * length + length - n + j);
        tgt.add((long) windows[b][j + 1]);
      }
    }
    pos.add(0L); // one unused row, as the row multiple leaves
    tgt.add(0L);
    long[] pa = pos.stream().mapToLong(Long::longValue).toArray();
    long[] ta = tgt.stream().mapToLong(Long::longValue).toArray();
    Map<String, double[]> res = new LinkedHashMap<>();
    try (Predictor pr = Predictor.create(g, outs, new ParameterSnapshot(values), ONE);
        HostTensor x = HostTensor.of(items, windows.length, length);
        HostTensor px = HostTensor.of(pa, pa.length);
        HostTensor tx = HostTensor.of(ta, ta.length);
        RunOutputs out = pr.run(Map.of(SasRecNet.ITEMS, x, SasRecNet.POSITIONS, px,
            SasRecNet.TARGETS, tx))) {
      for (String k : outs.keySet()) {
        res.put(k, out.get(k).toDoubleArray());
      }
    }
    return res;
  }

  @Test
  void trainingLossAndGradientsDoNotDependOnTheWindowLength() {
    // SasRecBatches pads a batch to its longest input (rounded up), not to maxLen.
    SasRecConfig c = SasRecConfig.builder().dim(8).heads(2).blocks(2).ffnDim(12).maxLen(8)
        .dropout(0).seed(5).build();
    Map<String, TensorData> values = randomParams(c, DType.FLOAT64, 7);
    int[][] windows = {{3, 7, 1, 9}, {5, 2}, {11, 4, 6}};
    Map<String, double[]> full = lossAndGradients(c, values, windows, c.maxLen());
    for (int length : new int[] {3, 5}) {
      Map<String, double[]> trimmed = lossAndGradients(c, values, windows, length);
      for (String k : full.keySet()) {
        assertArrayEquals(full.get(k), trimmed.get(k), 1e-12, k + " at window length " + length);
      }
    }
    assertTrue(full.get("loss")[0] > 0, "a real loss");
  }

  @Test
  void blockGradientsMatchFiniteDifferences() {
    SasRecConfig c = small();
    Map<String, TensorData> values = randomParams(c, DType.FLOAT64, 3);
    List<String> names = new ArrayList<>();
    List<TensorData> inputs = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(4);
    double[] x = new double[2 * 5 * c.dim()];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextDouble(-1, 1);
    }
    inputs.add(TensorData.ofDoubles(new long[] {2, 5, c.dim()}, x));
    inputs.add(TensorData.ofLongs(new long[] {2, 5}, 0, 0, 4, 9, 2, 3, 1, 7, 7, 11));
    for (Map.Entry<String, TensorData> e : values.entrySet()) {
      if (e.getKey().startsWith("blocks.0.")) {
        names.add(e.getKey());
        inputs.add(e.getValue());
      }
    }
    GradientChecker.Report rep = GradientChecker.check((g, in) -> {
      Map<String, Tensor> p = new LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        p.put(names.get(i), in.get(i + 2));
      }
      Tensor items = in.get(1);
      Tensor keep = ArrayOps.unsqueeze(ArrayOps.cast(ArrayOps.compare("Greater", items,
          g.scalar(0, DType.INT64)), g.floatType()), -1);
      return SasRecNet.block(in.get(0), keep, Layers.causalPaddingMask(items), 0, p, c, false);
    }, inputs, GradientChecker.Options.float64());
    assertTrue(rep.passed(), rep::toString);
    assertTrue(rep.checked() > 100, "checked " + rep.checked());
  }

  @Test
  void encoderGradientsIncludingEmbeddingsMatchFiniteDifferences() {
    SasRecConfig c = SasRecConfig.builder().dim(4).heads(1).blocks(1).ffnDim(6).maxLen(6)
        .seed(1).build();
    Map<String, TensorData> values = randomParams(c, DType.FLOAT64, 6);
    List<String> names = new ArrayList<>(values.keySet());
    List<TensorData> inputs = new ArrayList<>();
    inputs.add(TensorData.ofLongs(new long[] {2, 4}, 0, 3, 3, 20, 5, 1, 8, 2));
    inputs.addAll(values.values());
    GradientChecker.Report rep = GradientChecker.check((g, in) -> {
      Map<String, Tensor> p = new LinkedHashMap<>();
      for (int i = 0; i < names.size(); i++) {
        p.put(names.get(i), in.get(i + 1));
      }
      return SasRecNet.encode(in.get(0), p, c, false);
    }, inputs, GradientChecker.Options.float64());
    assertTrue(rep.passed(), rep::toString);
  }

  @Test
  void softplusIsStableAndExact() {
    Graph g = new Graph("sp", DType.FLOAT64);
    Tensor x = g.input("x", DType.FLOAT64, Shape.of(5));
    double[] in = {-800, -3, 0, 2.5, 800};
    try (Predictor p = Predictor.create(g, Map.of("y", SasRecNet.softplus(x)),
        new ParameterSnapshot(Map.of()), ONE);
        HostTensor t = HostTensor.of(in, 5);
        RunOutputs out = p.run(Map.of("x", t))) {
      double[] y = out.get("y").toDoubleArray();
      for (int i = 0; i < in.length; i++) {
        double ref = in[i] > 30 ? in[i] : Math.log1p(Math.exp(in[i]));
        assertEquals(ref, y[i], 1e-12 * Math.max(1, Math.abs(ref)), "softplus(" + in[i] + ")");
      }
    }
  }
}
