package io.github.mmesid.core.engine.init;

import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.graph.TensorData;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Standard parameter initialisers, following PyTorch's {@code torch.nn.init} definitions of
 * fans and gains (weights in {@code [out, in, *receptive]} layout: {@code fanIn = in *
 * receptive}, {@code fanOut = out * receptive}).
 *
 * <p>Randomness comes from a SplitMix64 stream seeded from {@code (seed, name)} (the name hashed
 * with 64-bit FNV-1a), and normal draws use the Box-Muller transform with {@link StrictMath}, so
 * values are bit-reproducible across JVMs and platforms, independent of the order in which
 * parameters are created. Values are drawn in double precision and rounded once to FLOAT32 when
 * that dtype is requested.
 */
public final class Initializers {
  private static final double TWO_PI = 2 * Math.PI;

  private Initializers() {}

  // ------------------------------------------------------------------ schemes

  /**
   * Xavier/Glorot uniform: {@code U(-b, b)} with {@code b = gain * sqrt(6 / (fanIn + fanOut))}.
   *
   * @param gain the gain ({@code 1} for linear/sigmoid layers), {@code > 0}
   * @return the initialiser (shapes of rank {@code >= 2})
   */
  public static Initializer xavierUniform(double gain) {
    checkPositive("xavierUniform gain", gain);
    return (seed, name, dtype, shape) -> {
      long[] f = fans("xavierUniform", name, shape);
      double bound = gain * Math.sqrt(6.0 / (f[0] + f[1]));
      return uniformValues(seed, name, dtype, shape, -bound, bound);
    };
  }

  /**
   * Xavier/Glorot normal: {@code N(0, std^2)} with {@code std = gain * sqrt(2 / (fanIn +
   * fanOut))}.
   *
   * @param gain the gain, {@code > 0}
   * @return the initialiser (shapes of rank {@code >= 2})
   */
  public static Initializer xavierNormal(double gain) {
    checkPositive("xavierNormal gain", gain);
    return (seed, name, dtype, shape) -> {
      long[] f = fans("xavierNormal", name, shape);
      double std = gain * Math.sqrt(2.0 / (f[0] + f[1]));
      return normalValues(seed, name, dtype, shape, 0, std);
    };
  }

  /**
   * Kaiming/He uniform in fan-in mode for a leaky-ReLU slope {@code a}: {@code U(-b, b)} with
   * {@code b = sqrt(2 / (1 + a^2)) * sqrt(3 / fanIn)}. {@code a = sqrt(5)} gives {@code b = 1 /
   * sqrt(fanIn)}, PyTorch's default for {@code nn.Linear} weights (also used by PEFT); {@code a =
   * 0} is the ReLU form.
   *
   * @param a the negative slope, finite
   * @return the initialiser (shapes of rank {@code >= 2})
   */
  public static Initializer kaimingUniform(double a) {
    checkFinite("kaimingUniform slope a", a);
    return (seed, name, dtype, shape) -> {
      long fanIn = fans("kaimingUniform", name, shape)[0];
      double bound = Math.sqrt(2.0 / (1 + a * a)) * Math.sqrt(3.0 / fanIn);
      return uniformValues(seed, name, dtype, shape, -bound, bound);
    };
  }

  /**
   * Kaiming/He normal in fan-in mode: {@code N(0, std^2)} with {@code std = sqrt(2 / (1 + a^2)) /
   * sqrt(fanIn)}.
   *
   * @param a the negative slope, finite
   * @return the initialiser (shapes of rank {@code >= 2})
   */
  public static Initializer kaimingNormal(double a) {
    checkFinite("kaimingNormal slope a", a);
    return (seed, name, dtype, shape) -> {
      long fanIn = fans("kaimingNormal", name, shape)[0];
      double std = Math.sqrt(2.0 / (1 + a * a)) / Math.sqrt(fanIn);
      return normalValues(seed, name, dtype, shape, 0, std);
    };
  }

  /**
   * PyTorch's {@code nn.Linear} weight default: {@link #kaimingUniform(double)} with {@code a =
   * sqrt(5)}, i.e. {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))}.
   *
   * @return the initialiser
   */
  public static Initializer linearWeight() {
    return kaimingUniform(Math.sqrt(5));
  }

  /**
   * PyTorch's {@code nn.Linear} bias default: {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))} with the
   * weight's fan-in (the bias's own shape does not carry it).
   *
   * @param fanIn the layer's input features, {@code >= 1}
   * @return the initialiser
   */
  public static Initializer linearBias(long fanIn) {
    if (fanIn < 1) {
      throw new IllegalArgumentException("linearBias fanIn must be >= 1, got " + fanIn);
    }
    double bound = 1 / Math.sqrt(fanIn);
    return uniform(-bound, bound);
  }

  /**
   * Normal {@code N(0, std^2)}.
   *
   * @param std standard deviation, {@code >= 0}
   * @return the initialiser (any shape)
   */
  public static Initializer normal(double std) {
    return normal(0, std);
  }

  /**
   * Normal {@code N(mean, std^2)}.
   *
   * @param mean the mean, finite
   * @param std standard deviation, {@code >= 0}
   * @return the initialiser (any shape)
   */
  public static Initializer normal(double mean, double std) {
    checkFinite("normal mean", mean);
    if (!(std >= 0) || Double.isInfinite(std)) {
      throw new IllegalArgumentException("normal std must be finite and >= 0, got " + std);
    }
    return (seed, name, dtype, shape) -> normalValues(seed, name, dtype, shape, mean, std);
  }

  /**
   * Uniform {@code U(lo, hi)}.
   *
   * @param lo lower bound (inclusive), finite
   * @param hi upper bound (exclusive), finite and {@code > lo}
   * @return the initialiser (any shape)
   */
  public static Initializer uniform(double lo, double hi) {
    checkFinite("uniform lo", lo);
    checkFinite("uniform hi", hi);
    if (!(hi > lo)) {
      throw new IllegalArgumentException(
          "uniform needs lo < hi, got [" + lo + ", " + hi + ")");
    }
    return (seed, name, dtype, shape) -> uniformValues(seed, name, dtype, shape, lo, hi);
  }

  /**
   * All zeros.
   *
   * @return the initialiser (any shape)
   */
  public static Initializer zeros() {
    return constant(0);
  }

  /**
   * All ones.
   *
   * @return the initialiser (any shape)
   */
  public static Initializer ones() {
    return constant(1);
  }

  /**
   * Every element equal to {@code value}.
   *
   * @param value the value, finite
   * @return the initialiser (any shape)
   */
  public static Initializer constant(double value) {
    checkFinite("constant value", value);
    return (seed, name, dtype, shape) -> {
      double[] v = new double[count(name, dtype, shape)];
      Arrays.fill(v, value);
      return TensorData.ofReals(dtype, shape, v);
    };
  }

  // ------------------------------------------------------------------ fans

  /**
   * The fan-in of a weight shape {@code [out, in, *receptive]}: {@code in * prod(receptive)}.
   *
   * @param shape the shape, rank {@code >= 2}
   * @return the fan-in
   */
  public static long fanIn(long... shape) {
    return fans("fanIn", "shape", shape)[0];
  }

  /**
   * The fan-out of a weight shape {@code [out, in, *receptive]}: {@code out * prod(receptive)}.
   *
   * @param shape the shape, rank {@code >= 2}
   * @return the fan-out
   */
  public static long fanOut(long... shape) {
    return fans("fanOut", "shape", shape)[1];
  }

  private static long[] fans(String what, String name, long[] shape) {
    if (shape == null || shape.length < 2) {
      throw new IllegalArgumentException(what + " of '" + name + "' needs a weight shape of "
          + "rank >= 2 ([out, in, ...]) to compute fans, got "
          + (shape == null ? "null" : Arrays.toString(shape)));
    }
    long receptive = 1;
    for (int i = 2; i < shape.length; i++) {
      receptive = Math.multiplyExact(receptive, shape[i]);
    }
    long in = Math.multiplyExact(shape[1], receptive);
    long out = Math.multiplyExact(shape[0], receptive);
    if (in <= 0 || out <= 0) {
      throw new IllegalArgumentException(what + " of '" + name + "': shape "
          + Arrays.toString(shape) + " has a zero fan (all sizes must be >= 1)");
    }
    return new long[] {in, out};
  }

  // ------------------------------------------------------------------ sampling

  private static int count(String name, DType dtype, long[] shape) {
    if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) {
      throw new IllegalArgumentException(
          "Initial value of '" + name + "' must be FLOAT32 or FLOAT64, got " + dtype);
    }
    if (shape == null) {
      throw new IllegalArgumentException("Initial value of '" + name + "' needs a shape");
    }
    long n = 1;
    for (long s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException("Initial value of '" + name + "' has a negative size in "
            + Arrays.toString(shape) + " (sizes must be >= 0)");
      }
      n = Math.multiplyExact(n, s);
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("Initial value of '" + name + "' with shape "
          + Arrays.toString(shape) + " has " + n + " elements; at most " + (Integer.MAX_VALUE - 8)
          + " are supported");
    }
    return (int) n;
  }

  private static TensorData uniformValues(long seed, String name, DType dtype, long[] shape,
      double lo, double hi) {
    double[] v = new double[count(name, dtype, shape)];
    Stream s = new Stream(seed, name);
    double width = hi - lo;
    for (int i = 0; i < v.length; i++) {
      v[i] = lo + width * s.nextDouble();
    }
    return round(dtype, shape, v, lo, hi);
  }

  private static TensorData normalValues(long seed, String name, DType dtype, long[] shape,
      double mean, double std) {
    double[] v = new double[count(name, dtype, shape)];
    Stream s = new Stream(seed, name);
    for (int i = 0; i < v.length; i += 2) {
      // Box-Muller: u1 in (0, 1] keeps the logarithm finite.
      double u1 = 1.0 - s.nextDouble();
      double u2 = s.nextDouble();
      double radius = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
      double angle = TWO_PI * u2;
      v[i] = mean + std * radius * StrictMath.cos(angle);
      if (i + 1 < v.length) {
        v[i + 1] = mean + std * radius * StrictMath.sin(angle);
      }
    }
    return TensorData.ofReals(dtype, shape, v);
  }

  /** Rounds to the dtype, keeping float32 uniform draws inside {@code [lo, hi)}. */
  private static TensorData round(DType dtype, long[] shape, double[] v, double lo, double hi) {
    if (dtype == DType.FLOAT32) {
      float flo = (float) lo;
      float fhi = (float) hi;
      for (int i = 0; i < v.length; i++) {
        float f = (float) v[i];
        if (f < flo) {
          f = flo;
        } else if (f >= fhi) {
          f = Math.nextDown(fhi);
        }
        v[i] = f;
      }
    }
    return TensorData.ofReals(dtype, shape, v);
  }

  private static void checkFinite(String what, double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException(what + " must be a finite number, got " + v);
    }
  }

  private static void checkPositive(String what, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be finite and > 0, got " + v);
    }
  }

  /** SplitMix64 keyed by {@code (seed, name)}. */
  private static final class Stream {
    private long state;

    Stream(long seed, String name) {
      if (name == null) {
        throw new IllegalArgumentException("Initializer needs a parameter name, got null");
      }
      long h = 0xcbf29ce484222325L; // FNV-1a 64 offset basis
      for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
        h ^= b & 0xff;
        h *= 0x100000001b3L;
      }
      state = mix(seed) ^ h;
    }

    long nextLong() {
      state += 0x9e3779b97f4a7c15L;
      return mix(state);
    }

    /** A uniform double in [0, 1) with 53 random bits. */
    double nextDouble() {
      return (nextLong() >>> 11) * 0x1.0p-53;
    }

    private static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      return z ^ (z >>> 31);
    }
  }
}
