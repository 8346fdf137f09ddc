package io.github.mmesid.core.engine.train;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.runtime.OrtRuntime;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Conversions between graph values ({@link TensorData}) and runtime buffers ({@link HostTensor}). */
final class Dtypes {
  private Dtypes() {}

  static io.github.mmesid.core.engine.runtime.DType toRuntime(DType d) {
    return io.github.mmesid.core.engine.runtime.DType.fromOnnxCode(d.onnxCode());
  }

  static DType toGraph(io.github.mmesid.core.engine.runtime.DType d) {
    return DType.fromOnnxCode(d.onnxCode());
  }

  /** A new host tensor holding a copy of the values. */
  static HostTensor toHost(TensorData d) {
    HostTensor h = OrtRuntime.get().allocate(toRuntime(d.dtype()), d.shape());
    copyInto(d, h, "value");
    return h;
  }

  /** Copies values into an existing host tensor of the same dtype and shape. */
  static void copyInto(TensorData d, HostTensor h, String what) {
    if (toRuntime(d.dtype()) != h.dtype() || !Arrays.equals(d.shape(), h.shape())) {
      throw new IllegalArgumentException(what + ": value " + d.dtype() + Arrays.toString(d.shape())
          + " does not match the expected " + h.dtype() + Arrays.toString(h.shape()));
    }
    ByteBuffer src = d.bytes().order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer dst = h.byteView().order(ByteOrder.nativeOrder());
    if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      dst.put(src);
      return;
    }
    int n = h.size();
    for (int i = 0; i < n; i++) {
      switch (d.dtype()) {
        case FLOAT32:
          h.setFloat(i, src.getFloat(i * 4));
          break;
        case FLOAT64:
          h.setDouble(i, src.getDouble(i * 8));
          break;
        case INT32:
          h.setInt(i, src.getInt(i * 4));
          break;
        case INT64:
          h.setLong(i, src.getLong(i * 8));
          break;
        default:
          throw new IllegalArgumentException("Unsupported dtype " + d.dtype());
      }
    }
  }

  /** A copy of a host tensor's values. */
  static TensorData toData(HostTensor h) {
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
