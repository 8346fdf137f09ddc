package io.github.mmesid.core.engine.optim;

import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * An immutable, validated optimizer configuration with PyTorch semantics. The update itself runs
 * as an ONNX graph built by {@link OptimizerGraph}; the configuration fixes everything except
 * the learning rate of each step, which the trainer feeds (usually {@link LrSchedule#lr(double,
 * long)} of {@link #lr()}).
 *
 * <p>Shared options:
 *
 * <ul>
 *   <li>{@code lr}: the base (peak) learning rate, finite and {@code >= 0};
 *   <li>{@code weightDecay}: finite and {@code >= 0}; how it acts depends on the optimizer (L2
 *       added to the gradient for {@link Sgd} and coupled {@link Adam}, decoupled for AdamW, the
 *       {@link Adam} with {@code decoupled = true});
 *   <li>{@code decayFilter}: a predicate on the parameter name; weight decay applies only to the
 *       parameters it accepts (e.g. {@link #excludeBiasAndNorm()} to spare biases and norms);
 *   <li>{@code maxGradNorm}: global-norm gradient clipping like {@code
 *       torch.nn.utils.clip_grad_norm_}: all gradients are multiplied by {@code min(1, maxGradNorm
 *       / (totalNorm + 1e-6))}, {@code totalNorm} being the L2 norm over all gradients together;
 *       {@link Double#POSITIVE_INFINITY} disables clipping.
 * </ul>
 *
 * <p>Construct with {@link #sgd(double)}, {@link #adam(double)} or {@link #adamW(double)} and
 * refine with the {@code with...} methods, or call a record constructor directly.
 */
public sealed interface Optimizer permits Optimizer.Sgd, Optimizer.Adam {
  /** The constant added to the total norm by gradient clipping (as in PyTorch). */
  double CLIP_EPS = 1e-6;

  /**
   * The optimizer's usual name, for logs and run descriptions.
   *
   * @return {@code "SGD"}, {@code "Adam"} or {@code "AdamW"}
   */
  String name();

  /**
   * The base learning rate.
   *
   * @return finite and {@code >= 0}
   */
  double lr();

  /**
   * The weight-decay coefficient.
   *
   * @return finite and {@code >= 0}
   */
  double weightDecay();

  /**
   * Which parameters (by name) receive weight decay.
   *
   * @return the predicate
   */
  Predicate<String> decayFilter();

  /**
   * The global gradient-norm bound, or {@link Double#POSITIVE_INFINITY} for no clipping.
   *
   * @return {@code > 0}
   */
  double maxGradNorm();

  /**
   * The state slots every parameter has, in order.
   *
   * @return the slots (possibly empty)
   */
  List<StateSlot> stateSlots();

  /**
   * A copy with another base learning rate.
   *
   * @param lr finite and {@code >= 0}
   * @return the new configuration
   */
  Optimizer withLr(double lr);

  /**
   * A copy with another weight-decay coefficient.
   *
   * @param weightDecay finite and {@code >= 0}
   * @return the new configuration
   */
  Optimizer withWeightDecay(double weightDecay);

  /**
   * A copy with another weight-decay filter.
   *
   * @param decayFilter accepts the names of the parameters that decay
   * @return the new configuration
   */
  Optimizer withDecayFilter(Predicate<String> decayFilter);

  /**
   * A copy with another clipping bound.
   *
   * @param maxGradNorm {@code > 0}; {@link Double#POSITIVE_INFINITY} disables clipping
   * @return the new configuration
   */
  Optimizer withMaxGradNorm(double maxGradNorm);

  /**
   * Whether weight decay applies to a parameter.
   *
   * @param param the parameter name
   * @return true if {@code weightDecay() > 0} and the filter accepts the name
   */
  default boolean decays(String param) {
    return weightDecay() > 0 && decayFilter().test(param);
  }

  /**
   * Whether gradients are clipped.
   *
   * @return true if {@link #maxGradNorm()} is finite
   */
  default boolean clips() {
    return Double.isFinite(maxGradNorm());
  }

  /**
   * Whether the update uses the 1-based step counter (for bias correction).
   *
   * @return true for Adam and AdamW
   */
  default boolean usesStep() {
    return !(this instanceof Sgd);
  }

  /**
   * The filter that applies weight decay to every parameter.
   *
   * @return a predicate accepting every name
   */
  static Predicate<String> decayAll() {
    return name -> true;
  }

  /**
   * The usual filter that spares biases and normalisation weights: it rejects a name whose last
   * dot-separated segment is {@code bias}, or any of whose segments contains {@code norm} or is
   * {@code ln}, {@code ln_f} or starts with {@code ln_} (case-insensitive), e.g. {@code
   * fc.bias}, {@code layers.0.input_layernorm.weight}, {@code norm.weight}, {@code ln_1.weight}.
   *
   * @return the predicate
   */
  static Predicate<String> excludeBiasAndNorm() {
    return name -> {
      String[] parts = name.toLowerCase(Locale.ROOT).split("\\.");
      if (parts.length > 0 && parts[parts.length - 1].equals("bias")) {
        return false;
      }
      for (String s : parts) {
        if (s.contains("norm") || s.equals("ln") || s.startsWith("ln_")) {
          return false;
        }
      }
      return true;
    };
  }

  /**
   * Plain SGD: no momentum, no weight decay, no clipping.
   *
   * @param lr base learning rate
   * @return the configuration
   */
  static Sgd sgd(double lr) {
    return new Sgd(lr, 0, false, 0, decayAll(), Double.POSITIVE_INFINITY);
  }

  /**
   * Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay, no clipping.
   *
   * @param lr base learning rate
   * @return the configuration
   */
  static Adam adam(double lr) {
    return new Adam(lr, 0.9, 0.999, 1e-8, 0, false, decayAll(), Double.POSITIVE_INFINITY);
  }

  /**
   * AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01 on every
   * parameter, no clipping.
   *
   * @param lr base learning rate
   * @return the configuration
   */
  static Adam adamW(double lr) {
    return new Adam(lr, 0.9, 0.999, 1e-8, 0.01, true, decayAll(), Double.POSITIVE_INFINITY);
  }

  /**
   * Stochastic gradient descent with optional (Nesterov) momentum, like {@code torch.optim.SGD}
   * with {@code dampening = 0}. Per parameter: {@code g = grad + weightDecay * p} (if it decays);
   * with momentum {@code buf = momentum * buf + g} (the buffer starts at zeros, so the first step
   * gives {@code buf = g} as in PyTorch) and {@code d = nesterov ? g + momentum * buf : buf};
   * without momentum {@code d = g}; then {@code p = p - lr * d}.
   *
   * @param lr base learning rate, finite and {@code >= 0}
   * @param momentum momentum factor in {@code [0, 1)}; 0 means no momentum and no state
   * @param nesterov Nesterov momentum (needs {@code momentum > 0})
   * @param weightDecay L2 coefficient added to the gradient, finite and {@code >= 0}
   * @param decayFilter which parameters decay
   * @param maxGradNorm clipping bound, or {@link Double#POSITIVE_INFINITY}
   */
  record Sgd(double lr, double momentum, boolean nesterov, double weightDecay,
      Predicate<String> decayFilter, double maxGradNorm) implements Optimizer {
    /**
     * Validates the fields.
     *
     * @param lr see the record description
     * @param momentum see the record description
     * @param nesterov see the record description
     * @param weightDecay see the record description
     * @param decayFilter see the record description
     * @param maxGradNorm see the record description
     */
    public Sgd {
      Checks.nonNegative("Sgd", "lr", lr);
      Checks.unitHalfOpen("Sgd", "momentum", momentum);
      if (nesterov && momentum == 0) {
        throw new IllegalArgumentException(
            "Sgd nesterov needs momentum > 0 (allowed: momentum in (0, 1)), got momentum 0");
      }
      Checks.nonNegative("Sgd", "weightDecay", weightDecay);
      Checks.nonNull("Sgd", "decayFilter", decayFilter);
      Checks.maxGradNorm("Sgd", maxGradNorm);
    }

    @Override
    public String name() {
      return "SGD";
    }

    @Override
    public List<StateSlot> stateSlots() {
      return momentum > 0 ? List.of(StateSlot.MOMENTUM) : List.of();
    }

    /**
     * A copy with momentum.
     *
     * @param momentum in {@code [0, 1)}
     * @param nesterov Nesterov momentum (needs {@code momentum > 0})
     * @return the new configuration
     */
    public Sgd withMomentum(double momentum, boolean nesterov) {
      return new Sgd(lr, momentum, nesterov, weightDecay, decayFilter, maxGradNorm);
    }

    @Override
    public Sgd withLr(double lr) {
      return new Sgd(lr, momentum, nesterov, weightDecay, decayFilter, maxGradNorm);
    }

    @Override
    public Sgd withWeightDecay(double weightDecay) {
      return new Sgd(lr, momentum, nesterov, weightDecay, decayFilter, maxGradNorm);
    }

    @Override
    public Sgd withDecayFilter(Predicate<String> decayFilter) {
      return new Sgd(lr, momentum, nesterov, weightDecay, decayFilter, maxGradNorm);
    }

    @Override
    public Sgd withMaxGradNorm(double maxGradNorm) {
      return new Sgd(lr, momentum, nesterov, weightDecay, decayFilter, maxGradNorm);
    }
  }

  /**
   * Adam, with weight decay either added to the gradient ({@code torch.optim.Adam}) or decoupled
   * from it ({@code torch.optim.AdamW}). At step {@code t} (1-based), per parameter that decays:
   * coupled, {@code g = grad + weightDecay * p}; decoupled, {@code p = p - lr * weightDecay * p}.
   * Then {@code m = beta1 m + (1 - beta1) g}; {@code v = beta2 v + (1 - beta2) g^2}; {@code p = p
   * - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)}.
   *
   * <p>{@link Optimizer#adam(double)} and {@link Optimizer#adamW(double)} give PyTorch's defaults
   * of the two variants; {@link #name()} is {@code "AdamW"} for the decoupled one, else {@code
   * "Adam"}.
   *
   * @param lr base learning rate, finite and {@code >= 0}
   * @param beta1 first-moment decay in {@code [0, 1)}
   * @param beta2 second-moment decay in {@code [0, 1)}
   * @param eps denominator term, finite and {@code >= 0}
   * @param weightDecay weight-decay coefficient, finite and {@code >= 0}
   * @param decoupled true for decoupled (AdamW) decay, false for L2 decay added to the gradient
   * @param decayFilter which parameters decay
   * @param maxGradNorm clipping bound, or {@link Double#POSITIVE_INFINITY}
   */
  record Adam(double lr, double beta1, double beta2, double eps, double weightDecay,
      boolean decoupled, Predicate<String> decayFilter, double maxGradNorm) implements Optimizer {
    /**
     * Validates the fields.
     *
     * @param lr see the record description
     * @param beta1 see the record description
     * @param beta2 see the record description
     * @param eps see the record description
     * @param weightDecay see the record description
     * @param decoupled see the record description
     * @param decayFilter see the record description
     * @param maxGradNorm see the record description
     */
    public Adam {
      String owner = decoupled ? "AdamW" : "Adam";
      Checks.nonNegative(owner, "lr", lr);
      Checks.unitHalfOpen(owner, "beta1", beta1);
      Checks.unitHalfOpen(owner, "beta2", beta2);
      Checks.nonNegative(owner, "eps", eps);
      Checks.nonNegative(owner, "weightDecay", weightDecay);
      Checks.nonNull(owner, "decayFilter", decayFilter);
      Checks.maxGradNorm(owner, maxGradNorm);
    }

    @Override
    public String name() {
      return decoupled ? "AdamW" : "Adam";
    }

    @Override
    public List<StateSlot> stateSlots() {
      return List.of(StateSlot.EXP_AVG, StateSlot.EXP_AVG_SQ);
    }

    /**
     * A copy with other betas.
     *
     * @param beta1 in {@code [0, 1)}
     * @param beta2 in {@code [0, 1)}
     * @return the new configuration
     */
    public Adam withBetas(double beta1, double beta2) {
      return new Adam(lr, beta1, beta2, eps, weightDecay, decoupled, decayFilter, maxGradNorm);
    }

    /**
     * A copy with another epsilon.
     *
     * @param eps finite and {@code >= 0}
     * @return the new configuration
     */
    public Adam withEps(double eps) {
      return new Adam(lr, beta1, beta2, eps, weightDecay, decoupled, decayFilter, maxGradNorm);
    }

    /**
     * A copy with decoupled (AdamW) or coupled (Adam) weight decay.
     *
     * @param decoupled true for AdamW's decoupled decay
     * @return the new configuration
     */
    public Adam withDecoupled(boolean decoupled) {
      return new Adam(lr, beta1, beta2, eps, weightDecay, decoupled, decayFilter, maxGradNorm);
    }

    @Override
    public Adam withLr(double lr) {
      return new Adam(lr, beta1, beta2, eps, weightDecay, decoupled, decayFilter, maxGradNorm);
    }

    @Override
    public Adam withWeightDecay(double weightDecay) {
      return new Adam(lr, beta1, beta2, eps, weightDecay, decoupled, decayFilter, maxGradNorm);
    }

    @Override
    public Adam withDecayFilter(Predicate<String> decayFilter) {
      return new Adam(lr, beta1, beta2, eps, weightDecay, decoupled, decayFilter, maxGradNorm);
    }

    @Override
    public Adam withMaxGradNorm(double maxGradNorm) {
      return new Adam(lr, beta1, beta2, eps, weightDecay, decoupled, decayFilter, maxGradNorm);
    }
  }
}
