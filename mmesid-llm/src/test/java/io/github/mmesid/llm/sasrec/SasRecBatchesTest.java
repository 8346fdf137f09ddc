package io.github.mmesid.llm.sasrec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.SequenceDataset;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.engine.graph.DType;
import io.github.mmesid.core.engine.runtime.HostTensor;
import io.github.mmesid.core.engine.train.Batch;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Training windows, left padding and target rows of the SASRec batch source. */
class SasRecBatchesTest {

  /** A batch over freshly allocated buffers. */
  private static final class Buffers implements Batch, AutoCloseable {
    final Map<String, HostTensor> m = new LinkedHashMap<>();
    final int size;

    Buffers(Map<String, long[]> shapes, int size) {
      this.size = size;
      for (Map.Entry<String, long[]> e : shapes.entrySet()) {
        m.put(e.getKey(), HostTensor.allocate(DType.INT64, e.getValue()));
      }
    }

    @Override
    public HostTensor tensor(String inputName) {
      return m.get(inputName);
    }

    @Override
    public Set<String> names() {
      return m.keySet();
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public void close() {
      m.values().forEach(HostTensor::close);
    }
  }

  private static SasRecConfig config(int maxLen) {
    return SasRecConfig.builder().dim(4).maxLen(maxLen).dropout(0.1).build();
  }

  private static SasRecBatches batches(LeaveOneOutSplit split, SasRecConfig c) {
    return new SasRecBatches(split, c.maxLen());
  }

  @Test
  void windowsAreLeftPaddedAndEveryPositionPredictsTheNextItem() {
    // Training parts: u0 = [1 2 3 4 5 6] (8 items), u1 = [7 8] (4 items), u2 = [9] (too short).
    SequenceDataset d = SequenceDataset.builder().add("u0", new int[] {1, 2, 3, 4, 5, 6, 10, 11})
        .add("u1", new int[] {7, 8, 12, 13}).add("u2", new int[] {9, 14, 15}).build(15);
    SasRecConfig c = config(4);
    SasRecBatches b = new SasRecBatches(LeaveOneOutSplit.of(d), c.maxLen(), 4);
    assertEquals(2, b.size());
    int[] ids = {1, 0};
    Map<String, long[]> shapes = b.inputShapes(ids);
    assertEquals(Set.of(SasRecNet.ITEMS, SasRecNet.POSITIONS, SasRecNet.TARGETS), shapes.keySet(),
        "dropout noise is made in the graph");
    assertArrayEquals(new long[] {2, 4}, shapes.get(SasRecNet.ITEMS));
    // 5 targets, rounded up to a multiple of 4.
    assertArrayEquals(new long[] {8}, shapes.get(SasRecNet.TARGETS));
    assertSame(shapes, b.inputShapes(new int[] {0, 1}), "equal shapes: the same map");
    try (Buffers buf = new Buffers(shapes, 2)) {
      b.fill(ids, buf);
      // u1: window [7 8] -> input [0 0 0 7], target 8 at slot 3.
      // u0: window [2 3 4 5 6] (last maxLen + 1) -> input [2 3 4 5], targets 3 4 5 6.
      assertArrayEquals(new long[] {0, 0, 0, 7, 2, 3, 4, 5}, buf.tensor(SasRecNet.ITEMS).toLongArray());
      assertArrayEquals(new long[] {3, 4, 5, 6, 7, 0, 0, 0},
          buf.tensor(SasRecNet.POSITIONS).toLongArray());
      assertArrayEquals(new long[] {8, 3, 4, 5, 6, 0, 0, 0},
          buf.tensor(SasRecNet.TARGETS).toLongArray(), "unused rows have target 0");
    }
  }

  @Test
  void targetRowsFollowEachBatchAndNoTargetIsLeftOut() {
    SequenceDataset.Builder db = SequenceDataset.builder();
    for (int u = 0; u < 100; u++) {
      db.add("s" + u, new int[] {1, 2, 3, 4}); // 1 target each
    }
    db.add("long1", new int[] {1, 2, 3, 4, 5, 6, 7}); // window 1..5: 4 targets
    db.add("long2", new int[] {2, 3, 4, 5, 6, 7, 8});
    SasRecBatches exact = new SasRecBatches(LeaveOneOutSplit.of(db.build(8)), 4, 1);
    assertArrayEquals(new long[] {2}, exact.inputShapes(new int[] {0, 1}).get(SasRecNet.TARGETS));
    assertArrayEquals(new long[] {8},
        exact.inputShapes(new int[] {100, 101}).get(SasRecNet.TARGETS));
    assertArrayEquals(new long[] {5},
        exact.inputShapes(new int[] {100, 7}).get(SasRecNet.TARGETS));
    // The size-only form is the largest batch: every example with maxLen targets.
    assertArrayEquals(new long[] {8}, exact.inputShapes(2).get(SasRecNet.TARGETS));
    try (Buffers buf = new Buffers(exact.inputShapes(new int[] {100, 101}), 2)) {
      exact.fill(new int[] {100, 101}, buf);
      assertArrayEquals(new long[] {2, 3, 4, 5, 3, 4, 5, 6},
          buf.tensor(SasRecNet.TARGETS).toLongArray(), "all 8 targets");
    }
    // Buffers of other shapes are refused rather than half filled.
    try (Buffers buf = new Buffers(exact.inputShapes(new int[] {0, 1}), 2)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> exact.fill(new int[] {100, 101}, buf));
      assertTrue(e.getMessage().contains("need 8"), e.getMessage());
    }
    SasRecBatches rounded = new SasRecBatches(LeaveOneOutSplit.of(db.build(8)), 4, 32);
    assertArrayEquals(new long[] {32},
        rounded.inputShapes(new int[] {100, 101}).get(SasRecNet.TARGETS));
  }

  @Test
  void aBatchIsPaddedToItsLongestInputRoundedUpNotToMaxLen() {
    assertEquals(1, SasRecBatches.lengthMultiple(8));
    assertEquals(5, SasRecBatches.lengthMultiple(50));
    assertEquals(20, SasRecBatches.lengthMultiple(200));
    SequenceDataset.Builder db = SequenceDataset.builder();
    db.add("short", new int[] {1, 2, 3, 4, 5}); // training part 1 2 3: input [1 2]
    int[] longer = new int[16];
    for (int i = 0; i < longer.length; i++) {
      longer[i] = i + 1;
    }
    db.add("long", longer); // training part 1..14: input of 13 items
    SasRecBatches b = new SasRecBatches(LeaveOneOutSplit.of(db.build(16)), 50, 1);
    assertArrayEquals(new long[] {1, 5}, b.inputShapes(new int[] {0}).get(SasRecNet.ITEMS),
        "2 items rounded up to the multiple 5");
    assertArrayEquals(new long[] {2, 15}, b.inputShapes(new int[] {0, 1}).get(SasRecNet.ITEMS));
    assertArrayEquals(new long[] {2, 50}, b.inputShapes(2).get(SasRecNet.ITEMS),
        "the size-only form is the largest batch");
    try (Buffers buf = new Buffers(b.inputShapes(new int[] {1, 0}), 2)) {
      b.fill(new int[] {1, 0}, buf);
      long[] items = buf.tensor(SasRecNet.ITEMS).toLongArray();
      assertEquals(30, items.length);
      assertArrayEquals(new long[] {0, 0, 1, 2, 3}, java.util.Arrays.copyOfRange(items, 0, 5));
      assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2},
          java.util.Arrays.copyOfRange(items, 15, 30));
      long[] pos = buf.tensor(SasRecNet.POSITIONS).toLongArray();
      assertEquals(2, pos[0], "first target row: example 0, slot 2 of 15");
      assertArrayEquals(new long[] {28, 29}, java.util.Arrays.copyOfRange(pos, 13, 15));
    }
    // Buffers shorter than the longest input are refused.
    Map<String, long[]> tooShort = new LinkedHashMap<>(b.inputShapes(new int[] {1, 0}));
    tooShort.put(SasRecNet.ITEMS, new long[] {2, 10});
    try (Buffers buf = new Buffers(tooShort, 2)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> b.fill(new int[] {1, 0}, buf));
      assertTrue(e.getMessage().contains("windows of 10 items"), e.getMessage());
    }
  }

  @Test
  void needsAUserWithTwoTrainingItems() {
    SequenceDataset d = SequenceDataset.builder().add("a", new int[] {1, 2, 3}).build(3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> batches(LeaveOneOutSplit.of(d), config(4)));
    assertTrue(e.getMessage().contains("at least 2 training items"), e.getMessage());
  }
}
