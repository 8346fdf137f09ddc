package io.github.mmesid.core.engine.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Counter-based random numbers made inside the graph (dropout masks, sampling noise), so that a
 * run receives only the graph's {@linkplain Graph#noiseKey() noise key}, one INT64 scalar, instead
 * of a noise tensor per random site.
 *
 * <p>The generator is Widynski's "Squares" (arXiv:2004.06278), 32-bit output, over unsigned
 * 64-bit integers with wraparound: for a counter {@code c} and an odd key {@code k},
 *
 * <pre>
 *   x = c * k;  y = x;  z = y + k;
 *   x = rot32(x * x + y);  x = rot32(x * x + z);  x = rot32(x * x + y);
 *   t = x * x + z;         squares32(c, k) = t &gt;&gt;&gt; 32
 * </pre>
 *
 * <p>with {@code rot32(x) = (x >>> 32) | (x << 32)}, built as {@code Div(x, 2^32) + Mul(x, 2^32)}
 * (the two halves do not overlap, so Add is Or). Every node is Range, Cast, Size, Mul, Add, Div,
 * GreaterOrEqual, Concat, Slice or Reshape on INT64 / UINT64 / BOOL / floats: ONNX Runtime has CPU
 * and CUDA kernels for all of them ({@code KernelAudit}), integer arithmetic is exact, so every
 * provider computes the same bits. {@link #squares32} and the {@code *Values} methods are the
 * plain-Java reference of exactly the values the graph makes.
 *
 * <p>Keys and counters. Only the noise key {@code n} changes per run, so the per-run and
 * per-stream parts combine as follows:
 *
 * <ul>
 *   <li>The run key {@link #runKey}{@code (n) = hi * 2^32 + 2 * lo + 1 (mod 2^64)}, with {@code
 *       hi = squares32(n, K_HI)} and {@code lo = squares32(n, K_LO)} for two fixed odd keys with
 *       irregular bits ({@code new SplittableRandom(s).nextLong() | 1}). It is computed in the
 *       graph once per graph (on scalars) and is odd by construction. Squares needs keys with
 *       irregular bits: trainers feed structured noise keys (consecutive steps, small seeds in
 *       tests), and hashing them through Squares itself gives every run an unrelated 64-bit key.
 *   <li>A stream {@code s} (the site's name, unique per graph) uses the counters {@code c = j +
 *       }{@link #streamOffset}{@code (s)}, {@code j = 0, 1, ...}: its offset is a 64-bit value
 *       fixed by the name ({@code new SplittableRandom(fnv1a64(name)).nextLong()}), so the
 *       streams of one run are disjoint blocks of the counter space of one key (two blocks of
 *       2^32 counters overlap with probability about 2^-31) and runs differ by their keys. In
 *       the graph {@code c * k = j * k + offset * k}: {@code j * k} is shared by every stream of
 *       the same shape, a stream adds one scalar.
 * </ul>
 *
 * <p>Outputs:
 *
 * <ul>
 *   <li>{@link #keepMask}: a BOOL mask. Each counter gives four elements, from two 32-bit words:
 *       the Squares output {@code v0 = t >>> 32} and the high half of a fifth round, {@code v1 =
 *       u >>> 32} with {@code u = rot32(t) * rot32(t) + y} ({@link #squaresFifth}). {@code v1} is
 *       the term that Widynski's 64-bit variant ({@code squares64}, five rounds) XORs into the
 *       low half of {@code t}; ONNX has no XOR with a CUDA kernel, so the SDK uses the term itself,
 *       a Squares output one round deeper, instead of the low half of {@code t}, whose bits are
 *       not mixed. Element {@code e} of a tensor of {@code n} elements (row-major) is the 16-bit
 *       lane {@code L = e / m} ({@code m = ceil(n / 4)}) of counter {@code c_{e mod m}}: {@code
 *       v0 >>> 16}, {@code v0 & 0xffff}, {@code v1 >>> 16}, {@code v1 & 0xffff} for {@code L =
 *       0..3}, kept when that value is {@code >= round(ratio * 65536)}. In the graph the lanes
 *       compare {@code t}, {@code t * 2^16}, {@code u} and {@code u * 2^16} against {@code
 *       threshold * 2^48}. Drop probabilities are thus multiples of {@code 2^-16} ({@link
 *       #maskRatio}). Four lanes per counter cost four {@code Div} nodes per four elements where
 *       two 32-bit outputs would cost six (the {@code Div} is the dearest node on the CPU).
 *   <li>{@link #uniform}: floats in {@code [0, 1)}, one value per element: {@code (v0 >>> 8) *
 *       2^-24} in FLOAT32 (every float of that grid is exact) and {@code v0 * 2^-32} in FLOAT64
 *       (32 random bits, not 53: one generator evaluation per element; dropout-style uses need no
 *       finer grid).
 * </ul>
 *
 * <p>The counters {@code j * k} of tensors with the same shape (all dimensions known or named)
 * are computed once per graph, from the size of the first such tensor, and shared by their
 * streams (ONNX Runtime treats equally named dimensions as equal too).
 */
public final class RandomOps {
  /** Bits per keep-mask element: drop probabilities are multiples of {@code 2^-MASK_BITS}. */
  public static final int MASK_BITS = 16;
  /** Fixed key of the high half of the run key. */
  static final long K_HI = new SplittableRandom(0x5157_4152_4553_4849L).nextLong() | 1L;
  /** Fixed key of the low half of the run key. */
  static final long K_LO = new SplittableRandom(0x5157_4152_4553_4c4fL).nextLong() | 1L;
  private static final int LANES = 64 / MASK_BITS;
  private static final long TWO_32 = 1L << 32;

  private RandomOps() {}

  /**
   * Widynski's Squares generator, 32-bit output (see the class description).
   *
   * @param counter the counter
   * @param key the key (odd, irregular bits)
   * @return the 32 output bits, as an unsigned value in the low half of a long
   */
  public static long squares32(long counter, long key) {
    return squaresT(counter, key) >>> 32;
  }

  /** The last sum {@code t} of Squares, whose high 32 bits are the output. */
  static long squaresT(long counter, long key) {
    long y = counter * key;
    long z = y + key;
    long x = y;
    x = rot32(x * x + y);
    x = rot32(x * x + z);
    x = rot32(x * x + y);
    return x * x + z;
  }

  /**
   * The fifth round after Squares' last sum {@code t}: {@code rot32(t) * rot32(t) + counter *
   * key} (mod 2^64), whose high 32 bits are the mask's second word (see the class description).
   *
   * @param t the last sum of Squares for the counter ({@link #squaresT})
   * @param counter the counter
   * @param key the key
   * @return the sum {@code u}
   */
  static long squaresFifth(long t, long counter, long key) {
    long r = rot32(t);
    return r * r + counter * key;
  }

  private static long rot32(long x) {
    return (x >>> 32) | (x << 32);
  }

  /**
   * The generator key of a run: {@code squares32(noiseKey, K_HI) * 2^32 + 2 * squares32(noiseKey,
   * K_LO) + 1} (mod 2^64), odd.
   *
   * @param noiseKey the value fed to the graph's noise key
   * @return the key
   */
  public static long runKey(long noiseKey) {
    return (squares32(noiseKey, K_HI) << 32) + 2 * squares32(noiseKey, K_LO) + 1;
  }

  /**
   * The counter offset of a stream: {@code new SplittableRandom(fnv1a64(name)).nextLong()} (FNV-1a
   * over the UTF-8 bytes of the name).
   *
   * @param stream the stream name
   * @return the offset
   */
  public static long streamOffset(String stream) {
    long h = 0xcbf29ce484222325L;
    for (byte b : stream.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return new SplittableRandom(h).nextLong();
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
   * The values {@link #keepMask} makes (plain-Java reference): element {@code e} of a tensor of
   * {@code n} elements, row-major, true when kept.
   *
   * @param noiseKey the noise key fed to the run
   * @param stream the stream name
   * @param n the number of elements
   * @param ratio the drop probability
   * @return the mask
   */
  public static boolean[] keepMaskValues(long noiseKey, String stream, int n, double ratio) {
    long threshold = maskThreshold(ratio);
    long k = runKey(noiseKey);
    long offset = streamOffset(stream);
    int m = (n + LANES - 1) / LANES;
    long low = (1L << MASK_BITS) - 1;
    boolean[] out = new boolean[n];
    for (int j = 0; j < m; j++) {
      long c = j + offset;
      long t = squaresT(c, k);
      long v0 = t >>> 32;
      long v1 = squaresFifth(t, c, k) >>> 32;
      long[] lanes = {v0 >>> MASK_BITS, v0 & low, v1 >>> MASK_BITS, v1 & low};
      for (int lane = 0; lane < LANES; lane++) {
        int e = lane * m + j;
        if (e < n) {
          out[e] = lanes[lane] >= threshold;
        }
      }
    }
    return out;
  }

  /**
   * The values {@link #uniform} makes (plain-Java reference): element {@code e} (row-major).
   *
   * @param noiseKey the noise key fed to the run
   * @param stream the stream name
   * @param n the number of elements
   * @param dtype FLOAT32 or FLOAT64
   * @return the values (FLOAT32 values are exact floats)
   */
  public static double[] uniformValues(long noiseKey, String stream, int n, DType dtype) {
    int bits = uniformBits(dtype);
    long k = runKey(noiseKey);
    long offset = streamOffset(stream);
    double[] out = new double[n];
    for (int e = 0; e < n; e++) {
      out[e] = Math.scalb((double) (squares32(e + offset, k) >>> (32 - bits)), -bits);
    }
    return out;
  }

  private static int uniformBits(DType dtype) {
    if (dtype == DType.FLOAT64) {
      return 32;
    } else if (dtype == DType.FLOAT32) {
      return 24;
    }
    throw new IllegalArgumentException("Uniform noise must be FLOAT32 or FLOAT64, got " + dtype);
  }

  /**
   * A BOOL mask of {@code like}'s run-time shape whose elements are false (dropped) with
   * probability {@link #maskRatio}{@code (ratio)}, independently, from the stream {@code name}
   * (see the class description for the exact values, {@link #keepMaskValues} for a reference).
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
    Tensor y = counterTimesKey(c.base, name);
    Tensor t = squaresT(y, g.noiseRunKey());
    Tensor u = binary("Add", square(rot32(t)), y);
    Tensor limit = u64(g, threshold << (64 - MASK_BITS));
    Tensor lift = u64(g, 1L << MASK_BITS);
    List<Tensor> lanes = new ArrayList<>(LANES);
    for (Tensor word : List.of(t, u)) {
      lanes.add(ArrayOps.compare("GreaterOrEqual", word, limit));
      lanes.add(ArrayOps.compare("GreaterOrEqual", binary("Mul", word, lift), limit));
    }
    Tensor all = ArrayOps.concat(0, lanes);
    Tensor flat = g.apply("Slice", List.of(all, g.int64s(0), c.sizeVector), Map.of(), DType.BOOL,
        Shape.of(List.of(Dim.unknown())));
    return ArrayOps.reshape(flat, ArrayOps.shapeOf(like), like.shape());
  }

  /**
   * Uniform {@code [0, 1)} floats of {@code like}'s run-time shape from the stream {@code name}:
   * element {@code j} (row-major) is {@code (v_j >>> 8) * 2^-24} in FLOAT32 and {@code v_j *
   * 2^-32} in FLOAT64, {@code v_j} the 32-bit Squares output of its counter ({@link
   * #uniformValues} is the reference).
   *
   * @param like the tensor whose shape the result takes (any dtype)
   * @param dtype FLOAT32 or FLOAT64
   * @param name the stream name, unique among the graph's streams
   * @return the noise, of {@code like}'s shape
   */
  public static Tensor uniform(Tensor like, DType dtype, String name) {
    int bits = uniformBits(dtype);
    Graph g = like.graph();
    g.claimNoiseStream(name);
    Counters c = g.noiseCounters(like, 1);
    Tensor t = squaresT(counterTimesKey(c.base, name), g.noiseRunKey());
    Tensor top = binary("Div", t, u64(g, 1L << (64 - bits)));
    Tensor u = ArrayOps.cast(top, dtype).mul(Math.scalb(1.0, -bits));
    return ArrayOps.reshape(u, ArrayOps.shapeOf(like), like.shape());
  }

  /** The per-shape products {@code j * k} (UINT64 [m]) and the size {@code [n]}. */
  record Counters(Tensor base, Tensor sizeVector) {}

  /** Builds the counter products for {@code ceil(n / lanes)} values of a tensor's size. */
  static Counters buildCounters(Tensor like, int lanes) {
    Graph g = like.graph();
    Tensor n = g.apply("Size", List.of(like), Map.of(), DType.INT64, Shape.SCALAR);
    Tensor m = lanes == 1 ? n : MathOps.div(MathOps.add(n, g.scalar(lanes - 1, DType.INT64)),
        g.scalar(lanes, DType.INT64));
    Tensor idx = ArrayOps.range(g.scalar(0, DType.INT64), m, g.scalar(1, DType.INT64));
    Tensor base = binary("Mul", ArrayOps.cast(idx, DType.UINT64), g.noiseRunKey());
    return new Counters(base, ArrayOps.reshape(n, 1));
  }

  /** The graph's run key (UINT64 scalar) from its noise key, {@link #runKey} in ONNX ops. */
  static Tensor buildRunKey(Graph g) {
    Tensor n = ArrayOps.cast(g.noiseKey(), DType.UINT64);
    Tensor hi = squares32(n, K_HI);
    Tensor lo = squares32(n, K_LO);
    Tensor k = binary("Add", binary("Mul", hi, u64(g, TWO_32)), binary("Mul", lo, u64(g, 2)));
    return binary("Add", k, u64(g, 1));
  }

  /** {@link #squares32(long, long)} in ONNX ops, for a counter tensor and a fixed key. */
  private static Tensor squares32(Tensor counter, long key) {
    Graph g = counter.graph();
    Tensor k = u64(g, key);
    return binary("Div", squaresT(binary("Mul", counter, k), k), u64(g, TWO_32));
  }

  /** {@code c * k} for the counters {@code c = j + offset} of a stream: {@code j * k + offset * k}. */
  private static Tensor counterTimesKey(Tensor base, String stream) {
    Graph g = base.graph();
    Tensor shift = binary("Mul", g.noiseRunKey(), u64(g, streamOffset(stream)));
    return binary("Add", base, shift);
  }

  /** Squares' rounds from {@code y = c * k}: the final sum {@code t}. */
  private static Tensor squaresT(Tensor y, Tensor k) {
    Tensor z = binary("Add", y, k);
    Tensor x = y;
    for (Tensor w : new Tensor[] {y, z, y}) {
      x = rot32(binary("Add", square(x), w));
    }
    return binary("Add", square(x), z);
  }

  private static Tensor square(Tensor x) {
    return binary("Mul", x, x);
  }

  /** {@code (x >>> 32) | (x << 32)} as {@code Div(x, 2^32) + Mul(x, 2^32)} (disjoint halves). */
  private static Tensor rot32(Tensor x) {
    Tensor two32 = u64(x.graph(), TWO_32);
    return binary("Add", binary("Div", x, two32), binary("Mul", x, two32));
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
