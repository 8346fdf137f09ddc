package io.github.mmesid.core.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DataFingerprintTest {

  @Test
  void equalDataGiveEqualFingerprintsAndAnyChangeAnother() {
    int[][] seqs = {{1, 2, 3}, {4, 5}};
    String a = DataFingerprint.create().putString("beauty").putInts(seqs).build();
    assertEquals(a, DataFingerprint.create().putString("beauty")
        .putInts(new int[][] {{1, 2, 3}, {4, 5}}).build());
    assertTrue(a.matches("murmur3_128:[0-9a-f]{32}"), a);
    Set<String> all = new HashSet<>(List.of(a,
        DataFingerprint.create().putString("beauty").putInts(new int[][] {{1, 2}, {3, 4, 5}})
            .build(),
        DataFingerprint.create().putString("beauty").putInts(new int[][] {{1, 2, 3}, {4, 6}})
            .build(),
        DataFingerprint.create().putString("sports").putInts(seqs).build(),
        DataFingerprint.create().putInts(seqs).build(),
        DataFingerprint.create().putFloats(new float[] {0f}).build(),
        DataFingerprint.create().putFloats(new float[] {-0f}).build(),
        DataFingerprint.create().putDoubles(new double[] {0}).build(),
        DataFingerprint.create().putLongs(new long[] {0}).build(),
        DataFingerprint.create().putFloats(new float[][] {{1f}, {}}).build(),
        DataFingerprint.create().putFloats(new float[][] {{}, {1f}}).build()));
    assertEquals(11, all.size(), "all distinct: " + all);
  }

  @Test
  void largeArraysSpanSeveralChunks() {
    int[] big = new int[100_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = i * 7;
    }
    String a = DataFingerprint.create().putInts(big).build();
    big[99_999]++;
    assertNotEquals(a, DataFingerprint.create().putInts(big).build());
  }

  @Test
  void singleUseAndInMemorySourcesFingerprintTheirData() {
    DataFingerprint f = DataFingerprint.create();
    f.build();
    assertThrows(IllegalStateException.class, f::build);
    InMemoryBatchSource a = InMemoryBatchSource.builder(2).floats("x", new float[] {1, 2}, 1)
        .build();
    InMemoryBatchSource b = InMemoryBatchSource.builder(2).floats("x", new float[] {1, 3}, 1)
        .build();
    InMemoryBatchSource c = InMemoryBatchSource.builder(2).floats("z", new float[] {1, 2}, 1)
        .build();
    assertEquals(a.fingerprint(), InMemoryBatchSource.builder(2)
        .floats("x", new float[] {1, 2}, 1).build().fingerprint());
    assertNotEquals(a.fingerprint(), b.fingerprint());
    assertNotEquals(a.fingerprint(), c.fingerprint());
    assertTrue(a.fingerprint().isPresent());
  }
}
