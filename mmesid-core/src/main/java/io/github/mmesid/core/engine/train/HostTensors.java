package io.github.mmesid.core.engine.train;

import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.OrtRuntime;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Conversions between graph values ({@link TensorData}) and runtime buffers ({@link HostTensor}),
 * shared by the trainer, the predictor and the gradient checker.
 */
public final class HostTensors {
  private HostTensors() {}

  /**
   * A new host tensor holding a copy of the values.
   *
   * @param d the values (FLOAT32, FLOAT64, INT32, INT64, BOOL or UINT8)
   * @return a tensor the caller closes
   */
  public static HostTensor toHost(TensorData d) {
    HostTensor h = OrtRuntime.get().allocate(d.dtype(), d.shape());
    copyInto(d, h, "value");
    return h;
  }

  /**
   * A host tensor over a frozen value: bound in place (no copy) when the value is direct and
   * little-endian matches the native order, otherwise a copy. Only ever bound as an input.
   */
  static HostTensor toHostShared(TensorData d) {
    if (d.isDirect() && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      return HostTensor.wrapShared(d.bytes().order(ByteOrder.nativeOrder()), d.dtype(),
          d.shape());
    }
    return toHost(d);
  }

  /** Copies values into an existing host tensor of the same dtype and shape. */
  static void copyInto(TensorData d, HostTensor h, String what) {
    if (d.dtype() != h.dtype() || !Arrays.equals(d.shape(), h.shape())) {
      throw new IllegalArgumentException(what + ": value " + d.dtype() + Arrays.toString(d.shape())
          + " does not match the expected " + h.dtype() + Arrays.toString(h.shape()));
    }
    ByteBuffer src = d.bytes().order(ByteOrder.LITTLE_ENDIAN);
    switch (d.dtype()) {
      case FLOAT32:
        h.floatView().put(src.asFloatBuffer());
        break;
      case FLOAT64:
        h.doubleView().put(src.asDoubleBuffer());
        break;
      case INT32:
        h.intView().put(src.asIntBuffer());
        break;
      case INT64:
        h.longView().put(src.asLongBuffer());
        break;
      case BOOL:
      case UINT8:
        h.byteView().put(src);
        break;
      default:
        throw new IllegalArgumentException("Unsupported dtype " + d.dtype()
            + "; allowed FLOAT32, FLOAT64, INT32, INT64, BOOL, UINT8");
    }
  }

  /**
   * A copy of a host tensor's values.
   *
   * @param h the tensor
   * @return the values
   */
  public static TensorData toData(HostTensor h) {
    long[] shape = h.shape();
    switch (h.dtype()) {
      case FLOAT32:
        return TensorData.ofFloats(shape, h.toFloatArray());
      case FLOAT64:
        return TensorData.ofDoubles(shape, h.toDoubleArray());
      case INT32:
        return TensorData.ofInts(shape, h.toIntArray());
      case INT64:
        return TensorData.ofLongs(shape, h.toLongArray());
      case BOOL:
        return TensorData.ofBooleans(shape, h.toBooleanArray());
      default:
        throw new IllegalArgumentException("Unsupported dtype " + h.dtype());
    }
  }
}
