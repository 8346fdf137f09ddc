package io.github.mmesid.core.engine.train;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.ValueSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Generates a graph's random inputs inside the graph, so that on an accelerator uniform noise
 * (e.g. dropout's) is made where it is used instead of being filled on the host and copied
 * across the bus on every step.
 *
 * <p>Each random input {@code r} (uniform in {@code [0, 1)}) is replaced by two small inputs,
 * {@code r.key} (INT64 scalar) and {@code r.shape} (INT64 {@code [rank]}), and nodes computing
 * element {@code i} (row-major) as the 24 high bits of Widynski's counter-based "Squares" generator
 * (four rounds of {@code x = x * x + w} and a 32-bit rotation, over unsigned 64-bit integers) of
 * counter {@code i} and the (odd) key, times {@code 2^-24}. Only {@code Range}, {@code Gather},
 * {@code Mul}, {@code Add}, {@code Div}, {@code Cast} and {@code Reshape} are used, all with CUDA
 * kernels, and integer arithmetic is exact, so every provider computes the same bits ({@link
 * #reference} is the plain-Java equivalent).
 */
final class DeviceNoise {
  /** Suffix of the key input of a random input. */
  static final String KEY = ".key";
  /** Suffix of the shape input of a random input. */
  static final String SHAPE = ".shape";

  private static final int UINT64 = 13;
  private static final int INT64 = 7;

  private DeviceNoise() {}

  /**
   * The generator key of one random input for one micro-batch: the 64-bit seed scrambled (the
   * generator needs keys with irregular bits; small or similar seeds would give correlated
   * streams) and made odd.
   *
   * @param seed e.g. {@code Trainer.mix(seed, step, micro, input)}
   * @return the key
   */
  static long key(long seed) {
    return new SplittableRandom(seed).nextLong() | 1L;
  }

  /**
   * The value the graph computes for element {@code counter} under {@code key} (the reference of
   * the in-graph generator).
   *
   * @param counter the row-major element index
   * @param key the key (odd)
   * @return a float in {@code [0, 1)} with 24 significant bits
   */
  static double reference(long counter, long key) {
    long y = counter * key;
    long z = y + key;
    long x = y;
    x = rotate(x * x + y);
    x = rotate(x * x + z);
    x = rotate(x * x + y);
    long t = x * x + z;
    return (t >>> 40) * 0x1p-24;
  }

  private static long rotate(long x) {
    return (x >>> 32) | (x << 32);
  }

  /**
   * An exported graph with its random inputs generated in the graph: each random input's entry in
   * the input list is replaced by its key and shape inputs (kind RANDOM).
   *
   * @param exported the exported graph
   * @return the rewritten graph
   */
  static ExportedGraph rewrite(ExportedGraph exported) {
    List<ValueSpec> randoms = exported.inputs(Tensor.Kind.RANDOM);
    List<ValueSpec> inputs = new ArrayList<>();
    for (ValueSpec v : exported.inputs()) {
      if (v.kind() == Tensor.Kind.RANDOM) {
        inputs.add(new ValueSpec(v.name() + KEY, DType.INT64, Shape.SCALAR, Tensor.Kind.RANDOM));
        inputs.add(new ValueSpec(v.name() + SHAPE, DType.INT64, Shape.of(v.shape().rank()),
            Tensor.Kind.RANDOM));
      } else {
        inputs.add(v);
      }
    }
    return new ExportedGraph(rewrite(exported.model(), randoms), inputs, exported.outputs(),
        exported.externalValues(), exported.externalAsInitializers());
  }

  /**
   * Replaces the random inputs of a model by in-graph generators.
   *
   * @param model the model
   * @param randoms the random inputs to replace (FLOAT32 or FLOAT64 graph inputs of the model)
   * @return the rewritten model
   * @throws IllegalArgumentException if a random input is not a graph input or not floating
   */
  static OnnxMl.ModelProto rewrite(OnnxMl.ModelProto model, List<ValueSpec> randoms) {
    OnnxMl.GraphProto g = model.getGraph();
    Set<String> replace = new HashSet<>();
    for (ValueSpec v : randoms) {
      if (v.dtype() != DType.FLOAT32 && v.dtype() != DType.FLOAT64) {
        throw new IllegalArgumentException("Random input '" + v.name() + "' is " + v.dtype()
            + "; allowed: FLOAT32, FLOAT64");
      }
      replace.add(v.name());
    }
    OnnxMl.GraphProto.Builder gb = g.toBuilder().clearInput().clearNode();
    for (OnnxMl.ValueInfoProto in : g.getInputList()) {
      if (!replace.remove(in.getName())) {
        gb.addInput(in);
      }
    }
    if (!replace.isEmpty()) {
      throw new IllegalArgumentException("Random inputs " + replace + " are not inputs of graph "
          + g.getName());
    }
    gb.addInitializer(uint64("noise_c.2p32", 1L << 32));
    gb.addInitializer(uint64("noise_c.2p40", 1L << 40));
    gb.addInitializer(int64("noise_c.zero", 0));
    gb.addInitializer(int64("noise_c.one", 1));
    for (ValueSpec v : randoms) {
      addGenerator(gb, v);
    }
    gb.addAllNode(g.getNodeList());
    return model.toBuilder().setGraph(gb).build();
  }

  private static void addGenerator(OnnxMl.GraphProto.Builder gb, ValueSpec v) {
    String r = v.name();
    String p = r + ".noise/";
    int rank = v.shape().rank();
    gb.addInput(valueInfo(r + KEY, INT64, List.of()));
    gb.addInput(valueInfo(r + SHAPE, INT64, List.of((long) rank)));
    List<OnnxMl.NodeProto> nodes = new ArrayList<>();
    String count = "noise_c.one";
    for (int i = 0; i < rank; i++) {
      String idx = p + "axis" + i;
      gb.addInitializer(int64(idx, i));
      String d = p + "dim" + i;
      nodes.add(node("Gather", List.of(r + SHAPE, idx), d));
      String c = p + "count" + i;
      nodes.add(node("Mul", List.of(count, d), c));
      count = c;
    }
    nodes.add(node("Range", List.of("noise_c.zero", count, "noise_c.one"), p + "index"));
    nodes.add(cast(p + "index", p + "ctr", UINT64));
    nodes.add(cast(r + KEY, p + "k", UINT64));
    nodes.add(node("Mul", List.of(p + "ctr", p + "k"), p + "y"));
    nodes.add(node("Add", List.of(p + "y", p + "k"), p + "z"));
    String x = p + "y";
    String[] w = {p + "y", p + "z", p + "y"};
    for (int round = 0; round < 3; round++) {
      String q = p + "r" + round + ".";
      nodes.add(node("Mul", List.of(x, x), q + "sq"));
      nodes.add(node("Add", List.of(q + "sq", w[round]), q + "sum"));
      nodes.add(node("Div", List.of(q + "sum", "noise_c.2p32"), q + "hi"));
      nodes.add(node("Mul", List.of(q + "sum", "noise_c.2p32"), q + "lo"));
      nodes.add(node("Add", List.of(q + "hi", q + "lo"), q + "rot"));
      x = q + "rot";
    }
    nodes.add(node("Mul", List.of(x, x), p + "r3.sq"));
    nodes.add(node("Add", List.of(p + "r3.sq", p + "z"), p + "r3.sum"));
    nodes.add(node("Div", List.of(p + "r3.sum", "noise_c.2p40"), p + "bits"));
    int floatCode = v.dtype().onnxCode();
    nodes.add(cast(p + "bits", p + "bitsf", floatCode));
    String scale = p + "scale";
    gb.addInitializer(v.dtype() == DType.FLOAT64 ? float64(scale, 0x1p-24)
        : float32(scale, 0x1p-24f));
    nodes.add(node("Mul", List.of(p + "bitsf", scale), p + "flat"));
    nodes.add(node("Reshape", List.of(p + "flat", r + SHAPE), r));
    gb.addAllNode(nodes);
  }

  private static OnnxMl.NodeProto node(String op, List<String> ins, String out) {
    return OnnxMl.NodeProto.newBuilder().setName(out + ":" + op).setOpType(op)
        .addAllInput(ins).addOutput(out).build();
  }

  private static OnnxMl.NodeProto cast(String in, String out, int to) {
    return OnnxMl.NodeProto.newBuilder().setName(out + ":Cast").setOpType("Cast").addInput(in)
        .addOutput(out).addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
            .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(to)).build();
  }

  private static OnnxMl.ValueInfoProto valueInfo(String name, int elemType, List<Long> dims) {
    OnnxMl.TensorShapeProto.Builder sp = OnnxMl.TensorShapeProto.newBuilder();
    for (long d : dims) {
      sp.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(sp)))
        .build();
  }

  private static OnnxMl.TensorProto scalar(String name, int type, ByteBuffer b) {
    b.flip();
    return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type)
        .setRawData(ByteString.copyFrom(b)).build();
  }

  private static OnnxMl.TensorProto uint64(String name, long v) {
    return scalar(name, UINT64, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v));
  }

  private static OnnxMl.TensorProto int64(String name, long v) {
    return scalar(name, INT64, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v));
  }

  private static OnnxMl.TensorProto float32(String name, float v) {
    return scalar(name, 1, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v));
  }

  private static OnnxMl.TensorProto float64(String name, double v) {
    return scalar(name, 11, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(v));
  }
}
