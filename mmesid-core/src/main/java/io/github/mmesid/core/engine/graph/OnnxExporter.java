package io.github.mmesid.core.engine.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Exports (a pruned part of) a {@link Graph} as an ONNX {@code ModelProto}: only the nodes needed
 * for the requested outputs are emitted; sources become inputs or initializers according to
 * {@link ExportOptions}.
 */
public final class OnnxExporter {
  /** The ONNX IR version written (ONNX Runtime 1.29 accepts up to 13). */
  public static final long IR_VERSION = 10;

  /** The external-data location written for frozen weights supplied at session creation. */
  public static final String EXTERNAL_LOCATION = "mmesid-supplied-at-compile-time";

  private OnnxExporter() {}

  /**
   * Exports with {@link ExportOptions#training()}.
   *
   * @param graph the graph
   * @param outputs output name to tensor, in output order
   * @return the exported model
   */
  public static ExportedGraph export(Graph graph, Map<String, Tensor> outputs) {
    return export(graph, outputs, ExportOptions.training());
  }

  /**
   * Exports the nodes needed for {@code outputs}.
   *
   * @param graph the graph
   * @param outputs output name to tensor, in output order (a {@link LinkedHashMap} keeps it)
   * @param options export options
   * @return the exported model
   */
  public static ExportedGraph export(Graph graph, Map<String, Tensor> outputs,
      ExportOptions options) {
    return export(graph, outputs, options, Map.of());
  }

  /**
   * Exports the nodes needed for {@code outputs}, with parameter values replaced (e.g. by trained
   * ones) where {@code parameterValues} has an entry; only meaningful with {@link
   * ExportOptions#parametersAsInitializers()}.
   *
   * @param graph the graph
   * @param outputs output name to tensor, in output order
   * @param options export options
   * @param parameterValues parameter name to value (dtype and shape must match the parameter)
   * @return the exported model
   */
  public static ExportedGraph export(Graph graph, Map<String, Tensor> outputs,
      ExportOptions options, Map<String, TensorData> parameterValues) {
    for (Map.Entry<String, TensorData> e : parameterValues.entrySet()) {
      Tensor p = graph.find(e.getKey());
      if (p == null || p.kind() != Tensor.Kind.PARAMETER) {
        throw new IllegalArgumentException("Value given for '" + e.getKey()
            + "', which is not a parameter of graph " + graph.name() + "; parameters: "
            + graph.parameters().stream().map(Tensor::name).toList());
      }
      TensorData v = e.getValue();
      if (v.dtype() != p.dtype() || !java.util.Arrays.equals(v.shape(), p.shape().toArray())) {
        throw new IllegalArgumentException("Value for parameter '" + e.getKey() + "' is "
            + v.dtype() + java.util.Arrays.toString(v.shape()) + ", expected " + p.dtype()
            + p.shape());
      }
    }
    if (outputs.isEmpty()) {
      throw new IllegalArgumentException("Export of graph " + graph.name() + " needs outputs");
    }
    // Which tensors are needed.
    Set<Tensor> needed = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Tensor> stack = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
      Tensor t = e.getValue();
      if (t.graph() != graph) {
        throw new IllegalArgumentException(
            "Output " + e.getKey() + " (" + t + ") does not belong to graph " + graph.name());
      }
      stack.add(t);
    }
    while (!stack.isEmpty()) {
      Tensor t = stack.remove(stack.size() - 1);
      if (!needed.add(t)) {
        continue;
      }
      if (t.producer() != null) {
        for (Tensor in : t.producer().inputs()) {
          if (in != null) {
            stack.add(in);
          }
        }
      }
    }

    OnnxMl.GraphProto.Builder gp = OnnxMl.GraphProto.newBuilder().setName(graph.name());
    List<ValueSpec> inputs = new ArrayList<>();
    Map<String, TensorData> external = new LinkedHashMap<>();
    for (Tensor s : graph.sources()) {
      if (!needed.contains(s)) {
        continue;
      }
      boolean embed;
      switch (s.kind()) {
        case CONSTANT:
          embed = true;
          break;
        case PARAMETER:
          embed = options.parametersAsInitializers();
          break;
        case FROZEN:
          embed = s.data().byteSize() <= options.maxEmbeddedFrozenBytes();
          if (!embed) {
            external.put(s.name(), s.data());
          }
          break;
        default:
          embed = false;
      }
      if (embed) {
        gp.addInitializer(tensorProto(s.name(), parameterValues.getOrDefault(s.name(), s.data())));
      } else if (external.containsKey(s.name()) && options.externalAsInitializers()) {
        // Declared as external data that the runtime supplies when the session is created
        // (SessionOptions.addExternalInitializers; ORT copies it into the session, so constant
        // folding and pre-packing can use it). The location is a marker ORT never opens.
        OnnxMl.TensorProto.Builder decl = OnnxMl.TensorProto.newBuilder().setName(s.name())
            .setDataType(s.dtype().onnxCode())
            .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
            .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location")
                .setValue(EXTERNAL_LOCATION));
        for (long d : s.data().shape()) {
          decl.addDims(d);
        }
        gp.addInitializer(decl);
      } else {
        gp.addInput(valueInfo(s.name(), s.dtype(), s.shape()));
        inputs.add(new ValueSpec(s.name(), s.dtype(), s.shape(), s.kind()));
      }
    }
    // Outputs are named by renaming the producing node's output where possible (no copy); an
    // Identity is added only for sources and for a tensor requested under several names.
    Map<Tensor, String> rename = new IdentityHashMap<>();
    for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      Tensor clash = graph.find(name);
      if (clash != null && clash != t) {
        throw new IllegalArgumentException("Output name " + name
            + " is already the name of another tensor (" + clash + ") in graph " + graph.name());
      }
      if (t.kind() == Tensor.Kind.COMPUTED && !rename.containsKey(t)) {
        rename.put(t, name);
      }
    }
    for (Node n : graph.nodes()) {
      boolean use = false;
      for (Tensor o : n.outputs()) {
        use |= needed.contains(o);
      }
      if (!use) {
        continue;
      }
      OnnxMl.NodeProto.Builder np = OnnxMl.NodeProto.newBuilder()
          .setName(n.name()).setOpType(n.opType());
      for (Tensor in : n.inputs()) {
        np.addInput(in == null ? "" : rename.getOrDefault(in, in.name()));
      }
      for (Tensor o : n.outputs()) {
        np.addOutput(rename.getOrDefault(o, o.name()));
      }
      for (Map.Entry<String, Object> a : n.attributes().entrySet()) {
        np.addAttribute(attribute(a.getKey(), a.getValue()));
      }
      gp.addNode(np);
    }
    List<ValueSpec> outSpecs = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      String produced = rename.getOrDefault(t, t.name());
      if (!produced.equals(name)) {
        gp.addNode(OnnxMl.NodeProto.newBuilder().setName("out_" + name).setOpType("Identity")
            .addInput(produced).addOutput(name));
      }
      gp.addOutput(valueInfo(name, t.dtype(), t.shape()));
      outSpecs.add(new ValueSpec(name, t.dtype(), t.shape(), Tensor.Kind.COMPUTED));
    }
    OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("mmesid")
        .setProducerVersion("0.1")
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("")
            .setVersion(options.opset()))
        .setGraph(gp)
        .build();
    return new ExportedGraph(model, inputs, outSpecs, external,
        options.externalAsInitializers());
  }

  static OnnxMl.ValueInfoProto valueInfo(String name, DType dtype, Shape shape) {
    OnnxMl.TensorShapeProto.Builder sp = OnnxMl.TensorShapeProto.newBuilder();
    for (Dim d : shape.dims()) {
      OnnxMl.TensorShapeProto.Dimension.Builder db = OnnxMl.TensorShapeProto.Dimension.newBuilder();
      if (d.isKnown()) {
        db.setDimValue(d.value());
      } else if (!d.symbol().startsWith("?")) {
        db.setDimParam(d.symbol());
      }
      sp.addDim(db);
    }
    return OnnxMl.ValueInfoProto.newBuilder().setName(name)
        .setType(OnnxMl.TypeProto.newBuilder().setTensorType(
            OnnxMl.TypeProto.Tensor.newBuilder().setElemType(dtype.onnxCode()).setShape(sp)))
        .build();
  }

  /**
   * Converts values to an ONNX {@code TensorProto} (raw little-endian data).
   *
   * @param name the tensor name
   * @param data the values
   * @return the proto
   */
  public static OnnxMl.TensorProto tensorProto(String name, TensorData data) {
    OnnxMl.TensorProto.Builder b = OnnxMl.TensorProto.newBuilder().setName(name)
        .setDataType(data.dtype().onnxCode())
        .setRawData(ByteString.copyFrom(data.bytes()));
    for (long d : data.shape()) {
      b.addDims(d);
    }
    return b.build();
  }

  private static OnnxMl.AttributeProto attribute(String name, Object v) {
    OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name);
    if (v instanceof Long) {
      a.setType(OnnxMl.AttributeProto.AttributeType.INT).setI((Long) v);
    } else if (v instanceof Double) {
      a.setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(((Double) v).floatValue());
    } else if (v instanceof String) {
      a.setType(OnnxMl.AttributeProto.AttributeType.STRING)
          .setS(ByteString.copyFrom((String) v, StandardCharsets.UTF_8));
    } else if (v instanceof long[]) {
      a.setType(OnnxMl.AttributeProto.AttributeType.INTS);
      for (long l : (long[]) v) {
        a.addInts(l);
      }
    } else if (v instanceof double[]) {
      a.setType(OnnxMl.AttributeProto.AttributeType.FLOATS);
      for (double d : (double[]) v) {
        a.addFloats((float) d);
      }
    } else if (v instanceof String[]) {
      a.setType(OnnxMl.AttributeProto.AttributeType.STRINGS);
      for (String s : (String[]) v) {
        a.addStrings(ByteString.copyFrom(s, StandardCharsets.UTF_8));
      }
    } else if (v instanceof TensorData) {
      a.setType(OnnxMl.AttributeProto.AttributeType.TENSOR).setT(tensorProto(name,
          (TensorData) v));
    } else {
      throw new IllegalArgumentException("Unsupported attribute type for " + name + ": " + v);
    }
    return a.build();
  }
}
