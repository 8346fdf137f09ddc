package io.github.mmesid.core.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.RunOutputs;
import io.github.mmesid.core.engine.runtime.RuntimeOptions;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Inference sessions: trained parameter values and the two ways of binding frozen weights. */
class PredictorTest {
  @Test
  void frozenWeightsAsRunInputsOrInitializersGiveTheSameResult() {
    int in = 512;
    int out = 600; // 512 x 600 floats = 1.2 MiB: kept out of the protobuf
    SplittableRandom r = new SplittableRandom(1);
    float[] w = new float[in * out];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    Graph g = new Graph("frozen");
    Tensor x = g.input("x", DType.FLOAT32, Shape.mixed("B", in));
    Tensor big = g.frozen("big", TensorData.ofFloats(new long[] {out, in}, w));
    Tensor bias = g.parameter("bias", TensorData.ofFloats(new long[] {out}, new float[out]));
    Tensor y = x.linear(big, bias);
    float[] trainedBias = new float[out];
    trainedBias[3] = 7;
    ParameterSnapshot params = new ParameterSnapshot(
        Map.of("bias", TensorData.ofFloats(new long[] {out}, trainedBias)));
    float[] xv = new float[2 * in];
    for (int i = 0; i < xv.length; i++) {
      xv[i] = (float) r.nextGaussian();
    }
    float[][] results = new float[2][];
    RuntimeOptions opts = RuntimeOptions.builder().intraOpThreads(1).build();
    for (int mode = 0; mode < 2; mode++) {
      boolean asInit = mode == 1;
      try (Predictor p = Predictor.create(g, Map.of("y", y), params, opts, asInit);
          HostTensor xt = HostTensor.of(xv, 2, in);
          RunOutputs o = p.run(Map.of("x", xt))) {
        assertEquals(asInit, !p.graph().inputNames().contains("big"),
            "frozen weight binding, initializer mode " + asInit);
        assertFalse(p.graph().inputNames().contains("bias"), "parameters are embedded");
        results[mode] = o.get("y").toFloatArray();
      }
    }
    // Different kernels (pre-packed MatMul) may round differently.
    assertArrayEquals(results[0], results[1], 1e-3f);
    // Reference: y[b][o] = sum_i x[b][i] * w[o][i] + bias[o]
    for (int b = 0; b < 2; b++) {
      for (int o = 0; o < out; o += 97) {
        double s = trainedBias[o];
        for (int i = 0; i < in; i++) {
          s += (double) xv[b * in + i] * w[o * in + i];
        }
        assertEquals(s, results[0][b * out + o], 1e-3 * Math.max(1, Math.abs(s)));
      }
    }
    assertTrue(results[0][3] != 0);
  }
}
