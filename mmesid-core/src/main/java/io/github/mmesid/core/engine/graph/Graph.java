package io.github.mmesid.core.engine.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A computation graph under construction: sources (inputs, parameters, frozen weights, constants,
 * the noise key) and nodes in topological (creation) order. Build it on one thread; export it with
 * {@link OnnxExporter}, differentiate it with {@link Autodiff}.
 *
 * <p>The graph's {@linkplain #floatType() float type} is the dtype that model code should use for
 * its activations, so the same recipe builds a float32 model for training and a float64 one for
 * gradient checks.
 */
public final class Graph {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:/\\-]*");

  private final String name;
  private final DType floatType;
  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, Tensor> byName = new HashMap<>();
  private final Map<String, Tensor> sources = new LinkedHashMap<>();
  private final Map<String, Integer> counters = new HashMap<>();
  private final Map<String, Tensor> scalarCache = new HashMap<>();
  private final java.util.Set<String> noiseStreams = new java.util.HashSet<>();
  private final Map<String, RandomOps.Counters> noiseCounters = new HashMap<>();
  private Tensor noiseRunKey;

  /** The name of the {@linkplain #noiseKey() noise key} input. */
  public static final String NOISE_KEY = "noise_key";

  /**
   * Creates an empty float32 graph.
   *
   * @param name the graph name (used as the ONNX graph name)
   */
  public Graph(String name) {
    this(name, DType.FLOAT32);
  }

  /**
   * Creates an empty graph.
   *
   * @param name the graph name
   * @param floatType FLOAT32 or FLOAT64: the dtype model code uses for real values
   */
  public Graph(String name, DType floatType) {
    if (floatType != DType.FLOAT32 && floatType != DType.FLOAT64) {
      throw new IllegalArgumentException(
          "Graph float type must be FLOAT32 or FLOAT64, got " + floatType);
    }
    this.name = checkName(name);
    this.floatType = floatType;
  }

  /**
   * The graph name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The dtype of real values in this graph.
   *
   * @return FLOAT32 or FLOAT64
   */
  public DType floatType() {
    return floatType;
  }

  private static String checkName(String n) {
    if (n == null || !NAME.matcher(n).matches()) {
      throw new IllegalArgumentException(
          "Invalid name '" + n + "': names must match " + NAME.pattern());
    }
    return n;
  }

  private Tensor registerSource(String n, DType dtype, Shape shape, Tensor.Kind kind,
      TensorData data) {
    checkName(n);
    if (byName.containsKey(n)) {
      throw new IllegalArgumentException("Duplicate tensor name '" + n + "' in graph " + name);
    }
    Tensor t = new Tensor(this, n, dtype, shape, kind, null, data);
    byName.put(n, t);
    sources.put(n, t);
    return t;
  }

  /**
   * Declares a run-time input.
   *
   * @param n unique name
   * @param dtype element type
   * @param shape shape, symbolic dimensions allowed
   * @return the input tensor
   */
  public Tensor input(String n, DType dtype, Shape shape) {
    return registerSource(n, dtype, shape, Tensor.Kind.INPUT, null);
  }

  /**
   * Declares a trainable parameter with its initial value.
   *
   * @param n unique name (e.g. {@code "encoder.0.weight"})
   * @param init initial value; its dtype and shape define the parameter
   * @return the parameter tensor
   */
  public Tensor parameter(String n, TensorData init) {
    return registerSource(n, init.dtype(), Shape.of(init.shape()), Tensor.Kind.PARAMETER, init);
  }

  /**
   * Declares a frozen (non-trainable) weight.
   *
   * @param n unique name
   * @param value the value
   * @return the tensor
   */
  public Tensor frozen(String n, TensorData value) {
    return registerSource(n, value.dtype(), Shape.of(value.shape()), Tensor.Kind.FROZEN, value);
  }

  /**
   * The graph's noise key: an INT64 scalar source named {@value #NOISE_KEY} of kind {@link
   * Tensor.Kind#NOISE_KEY}, declared on first use. In-graph random numbers ({@link RandomOps},
   * {@link NnOps#dropout(Tensor, double, String)}) are functions of it and of their stream name,
   * so a run only feeds this scalar; the trainer sets it from (seed, update, micro-batch).
   *
   * @return the key tensor
   */
  public Tensor noiseKey() {
    Tensor k = byName.get(NOISE_KEY);
    if (k == null) {
      k = registerSource(NOISE_KEY, DType.INT64, Shape.SCALAR, Tensor.Kind.NOISE_KEY, null);
    } else if (k.kind() != Tensor.Kind.NOISE_KEY) {
      throw new IllegalArgumentException("The name '" + NOISE_KEY + "' is reserved for the noise "
          + "key of in-graph random numbers, but graph " + name + " already has " + k);
    }
    return k;
  }

  /** Registers a random stream name; names are unique per graph. */
  void claimNoiseStream(String stream) {
    checkName(stream);
    if (!noiseStreams.add(stream)) {
      throw new IllegalArgumentException("Duplicate random stream name '" + stream
          + "' in graph " + name + "; every dropout or noise site needs its own name");
    }
  }

  /** The generator key of {@link RandomOps}, made from the noise key once per graph. */
  Tensor noiseRunKey() {
    if (noiseRunKey == null) {
      noiseRunKey = RandomOps.buildRunKey(this);
    }
    return noiseRunKey;
  }

  /**
   * The counters of {@link RandomOps} for a tensor's size, shared between tensors of equal shape
   * when every dimension is known or named.
   */
  RandomOps.Counters noiseCounters(Tensor like, int lanes) {
    boolean shareable = true;
    for (Dim d : like.shape().dims()) {
      shareable &= d.isKnown() || !d.symbol().startsWith("?");
    }
    if (!shareable) {
      return RandomOps.buildCounters(like, lanes);
    }
    return noiseCounters.computeIfAbsent(lanes + ":" + like.shape(),
        k -> RandomOps.buildCounters(like, lanes));
  }

  /**
   * Adds a constant embedded in the model.
   *
   * @param value the value
   * @return the tensor
   */
  public Tensor constant(TensorData value) {
    return registerSource(fresh("const"), value.dtype(), Shape.of(value.shape()),
        Tensor.Kind.CONSTANT, value);
  }

  /**
   * A scalar constant of the given dtype (cached: the same value and dtype give the same tensor).
   *
   * @param v the value
   * @param dtype element type
   * @return the rank-0 tensor
   */
  public Tensor scalar(double v, DType dtype) {
    String key = dtype + ":" + Double.doubleToLongBits(v);
    Tensor t = scalarCache.get(key);
    if (t == null) {
      TensorData d;
      switch (dtype) {
        case FLOAT32:
          d = TensorData.ofFloats(new long[0], (float) v);
          break;
        case FLOAT64:
          d = TensorData.ofDoubles(new long[0], v);
          break;
        case INT64:
          d = TensorData.ofLongs(new long[0], (long) v);
          break;
        case INT32:
          d = TensorData.ofInts(new long[0], (int) v);
          break;
        case BOOL:
          d = TensorData.ofBooleans(new long[0], v != 0);
          break;
        default:
          throw new IllegalArgumentException(
              "Scalar constants support FLOAT32, FLOAT64, INT64, INT32, BOOL; got " + dtype);
      }
      t = constant(d);
      scalarCache.put(key, t);
    }
    return t;
  }

  /**
   * A scalar constant with the dtype of {@code like}.
   *
   * @param v the value
   * @param like tensor whose dtype to use
   * @return the rank-0 tensor
   */
  public Tensor scalarLike(double v, Tensor like) {
    return scalar(v, like.dtype());
  }

  /**
   * A 1-D int64 constant (axes, shapes, indices for shape ops).
   *
   * @param values the values
   * @return the tensor of shape {@code [values.length]}
   */
  public Tensor int64s(long... values) {
    return constant(TensorData.ofLongs(new long[] {values.length}, values));
  }

  /**
   * Adds a node. Op implementations call this; model code uses the op methods instead.
   *
   * @param opType ONNX op type
   * @param inputs inputs (null entries for omitted optional inputs)
   * @param attributes attributes (see {@link Node})
   * @param outTypes dtype of each output
   * @param outShapes shape of each output
   * @param vjp node-specific gradient rule, or null to use the op type's registered rule
   * @return the node, whose outputs are registered in this graph
   */
  public Node addNode(String opType, List<Tensor> inputs, Map<String, Object> attributes,
      DType[] outTypes, Shape[] outShapes, Vjp vjp) {
    if (outTypes.length != outShapes.length) {
      throw new IllegalArgumentException("outTypes and outShapes differ in length");
    }
    for (Tensor t : inputs) {
      if (t != null && t.graph() != this) {
        throw new IllegalArgumentException(
            "Input " + t.name() + " of " + opType + " belongs to graph " + t.graph().name()
                + ", not " + name);
      }
    }
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      Object v = e.getValue();
      if (!(v instanceof Long || v instanceof Double || v instanceof String || v instanceof long[]
          || v instanceof double[] || v instanceof String[] || v instanceof TensorData)) {
        throw new IllegalArgumentException("Attribute " + e.getKey() + " of " + opType
            + " has unsupported type " + (v == null ? "null" : v.getClass().getSimpleName())
            + "; allowed: Long, Double, String, long[], double[], String[], TensorData");
      }
    }
    String nodeName = fresh(opType);
    Node node = new Node(this, nodeName, opType, inputs, attributes, vjp);
    for (int i = 0; i < outTypes.length; i++) {
      String outName = outTypes.length == 1 ? nodeName : nodeName + "_" + i;
      Tensor t = new Tensor(this, outName, outTypes[i], outShapes[i], Tensor.Kind.COMPUTED, node,
          null);
      byName.put(outName, t);
      node.addOutput(t);
    }
    nodes.add(node);
    return node;
  }

  /**
   * Adds a single-output node with the registered gradient rule.
   *
   * @param opType ONNX op type
   * @param inputs inputs
   * @param attributes attributes
   * @param outType output dtype
   * @param outShape output shape
   * @return the output tensor
   */
  public Tensor apply(String opType, List<Tensor> inputs, Map<String, Object> attributes,
      DType outType, Shape outShape) {
    return addNode(opType, inputs, attributes, new DType[] {outType}, new Shape[] {outShape}, null)
        .output(0);
  }

  String fresh(String prefix) {
    String n;
    do {
      int c = counters.merge(prefix, 1, Integer::sum);
      n = prefix + "_" + c;
    } while (byName.containsKey(n));
    return n;
  }

  /**
   * Nodes in topological order.
   *
   * @return an unmodifiable view
   */
  public List<Node> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  /**
   * Number of nodes so far.
   *
   * @return the count
   */
  public int nodeCount() {
    return nodes.size();
  }

  /**
   * Sources (inputs, parameters, frozen weights, constants, the noise key) in declaration order.
   *
   * @return an unmodifiable view
   */
  public List<Tensor> sources() {
    return List.copyOf(sources.values());
  }

  /**
   * Sources of one kind in declaration order.
   *
   * @param kind the kind
   * @return a new list
   */
  public List<Tensor> sources(Tensor.Kind kind) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : sources.values()) {
      if (t.kind() == kind) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * The trainable parameters in declaration order.
   *
   * @return a new list
   */
  public List<Tensor> parameters() {
    return sources(Tensor.Kind.PARAMETER);
  }

  /**
   * Looks a tensor up by name.
   *
   * @param n the name
   * @return the tensor
   * @throws IllegalArgumentException if absent, listing the sources
   */
  public Tensor tensor(String n) {
    Tensor t = byName.get(n);
    if (t == null) {
      throw new IllegalArgumentException(
          "Unknown tensor name " + n + ", expected one of " + Arrays.toString(
              sources.keySet().toArray()) + " or a node output");
    }
    return t;
  }

  /**
   * Looks a tensor up by name.
   *
   * @param n the name
   * @return the tensor, or null if no tensor has that name
   */
  public Tensor find(String n) {
    return byName.get(n);
  }

  @Override
  public String toString() {
    return "Graph[" + name + ", " + sources.size() + " sources, " + nodes.size() + " nodes]";
  }
}
