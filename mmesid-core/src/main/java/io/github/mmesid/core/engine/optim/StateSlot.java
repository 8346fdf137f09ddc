package io.github.mmesid.core.engine.optim;

/**
 * A kind of per-parameter optimizer state. Each slot has a short, stable prefix: the state of
 * parameter {@code X} in slot {@code s} is named {@code s.prefix() + "." + X} (e.g. {@code
 * m.encoder.0.weight}), both as an optimizer-graph input and as a checkpoint key.
 */
public enum StateSlot {
  /** Adam/AdamW first moment (PyTorch {@code exp_avg}), prefix {@code m}. */
  EXP_AVG("m"),
  /** Adam/AdamW second moment (PyTorch {@code exp_avg_sq}), prefix {@code v}. */
  EXP_AVG_SQ("v"),
  /** SGD momentum buffer (PyTorch {@code momentum_buffer}), prefix {@code mom}. */
  MOMENTUM("mom");

  private final String prefix;

  StateSlot(String prefix) {
    this.prefix = prefix;
  }

  /**
   * The name prefix of this slot.
   *
   * @return {@code m}, {@code v} or {@code mom}
   */
  public String prefix() {
    return prefix;
  }

  /**
   * The state name of a parameter in this slot.
   *
   * @param param the parameter name
   * @return {@code prefix() + "." + param}
   */
  public String stateName(String param) {
    return prefix + "." + param;
  }
}
