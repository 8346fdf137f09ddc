package io.github.mmesid.llm.mmesid;

import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.engine.train.Batch;
import io.github.mmesid.core.engine.train.BatchSource;
import io.github.mmesid.llm.llama.LlamaBackbone;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * MME-SID's training examples: for every user, each position of the training part (the last
 * {@link MmeSidConfig#maxTargetsPerUser()} of them; position 0, whose history is empty, only with
 * {@link MmeSidConfig#includeEmptyHistory()}) is a target, its history the items before it (the
 * most recent {@link MmeSidConfig#maxHistory()}).
 *
 * <p>Batches are grouped by history length so that no batch pays for the longest history: each
 * epoch the examples of every length are shuffled, cut into batches, and the batches of all
 * lengths are shuffled together; a batch's sequence length is its examples' longest history.
 * Everything depends only on (seed, epoch), so a resumed run sees the same batches.
 */
final class MmeSidBatches implements BatchSource {
  private final int[] flat; // concatenated histories
  private final int[] start;
  private final int[] length;
  private final int[] target; // item id
  private final int maxHistory;
  private final LlamaBackbone backbone;
  private final int suffixLength;
  private final Map<Integer, Map<String, long[]>> shapeCache = new HashMap<>(); // key b * 4097 + t

  MmeSidBatches(LeaveOneOutSplit split, MmeSidConfig config, LlamaBackbone backbone,
      int suffixLength) {
    this.maxHistory = config.maxHistory();
    this.backbone = backbone;
    this.suffixLength = suffixLength;
    List<int[]> rows = new ArrayList<>();
    long total = 0;
    int first = config.includeEmptyHistory() ? 0 : 1;
    for (int u = 0; u < split.dataset().numUsers(); u++) {
      int[] train = split.trainPart(u);
      for (int t = Math.max(first, train.length - config.maxTargetsPerUser()); t < train.length;
          t++) {
        int from = Math.max(0, t - maxHistory);
        rows.add(new int[] {u, from, t});
        total += t - from;
      }
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no training example: every user's training part has "
          + "fewer than 2 items" + (config.includeEmptyHistory() ? " and 1" : "")
          + "; MME-SID needs histories to learn from");
    }
    flat = new int[(int) total];
    start = new int[rows.size()];
    length = new int[rows.size()];
    target = new int[rows.size()];
    int k = 0;
    for (int i = 0; i < rows.size(); i++) {
      int[] r = rows.get(i);
      int[] train = split.trainPart(r[0]);
      start[i] = k;
      length[i] = r[2] - r[1];
      target[i] = train[r[2]];
      System.arraycopy(train, r[1], flat, k, length[i]);
      k += length[i];
    }
  }

  @Override
  public int size() {
    return target.length;
  }

  /** The history length of an example. */
  int historyLength(int example) {
    return length[example];
  }

  /** The mean history length. */
  double meanLength() {
    return (double) flat.length / target.length;
  }

  @Override
  public Map<String, long[]> inputShapes(int batchSize) {
    return shapes(batchSize, maxHistory);
  }

  @Override
  public Map<String, long[]> inputShapes(int[] exampleIds) {
    int t = 1;
    for (int id : exampleIds) {
      t = Math.max(t, length[id]);
    }
    return shapes(exampleIds.length, t);
  }

  private synchronized Map<String, long[]> shapes(int b, int t) {
    return shapeCache.computeIfAbsent(b * 4097 + t, key -> {
      Map<String, long[]> m = new LinkedHashMap<>();
      m.put(MmeSidNet.ITEMS, new long[] {b, t});
      m.put(MmeSidNet.ITEM_MASK, new long[] {b, t});
      m.put(MmeSidNet.TARGETS, new long[] {b});
      return m;
    });
  }

  /**
   * A fingerprint of the examples (histories, targets).
   *
   * @return the fingerprint
   */
  @Override
  public java.util.Optional<String> fingerprint() {
    return java.util.Optional.of(io.github.mmesid.core.engine.train.DataFingerprint.create()
        .putInts(flat).putInts(length).putInts(target).build());
  }

  @Override
  public void fill(int[] exampleIds, Batch batch) {
    LongBuffer items = batch.tensor(MmeSidNet.ITEMS).longView();
    LongBuffer mask = batch.tensor(MmeSidNet.ITEM_MASK).longView();
    LongBuffer targets = batch.tensor(MmeSidNet.TARGETS).longView();
    int t = items.capacity() / exampleIds.length;
    for (int r = 0; r < exampleIds.length; r++) {
      int id = exampleIds[r];
      int n = length[id];
      int pad = t - n;
      for (int j = 0; j < t; j++) {
        boolean item = j >= pad;
        items.put(r * t + j, item ? flat[start[id] + j - pad] : 0);
        mask.put(r * t + j, item ? 1 : 0);
      }
      targets.put(r, target[id] - 1L);
    }
  }

  /**
   * The batches of one epoch: examples grouped by history length, shuffled within each length,
   * cut into batches of at most {@code batchSize}, and all batches shuffled.
   *
   * @param seed the run's seed
   * @param epoch the epoch
   * @param batchSize examples per batch
   * @return the batches in training order
   */
  @Override
  public List<int[]> epochBatches(long seed, int epoch, int batchSize) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 31L + 7);
    Map<Integer, List<Integer>> byLength = new java.util.TreeMap<>();
    for (int i = 0; i < target.length; i++) {
      byLength.computeIfAbsent(length[i], k -> new ArrayList<>()).add(i);
    }
    List<int[]> batches = new ArrayList<>();
    for (List<Integer> ids : byLength.values()) {
      int[] a = ids.stream().mapToInt(Integer::intValue).toArray();
      shuffle(a, r);
      for (int from = 0; from < a.length; from += batchSize) {
        batches.add(Arrays.copyOfRange(a, from, Math.min(a.length, from + batchSize)));
      }
    }
    int[] order = new int[batches.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    shuffle(order, r);
    List<int[]> out = new ArrayList<>(order.length);
    for (int i : order) {
      out.add(batches.get(i));
    }
    return out;
  }

  private static void shuffle(int[] a, SplittableRandom r) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
  }
}
