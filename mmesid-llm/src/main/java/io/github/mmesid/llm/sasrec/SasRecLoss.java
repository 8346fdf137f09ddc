package io.github.mmesid.llm.sasrec;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Locale;

/** The training loss of SASRec. */
public enum SasRecLoss {
  /** Softmax cross-entropy of each target against all items (the default). */
  CROSS_ENTROPY,
  /**
   * Binary cross-entropy of each target against {@link SasRecConfig#negatives()} negatives drawn
   * uniformly from all items (as in the original SASRec paper; a negative may occasionally equal a
   * positive).
   */
  SAMPLED_BCE;

  /**
   * Parses {@code ce}/{@code cross_entropy} or {@code bce}/{@code sampled_bce}
   * (case-insensitive); also how configuration JSON and the command line read the loss.
   *
   * @param s the name
   * @return the loss
   * @throws IllegalArgumentException if the name is none of the allowed values
   */
  @JsonCreator
  public static SasRecLoss parse(String s) {
    switch (s == null ? "" : s.toLowerCase(Locale.ROOT).replace('-', '_')) {
      case "ce":
      case "cross_entropy":
        return CROSS_ENTROPY;
      case "bce":
      case "sampled_bce":
        return SAMPLED_BCE;
      default:
        throw new IllegalArgumentException(
            "loss '" + s + "' is unknown; allowed: ce (cross_entropy), bce (sampled_bce)");
    }
  }
}
