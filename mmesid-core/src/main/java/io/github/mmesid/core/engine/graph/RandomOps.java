package io.github.mmesid.core.engine.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Counter-based random numbers made inside the graph (dropout masks, sampling noise), so that a
 * run receives only the graph's {@linkplain Graph#noiseKey() noise key}, one INT64 scalar, instead
 * of a noise tensor per random site.
 *
 * <p>The generator is SplitMix64: a named <em>stream</em> with seed {@code s = }{@link
 * #streamSeed streamSeed}{@code (key, name)} produces the 64-bit values {@code h_j = mix64(s +
 * (j + 1) * 0x9e3779b97f4a7c15)}, {@code j = 0, 1, ...}, exactly the values of {@code new
 * java.util.SplittableRandom(s).nextLong()} in order, built from standard integer ONNX ops on
 * UINT64 (Range, Cast, Mul, Add, BitShift, BitwiseXor). The value of an element therefore depends
 * only on (key, stream name, element index): nothing is stateful, and a run that feeds the same
 * key gets bit-identical numbers on any execution provider that implements the ops. The trainer
 * feeds {@code key = f(seed, update, micro-batch)}, so exact resume holds.
 *
 * <ul>
 *   <li>{@link #keepMask}: a BOOL mask. Each {@code h_j} gives four elements: element {@code e} of
 *       a tensor of {@code n} elements (row-major) is bits {@code [63 - 16k, 48 - 16k]} of {@code
 *       h_{e mod m}} with {@code k = e / m}, {@code m = ceil(n / 4)}, and is kept when that 16-bit
 *       value is {@code >= round(ratio * 65536)}. Drop probabilities are thus multiples of {@code
 *       2^-16} ({@link #maskRatio}); a quarter of the hashing work of one value per element.
 *   <li>{@link #uniform}: floats in {@code [0, 1)}, one {@code h_j} per element: {@code (h_j >>>
 *       11) * 2^-53} in FLOAT64 (what {@code SplittableRandom.nextDouble()} returns), {@code (h_j
 *       >>> 40) * 2^-24} in FLOAT32.
 * </ul>
 *
 * <p>Execution providers: ONNX Runtime's CPU provider implements every op used here for UINT64
 * (Range for INT64). Its CUDA provider implements Mul, Add, Cast, Range, Size, Shape, Concat,
 * Slice, Reshape and GreaterOrEqual for these types but not BitShift or BitwiseXor (ORT {@code
 * OperatorKernels.md}), which would run on the CPU there.
 *
 * <p>The counters {@code (j + 1) * gamma} of tensors with the same shape (all dimensions known or
 * named) are computed once per graph, from the size of the first such tensor, and shared by their
 * streams (ONNX Runtime treats equally named dimensions as equal too).
 */
public final class RandomOps {
  /** Bits per keep-mask element: drop probabilities are multiples of {@code 2^-MASK_BITS}. */
  public static final int MASK_BITS = 16;
  /** SplitMix64's increment (the golden ratio in 64-bit fixed point). */
  static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
  private static final long MIX1 = 0xbf58476d1ce4e5b9L;
  private static final long MIX2 = 0x94d049bb133111ebL;
  private static final int LANES = 64 / MASK_BITS;

  private RandomOps() {}

  /**
   * The SplittableRandom seed of a stream under a noise key: {@code key + mix64(fnv1a64(name))}
   * (FNV-1a over the UTF-8 bytes of the name), so different streams start at unrelated points of
   * the SplitMix64 sequence.
   *
   * @param key the noise key of the run
   * @param stream the stream name
   * @return the seed
   */
  public static long streamSeed(long key, String stream) {
    long h = 0xcbf29ce484222325L;
    for (byte b : stream.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return key + mix64(h);
  }

  /** SplitMix64's output function (Stafford's Mix13), as in {@code SplittableRandom}. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * MIX1;
    z = (z ^ (z >>> 27)) * MIX2;
    return z ^ (z >>> 31);
  }

  /**
   * The drop probability a {@link #keepMask} of the given ratio realises: {@code ratio} rounded
   * to a multiple of {@code 2^-16}, at most {@code 1 - 2^-16}.
   *
   * @param ratio the requested drop probability in {@code [0, 1)}
   * @return the realised drop probability
   */
  public static double maskRatio(double ratio) {
    return maskThreshold(ratio) / (double) (1 << MASK_BITS);
  }

  /** The 16-bit threshold: a lane value below it is dropped. */
  static long maskThreshold(double ratio) {
    if (!(ratio >= 0 && ratio < 1)) {
      throw new IllegalArgumentException("Drop probability must be in [0, 1), got " + ratio);
    }
    return Math.min(Math.round(ratio * (1 << MASK_BITS)), (1L << MASK_BITS) - 1);
  }

  /**
   * A BOOL mask of {@code like}'s run-time shape whose elements are false (dropped) with
   * probability {@link #maskRatio}{@code (ratio)}, independently, from the stream {@code name}
   * (see the class description for the exact values).
   *
   * @param like the tensor whose shape the mask takes (any dtype)
   * @param ratio drop probability in {@code [0, 1)}
   * @param name the stream name, unique among the graph's streams; it must match the graph's
   *     tensor-name pattern
   * @return the mask, of {@code like}'s shape
   */
  public static Tensor keepMask(Tensor like, double ratio, String name) {
    long threshold = maskThreshold(ratio);
    Graph g = like.graph();
    g.claimNoiseStream(name);
    Counters c = g.noiseCounters(like, LANES);
    Tensor h = hash(c.base, streamSeed(g, name));
    Tensor limit = u64(g, threshold << (64 - MASK_BITS));
    List<Tensor> lanes = new ArrayList<>(LANES);
    for (int k = 0; k < LANES; k++) {
      Tensor lane = k == 0 ? h : binary("Mul", h, u64(g, 1L << (MASK_BITS * k)));
      lanes.add(ArrayOps.compare("GreaterOrEqual", lane, limit));
    }
    Tensor all = ArrayOps.concat(0, lanes);
    Tensor flat = g.apply("Slice", List.of(all, g.int64s(0), c.sizeVector), Map.of(), DType.BOOL,
        Shape.of(List.of(Dim.unknown())));
    return ArrayOps.reshape(flat, ArrayOps.shapeOf(like), like.shape());
  }

  /**
   * Uniform {@code [0, 1)} floats of {@code like}'s run-time shape from the stream {@code name}:
   * element {@code j} (row-major) is {@code (h_j >>> 11) * 2^-53} in FLOAT64 and {@code (h_j >>>
   * 40) * 2^-24} in FLOAT32.
   *
   * @param like the tensor whose shape the result takes (any dtype)
   * @param dtype FLOAT32 or FLOAT64
   * @param name the stream name, unique among the graph's streams
   * @return the noise, of {@code like}'s shape
   */
  public static Tensor uniform(Tensor like, DType dtype, String name) {
    int bits;
    if (dtype == DType.FLOAT64) {
      bits = 53;
    } else if (dtype == DType.FLOAT32) {
      bits = 24;
    } else {
      throw new IllegalArgumentException(
          "Uniform noise must be FLOAT32 or FLOAT64, got " + dtype);
    }
    Graph g = like.graph();
    g.claimNoiseStream(name);
    Counters c = g.noiseCounters(like, 1);
    Tensor h = hash(c.base, streamSeed(g, name));
    Tensor top = shiftRight(h, 64 - bits);
    Tensor u = ArrayOps.cast(top, dtype).mul(Math.scalb(1.0, -bits));
    return ArrayOps.reshape(u, ArrayOps.shapeOf(like), like.shape());
  }

  /** The per-shape counters {@code (j + 1) * gamma} (UINT64 [m]) and the size {@code [n]}. */
  record Counters(Tensor base, Tensor sizeVector) {}

  /** Builds the counters for {@code ceil(n / lanes)} values of a tensor's size {@code n}. */
  static Counters buildCounters(Tensor like, int lanes) {
    Graph g = like.graph();
    Tensor n = g.apply("Size", List.of(like), Map.of(), DType.INT64, Shape.SCALAR);
    Tensor m = lanes == 1 ? n : MathOps.div(MathOps.add(n, g.scalar(lanes - 1, DType.INT64)),
        g.scalar(lanes, DType.INT64));
    Tensor one = g.scalar(1, DType.INT64);
    Tensor idx = ArrayOps.range(one, MathOps.add(m, one), one);
    Tensor base = binary("Mul", ArrayOps.cast(idx, DType.UINT64), u64(g, GOLDEN_GAMMA));
    return new Counters(base, ArrayOps.reshape(n, 1));
  }

  /** {@code mix64(base + seed)} elementwise, {@code seed} the stream's seed (UINT64 scalar). */
  private static Tensor hash(Tensor base, Tensor seed) {
    Graph g = base.graph();
    Tensor z = binary("Add", base, seed);
    z = binary("Mul", xorShift(z, 30), u64(g, MIX1));
    z = binary("Mul", xorShift(z, 27), u64(g, MIX2));
    return xorShift(z, 31);
  }

  private static Tensor streamSeed(Graph g, String name) {
    Tensor key = ArrayOps.cast(g.noiseKey(), DType.UINT64);
    return binary("Add", key, u64(g, streamSeed(0, name)));
  }

  private static Tensor xorShift(Tensor z, int k) {
    return binary("BitwiseXor", z, shiftRight(z, k));
  }

  private static Tensor shiftRight(Tensor z, int k) {
    return z.graph().apply("BitShift", List.of(z, u64(z.graph(), k)),
        Map.of("direction", "RIGHT"), DType.UINT64, z.shape());
  }

  private static Tensor binary(String op, Tensor a, Tensor b) {
    return a.graph().apply(op, List.of(a, b), Map.of(), DType.UINT64,
        Shape.broadcast(a.shape(), b.shape()));
  }

  /** A UINT64 scalar constant (two's-complement bits of {@code v}). */
  private static Tensor u64(Graph g, long v) {
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
    return g.constant(TensorData.ofBytes(DType.UINT64, new long[0], b));
  }
}
