package io.github.mmesid.core.engine.optim;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Graph;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A trainable parameter as the optimizer sees it: name, element type and static shape.
 *
 * @param name the parameter name (as in the training graph), made of letters, digits and {@code
 *     _ . : / -}
 * @param dtype FLOAT32 or FLOAT64
 * @param shape a fully static shape
 */
public record ParamSpec(String name, DType dtype, Shape shape) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:/\\-]+");

  /**
   * Validates the fields.
   *
   * @param name see the record description
   * @param dtype see the record description
   * @param shape see the record description
   */
  public ParamSpec {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("Parameter name '" + name
          + "' is invalid: it must be non-empty and match " + NAME.pattern());
    }
    if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) {
      throw new IllegalArgumentException("Parameter " + name + " has dtype " + dtype
          + "; the optimizer supports FLOAT32 and FLOAT64");
    }
    if (shape == null || !shape.isStatic()) {
      throw new IllegalArgumentException("Parameter " + name + " has shape " + shape
          + "; the optimizer needs a fully static shape");
    }
  }

  /**
   * The spec of a parameter tensor of a training graph.
   *
   * @param parameter a tensor of kind {@link Tensor.Kind#PARAMETER}
   * @return its spec
   */
  public static ParamSpec of(Tensor parameter) {
    if (parameter.kind() != Tensor.Kind.PARAMETER) {
      throw new IllegalArgumentException("Tensor " + parameter + " is of kind "
          + parameter.kind() + "; only PARAMETER tensors are optimized");
    }
    return new ParamSpec(parameter.name(), parameter.dtype(), parameter.shape());
  }

  /**
   * The specs of all parameters of a training graph, in declaration order.
   *
   * @param graph the training graph
   * @return one spec per {@link Graph#parameters()} entry
   */
  public static List<ParamSpec> allOf(Graph graph) {
    List<ParamSpec> out = new ArrayList<>();
    for (Tensor t : graph.parameters()) {
      out.add(of(t));
    }
    return out;
  }

  /**
   * The known sizes of the shape.
   *
   * @return a new array
   */
  public long[] dims() {
    return shape.toArray();
  }

  /**
   * The number of elements.
   *
   * @return product of the sizes
   */
  public long numel() {
    return shape.numel();
  }
}
