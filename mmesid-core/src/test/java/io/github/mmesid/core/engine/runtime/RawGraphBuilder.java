package io.github.mmesid.core.engine.runtime;

import io.github.mmesid.core.engine.graph.DType;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.List;

/**
 * Test helper that assembles small ONNX graphs directly from {@code OnnxMl} protobufs, without
 * the SDK's graph DSL. A dimension of {@code -1} becomes a symbolic dimension named {@code
 * <value>_d<axis>}.
 */
final class RawGraphBuilder {
  static final int OPSET = 17;
  static final long IR_VERSION = 8;

  private final GraphProto.Builder graph;
  private int nodeCount;

  RawGraphBuilder(String name) {
    this.graph = GraphProto.newBuilder().setName(name);
  }

  static ValueInfoProto valueInfo(String name, DType dtype, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (int i = 0; i < dims.length; i++) {
      TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
      if (dims[i] < 0) {
        d.setDimParam(name + "_d" + i);
      } else {
        d.setDimValue(dims[i]);
      }
      shape.addDim(d);
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(dtype.onnxCode()).setShape(shape)))
        .build();
  }

  RawGraphBuilder input(String name, DType dtype, long... dims) {
    graph.addInput(valueInfo(name, dtype, dims));
    return this;
  }

  RawGraphBuilder output(String name, DType dtype, long... dims) {
    graph.addOutput(valueInfo(name, dtype, dims));
    return this;
  }

  RawGraphBuilder initializer(TensorProto tensor) {
    graph.addInitializer(tensor);
    return this;
  }

  /** An initializer whose float data is embedded in the protobuf. */
  RawGraphBuilder constant(String name, float[] values, long... dims) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(DType.FLOAT32.onnxCode());
    for (long d : dims) {
      t.addDims(d);
    }
    for (float v : values) {
      t.addFloatData(v);
    }
    return initializer(t.build());
  }

  RawGraphBuilder node(String opType, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
    NodeProto.Builder n =
        NodeProto.newBuilder().setOpType(opType).setName(opType + "_" + nodeCount++).addAllInput(inputs).addAllOutput(outputs);
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return this;
  }

  static AttributeProto intAttribute(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
  }

  ModelProto build() {
    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("mmesid-runtime-tests")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setGraph(graph)
        .build();
  }

  // ---------------------------------------------------------------- ready-made graphs

  /** z = x + y over FLOAT32[n]. */
  static ModelProto add(long n) {
    return new RawGraphBuilder("add")
        .input("x", DType.FLOAT32, n)
        .input("y", DType.FLOAT32, n)
        .node("Add", List.of("x", "y"), List.of("z"))
        .output("z", DType.FLOAT32, n)
        .build();
  }

  /** c = a @ b with a FLOAT32[m, k], b FLOAT32[k, n]; -1 dims are dynamic. */
  static ModelProto matMul(long m, long k, long n) {
    return new RawGraphBuilder("matmul")
        .input("a", DType.FLOAT32, m, k)
        .input("b", DType.FLOAT32, k, n)
        .node("MatMul", List.of("a", "b"), List.of("c"))
        .output("c", DType.FLOAT32, m, n)
        .build();
  }
}
