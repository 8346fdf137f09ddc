package io.github.mmesid.spark;

import java.io.Serializable;

/**
 * The {@link ScoringOptions} as a task closure carries them: three plain values, so that the
 * public record need not be {@link Serializable}.
 *
 * @param batchSize see {@link ScoringOptions#batchSize()}
 * @param intraOpThreads see {@link ScoringOptions#intraOpThreads()}
 * @param baseModel see {@link ScoringOptions#baseModel()}
 */
record TaskOptions(int batchSize, int intraOpThreads, String baseModel) implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Captures options for a task closure. */
  static TaskOptions of(ScoringOptions o) {
    return new TaskOptions(o.batchSize(), o.intraOpThreads(), o.baseModel());
  }

  /** The options again, validated, on the executor. */
  ScoringOptions options() {
    return new ScoringOptions(batchSize, intraOpThreads, baseModel);
  }
}
