package io.github.mmesid.core.engine.optim;

/**
 * A learning-rate schedule: a pure function from the step counter to a multiplier of the base
 * learning rate, evaluated in Java each step; the trainer feeds the product to the optimizer
 * graph's {@code lr} input.
 *
 * <p><b>Step convention.</b> As in Hugging Face's schedules (a {@code LambdaLR} stepped after each
 * optimizer step), the argument is the number of optimizer updates already completed: the update
 * that the optimizer graph runs with {@code step = t} (1-based) uses {@code lr(baseLr, t - 1)},
 * or equivalently {@link #lrForUpdate(double, long) lrForUpdate(baseLr, t)}. With a warm-up, the
 * first update therefore has learning rate 0, exactly as in Hugging Face's Trainer.
 *
 * <p>Warm-up (all schedules): for {@code step < warmupSteps} the factor is {@code step /
 * max(1, warmupSteps)}. After warm-up, {@code progress = (step - warmupSteps) / max(1,
 * totalSteps - warmupSteps)}.
 */
public sealed interface LrSchedule
    permits LrSchedule.Constant, LrSchedule.Cosine, LrSchedule.Linear {
  /**
   * The multiplier of the base learning rate after {@code step} completed updates.
   *
   * @param step completed updates, {@code >= 0}
   * @return the factor, in {@code [0, 1]}
   */
  double factor(long step);

  /**
   * The learning rate after {@code step} completed updates.
   *
   * @param baseLr the base (peak) learning rate, e.g. {@link Optimizer#lr()}
   * @param step completed updates, {@code >= 0}
   * @return {@code baseLr * factor(step)}
   */
  default double lr(double baseLr, long step) {
    return baseLr * factor(step);
  }

  /**
   * The learning rate of update {@code t} (1-based, the value fed as the optimizer graph's {@code
   * step}).
   *
   * @param baseLr the base (peak) learning rate
   * @param update the 1-based update number, {@code >= 1}
   * @return {@code lr(baseLr, update - 1)}
   */
  default double lrForUpdate(double baseLr, long update) {
    if (update < 1) {
      throw new IllegalArgumentException("Update numbers are 1-based, got " + update
          + " (allowed: >= 1)");
    }
    return lr(baseLr, update - 1);
  }

  /**
   * A constant learning rate.
   *
   * @return the schedule
   */
  static Constant constant() {
    return new Constant(0);
  }

  /**
   * A linear warm-up, then constant (Hugging Face {@code get_constant_schedule_with_warmup}).
   *
   * @param warmupSteps warm-up length, {@code >= 0}
   * @return the schedule
   */
  static Constant constantWithWarmup(long warmupSteps) {
    return new Constant(warmupSteps);
  }

  /**
   * Linear warm-up, then half a cosine down to 0 (Hugging Face {@code
   * get_cosine_schedule_with_warmup}).
   *
   * @param warmupSteps warm-up length, {@code 0 <= warmupSteps <= totalSteps}
   * @param totalSteps total number of updates, {@code >= 1}
   * @return the schedule
   */
  static Cosine cosine(long warmupSteps, long totalSteps) {
    return new Cosine(warmupSteps, totalSteps, 0);
  }

  /**
   * Linear warm-up, then half a cosine down to a floor (Hugging Face {@code
   * get_cosine_with_min_lr_schedule_with_warmup} with {@code min_lr_rate}).
   *
   * @param warmupSteps warm-up length, {@code 0 <= warmupSteps <= totalSteps}
   * @param totalSteps total number of updates, {@code >= 1}
   * @param minFactor the floor as a fraction of the base rate, in {@code [0, 1]}
   * @return the schedule
   */
  static Cosine cosine(long warmupSteps, long totalSteps, double minFactor) {
    return new Cosine(warmupSteps, totalSteps, minFactor);
  }

  /**
   * Linear warm-up, then linear decay to 0 (Hugging Face {@code
   * get_linear_schedule_with_warmup}).
   *
   * @param warmupSteps warm-up length, {@code 0 <= warmupSteps <= totalSteps}
   * @param totalSteps total number of updates, {@code >= 1}
   * @return the schedule
   */
  static Linear linear(long warmupSteps, long totalSteps) {
    return new Linear(warmupSteps, totalSteps, 0);
  }

  /**
   * Linear warm-up, then linear decay to a floor.
   *
   * @param warmupSteps warm-up length, {@code 0 <= warmupSteps <= totalSteps}
   * @param totalSteps total number of updates, {@code >= 1}
   * @param endFactor the final factor, in {@code [0, 1]}
   * @return the schedule
   */
  static Linear linear(long warmupSteps, long totalSteps, double endFactor) {
    return new Linear(warmupSteps, totalSteps, endFactor);
  }

  /**
   * Constant factor 1 after an optional linear warm-up.
   *
   * @param warmupSteps warm-up length, {@code >= 0} (0: no warm-up)
   */
  record Constant(long warmupSteps) implements LrSchedule {
    /**
     * Validates the fields.
     *
     * @param warmupSteps see the record description
     */
    public Constant {
      if (warmupSteps < 0) {
        throw new IllegalArgumentException("Constant schedule warmupSteps must be >= 0, got "
            + warmupSteps);
      }
    }

    @Override
    public double factor(long step) {
      checkStep(step);
      return step < warmupSteps ? warmup(step, warmupSteps) : 1.0;
    }
  }

  /**
   * Linear warm-up, then {@code minFactor + (1 - minFactor) * 0.5 * (1 + cos(pi * progress))}.
   * Past {@code totalSteps} the factor stays at {@code minFactor} (progress is clamped to 1;
   * Hugging Face's formula would start rising again there).
   *
   * @param warmupSteps warm-up length, {@code 0 <= warmupSteps <= totalSteps}
   * @param totalSteps total number of updates, {@code >= 1}
   * @param minFactor the floor as a fraction of the base rate, in {@code [0, 1]}
   */
  record Cosine(long warmupSteps, long totalSteps, double minFactor) implements LrSchedule {
    /**
     * Validates the fields.
     *
     * @param warmupSteps see the record description
     * @param totalSteps see the record description
     * @param minFactor see the record description
     */
    public Cosine {
      checkSteps("Cosine", warmupSteps, totalSteps);
      Checks.unitClosed("Cosine schedule", "minFactor", minFactor);
    }

    @Override
    public double factor(long step) {
      checkStep(step);
      if (step < warmupSteps) {
        return warmup(step, warmupSteps);
      }
      double progress = progress(step, warmupSteps, totalSteps);
      double cos = 0.5 * (1.0 + Math.cos(Math.PI * progress));
      return Math.max(0.0, cos * (1.0 - minFactor) + minFactor);
    }
  }

  /**
   * Linear warm-up, then {@code endFactor + (1 - endFactor) * (1 - progress)}; past {@code
   * totalSteps} the factor stays at {@code endFactor}.
   *
   * @param warmupSteps warm-up length, {@code 0 <= warmupSteps <= totalSteps}
   * @param totalSteps total number of updates, {@code >= 1}
   * @param endFactor the final factor, in {@code [0, 1]}
   */
  record Linear(long warmupSteps, long totalSteps, double endFactor) implements LrSchedule {
    /**
     * Validates the fields.
     *
     * @param warmupSteps see the record description
     * @param totalSteps see the record description
     * @param endFactor see the record description
     */
    public Linear {
      checkSteps("Linear", warmupSteps, totalSteps);
      Checks.unitClosed("Linear schedule", "endFactor", endFactor);
    }

    @Override
    public double factor(long step) {
      checkStep(step);
      if (step < warmupSteps) {
        return warmup(step, warmupSteps);
      }
      double remaining = 1.0 - progress(step, warmupSteps, totalSteps);
      return endFactor + (1.0 - endFactor) * remaining;
    }
  }

  private static void checkSteps(String owner, long warmupSteps, long totalSteps) {
    if (totalSteps < 1) {
      throw new IllegalArgumentException(owner + " schedule totalSteps must be >= 1, got "
          + totalSteps);
    }
    if (warmupSteps < 0 || warmupSteps > totalSteps) {
      throw new IllegalArgumentException(owner + " schedule warmupSteps must be in [0, "
          + "totalSteps] = [0, " + totalSteps + "], got " + warmupSteps);
    }
  }

  private static void checkStep(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("Schedule step (completed updates) must be >= 0, got "
          + step);
    }
  }

  private static double warmup(long step, long warmupSteps) {
    return (double) step / Math.max(1L, warmupSteps);
  }

  private static double progress(long step, long warmupSteps, long totalSteps) {
    double p = (double) (step - warmupSteps) / Math.max(1L, totalSteps - warmupSteps);
    return Math.min(1.0, p);
  }
}
