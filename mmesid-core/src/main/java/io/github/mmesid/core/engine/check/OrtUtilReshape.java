package io.github.mmesid.core.engine.check;

import java.lang.reflect.Array;

/** Builds nested Java arrays for ORT's array-based tensor factory (booleans only need it). */
final class OrtUtilReshape {
  private OrtUtilReshape() {}

  static Object reshape(boolean[] flat, long[] shape) {
    if (shape.length == 0) {
      return flat[0];
    }
    int[] dims = new int[shape.length];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = Math.toIntExact(shape[i]);
    }
    Object arr = Array.newInstance(boolean.class, dims);
    for (int i = 0; i < flat.length; i++) {
      Object cur = arr;
      int rem = i;
      int[] idx = new int[dims.length];
      for (int d = dims.length - 1; d >= 0; d--) {
        idx[d] = rem % dims[d];
        rem /= dims[d];
      }
      for (int d = 0; d < dims.length - 1; d++) {
        cur = Array.get(cur, idx[d]);
      }
      Array.setBoolean(cur, idx[dims.length - 1], flat[i]);
    }
    return arr;
  }
}
