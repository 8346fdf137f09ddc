package io.github.mmesid.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.SequenceDataset;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDataGeneratorTest {

  private static SyntheticData small(long seed) {
    return SyntheticDataGenerator.builder().users(600).items(300).topics(10).seed(seed).build().generate();
  }

  @Test
  void isDeterminedBySeed() {
    SyntheticData a = small(5);
    SyntheticData b = small(5);
    SyntheticData c = small(6);
    assertEquals(a.dataset().numInteractions(), b.dataset().numInteractions());
    for (int u = 0; u < 600; u++) {
      assertArrayEquals(a.dataset().sequence(u), b.dataset().sequence(u));
    }
    assertArrayEquals(a.catalog().flat("text"), b.catalog().flat("text"));
    assertFalse(Arrays.equals(a.catalog().flat("text"), c.catalog().flat("text")));
  }

  @Test
  void hasTheRequestedShapeAndNoRepeats() {
    SyntheticData s = small(1);
    SequenceDataset d = s.dataset();
    ItemCatalog cat = s.catalog();
    assertEquals(600, d.numUsers());
    assertEquals(300, d.numItems());
    assertEquals(List.of("collab", "text", "image"), cat.modalities());
    assertEquals(64, cat.dim("text"));
    double mean = (double) d.numInteractions() / d.numUsers();
    assertTrue(mean > 8 && mean < 12, "mean length " + mean);
    for (int u = 0; u < d.numUsers(); u++) {
      int[] seq = d.sequence(u);
      assertTrue(seq.length >= 5 && seq.length <= 50);
      Set<Integer> seen = new HashSet<>();
      for (int item : seq) {
        assertTrue(seen.add(item), "user " + u + " repeats item " + item);
      }
    }
    assertArrayEquals(new float[64], cat.row("text", 0), "padding row is zero");
  }

  @Test
  void popularityIsSkewedAndTopicsAreSticky() {
    SyntheticData s = small(2);
    SequenceDataset d = s.dataset();
    int[] topics = s.itemTopics();
    long[] counts = new long[d.numItems() + 1];
    int same = 0;
    int pairs = 0;
    for (int u = 0; u < d.numUsers(); u++) {
      int[] seq = d.sequence(u);
      for (int t = 0; t < seq.length; t++) {
        counts[seq[t]]++;
        if (t > 0) {
          pairs++;
          if (topics[seq[t]] == topics[seq[t - 1]]) {
            same++;
          }
        }
      }
    }
    long[] sorted = counts.clone();
    Arrays.sort(sorted);
    long top30 = 0;
    long total = 0;
    for (int i = 0; i < sorted.length; i++) {
      total += sorted[i];
      if (i >= sorted.length - 30) {
        top30 += sorted[i];
      }
    }
    assertTrue(top30 > 0.25 * total, "top 10% of items get " + top30 + " of " + total);
    assertTrue(same > 0.45 * pairs, "consecutive items share a topic in " + same + " of " + pairs);
  }

  @Test
  void modalitiesAreInformativeAndCorrelated() {
    SyntheticData s = small(3);
    int[] topics = s.itemTopics();
    for (String m : s.catalog().modalities()) {
      float[][] x = s.catalog().matrix(m);
      // nearest neighbour (Euclidean) shares the item's topic far above the 1/10 chance level
      int hits = 0;
      for (int i = 1; i <= 300; i++) {
        if (topics[nearest(x, i)] == topics[i]) {
          hits++;
        }
      }
      assertTrue(hits > 150, m + ": nearest neighbour shares the topic for " + hits + "/300 items");
    }
    // distances in two modalities are correlated across item pairs
    float[][] a = s.catalog().matrix("text");
    float[][] b = s.catalog().matrix("image");
    double[] da = new double[2000];
    double[] db = new double[2000];
    java.util.Random rnd = new java.util.Random(0);
    for (int p = 0; p < 2000; p++) {
      int i = 1 + rnd.nextInt(300);
      int j = 1 + rnd.nextInt(300);
      da[p] = dist(a[i], a[j]);
      db[p] = dist(b[i], b[j]);
    }
    double r = new org.apache.commons.math3.stat.correlation.PearsonsCorrelation().correlation(da, db);
    assertTrue(r > 0.5, "text/image distance correlation " + r);
  }

  @Test
  void writesLoadableFiles(@TempDir Path dir) {
    SyntheticData s = small(4);
    s.writeTo(dir);
    SequenceDataset d = SequenceFiles.read(dir.resolve("sequences.txt"), 300);
    assertArrayEquals(s.dataset().sequence(17), d.sequence(17));
    NpyArray collab = Npy.read(dir.resolve("collab.npy"));
    assertArrayEquals(new int[] {301, 32}, collab.shape());
    assertArrayEquals(s.catalog().flat("collab"), collab.toFloats());
  }

  @Test
  void defaultSizeCoversTheCatalog() {
    SyntheticData s = SyntheticDataGenerator.builder().build().generate();
    assertEquals(5000, s.dataset().numUsers());
    assertEquals(2000, s.catalog().numItems());
    long[] counts = LeaveOneOutSplit.of(s.dataset()).trainingItemCounts();
    long unseen = Arrays.stream(counts, 1, counts.length).filter(c -> c == 0).count();
    assertTrue(unseen < 200, unseen + " of 2000 items never occur in training");
  }

  private static int nearest(float[][] x, int i) {
    int best = -1;
    double bestD = Double.MAX_VALUE;
    for (int j = 1; j < x.length; j++) {
      if (j != i) {
        double dd = dist(x[i], x[j]);
        if (dd < bestD) {
          bestD = dd;
          best = j;
        }
      }
    }
    return best;
  }

  private static double dist(float[] a, float[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      double d = a[k] - b[k];
      s += d * d;
    }
    return Math.sqrt(s);
  }
}
