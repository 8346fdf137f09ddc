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
 * window without its last item (left-padded to the batch's window length), and every input
 * position predicts the item that follows it.
 *
 * <p>Only positions with a target enter the loss: they are gathered into {@code V} rows, where
 * {@code V} is the batch's number of targets rounded up to a multiple of {@link #ROW_MULTIPLE}
 * (the few extra rows have target 0, which the loss ignores). The output layer thus does no work
 * for padding, every target of every batch is trained on, and the trainer keeps one prepared run
 * per distinct shape. The window length {@code T} of a batch is its longest input rounded up to a
 * multiple of {@link #lengthMultiple(int)}, not {@code maxLen}: the encoder counts positions
 * from the end of the window and masks padding keys, so the outputs at real positions do not
 * depend on how much left padding precedes them, and the padding that every example of the batch
 * shares is not computed (on Amazon Beauty, mean input length 5.7 of 50, this removes about 10%
 * of the encoder's work with batches in random order). Deterministic: the same example ids fill
 * the same batch.
 */
final class SasRecBatches implements BatchSource {
  /**
   * Target rows are allocated in multiples of this, which bounds the number of distinct batch
   * shapes (each has its own buffers and prepared run) at a cost of under one multiple of
   * padding rows per batch. On Amazon Beauty (733 targets per batch of 128 on average) 1, 32
   * and 64 trained equally fast within the noise of a shared machine (benchmarks/RESULTS.md).
   * With window lengths in multiples of 5 as well, 64 keeps Beauty to 49 distinct shapes over
   * 10 epochs (32: 76), within the 64 whose prepared runs the trainer keeps.
   */
  static final int ROW_MULTIPLE = 64;

  private final int[][] windows;
  private final int maxLen;
  private final int lengthMultiple;
  private final int rowMultiple;
  private final double meanTargets;
  private final Map<List<Integer>, Map<String, long[]>> shapeCache = new HashMap<>();

  SasRecBatches(LeaveOneOutSplit split, int maxLen) {
    this(split, maxLen, ROW_MULTIPLE);
  }

  SasRecBatches(LeaveOneOutSplit split, int maxLen, int rowMultiple) {
    if (rowMultiple < 1) {
      throw new IllegalArgumentException("rowMultiple must be >= 1, got " + rowMultiple);
    }
    this.maxLen = maxLen;
    this.lengthMultiple = lengthMultiple(maxLen);
    this.rowMultiple = rowMultiple;
    List<int[]> w = new ArrayList<>();
    long sum = 0;
    for (int u = 0; u < split.dataset().numUsers(); u++) {
      int len = split.trainLength(u);
      if (len < 2) {
        continue;
      }
      int from = Math.max(0, len - maxLen - 1);
      int[] win = split.dataset().sequence(u, from, len);
      w.add(win);
      sum += win.length - 1;
    }
    if (w.isEmpty()) {
      throw new IllegalArgumentException("no user has at least 2 training items (the training part "
          + "is each sequence without its last 2 items); SASRec needs at least one such user");
    }
    this.windows = w.toArray(new int[0][]);
    this.meanTargets = (double) sum / windows.length;
  }

  @Override
  public int size() {
    return windows.length;
  }

  /**
   * The mean number of targets per example.
   *
   * @return the mean
   */
  double meanTargets() {
    return meanTargets;
  }

  /**
   * Window lengths are rounded up to a multiple of this: {@code max(1, ceil(maxLen / 10))}, so
   * that at most ten lengths occur (each length and row count is a batch shape with its own
   * buffers and prepared run).
   *
   * @param maxLen the longest window
   * @return the multiple
   */
  static int lengthMultiple(int maxLen) {
    return Math.max(1, (maxLen + 9) / 10);
  }

  /** The window length {@code T} of a batch: its longest input, rounded up, at most maxLen. */
  private int length(int[] exampleIds) {
    int longest = 1;
    for (int id : exampleIds) {
      longest = Math.max(longest, windows[id].length - 1);
    }
    return Math.min(maxLen, (longest + lengthMultiple - 1) / lengthMultiple * lengthMultiple);
  }

  /** The target rows {@code V} of a batch: its target count rounded up to the row multiple. */
  private int rows(int[] exampleIds) {
    long targets = 0;
    for (int id : exampleIds) {
      targets += windows[id].length - 1;
    }
    return rows(targets);
  }

  private int rows(long targets) {
    long v = (Math.max(targets, 1) + rowMultiple - 1) / rowMultiple * rowMultiple;
    return Math.toIntExact(v);
  }

  /**
   * The shapes of the largest possible batch of this size (every example with {@code maxLen}
   * targets); the trainer asks {@link #inputShapes(int[])}, which fits the batch's examples.
   *
   * @param batchSize examples in the batch
   * @return input name to shape
   */
  @Override
  public Map<String, long[]> inputShapes(int batchSize) {
    return shapes(batchSize, maxLen, rows((long) batchSize * maxLen));
  }

  @Override
  public Map<String, long[]> inputShapes(int[] exampleIds) {
    return shapes(exampleIds.length, length(exampleIds), rows(exampleIds));
  }

  private synchronized Map<String, long[]> shapes(int batchSize, int length, int v) {
    return shapeCache.computeIfAbsent(List.of(batchSize, length, v), k -> {
      Map<String, long[]> m = new LinkedHashMap<>();
      m.put(SasRecNet.ITEMS, new long[] {batchSize, length});
      m.put(SasRecNet.POSITIONS, new long[] {v});
      m.put(SasRecNet.TARGETS, new long[] {v});
      return m;
    });
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
    LongBuffer items = batch.tensor(SasRecNet.ITEMS).longView();
    LongBuffer pos = batch.tensor(SasRecNet.POSITIONS).longView();
    LongBuffer tgt = batch.tensor(SasRecNet.TARGETS).longView();
    int rows = batch.tensor(SasRecNet.POSITIONS).size();
    int need = rows(exampleIds);
    if (rows != need) {
      throw new IllegalArgumentException("batch buffers have " + rows + " target rows but these "
          + bs + " examples need " + need + " (the shapes of inputShapes(int[]))");
    }
    int length = batch.tensor(SasRecNet.ITEMS).size() / bs;
    if (length < length(exampleIds) || length > maxLen) {
      throw new IllegalArgumentException("batch buffers have windows of " + length + " items but "
          + "these " + bs + " examples need " + length(exampleIds) + " to " + maxLen
          + " (the shapes of inputShapes(int[]))");
    }
    long[] row = new long[length];
    int v = 0;
    for (int b = 0; b < bs; b++) {
      int[] win = windows[exampleIds[b]];
      int n = win.length - 1;
      int off = length - n;
      Arrays.fill(row, 0);
      for (int j = 0; j < n; j++) {
        row[off + j] = win[j];
      }
      items.put(b * length, row);
      for (int j = 0; j < n; j++) {
        pos.put(v, (long) b * length + off + j);
        tgt.put(v, win[j + 1]);
        v++;
      }
    }
    for (; v < rows; v++) {
      pos.put(v, 0);
      tgt.put(v, 0);
    }
  }
}
