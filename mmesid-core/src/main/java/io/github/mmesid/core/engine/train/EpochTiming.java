package io.github.mmesid.core.engine.train;

/**
 * Where the wall time of one epoch went. Across a resume, the epoch that was interrupted sums the
 * time of both processes (up to the checkpoint it resumed from); the setup of the resumed process
 * is charged to the epoch it resumed in.
 *
 * @param epoch 0-based epoch
 * @param updates optimizer updates done in this epoch
 * @param setupSeconds graph export, session creation, buffer allocation and checkpoint reading
 *     before the first update of a {@link Trainer#train} call, charged to the epoch of that update
 * @param trainSeconds batch filling, forward, backward, optimizer updates, listeners and logging
 * @param trainCpuSeconds CPU time of the whole process (all threads, native ones included) during
 *     {@code trainSeconds}, in the operating system's resolution (10 ms ticks on Linux), or -1
 *     where the JVM cannot measure it (or a resumed epoch began before it was recorded): on a
 *     machine shared with other work it compares the training cost of runs better than wall time
 * @param validationSeconds validation hooks and their listeners
 * @param checkpointSeconds writing step and best checkpoints
 */
public record EpochTiming(int epoch, long updates, double setupSeconds, double trainSeconds,
    double trainCpuSeconds, double validationSeconds, double checkpointSeconds) {
  /**
   * Validates the fields.
   *
   * @param epoch see the record description
   * @param updates see the record description
   * @param setupSeconds see the record description
   * @param trainSeconds see the record description
   * @param trainCpuSeconds see the record description
   * @param validationSeconds see the record description
   * @param checkpointSeconds see the record description
   */
  public EpochTiming {
    if (epoch < 0 || updates < 0 || !(setupSeconds >= 0) || !(trainSeconds >= 0)
        || !(validationSeconds >= 0) || !(checkpointSeconds >= 0)
        || !(trainCpuSeconds >= 0 || trainCpuSeconds == -1)) {
      throw new IllegalArgumentException("EpochTiming fields must be >= 0 (trainCpuSeconds: or -1 "
          + "for unknown; the seconds finite); got epoch " + epoch + ", updates " + updates
          + ", seconds " + setupSeconds + "/" + trainSeconds + "/" + validationSeconds + "/"
          + checkpointSeconds + ", train CPU " + trainCpuSeconds);
    }
  }

  /**
   * The epoch's total wall time.
   *
   * @return setup + train + validation + checkpoint seconds
   */
  public double totalSeconds() {
    return setupSeconds + trainSeconds + validationSeconds + checkpointSeconds;
  }
}
