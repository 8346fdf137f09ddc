package io.github.mmesid.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceDatasetTest {

  @Test
  void theItemUniverseGrowsOnlyForOwnIds() {
    SequenceDataset d = SequenceDataset.builder().add("a", new int[] {1, 3}).add("b", new int[] {2}).build();
    assertEquals(3, d.numItems());
    SequenceDataset more = d.withNumItems(5);
    assertEquals(5, more.numItems());
    assertEquals(d.numInteractions(), more.numInteractions());
    org.junit.jupiter.api.Assertions.assertArrayEquals(d.sequence(0), more.sequence(0));
    org.junit.jupiter.api.Assertions.assertSame(d, d.withNumItems(3));
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> d.withNumItems(2));
    assertTrue(e.getMessage().contains("allowed 3.."), e.getMessage());
    SequenceDataset remapped = SequenceDataset.builder().add("a", new int[] {1, 2})
        .build(ItemIdMapping.of(java.util.List.of("x", "y")));
    e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> remapped.withNumItems(4));
    assertTrue(e.getMessage().contains("remapped"), e.getMessage());
  }

  @Test
  void storesSequencesImmutably() {
    int[] s = {3, 1, 2};
    SequenceDataset d = SequenceDataset.builder().add("a", s).add("b", new int[] {5}).build();
    s[0] = 4;
    assertEquals(2, d.numUsers());
    assertEquals(5, d.numItems());
    assertEquals(4, d.numInteractions());
    assertArrayEquals(new int[] {3, 1, 2}, d.sequence(0));
    assertArrayEquals(new int[] {1, 2}, d.sequence(0, 1, 3));
    assertEquals(2, d.item(0, 2));
    assertEquals(1, d.userIndex("b"));
    assertEquals("5", d.mapping().originalId(5));
    assertEquals(List.of("a", "b"), d.userKeys());
    d.sequence(0)[0] = 9;
    assertEquals(3, d.item(0, 0));
  }

  @Test
  void rejectsBadInput() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SequenceDataset.builder().add("a", new int[] {1}).add("a", new int[] {2}));
    assertTrue(e.getMessage().contains("duplicate user 'a'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SequenceDataset.builder().add("a", new int[0]));
    assertTrue(e.getMessage().contains("no items"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SequenceDataset.builder().add("a", new int[] {1, 0}));
    assertTrue(e.getMessage().contains("position 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SequenceDataset.builder().add("a b", new int[] {1}));
    assertThrows(IllegalArgumentException.class, () -> SequenceDataset.builder().build());
    e = assertThrows(IllegalArgumentException.class,
        () -> SequenceDataset.of(List.of("u"), List.of(new int[] {1, 9}), 5));
    assertTrue(e.getMessage().contains("item 9") && e.getMessage().contains("1..5"), e.getMessage());
    SequenceDataset d = SequenceDataset.of(List.of("u"), List.of(new int[] {1}), 3);
    assertThrows(IllegalArgumentException.class, () -> d.sequence(1));
    assertThrows(IllegalArgumentException.class, () -> d.item(0, 1));
    assertThrows(IllegalArgumentException.class, () -> d.userIndex("x"));
  }

  @Test
  void sparseIdSpacesAreRejectedBeforeAllocation() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SequenceDataset.builder().add("a", new int[] {1, 2_000_000}).build());
    assertTrue(e.getMessage().startsWith("item ids go up to 2000000 but only 2 distinct items occur"), e.getMessage());
    assertTrue(e.getMessage().contains("N <= 1000008"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> SequenceDataset.builder().add("a", new int[] {1}).build(Integer.MAX_VALUE));
    assertTrue(e.getMessage().contains("N = 2147483647 items are declared"), e.getMessage());
  }
}
