package io.github.mmesid.core.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.engine.graph.DType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Plain-Java double reference of the optimizers (written from the textbook/PyTorch formulas, one
 * element at a time) and a driver that runs an {@link OptimizerGraph} side by side with it.
 */
final class OptimReference {
  private OptimReference() {}

  /** Global L2 norm of the scaled gradients. */
  static double totalNorm(Map<String, double[]> grads, double gradScale) {
    double ss = 0;
    for (double[] g : grads.values()) {
      for (double x : g) {
        ss += (gradScale * x) * (gradScale * x);
      }
    }
    return Math.sqrt(ss);
  }

  /**
   * One reference update of every parameter, in place; returns the total gradient norm.
   *
   * @param state per state name ({@code m.X}, {@code v.X}, {@code mom.X})
   */
  static double step(Optimizer opt, Map<String, double[]> params, Map<String, double[]> grads,
      Map<String, double[]> state, double lr, int t, double gradScale) {
    double norm = totalNorm(grads, gradScale);
    double coef = 1.0;
    if (Double.isFinite(opt.maxGradNorm())) {
      coef = Math.min(1.0, opt.maxGradNorm() / (norm + 1e-6));
    }
    for (Map.Entry<String, double[]> e : params.entrySet()) {
      String name = e.getKey();
      double[] p = e.getValue();
      double[] graw = grads.get(name);
      double wd = opt.decays(name) ? opt.weightDecay() : 0.0;
      for (int i = 0; i < p.length; i++) {
        double g = graw[i] * gradScale * coef;
        if (opt instanceof Optimizer.Sgd sgd) {
          g = g + wd * p[i];
          double d = g;
          if (sgd.momentum() > 0) {
            double[] buf = state.get("mom." + name);
            buf[i] = t == 1 ? g : sgd.momentum() * buf[i] + g;
            d = sgd.nesterov() ? g + sgd.momentum() * buf[i] : buf[i];
          }
          p[i] = p[i] - lr * d;
        } else {
          Optimizer.Adam a = (Optimizer.Adam) opt;
          double b1 = a.beta1();
          double b2 = a.beta2();
          double eps = a.eps();
          boolean decoupled = a.decoupled();
          if (decoupled) {
            p[i] = p[i] - lr * wd * p[i];
          } else {
            g = g + wd * p[i];
          }
          double[] m = state.get("m." + name);
          double[] v = state.get("v." + name);
          m[i] = b1 * m[i] + (1 - b1) * g;
          v[i] = b2 * v[i] + (1 - b2) * g * g;
          double mhat = m[i] / (1 - Math.pow(b1, t));
          double vhat = v[i] / (1 - Math.pow(b2, t));
          p[i] = p[i] - lr * mhat / (Math.sqrt(vhat) + eps);
        }
      }
    }
    return norm;
  }

  /** Rounds to float32 when the dtype is FLOAT32. */
  static double[] round(DType dt, double[] v) {
    if (dt != DType.FLOAT32) {
      return v.clone();
    }
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) v[i];
    }
    return out;
  }

  /** Elementwise relative comparison: {@code |a - r| <= rtol * |r|}. */
  static void assertRel(String what, double[] ref, double[] act, double rtol) {
    assertEquals(ref.length, act.length, what + " length");
    for (int i = 0; i < ref.length; i++) {
      double err = Math.abs(act[i] - ref[i]);
      int idx = i;
      assertTrue(err <= rtol * Math.abs(ref[i]),
          () -> what + "[" + idx + "]: graph " + act[idx] + " vs reference " + ref[idx]
              + " (relative error " + err / Math.abs(ref[idx]) + " > " + rtol + ")");
    }
  }

  /** Random values of magnitude in [lo, hi) with random signs. */
  static double[] magnitudes(SplittableRandom r, int n, double lo, double hi) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextDouble(lo, hi) * (r.nextBoolean() ? 1 : -1);
    }
    return v;
  }

  /**
   * Runs {@code steps} updates through ONNX Runtime and the reference side by side and compares
   * parameters, states and (when present) the gradient norm after every step.
   *
   * @param gradMagnitude gradients have magnitudes in [0.2, 1) times this, with a sign fixed per
   *     element (so moments never cancel, keeping relative comparisons meaningful)
   * @return the final graph parameter values by name
   */
  static Map<String, double[]> simulate(Optimizer opt, List<ParamSpec> specs, LrSchedule sched,
      int steps, double gradScale, double gradMagnitude, double rtol, long seed)
      throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    OptimizerGraph og = OptimizerGraph.build(opt, specs);
    Map<String, double[]> refP = new LinkedHashMap<>();
    Map<String, double[]> refS = new LinkedHashMap<>();
    Map<String, double[]> sign = new LinkedHashMap<>();
    Map<String, double[]> cur = new LinkedHashMap<>(); // graph-side values by input name
    for (ParamSpec ps : specs) {
      int n = (int) ps.numel();
      double[] p0 = round(ps.dtype(), magnitudes(r, n, 0.5, 1.5));
      refP.put(ps.name(), p0.clone());
      cur.put(OptimizerGraph.paramInput(ps.name()), p0.clone());
      sign.put(ps.name(), magnitudes(r, n, 1, 1.0000001));
    }
    for (StateSpec s : og.states()) {
      refS.put(s.name(), new double[(int) s.shape().numel()]);
      cur.put(s.name(), s.zeros().toDoubles());
    }
    try (OrtOptimRun run = new OrtOptimRun(og)) {
      for (int t = 1; t <= steps; t++) {
        double lr = sched.lrForUpdate(opt.lr(), t);
        Map<String, double[]> grads = new LinkedHashMap<>();
        Map<String, double[]> feeds = new LinkedHashMap<>(cur);
        for (ParamSpec ps : specs) {
          double[] s = sign.get(ps.name());
          double[] g = new double[s.length];
          for (int i = 0; i < g.length; i++) {
            g[i] = s[i] * gradMagnitude * r.nextDouble(0.2, 1.0);
          }
          g = round(ps.dtype(), g);
          grads.put(ps.name(), g);
          feeds.put(OptimizerGraph.gradInput(ps.name()), g);
        }
        feeds.put(OptimizerGraph.LR, new double[] {lr});
        feeds.put(OptimizerGraph.GRAD_SCALE, new double[] {gradScale});
        if (og.hasStepInput()) {
          feeds.put(OptimizerGraph.STEP, new double[] {t});
        }
        Map<String, double[]> out = run.run(feeds);
        double refNorm = step(opt, refP, grads, refS, lr, t, gradScale);
        for (Map.Entry<String, String> e : og.outputToInput().entrySet()) {
          String in = e.getValue();
          double[] ref = in.startsWith("p.") ? refP.get(in.substring(2)) : refS.get(in);
          assertRel("step " + t + " " + e.getKey(), ref, out.get(e.getKey()), rtol);
          cur.put(in, out.get(e.getKey()));
        }
        if (og.hasGradNorm()) {
          assertRel("step " + t + " gradNorm", new double[] {refNorm},
              out.get(OptimizerGraph.GRAD_NORM), rtol);
        }
      }
    }
    Map<String, double[]> result = new LinkedHashMap<>();
    for (ParamSpec ps : specs) {
      result.put(ps.name(), cur.get(OptimizerGraph.paramInput(ps.name())));
    }
    return result;
  }
}
