package io.github.mmesid.core.engine.optim;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.ValueSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs an exported optimizer graph with a raw {@link OrtSession} (test code: the runtime layer is
 * not merged yet). Values are exchanged as double arrays; FLOAT32 inputs are rounded on feeding.
 */
final class OrtOptimRun implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final Map<String, ValueSpec> inputs = new LinkedHashMap<>();
  private boolean closed;

  OrtOptimRun(OptimizerGraph og) throws OrtException {
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      session = env.createSession(og.exported().toByteArray(), so);
    }
    for (ValueSpec v : og.inputs()) {
      inputs.put(v.name(), v);
    }
  }

  /** Runs with every input given by name; returns every output by name. */
  Map<String, double[]> run(Map<String, double[]> feeds) throws OrtException {
    if (!feeds.keySet().equals(inputs.keySet())) {
      throw new IllegalArgumentException("Feeds " + feeds.keySet() + " differ from inputs "
          + inputs.keySet());
    }
    Map<String, OnnxTensor> tensors = new HashMap<>();
    try {
      for (Map.Entry<String, double[]> e : feeds.entrySet()) {
        ValueSpec spec = inputs.get(e.getKey());
        tensors.put(e.getKey(), tensor(spec.dtype(), spec.shape().toArray(), e.getValue()));
      }
      Map<String, double[]> out = new LinkedHashMap<>();
      try (OrtSession.Result r = session.run(tensors)) {
        for (Map.Entry<String, OnnxValue> e : r) {
          out.put(e.getKey(), values((OnnxTensor) e.getValue()));
        }
      }
      return out;
    } finally {
      for (OnnxTensor t : tensors.values()) {
        t.close();
      }
    }
  }

  private OnnxTensor tensor(DType dt, long[] shape, double[] v) throws OrtException {
    if (dt == DType.FLOAT64) {
      DoubleBuffer b = ByteBuffer.allocateDirect(v.length * 8).order(ByteOrder.nativeOrder())
          .asDoubleBuffer();
      b.put(v).rewind();
      return OnnxTensor.createTensor(env, b, shape);
    }
    if (dt == DType.FLOAT32) {
      FloatBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.nativeOrder())
          .asFloatBuffer();
      for (double d : v) {
        b.put((float) d);
      }
      b.rewind();
      return OnnxTensor.createTensor(env, b, shape);
    }
    throw new IllegalArgumentException("Test feeds support FLOAT32 and FLOAT64, got " + dt);
  }

  private static double[] values(OnnxTensor t) {
    switch (t.getInfo().type) {
      case DOUBLE: {
        DoubleBuffer b = t.getDoubleBuffer();
        double[] out = new double[b.remaining()];
        b.get(out);
        return out;
      }
      case FLOAT: {
        FloatBuffer b = t.getFloatBuffer();
        double[] out = new double[b.remaining()];
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get(i);
        }
        return out;
      }
      default:
        throw new IllegalArgumentException("Unexpected output type " + t.getInfo().type);
    }
  }

  @Override
  public void close() throws OrtException {
    if (!closed) {
      closed = true;
      session.close();
    }
  }
}
