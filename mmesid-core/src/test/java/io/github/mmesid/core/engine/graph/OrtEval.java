package io.github.mmesid.core.engine.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.mmesid.core.engine.check.GradientChecker;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test helper: exports part of a graph, runs it once through ONNX Runtime (CPU) and returns every
 * output as doubles with its shape, so forward values can be compared with plain-Java references.
 */
final class OrtEval {
  private OrtEval() {}

  /** One output value: its run-time shape and its elements as doubles (row-major). */
  record Value(long[] shape, double[] values) {
    double get(int i) {
      return values[i];
    }
  }

  /**
   * Runs the graph.
   *
   * @param g the graph
   * @param outputs output name to tensor
   * @param feeds values of every exported input (inputs, parameters, random sources) by name
   * @return output name to value
   */
  static Map<String, Value> run(Graph g, Map<String, Tensor> outputs,
      Map<String, TensorData> feeds) {
    ExportedGraph e = OnnxExporter.export(g, new LinkedHashMap<>(outputs));
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> in = new HashMap<>();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      try (OrtSession s = env.createSession(e.toByteArray(), so)) {
        for (ValueSpec v : e.inputs()) {
          TensorData d = feeds.get(v.name());
          if (d == null) {
            d = e.externalValues().get(v.name());
          }
          assertTrue(d != null, "no value fed for input " + v.name());
          in.put(v.name(), toOnnx(env, d));
        }
        Map<String, Value> out = new LinkedHashMap<>();
        try (OrtSession.Result r = s.run(in)) {
          for (Map.Entry<String, OnnxValue> en : r) {
            OnnxTensor t = (OnnxTensor) en.getValue();
            out.put(en.getKey(), new Value(t.getInfo().getShape(), toDoubles(t)));
          }
        }
        return out;
      }
    } catch (OrtException ex) {
      throw new IllegalStateException("ONNX Runtime failed: " + ex.getMessage(), ex);
    } finally {
      for (OnnxTensor t : in.values()) {
        t.close();
      }
    }
  }

  /** Runs a single output named "y". */
  static Value run1(Graph g, Tensor y, Map<String, TensorData> feeds) {
    return run(g, Map.of("y", y), feeds).get("y");
  }

  /** Declares inputs x0, x1, ... with the values' dtypes and static shapes. */
  static List<Tensor> declare(Graph g, TensorData... values) {
    List<Tensor> in = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      in.add(g.input("x" + i, values[i].dtype(), Shape.of(values[i].shape())));
    }
    return in;
  }

  private static Map<String, TensorData> feeds(TensorData... values) {
    Map<String, TensorData> f = new HashMap<>();
    for (int i = 0; i < values.length; i++) {
      f.put("x" + i, values[i]);
    }
    return f;
  }

  private static DType floatTypeOf(TensorData... values) {
    for (TensorData v : values) {
      if (v.dtype() == DType.FLOAT32) {
        return DType.FLOAT32;
      }
    }
    return DType.FLOAT64;
  }

  /** Runs a recipe forward on the values (inputs x0, x1, ...). */
  static Value forward(GradientChecker.Recipe recipe, TensorData... values) {
    Graph g = new Graph("fwd", floatTypeOf(values));
    Tensor y = recipe.build(g, declare(g, values));
    return run1(g, y, feeds(values));
  }

  /**
   * Gradients of {@code sum(recipe(x))} with respect to every floating-point input, in input
   * order (null entries for integer inputs).
   */
  static List<Value> gradients(GradientChecker.Recipe recipe, TensorData... values) {
    Graph g = new Graph("grad", floatTypeOf(values));
    List<Tensor> in = declare(g, values);
    Tensor loss = recipe.build(g, in).sum(false);
    List<Tensor> wrt = new ArrayList<>();
    for (Tensor t : in) {
      if (t.dtype().isFloatingPoint()) {
        wrt.add(t);
      }
    }
    List<Tensor> grads = Autodiff.gradientList(loss, wrt);
    Map<String, Tensor> outs = new LinkedHashMap<>();
    for (int i = 0; i < grads.size(); i++) {
      outs.put("g" + i, grads.get(i));
    }
    Map<String, Value> res = run(g, outs, feeds(values));
    List<Value> out = new ArrayList<>();
    int k = 0;
    for (Tensor t : in) {
      out.add(t.dtype().isFloatingPoint() ? res.get("g" + k++) : null);
    }
    return out;
  }

  private static OnnxTensor toOnnx(OrtEnvironment env, TensorData d) throws OrtException {
    ByteBuffer src = d.bytes();
    ByteBuffer b = ByteBuffer.allocateDirect((int) d.byteSize()).order(ByteOrder.nativeOrder());
    switch (d.dtype()) {
      case FLOAT32: {
        FloatBuffer fb = b.asFloatBuffer();
        fb.put(src.asFloatBuffer());
        fb.rewind();
        return OnnxTensor.createTensor(env, fb, d.shape());
      }
      case FLOAT64: {
        DoubleBuffer db = b.asDoubleBuffer();
        db.put(src.asDoubleBuffer());
        db.rewind();
        return OnnxTensor.createTensor(env, db, d.shape());
      }
      case INT64: {
        LongBuffer lb = b.asLongBuffer();
        lb.put(src.asLongBuffer());
        lb.rewind();
        return OnnxTensor.createTensor(env, lb, d.shape());
      }
      case INT32: {
        IntBuffer ib = b.asIntBuffer();
        ib.put(src.asIntBuffer());
        ib.rewind();
        return OnnxTensor.createTensor(env, ib, d.shape());
      }
      default:
        throw new IllegalArgumentException(
            "OrtEval feeds FLOAT32, FLOAT64, INT64, INT32; got " + d);
    }
  }

  private static double[] toDoubles(OnnxTensor t) {
    switch (t.getInfo().type) {
      case FLOAT: {
        FloatBuffer fb = t.getFloatBuffer();
        double[] out = new double[fb.remaining()];
        for (int i = 0; i < out.length; i++) {
          out[i] = fb.get(i);
        }
        return out;
      }
      case DOUBLE: {
        DoubleBuffer db = t.getDoubleBuffer();
        double[] out = new double[db.remaining()];
        db.get(out);
        return out;
      }
      case INT64: {
        LongBuffer lb = t.getLongBuffer();
        double[] out = new double[lb.remaining()];
        for (int i = 0; i < out.length; i++) {
          out[i] = lb.get(i);
        }
        return out;
      }
      case BOOL: {
        ByteBuffer bb = t.getByteBuffer();
        double[] out = new double[bb.remaining()];
        for (int i = 0; i < out.length; i++) {
          out[i] = bb.get(i) != 0 ? 1 : 0;
        }
        return out;
      }
      default:
        throw new IllegalArgumentException("OrtEval does not read " + t.getInfo().type);
    }
  }

  /** Asserts elementwise closeness: {@code |a - e| <= atol + rtol * |e|}, with shape check. */
  static void assertClose(double[] expected, Value actual, double atol, double rtol) {
    assertEquals(expected.length, actual.values().length, "element count");
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual.values()[i];
      boolean ok = Double.isNaN(e) ? Double.isNaN(a)
          : Math.abs(a - e) <= atol + rtol * Math.abs(e);
      final int idx = i;
      assertTrue(ok, () -> "element " + idx + ": expected " + e + " got " + a);
    }
  }

  /** Asserts the run-time shape. */
  static void assertShape(Value v, long... shape) {
    assertArrayEquals(shape, v.shape(), "shape");
  }
}
