package io.github.mmesid.core.engine.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX operator application in a {@link Graph}: op type, inputs (an entry may be null for an
 * omitted optional input), outputs and attributes. Attribute values are {@link Long}, {@link
 * Double}, {@link String}, {@code long[]}, {@code double[]}, {@code String[]} or {@link
 * TensorData}.
 */
public final class Node {
  private final Graph graph;
  private final String name;
  private final String opType;
  private final List<Tensor> inputs;
  private final List<Tensor> outputs = new ArrayList<>();
  private final Map<String, Object> attributes;
  private final Vjp vjp;

  Node(Graph graph, String name, String opType, List<Tensor> inputs, Map<String, Object> attributes,
      Vjp vjp) {
    this.graph = graph;
    this.name = name;
    this.opType = opType;
    this.inputs = Collections.unmodifiableList(new ArrayList<>(inputs));
    this.attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    this.vjp = vjp;
  }

  void addOutput(Tensor t) {
    outputs.add(t);
  }

  /**
   * The graph this node belongs to.
   *
   * @return the graph
   */
  public Graph graph() {
    return graph;
  }

  /**
   * The unique node name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The ONNX operator type, e.g. {@code "MatMul"}.
   *
   * @return the op type
   */
  public String opType() {
    return opType;
  }

  /**
   * The inputs; an entry is null for an omitted optional input.
   *
   * @return an unmodifiable list
   */
  public List<Tensor> inputs() {
    return inputs;
  }

  /**
   * One input.
   *
   * @param i index
   * @return the input tensor (may be null for an omitted optional input)
   */
  public Tensor input(int i) {
    return inputs.get(i);
  }

  /**
   * The outputs.
   *
   * @return an unmodifiable view
   */
  public List<Tensor> outputs() {
    return Collections.unmodifiableList(outputs);
  }

  /**
   * One output.
   *
   * @param i index
   * @return the output tensor
   */
  public Tensor output(int i) {
    return outputs.get(i);
  }

  /**
   * The attributes.
   *
   * @return an unmodifiable map
   */
  public Map<String, Object> attributes() {
    return attributes;
  }

  /**
   * An integer attribute.
   *
   * @param key attribute name
   * @param dflt value when absent
   * @return the value
   */
  public long attrLong(String key, long dflt) {
    Object v = attributes.get(key);
    return v == null ? dflt : ((Number) v).longValue();
  }

  /**
   * A float attribute.
   *
   * @param key attribute name
   * @param dflt value when absent
   * @return the value
   */
  public double attrDouble(String key, double dflt) {
    Object v = attributes.get(key);
    return v == null ? dflt : ((Number) v).doubleValue();
  }

  /**
   * An integer-list attribute.
   *
   * @param key attribute name
   * @return the values, or null when absent
   */
  public long[] attrLongs(String key) {
    Object v = attributes.get(key);
    return v == null ? null : ((long[]) v).clone();
  }

  /**
   * A string attribute.
   *
   * @param key attribute name
   * @param dflt value when absent
   * @return the value
   */
  public String attrString(String key, String dflt) {
    Object v = attributes.get(key);
    return v == null ? dflt : (String) v;
  }

  /**
   * The node-specific gradient rule, or null to use the rule registered for the op type.
   *
   * @return the rule
   */
  public Vjp vjp() {
    return vjp;
  }

  @Override
  public String toString() {
    return name + ":" + opType + inputs + "->" + outputs;
  }
}
