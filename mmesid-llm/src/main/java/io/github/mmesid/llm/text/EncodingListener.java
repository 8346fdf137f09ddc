package io.github.mmesid.llm.text;

/**
 * Receives the progress of a long {@link SentenceEncoder} call, e.g. to drive a progress bar over
 * a large catalog. Called on the calling thread after every batch; it should return quickly. An
 * exception thrown here aborts the call and propagates.
 */
@FunctionalInterface
public interface EncodingListener {

  /** A listener that ignores every report. */
  EncodingListener NONE = p -> { };

  /**
   * After each batch.
   *
   * @param progress texts done, total, rate and ETA
   */
  void onBatch(EncodingProgress progress);
}
