package io.github.mmesid.llm.sasrec;

import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.engine.train.Batch;
import io.github.mmesid.core.engine.train.BatchSource;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training sequences of SASRec: one example per user whose training part has at least two
 * items. The example's window is the last {@code maxLen + 1} training items; the input is the
 * window without its last item (left-padded to {@code maxLen}), and every input position predicts
 * the item that follows it.
 *
 * <p>Only positions with a target enter the loss: they are gathered into {@code V} rows, where
 * {@code V} is fixed per batch size (the batch buffers are allocated once) at six standard
 * deviations above the expected count. In the rare batch with more targets than {@code V}, the
 * oldest targets of its longest sequences are dropped (deterministically) and counted in {@link
 * #droppedTargets()}. Deterministic: the same example ids fill the same batch.
 */
final class SasRecBatches implements BatchSource {
  private final int[][] windows;
  private final int maxLen;
  private final double meanTargets;
  private final double stdTargets;
  private final Map<Integer, Integer> capacities = new HashMap<>();
  private long dropped;

  SasRecBatches(LeaveOneOutSplit split, int maxLen) {
    this.maxLen = maxLen;
    List<int[]> w = new ArrayList<>();
    double sum = 0;
    double sumSq = 0;
    for (int u = 0; u < split.dataset().numUsers(); u++) {
      int len = split.trainLength(u);
      if (len < 2) {
        continue;
      }
      int from = Math.max(0, len - maxLen - 1);
      int[] win = split.dataset().sequence(u, from, len);
      w.add(win);
      double t = win.length - 1;
      sum += t;
      sumSq += t * t;
    }
    if (w.isEmpty()) {
      throw new IllegalArgumentException("no user has at least 2 training items (the training part "
          + "is each sequence without its last 2 items); SASRec needs at least one such user");
    }
    this.windows = w.toArray(new int[0][]);
    this.meanTargets = sum / windows.length;
    this.stdTargets = Math.sqrt(Math.max(0, sumSq / windows.length - meanTargets * meanTargets));
  }

  @Override
  public int size() {
    return windows.length;
  }

  /**
   * The number of target rows {@code V} for a batch size.
   *
   * @param batchSize examples per batch
   * @return V, between maxLen and batchSize * maxLen
   */
  synchronized int capacity(int batchSize) {
    return capacities.computeIfAbsent(batchSize, bs -> {
      double want = bs * meanTargets + 6 * stdTargets * Math.sqrt(bs) + 1;
      long cap = Math.max(maxLen, (long) Math.ceil(want));
      return (int) Math.min(cap, (long) bs * maxLen);
    });
  }

  /**
   * Targets dropped so far because a batch had more than {@link #capacity} of them.
   *
   * @return the count
   */
  synchronized long droppedTargets() {
    return dropped;
  }

  /**
   * The mean number of targets per example.
   *
   * @return the mean
   */
  double meanTargets() {
    return meanTargets;
  }

  @Override
  public Map<String, long[]> inputShapes(int batchSize) {
    int v = capacity(batchSize);
    Map<String, long[]> m = new LinkedHashMap<>();
    m.put(SasRecNet.ITEMS, new long[] {batchSize, maxLen});
    m.put(SasRecNet.POSITIONS, new long[] {v});
    m.put(SasRecNet.TARGETS, new long[] {v});
    return m;
  }

  /**
   * A fingerprint of the training windows (every user's items and window length).
   *
   * @return the fingerprint
   */
  @Override
  public java.util.Optional<String> fingerprint() {
    return java.util.Optional.of(io.github.mmesid.core.engine.train.DataFingerprint.create()
        .putLong(maxLen).putInts(windows).build());
  }

  @Override
  public void fill(int[] exampleIds, Batch batch) {
    int bs = exampleIds.length;
    int cap = capacity(bs);
    int[] counts = new int[bs];
    long total = 0;
    for (int b = 0; b < bs; b++) {
      counts[b] = windows[exampleIds[b]].length - 1;
      total += counts[b];
    }
    if (total > cap) {
      int limit = limitFor(counts, cap);
      long kept = 0;
      for (int b = 0; b < bs; b++) {
        counts[b] = Math.min(counts[b], limit);
        kept += counts[b];
      }
      synchronized (this) {
        dropped += total - kept;
      }
    }
    LongBuffer items = batch.tensor(SasRecNet.ITEMS).longView();
    LongBuffer pos = batch.tensor(SasRecNet.POSITIONS).longView();
    LongBuffer tgt = batch.tensor(SasRecNet.TARGETS).longView();
    long[] row = new long[maxLen];
    int v = 0;
    for (int b = 0; b < bs; b++) {
      int[] win = windows[exampleIds[b]];
      int n = win.length - 1;
      int off = maxLen - n;
      Arrays.fill(row, 0);
      for (int j = 0; j < n; j++) {
        row[off + j] = win[j];
      }
      items.put(b * maxLen, row);
      for (int j = n - counts[b]; j < n; j++) {
        pos.put(v, (long) b * maxLen + off + j);
        tgt.put(v, win[j + 1]);
        v++;
      }
    }
    for (; v < cap; v++) {
      pos.put(v, 0);
      tgt.put(v, 0);
    }
  }

  /** The largest per-example limit c with sum(min(counts, c)) <= cap. */
  private static int limitFor(int[] counts, int cap) {
    int lo = 0;
    int hi = Arrays.stream(counts).max().orElse(0);
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      long s = 0;
      for (int c : counts) {
        s += Math.min(c, mid);
      }
      if (s <= cap) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }
}
