package io.github.mmesid.llm.text;

/**
 * Progress of one {@link SentenceEncoder#embed(java.util.List, EncodingListener)} call, reported
 * after every batch.
 *
 * @param done texts encoded so far, in [1, total]
 * @param total texts in the call
 * @param elapsedSeconds seconds since the call started
 * @param textsPerSecond throughput so far
 * @param etaSeconds estimated seconds until the call finishes (0 when done)
 */
public record EncodingProgress(int done, int total, double elapsedSeconds, double textsPerSecond, double etaSeconds) {

  /**
   * Validates the components.
   *
   * @param done see the record description
   * @param total see the record description
   * @param elapsedSeconds see the record description
   * @param textsPerSecond see the record description
   * @param etaSeconds see the record description
   */
  public EncodingProgress {
    if (total < 0 || done < 0 || done > total) {
      throw new IllegalArgumentException("done " + done + " of total " + total + "; allowed: 0 <= done <= total");
    }
  }

  /**
   * Whether every text of the call has been encoded.
   *
   * @return true on the last report
   */
  public boolean finished() {
    return done == total;
  }
}
