package io.github.mmesid.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SemanticIdTest {

  @Test
  void valueSemantics() {
    int[] codes = {12, 3, 200};
    SemanticId id = SemanticId.of(codes);
    codes[0] = 99;
    assertEquals("<12,3,200>", id.toString());
    assertEquals(SemanticId.of(12, 3, 200), id);
    assertEquals(SemanticId.of(12, 3, 200).hashCode(), id.hashCode());
    assertNotEquals(SemanticId.of(12, 3), id);
    assertEquals(3, id.length());
    assertEquals(3, id.code(1));
    assertEquals(SemanticId.of(12, 3), id.prefix(2));
    assertEquals(SemanticId.of(12, 3, 200, 1), id.append(1));
    int[] copy = id.codes();
    copy[0] = 1;
    assertEquals(12, id.code(0));
    assertTrue(id.startsWith(12, 3));
    assertTrue(id.startsWith());
    assertFalse(id.startsWith(12, 4));
    assertTrue(SemanticId.of(1, 2).compareTo(SemanticId.of(1, 2, 0)) < 0);
    assertThrows(IllegalArgumentException.class, () -> id.code(3));
    assertThrows(IllegalArgumentException.class, () -> id.prefix(0));
    assertThrows(IllegalArgumentException.class, () -> SemanticId.of());
    assertThrows(IllegalArgumentException.class, () -> SemanticId.of(1, -2));
  }

  @Test
  void codecWithoutDisambiguation() {
    int[][] table = {{}, {1, 2}, {1, 3}, {1, 2}, {0, 5}};
    MapSemanticIdCodec c = MapSemanticIdCodec.of(table, false);
    assertEquals(4, c.numItems());
    assertEquals(SemanticId.of(1, 2), c.encode(3));
    assertEquals(List.of(1, 3), c.decode(SemanticId.of(1, 2)));
    assertEquals(List.of(), c.decode(SemanticId.of(7, 7)));
    assertEquals(List.of(1, 2, 3), c.itemsWithPrefix(1));
    assertEquals(List.of(1, 2, 3, 4), c.itemsWithPrefix());
    assertEquals(List.of(), c.itemsWithPrefix(2));
    assertEquals(new CollisionStats(4, 3, 2), c.collisionStats());
    assertEquals(0.25, c.collisionStats().collisionRate(), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> c.encode(0));
    assertThrows(IllegalArgumentException.class, () -> c.encode(5));
  }

  @Test
  void disambiguationMakesABijectionInItemOrder() {
    int[][] table = {{0, 0}, {1, 2}, {1, 2}, {4, 4}, {1, 2}};
    MapSemanticIdCodec c = MapSemanticIdCodec.of(table, true);
    assertEquals(3, c.idLength());
    assertEquals(SemanticId.of(1, 2, 0), c.encode(1));
    assertEquals(SemanticId.of(1, 2, 1), c.encode(2));
    assertEquals(SemanticId.of(4, 4, 0), c.encode(3));
    assertEquals(SemanticId.of(1, 2, 2), c.encode(4));
    for (int item = 1; item <= 4; item++) {
      assertEquals(List.of(item), c.decode(c.encode(item)));
    }
    assertEquals(new CollisionStats(4, 4, 1), c.collisionStats());
    assertEquals(new CollisionStats(4, 2, 3), c.baseCollisionStats());
    assertEquals(List.of(1, 2, 4), c.itemsWithPrefix(1, 2));
    assertEquals(List.of(2), c.itemsWithPrefix(1, 2, 1));
    assertArrayEquals(new int[] {1, 2, 2}, c.codeTable()[4]);
  }

  @Test
  void malformedTablesNameTheRow() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MapSemanticIdCodec.of(new int[][] {{}, {1, 2}, {1}}, false));
    assertTrue(e.getMessage().contains("row 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MapSemanticIdCodec.of(new int[][] {{}, {1, -2}}, false));
    assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> MapSemanticIdCodec.of(new int[][] {{}}, false));
    assertThrows(IllegalArgumentException.class, () -> new CollisionStats(3, 4, 1));
  }
}
