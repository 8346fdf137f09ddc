package io.github.mmesid.benchmarks;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/** Tiny raw-protobuf ONNX graphs used by the runtime benchmarks (no DSL involved). */
final class BenchmarkGraphs {
  private static final int FLOAT = 1;

  private BenchmarkGraphs() {}

  private static ValueInfoProto floatValue(String name, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(shape)))
        .build();
  }

  private static ModelProto binary(String op, String graphName, long[] a, long[] b, long[] out) {
    GraphProto graph =
        GraphProto.newBuilder()
            .setName(graphName)
            .addInput(floatValue("a", a))
            .addInput(floatValue("b", b))
            .addNode(NodeProto.newBuilder().setOpType(op).setName(op).addInput("a").addInput("b").addOutput("c"))
            .addOutput(floatValue("c", out))
            .build();
    return ModelProto.newBuilder()
        .setIrVersion(8)
        .setProducerName("mmesid-benchmarks")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17))
        .setGraph(graph)
        .build();
  }

  /** c = a @ b for square FLOAT32[n, n] matrices. */
  static ModelProto squareMatMul(long n) {
    long[] s = {n, n};
    return binary("MatMul", "matmul" + n, s, s, s);
  }

  /** c = a + b over FLOAT32[n]. */
  static ModelProto add(long n) {
    long[] s = {n};
    return binary("Add", "add" + n, s, s, s);
  }
}
