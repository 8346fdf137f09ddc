package io.github.mmesid.core.engine.train;

import com.google.common.collect.ImmutableMap;
import io.github.mmesid.core.engine.graph.TensorData;
import java.util.Map;
import java.util.Set;

/** An immutable copy of named parameter values. */
public final class ParameterSnapshot {
  private final Map<String, TensorData> values;

  /**
   * Creates a snapshot.
   *
   * @param values name to value, in parameter order
   */
  public ParameterSnapshot(Map<String, TensorData> values) {
    this.values = ImmutableMap.copyOf(values);
  }

  /**
   * All values.
   *
   * @return an unmodifiable map in parameter order
   */
  public Map<String, TensorData> values() {
    return values;
  }

  /**
   * The parameter names.
   *
   * @return the names
   */
  public Set<String> names() {
    return values.keySet();
  }

  /**
   * One value.
   *
   * @param name parameter name
   * @return the value
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public TensorData get(String name) {
    TensorData d = values.get(name);
    if (d == null) {
      throw new IllegalArgumentException(
          "Unknown parameter " + name + ", expected one of " + values.keySet());
    }
    return d;
  }

  /**
   * One value as floats.
   *
   * @param name parameter name
   * @return a new array
   */
  public float[] floats(String name) {
    return get(name).toFloats();
  }
}
