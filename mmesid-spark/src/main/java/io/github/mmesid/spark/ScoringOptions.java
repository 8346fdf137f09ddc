package io.github.mmesid.spark;

/**
 * How executors load and run a model: ONNX Runtime threads, the scoring batch size, and the base
 * model of a bundle that adapts a Hugging Face checkpoint. Immutable and validated; besides the
 * model path, its three values are all that these classes send to executors.
 *
 * @param batchSize users scored per model call inside a partition, 1..65536 (default 256)
 * @param intraOpThreads ONNX Runtime intra-op threads of each model session an executor loads,
 *     1..4096 (default 1: the executor's task slots already run one task per core, and all
 *     tasks of an executor share one session)
 * @param baseModel the Hugging Face checkpoint directory a LoRA or frozen-backbone MME-SID bundle
 *     needs (the same path on every executor), or null for bundles that store their backbone
 */
public record ScoringOptions(int batchSize, int intraOpThreads, String baseModel) {

  /** The default batch size: {@value}. */
  public static final int DEFAULT_BATCH_SIZE = 256;

  /**
   * Validates the components.
   *
   * @param batchSize 1..65536
   * @param intraOpThreads 1..4096
   * @param baseModel null or a non-blank path
   * @throws IllegalArgumentException naming the bad value and the allowed range
   */
  public ScoringOptions {
    if (batchSize < 1 || batchSize > 65536) {
      throw new IllegalArgumentException("batchSize = " + batchSize + "; allowed 1..65536");
    }
    if (intraOpThreads < 1 || intraOpThreads > 4096) {
      throw new IllegalArgumentException("intraOpThreads = " + intraOpThreads + "; allowed 1..4096");
    }
    if (baseModel != null && baseModel.isBlank()) {
      throw new IllegalArgumentException("baseModel is blank; give a checkpoint directory or null");
    }
  }

  /**
   * The defaults: batches of {@value #DEFAULT_BATCH_SIZE}, one ONNX Runtime thread, no base
   * model.
   *
   * @return default options
   */
  public static ScoringOptions defaults() {
    return new ScoringOptions(DEFAULT_BATCH_SIZE, 1, null);
  }

  /**
   * Returns these options with another batch size.
   *
   * @param n 1..65536
   * @return new options
   */
  public ScoringOptions withBatchSize(int n) {
    return new ScoringOptions(n, intraOpThreads, baseModel);
  }

  /**
   * Returns these options with another number of ONNX Runtime intra-op threads per session.
   *
   * @param n 1..4096
   * @return new options
   */
  public ScoringOptions withIntraOpThreads(int n) {
    return new ScoringOptions(batchSize, n, baseModel);
  }

  /**
   * Returns these options with a base model for checkpoint-adapting MME-SID bundles.
   *
   * @param dir the checkpoint directory, or null
   * @return new options
   */
  public ScoringOptions withBaseModel(String dir) {
    return new ScoringOptions(batchSize, intraOpThreads, dir);
  }
}
