package io.github.mmesid.core.engine.check;

import ai.onnx.proto.OnnxMl;
import io.github.mmesid.core.engine.graph.Dim;
import io.github.mmesid.core.engine.graph.ExportedGraph;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import io.github.mmesid.core.engine.graph.ValueSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks an ONNX model's nodes against an execution provider's {@link KernelTable}: for each node
 * whether the provider registers a kernel for its (domain, operator, opset) and whether the
 * element types of its inputs and outputs are among those the kernel's type constraints accept.
 *
 * <p>ONNX Runtime silently places a node without a matching kernel on the CPU and copies its
 * tensors across the bus; on a machine without a GPU this audit is how to find such nodes. For
 * example, to check a graph the SDK exports against the CUDA kernels of ONNX Runtime 1.29:
 *
 * <pre>{@code
 * KernelAudit.Report r = KernelAudit.audit(exported.model());
 * if (!r.failures().isEmpty()) {
 *   System.out.println(r.describe());
 * }
 * }</pre>
 *
 * <p>Element types come from the graph's inputs, initializers, outputs and {@code value_info},
 * and are otherwise inferred node by node (outputs take the type of the first typed input unless
 * the operator fixes it, e.g. {@code Shape}, {@code Cast}, comparisons). A node's opset is the
 * model's opset import of its domain; ONNX Runtime matches kernels by the operator schema's
 * since-version, which the kernel ranges are registered at, so the covering range is the same.
 * {@code Constant} nodes need no kernel (ONNX Runtime makes them initializers when it loads the
 * model). Attributes are not checked (a kernel may support only some attribute values), nor are
 * nodes inside subgraphs ({@code If}, {@code Loop}, {@code Scan} bodies). What the check cannot
 * see, ONNX Runtime's own placement (e.g. shape computations it prefers on the CPU), is reported
 * by a profiled GPU run ({@code benchmarks/gpu}).
 */
public final class KernelAudit {
  private KernelAudit() {}

  /** The outcome for one node. */
  public enum Status {
    /** A kernel covers the opset and accepts the element types. */
    OK,
    /** The provider registers no kernel for the operator at this opset. */
    NO_KERNEL,
    /** Kernels exist for the opset, but none accepts these element types. */
    UNSUPPORTED_TYPES,
    /** An input or output's element type could not be determined. */
    UNKNOWN_TYPES
  }

  /**
   * One input or output of a node.
   *
   * @param name the value's name in the model ({@code ""} for an omitted optional input)
   * @param elementType the element type as in {@link KernelTable} (e.g. {@code float}), or null
   *     when unknown
   */
  public record Value(String name, String elementType) {}

  /**
   * The check of one node.
   *
   * @param node the node name
   * @param domain the canonical domain
   * @param opType the operator type
   * @param opset the model's opset of the domain
   * @param inputs the inputs with their element types
   * @param outputs the outputs with their element types
   * @param status the outcome
   * @param detail why the node failed (allowed types, kernel versions), empty when OK
   */
  public record NodeCheck(String node, String domain, String opType, int opset,
      List<Value> inputs, List<Value> outputs, Status status, String detail) {
    /**
     * Copies the lists.
     *
     * @param node see the record description
     * @param domain see the record description
     * @param opType see the record description
     * @param opset see the record description
     * @param inputs see the record description
     * @param outputs see the record description
     * @param status see the record description
     * @param detail see the record description
     */
    public NodeCheck {
      inputs = List.copyOf(inputs);
      outputs = List.copyOf(outputs);
    }

    /**
     * A one-line description: node, operator, opset, types, status and detail.
     *
     * @return the line
     */
    public String describe() {
      return node + " " + opType + "(" + types(inputs) + ") -> (" + types(outputs) + ") opset "
          + opset + ": " + status + (detail.isEmpty() ? "" : " - " + detail);
    }

    private static String types(List<Value> vs) {
      List<String> s = new ArrayList<>();
      for (Value v : vs) {
        s.add(v.name().isEmpty() ? "-" : String.valueOf(v.elementType()));
      }
      return String.join(", ", s);
    }

    /**
     * The bytes ONNX Runtime copies around this node when it runs on the CPU between device
     * nodes: every input to the host and every output back (an upper bound: inputs that are
     * host-resident anyway, e.g. shapes, cost nothing).
     *
     * @param shapes the concrete shape of a value by name (null when unknown)
     * @return the bytes
     * @throws IllegalArgumentException if a value's shape or type is unknown
     */
    public long bytesMoved(Function<String, long[]> shapes) {
      long n = 0;
      for (List<Value> vs : List.of(inputs, outputs)) {
        for (Value v : vs) {
          if (v.name().isEmpty()) {
            continue;
          }
          long[] shape = shapes.apply(v.name());
          if (shape == null || v.elementType() == null) {
            throw new IllegalArgumentException("Shape or type of '" + v.name() + "' (node " + node
                + ") unknown; cannot estimate the bytes " + opType + " moves");
          }
          long numel = 1;
          for (long d : shape) {
            numel *= d;
          }
          n += numel * byteSize(v.elementType());
        }
      }
      return n;
    }
  }

  /**
   * The checks of one model's nodes.
   *
   * @param graph the graph name
   * @param nodes every node's check, in model order
   */
  public record Report(String graph, List<NodeCheck> nodes) {
    /**
     * Copies the list.
     *
     * @param graph see the record description
     * @param nodes see the record description
     */
    public Report {
      nodes = List.copyOf(nodes);
    }

    /**
     * The nodes that are not {@link Status#OK}.
     *
     * @return the failing checks
     */
    public List<NodeCheck> failures() {
      return nodes.stream().filter(c -> c.status() != Status.OK).toList();
    }

    /**
     * The operator types used, with counts.
     *
     * @return op type to count, sorted by op type
     */
    public Map<String, Integer> opCounts() {
      Map<String, Integer> m = new java.util.TreeMap<>();
      for (NodeCheck c : nodes) {
        m.merge(c.opType(), 1, Integer::sum);
      }
      return m;
    }

    /**
     * A multi-line description: the graph, its node count and each failing node.
     *
     * @return the text
     */
    public String describe() {
      StringBuilder sb = new StringBuilder();
      sb.append(graph).append(": ").append(nodes.size()).append(" nodes, ")
          .append(failures().size()).append(" without a kernel");
      for (NodeCheck c : failures()) {
        sb.append("\n  ").append(c.describe());
      }
      return sb.toString();
    }
  }

  /**
   * A documented exception for a test that fails on nodes without a kernel: the nodes of one
   * operator in one graph may lack one, for a stated reason, moving a stated number of bytes per
   * run across the bus at the audited sizes (see {@link NodeCheck#bytesMoved}).
   *
   * @param graph the graph name ({@link Report#graph()})
   * @param opType the operator type
   * @param reason why the nodes stay (e.g. off the hot path, no CUDA alternative)
   * @param bytesPerStep the bytes all these nodes move per run together at the audited sizes
   */
  public record Allowance(String graph, String opType, String reason, long bytesPerStep) {
    /**
     * Validates the fields.
     *
     * @param graph see the record description
     * @param opType see the record description
     * @param reason see the record description
     * @param bytesPerStep see the record description
     */
    public Allowance {
      if (graph == null || graph.isEmpty() || opType == null || opType.isEmpty()) {
        throw new IllegalArgumentException("an allowance names a graph and an op type");
      }
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException("the allowance for " + opType + " in " + graph
            + " needs a reason");
      }
      if (bytesPerStep < 0) {
        throw new IllegalArgumentException("bytesPerStep must be >= 0, got " + bytesPerStep);
      }
    }
  }

  /**
   * What is wrong with a report under an allow-list: each failing node that no allowance covers,
   * each allowance whose nodes move other than its stated bytes, and each allowance for the
   * report's graph that matches no failing node (a stale entry).
   *
   * @param report the audit
   * @param allowances the allow-list (entries of other graphs are ignored)
   * @param shapes concrete shapes by value name at the audited sizes (for the byte figures)
   * @return one message per problem, empty when the report passes
   */
  public static List<String> violations(Report report, List<Allowance> allowances,
      Function<String, long[]> shapes) {
    List<String> out = new ArrayList<>();
    Map<String, Long> bytesByOp = new java.util.LinkedHashMap<>();
    Map<String, Allowance> allowed = new java.util.LinkedHashMap<>();
    for (Allowance a : allowances) {
      if (a.graph().equals(report.graph())) {
        allowed.put(a.opType(), a);
      }
    }
    for (NodeCheck c : report.failures()) {
      if (!allowed.containsKey(c.opType())) {
        out.add(report.graph() + ": " + c.describe());
      } else {
        bytesByOp.merge(c.opType(), c.bytesMoved(shapes), Long::sum);
      }
    }
    for (Allowance a : allowed.values()) {
      Long b = bytesByOp.get(a.opType());
      if (b == null) {
        out.add(report.graph() + ": allowance for " + a.opType()
            + " matches no node without a kernel; remove it");
      } else if (b != a.bytesPerStep()) {
        out.add(report.graph() + ": the " + a.opType() + " nodes move " + b
            + " bytes per run at the audited sizes, the allowance states " + a.bytesPerStep());
      }
    }
    return out;
  }

  /**
   * Concrete shapes of an exported graph's values from the {@link Graph} it was exported from,
   * with its named symbolic dimensions bound (for {@link NodeCheck#bytesMoved}).
   *
   * @param graph the graph
   * @param exported its export (for outputs renamed on export)
   * @param dims values of the symbolic dimensions, e.g. {@code B -> 4}
   * @return name to shape, null for a value the graph does not know or with an unbound dimension
   */
  public static Function<String, long[]> shapes(Graph graph, ExportedGraph exported,
      Map<String, Long> dims) {
    Map<String, Shape> renamed = new HashMap<>();
    for (ValueSpec v : exported.outputs()) {
      renamed.put(v.name(), v.shape());
    }
    return name -> {
      Tensor t = graph.find(name);
      Shape s = t != null ? t.shape() : renamed.get(name);
      if (s == null) {
        return null;
      }
      long[] out = new long[s.rank()];
      for (int i = 0; i < out.length; i++) {
        Dim d = s.dim(i);
        Long v = d.isKnown() ? Long.valueOf(d.value()) : dims.get(d.symbol());
        if (v == null) {
          return null;
        }
        out[i] = v;
      }
      return out;
    };
  }

  /**
   * Audits a model against the CUDA kernels of ONNX Runtime 1.29 ({@link
   * KernelTable#onnxRuntimeCuda()}).
   *
   * @param model the model
   * @return the report
   */
  public static Report audit(OnnxMl.ModelProto model) {
    return audit(model, KernelTable.onnxRuntimeCuda());
  }

  /**
   * Audits a model against a kernel table.
   *
   * @param model the model
   * @param table the provider's kernels
   * @return the report
   * @throws IllegalArgumentException if a node's domain has no opset import
   */
  public static Report audit(OnnxMl.ModelProto model, KernelTable table) {
    Map<String, Integer> opsets = new HashMap<>();
    for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
      opsets.put(KernelTable.canonicalDomain(o.getDomain()), (int) o.getVersion());
    }
    OnnxMl.GraphProto g = model.getGraph();
    Map<String, String> declared = new HashMap<>();
    for (OnnxMl.ValueInfoProto v : g.getInputList()) {
      putType(declared, v);
    }
    for (OnnxMl.TensorProto t : g.getInitializerList()) {
      declared.put(t.getName(), typeName(t.getDataType()));
    }
    for (OnnxMl.ValueInfoProto v : g.getValueInfoList()) {
      putType(declared, v);
    }
    for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
      putType(declared, v);
    }
    Map<String, String> types = new HashMap<>(declared);
    List<NodeCheck> checks = new ArrayList<>();
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      String domain = KernelTable.canonicalDomain(n.getDomain());
      Integer opset = opsets.get(domain);
      if (opset == null) {
        throw new IllegalArgumentException("Node " + n.getName() + " (" + n.getOpType()
            + ") is in domain " + domain + ", which the model does not import; imported: "
            + opsets.keySet());
      }
      List<Value> ins = new ArrayList<>();
      for (String in : n.getInputList()) {
        ins.add(new Value(in, in.isEmpty() ? null : types.get(in)));
      }
      List<String> inferred = inferOutputs(n, ins);
      List<Value> outs = new ArrayList<>();
      for (int i = 0; i < n.getOutputCount(); i++) {
        String name = n.getOutput(i);
        String t = declared.getOrDefault(name, i < inferred.size() ? inferred.get(i) : null);
        if (!name.isEmpty() && t != null) {
          types.put(name, t);
        }
        outs.add(new Value(name, name.isEmpty() ? null : t));
      }
      checks.add(check(table, n.getName(), domain, n.getOpType(), opset, ins, outs));
    }
    return new Report(g.getName(), checks);
  }

  private static void putType(Map<String, String> m, OnnxMl.ValueInfoProto v) {
    if (v.hasType() && v.getType().hasTensorType()
        && v.getType().getTensorType().getElemType() != 0) {
      m.put(v.getName(), typeName(v.getType().getTensorType().getElemType()));
    }
  }

  private static NodeCheck check(KernelTable table, String node, String domain, String op,
      int opset, List<Value> ins, List<Value> outs) {
    if (domain.equals(KernelTable.DEFAULT_DOMAIN) && op.equals("Constant")) {
      // ONNX Runtime turns Constant nodes into initializers when it loads the model
      return new NodeCheck(node, domain, op, opset, ins, outs, Status.OK, "");
    }
    List<KernelTable.Kernel> all = table.kernels(domain, op);
    List<KernelTable.Kernel> covering = table.kernels(domain, op, opset);
    if (covering.isEmpty()) {
      List<String> versions = new ArrayList<>();
      all.forEach(k -> versions.add(k.versions()));
      return new NodeCheck(node, domain, op, opset, ins, outs, Status.NO_KERNEL,
          all.isEmpty() ? "no kernel for " + domain + "." + op
              : "kernels only for opsets " + versions);
    }
    for (List<Value> vs : List.of(ins, outs)) {
      for (Value v : vs) {
        if (!v.name().isEmpty() && v.elementType() == null) {
          return new NodeCheck(node, domain, op, opset, ins, outs, Status.UNKNOWN_TYPES,
              "element type of '" + v.name() + "' unknown");
        }
      }
    }
    List<String> rejected = new ArrayList<>();
    for (KernelTable.Kernel k : covering) {
      List<KernelTable.Signature> sigs = k.signatures().isEmpty()
          ? List.of(new KernelTable.Signature(List.of(), List.of())) : k.signatures();
      for (KernelTable.Signature s : sigs) {
        String why = mismatch(k, s, ins, outs);
        if (why == null) {
          return new NodeCheck(node, domain, op, opset, ins, outs, Status.OK, "");
        }
        rejected.add(why);
      }
    }
    return new NodeCheck(node, domain, op, opset, ins, outs, Status.UNSUPPORTED_TYPES,
        String.join("; ", new java.util.LinkedHashSet<>(rejected)));
  }

  /** Why a signature rejects the node's types, or null when it accepts them. */
  private static String mismatch(KernelTable.Kernel k, KernelTable.Signature s, List<Value> ins,
      List<Value> outs) {
    String w = mismatch(k, s.inputs(), ins);
    return w != null ? w : mismatch(k, s.outputs(), outs);
  }

  private static String mismatch(KernelTable.Kernel k, List<KernelTable.Formal> formals,
      List<Value> actual) {
    if (formals.isEmpty()) {
      return null; // signature not documented: the constraints cannot be bound
    }
    for (int i = 0; i < actual.size(); i++) {
      Value v = actual.get(i);
      if (v.name().isEmpty()) {
        continue;
      }
      KernelTable.Formal f = formals.get(Math.min(i, formals.size() - 1));
      if (f.isFixed()) {
        if (!f.fixedElementType().equals(v.elementType())) {
          return f.name() + " is " + f.fixedElementType() + ", got " + v.elementType();
        }
        continue;
      }
      Set<String> allowed = k.constraints().get(f.type());
      if (allowed != null && !allowed.contains(v.elementType())) {
        return f.name() + ":" + f.type() + " allows " + allowed + " (opsets " + k.versions()
            + "), got " + v.elementType();
      }
    }
    return null;
  }

  /** Output element types of a node whose outputs the graph does not declare. */
  private static List<String> inferOutputs(OnnxMl.NodeProto n, List<Value> ins) {
    String first = null;
    for (Value v : ins) {
      if (v.elementType() != null) {
        first = v.elementType();
        break;
      }
    }
    String op = n.getOpType();
    int k = n.getOutputCount();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      out.add(first);
    }
    switch (op) {
      case "Shape", "Size", "ArgMax", "ArgMin", "NonZero" -> out.replaceAll(x -> "int64");
      case "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "And", "Or",
          "Xor", "IsNaN", "IsInf" -> out.replaceAll(x -> "bool");
      case "Cast" -> out.replaceAll(x -> typeName((int) attrInt(n, "to", 0)));
      case "CastLike" -> out.replaceAll(x -> type(ins, 1));
      case "Where" -> out.replaceAll(x -> type(ins, 1));
      case "OneHot" -> out.replaceAll(x -> type(ins, 2));
      case "Constant", "ConstantOfShape" -> out.replaceAll(x -> constantType(n));
      case "TopK", "MaxPool" -> {
        if (k > 1) {
          out.set(1, "int64");
        }
      }
      case "Dropout" -> {
        if (k > 1) {
          out.set(1, "bool");
        }
      }
      case "LayerNormalization" -> {
        for (int i = 1; i < k; i++) {
          out.set(i, typeName((int) attrInt(n, "stash_type", 1)));
        }
      }
      case "EyeLike", "RandomNormalLike", "RandomUniformLike" -> {
        if (hasAttr(n, "dtype")) {
          out.replaceAll(x -> typeName((int) attrInt(n, "dtype", 1)));
        }
      }
      case "RandomNormal", "RandomUniform" ->
          out.replaceAll(x -> typeName((int) attrInt(n, "dtype", 1)));
      default -> {
        // outputs take the type of the first typed input
      }
    }
    return out;
  }

  private static String type(List<Value> ins, int i) {
    return i < ins.size() ? ins.get(i).elementType() : null;
  }

  private static String constantType(OnnxMl.NodeProto n) {
    for (OnnxMl.AttributeProto a : n.getAttributeList()) {
      switch (a.getName()) {
        case "value":
          return typeName(a.getT().getDataType());
        case "value_float":
        case "value_floats":
          return "float";
        case "value_int":
        case "value_ints":
          return "int64";
        case "value_string":
        case "value_strings":
          return "string";
        default:
          break;
      }
    }
    return n.getOpType().equals("ConstantOfShape") ? "float" : null;
  }

  private static boolean hasAttr(OnnxMl.NodeProto n, String name) {
    return n.getAttributeList().stream().anyMatch(a -> a.getName().equals(name));
  }

  private static long attrInt(OnnxMl.NodeProto n, String name, long dflt) {
    for (OnnxMl.AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getI();
      }
    }
    return dflt;
  }

  private static final String[] TYPE_NAMES = {null, "float", "uint8", "int8", "uint16", "int16",
      "int32", "int64", "string", "bool", "float16", "double", "uint32", "uint64", "complex64",
      "complex128", "bfloat16", "float8e4m3fn", "float8e4m3fnuz", "float8e5m2", "float8e5m2fnuz",
      "uint4", "int4", "float4e2m1"};

  /**
   * The element type name of an ONNX {@code TensorProto.DataType} code, as in {@link
   * KernelTable}.
   *
   * @param code the code
   * @return the name, or null for an unknown code
   */
  public static String typeName(int code) {
    return code > 0 && code < TYPE_NAMES.length ? TYPE_NAMES[code] : null;
  }

  /**
   * Bytes per element of a type name.
   *
   * @param type the name, e.g. {@code float}
   * @return the size (sub-byte types count as one byte)
   * @throws IllegalArgumentException for strings, sequences and unknown names
   */
  public static int byteSize(String type) {
    return switch (type) {
      case "double", "int64", "uint64", "complex64" -> 8;
      case "float", "int32", "uint32" -> 4;
      case "float16", "bfloat16", "int16", "uint16" -> 2;
      case "bool", "int8", "uint8", "float8e4m3fn", "float8e4m3fnuz", "float8e5m2",
          "float8e5m2fnuz", "uint4", "int4", "float4e2m1" -> 1;
      case "complex128" -> 16;
      default -> throw new IllegalArgumentException("No fixed element size for type " + type);
    };
  }
}
