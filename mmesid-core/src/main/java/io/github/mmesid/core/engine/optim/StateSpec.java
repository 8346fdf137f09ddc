package io.github.mmesid.core.engine.optim;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.Shape;
import io.github.mmesid.core.engine.graph.TensorData;
import java.nio.ByteBuffer;

/**
 * One optimizer state tensor: its stable name (graph input name and checkpoint key), the
 * parameter it belongs to, its slot, dtype and shape (those of the parameter). Every state starts
 * at zeros.
 *
 * @param name {@code slot.prefix() + "." + param}, e.g. {@code v.encoder.0.weight}
 * @param param the parameter name
 * @param slot the kind of state
 * @param dtype element type (the parameter's)
 * @param shape static shape (the parameter's)
 */
public record StateSpec(String name, String param, StateSlot slot, DType dtype, Shape shape) {
  /**
   * Validates the fields.
   *
   * @param name see the record description
   * @param param see the record description
   * @param slot see the record description
   * @param dtype see the record description
   * @param shape see the record description
   */
  public StateSpec {
    Checks.nonNull("StateSpec", "param", param);
    Checks.nonNull("StateSpec", "slot", slot);
    Checks.nonNull("StateSpec", "dtype", dtype);
    if (shape == null || !shape.isStatic()) {
      throw new IllegalArgumentException("StateSpec " + name + " needs a static shape, got "
          + shape);
    }
    if (!slot.stateName(param).equals(name)) {
      throw new IllegalArgumentException("StateSpec name '" + name + "' must be '"
          + slot.stateName(param) + "' (slot prefix, '.', parameter name)");
    }
  }

  /**
   * The spec of the state of a parameter in a slot.
   *
   * @param p the parameter
   * @param slot the slot
   * @return the spec
   */
  public static StateSpec of(ParamSpec p, StateSlot slot) {
    return new StateSpec(slot.stateName(p.name()), p.name(), slot, p.dtype(), p.shape());
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
   * The initial value: zeros of this dtype and shape.
   *
   * @return a new zero tensor
   */
  public TensorData zeros() {
    long bytes = Math.multiplyExact(shape.numel(), (long) dtype.byteSize());
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("State " + name + " of shape " + shape + " needs "
          + bytes + " bytes; TensorData holds at most " + Integer.MAX_VALUE + " bytes");
    }
    return TensorData.ofBytes(dtype, dims(), ByteBuffer.allocate((int) bytes));
  }
}
