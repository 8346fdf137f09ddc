package io.github.mmesid.core.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Test support: runs a graph forward through ONNX Runtime and compares with references. */
final class ForwardEval {
  private ForwardEval() {}

  /** One output: its run-time shape and values converted to double. */
  record Out(long[] shape, double[] values) {}

  /**
   * Exports {@code outputs} and runs them with the given input values (by input tensor).
   */
  static Map<String, Out> run(Map<String, Tensor> outputs, Map<Tensor, TensorData> feeds) {
    Graph g = outputs.values().iterator().next().graph();
    ExportedGraph eg = OnnxExporter.export(g, new LinkedHashMap<>(outputs));
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> in = new HashMap<>();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      try (OrtSession s = env.createSession(eg.toByteArray(), so)) {
        for (Map.Entry<Tensor, TensorData> e : feeds.entrySet()) {
          if (s.getInputNames().contains(e.getKey().name())) {
            in.put(e.getKey().name(), toOnnx(env, e.getValue()));
          }
        }
        Map<String, Out> res = new LinkedHashMap<>();
        try (OrtSession.Result r = s.run(in)) {
          for (Map.Entry<String, OnnxValue> e : r) {
            OnnxTensor t = (OnnxTensor) e.getValue();
            res.put(e.getKey(), new Out(t.getInfo().getShape(), values(t)));
          }
        }
        return res;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    } finally {
      for (OnnxTensor t : in.values()) {
        t.close();
      }
    }
  }

  /** Runs one output. */
  static Out run1(Tensor output, Map<Tensor, TensorData> feeds) {
    return run(Map.of("y", output), feeds).get("y");
  }

  private static OnnxTensor toOnnx(OrtEnvironment env, TensorData d) throws OrtException {
    ByteBuffer b = ByteBuffer.allocateDirect((int) d.byteSize()).order(ByteOrder.nativeOrder());
    ByteBuffer src = d.bytes();
    OnnxJavaType jt;
    switch (d.dtype()) {
      case FLOAT32:
        jt = OnnxJavaType.FLOAT;
        b.asFloatBuffer().put(src.asFloatBuffer());
        break;
      case FLOAT64:
        jt = OnnxJavaType.DOUBLE;
        b.asDoubleBuffer().put(src.asDoubleBuffer());
        break;
      case INT64:
        jt = OnnxJavaType.INT64;
        b.asLongBuffer().put(src.asLongBuffer());
        break;
      case INT32:
        jt = OnnxJavaType.INT32;
        b.asIntBuffer().put(src.asIntBuffer());
        break;
      case BOOL:
        jt = OnnxJavaType.BOOL;
        b.put(src);
        b.rewind();
        break;
      default:
        throw new IllegalArgumentException("unsupported feed type " + d.dtype());
    }
    return OnnxTensor.createTensor(env, b, d.shape(), jt);
  }

  private static double[] values(OnnxTensor t) {
    long n = 1;
    for (long s : t.getInfo().getShape()) {
      n *= s;
    }
    double[] out = new double[(int) n];
    switch (t.getInfo().type) {
      case FLOAT: {
        var fb = t.getFloatBuffer();
        for (int i = 0; i < out.length; i++) {
          out[i] = fb.get(i);
        }
        break;
      }
      case DOUBLE:
        t.getDoubleBuffer().get(out);
        break;
      case INT64: {
        var lb = t.getLongBuffer();
        for (int i = 0; i < out.length; i++) {
          out[i] = lb.get(i);
        }
        break;
      }
      case INT32: {
        var ib = t.getIntBuffer();
        for (int i = 0; i < out.length; i++) {
          out[i] = ib.get(i);
        }
        break;
      }
      case BOOL: {
        ByteBuffer bb = t.getByteBuffer();
        for (int i = 0; i < out.length; i++) {
          out[i] = bb.get(i) != 0 ? 1 : 0;
        }
        break;
      }
      default:
        throw new IllegalArgumentException("unsupported output type " + t.getInfo().type);
    }
    return out;
  }

  /** Re-declares {@code x} with a partly symbolic static shape (same run-time values). */
  static Tensor symbolic(Tensor x, Object... dims) {
    return ArrayOps.reshape(x, ArrayOps.shapeOf(x), Shape.mixed(dims));
  }

  /** Row-major strides of a shape. */
  static int[] strides(long[] shape) {
    int[] s = new int[shape.length];
    int acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= (int) shape[i];
    }
    return s;
  }

  /** Multi-index of a flat offset. */
  static int[] unravel(int flat, long[] shape) {
    int[] idx = new int[shape.length];
    for (int i = shape.length - 1; i >= 0; i--) {
      idx[i] = (int) (flat % shape[i]);
      flat /= (int) shape[i];
    }
    return idx;
  }

  /** Flat offset of a multi-index. */
  static int ravel(int[] idx, long[] shape) {
    int f = 0;
    for (int i = 0; i < shape.length; i++) {
      f = f * (int) shape[i] + idx[i];
    }
    return f;
  }

  /** Random INT64 values in [lo, hi). */
  static TensorData randLongs(SplittableRandom r, long lo, long hi, long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    long[] v = new long[(int) n];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextLong(lo, hi);
    }
    return TensorData.ofLongs(shape, v);
  }

  /** Asserts shape and values within an absolute tolerance. */
  static void assertClose(long[] shape, double[] expected, Out actual, double tol) {
    assertArrayEquals(shape, actual.shape(), "shape");
    assertEquals(expected.length, actual.values().length, "element count");
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual.values()[i];
      if (!(Math.abs(e - a) <= tol)) {
        throw new AssertionError("element " + i + " (index " + java.util.Arrays.toString(
            unravel(i, shape)) + "): expected " + e + " but got " + a + " (tolerance " + tol
            + ")");
      }
    }
  }

  /** Shorthand for a map of feeds. */
  static Map<Tensor, TensorData> feeds(List<Tensor> ts, TensorData... values) {
    Map<Tensor, TensorData> m = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      m.put(ts.get(i), values[i]);
    }
    return m;
  }

  /** Declares one input per value (named x0, x1, ...) of the value's dtype and shape. */
  static List<Tensor> inputs(Graph g, TensorData... values) {
    List<Tensor> out = new java.util.ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      out.add(g.input("x" + i, values[i].dtype(), Shape.of(values[i].shape())));
    }
    return out;
  }

  /** Builds {@code f(inputs)} in a fresh graph of the values' float type and runs it. */
  static Out eval(java.util.function.Function<List<Tensor>, Tensor> f, TensorData... values) {
    DType ft = DType.FLOAT64;
    for (TensorData v : values) {
      if (v.dtype() == DType.FLOAT32) {
        ft = DType.FLOAT32;
      }
    }
    Graph g = new Graph("eval", ft);
    List<Tensor> in = inputs(g, values);
    return run1(f.apply(in), feeds(in, values));
  }
}
