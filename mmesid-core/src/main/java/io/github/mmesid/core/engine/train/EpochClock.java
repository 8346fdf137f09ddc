package io.github.mmesid.core.engine.train;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits the wall time of a training run into the epochs' setup, training, validation and
 * checkpointing: every moment between two {@link #charge} calls goes to exactly one phase of one
 * epoch. Setup time waits until the first update of an epoch claims it. The process's CPU time
 * during training is counted the same way. Not thread-safe.
 */
final class EpochClock {
  /** Where time goes. */
  enum Phase { SETUP, TRAIN, VALIDATION, CHECKPOINT }

  /** One epoch's running totals. */
  private static final class Epoch {
    final int index;
    long updates;
    final double[] seconds = new double[Phase.values().length];
    double trainCpu; // -1: unknown

    Epoch(int index) {
      this.index = index;
    }
  }

  private static final OperatingSystemMXBean OS = osBean();
  private final List<Epoch> epochs = new ArrayList<>();
  private long mark;
  private long cpuMark;
  private double pendingSetup;

  /**
   * Starts the clock.
   *
   * @param startNanos {@link System#nanoTime()} from which the first charge counts
   * @param setupSeconds setup time already spent before that (for example construction)
   */
  EpochClock(long startNanos, double setupSeconds) {
    this.mark = startNanos;
    this.cpuMark = processCpuNanos();
    this.pendingSetup = setupSeconds;
  }

  private static OperatingSystemMXBean osBean() {
    java.lang.management.OperatingSystemMXBean b = ManagementFactory.getOperatingSystemMXBean();
    return b instanceof OperatingSystemMXBean ? (OperatingSystemMXBean) b : null;
  }

  /** CPU nanoseconds of the whole process so far, or -1 where unavailable. */
  static long processCpuNanos() {
    return OS == null ? -1 : OS.getProcessCpuTime();
  }

  /** Continues the totals of a resumed run. */
  void restore(List<EpochTiming> timings) {
    for (EpochTiming t : timings) {
      Epoch e = new Epoch(t.epoch());
      e.updates = t.updates();
      e.seconds[Phase.SETUP.ordinal()] = t.setupSeconds();
      e.seconds[Phase.TRAIN.ordinal()] = t.trainSeconds();
      e.seconds[Phase.VALIDATION.ordinal()] = t.validationSeconds();
      e.seconds[Phase.CHECKPOINT.ordinal()] = t.checkpointSeconds();
      e.trainCpu = t.trainCpuSeconds();
      epochs.add(e);
    }
  }

  /** Charges the time since the last charge to a phase of an epoch (setup: to the next update). */
  void charge(Phase phase, int epoch) {
    long now = System.nanoTime();
    long cpu = processCpuNanos();
    double s = (now - mark) / 1e9;
    double cpuSeconds = cpu < 0 || cpuMark < 0 ? -1 : (cpu - cpuMark) / 1e9;
    mark = now;
    cpuMark = cpu;
    if (phase == Phase.SETUP) {
      pendingSetup += s;
    } else {
      Epoch e = epoch(epoch);
      e.seconds[phase.ordinal()] += s;
      if (phase == Phase.TRAIN && e.trainCpu >= 0) {
        e.trainCpu = cpuSeconds < 0 ? -1 : e.trainCpu + cpuSeconds;
      }
    }
  }

  /** Counts an update of an epoch. */
  void countUpdate(int epoch) {
    epoch(epoch).updates++;
  }

  private Epoch epoch(int index) {
    Epoch e = epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    if (e == null || e.index != index) {
      e = new Epoch(index);
      epochs.add(e);
    }
    if (pendingSetup > 0) {
      e.seconds[Phase.SETUP.ordinal()] += pendingSetup;
      pendingSetup = 0;
    }
    return e;
  }

  /** The totals so far, in epoch order. */
  List<EpochTiming> timings() {
    List<EpochTiming> out = new ArrayList<>();
    for (Epoch e : epochs) {
      double[] s = e.seconds;
      out.add(new EpochTiming(e.index, e.updates, s[0], s[1], e.trainCpu, s[2], s[3]));
    }
    return out;
  }
}
