package io.github.mmesid.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ItemCatalogTest {

  @Test
  void buildsOrderedModalitiesAndCopies() {
    float[][] text = {{0, 0, 0}, {1, 2, 3}, {4, 5, 6}};
    ItemCatalog c = ItemCatalog.builder(2)
        .add("text", text)
        .add("collab", new float[] {0, 0, 7, 8, 9, 10}, 2)
        .build();
    text[1][0] = 100;
    assertEquals(List.of("text", "collab"), c.modalities());
    assertEquals(3, c.dim("text"));
    assertArrayEquals(new float[] {1, 2, 3}, c.row("text", 1));
    assertArrayEquals(new float[] {9, 10}, c.row("collab", 2));
    float[][] m = c.matrix("collab");
    m[1][0] = -1;
    assertArrayEquals(new float[] {7, 8}, c.row("collab", 1));
    float[] dst = new float[5];
    c.copyRow("text", 2, dst, 2);
    assertArrayEquals(new float[] {0, 0, 4, 5, 6}, dst);
    assertTrue(c.hasModality("collab"));
  }

  @Test
  void validationNamesModalityAndRow() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ItemCatalog.builder(2).add("image", new float[][] {{0, 0}, {1, 1}}));
    assertTrue(e.getMessage().contains("'image'") && e.getMessage().contains("3 rows"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ItemCatalog.builder(2).add("image", new float[][] {{0, 0}, {1, 1}, {1}}));
    assertTrue(e.getMessage().contains("row 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ItemCatalog.builder(2).add("image", new float[][] {{0, 0}, {1, Float.NaN}, {1, 1}}));
    assertTrue(e.getMessage().contains("'image' row 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ItemCatalog.builder(1).add("a", new float[][] {{0}, {1}}).add("a", new float[][] {{0}, {1}}));
    assertTrue(e.getMessage().contains("already"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ItemCatalog.builder(1).build());
    ItemCatalog c = ItemCatalog.builder(1).add("a", new float[][] {{0}, {1}}).build();
    assertThrows(IllegalArgumentException.class, () -> c.row("a", 2));
    assertThrows(IllegalArgumentException.class, () -> c.row("b", 1));
  }
}
