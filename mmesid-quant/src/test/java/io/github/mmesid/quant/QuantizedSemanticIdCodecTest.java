package io.github.mmesid.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmesid.core.SemanticId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Codec over a hand-made quantizer with forced collisions; cold-start items. */
class QuantizedSemanticIdCodecTest {

  // items 1..6; items 1, 3, 6 share <1,1>; items 2 and 5 share <2,0>; item 4 is alone
  private static final float[][] ITEMS = {
      {10.9f, 0.1f}, {0.2f, 9.1f}, {11.0f, 0.0f}, {0.1f, 1.2f}, {0.0f, 9.0f}, {10.8f, 0.2f}};

  @Test
  void disambiguationMakesABijection() {
    try (MmRqVaeModel m = HandMadeModels.identityTwoLevels()) {
      QuantizedSemanticIdCodec codec = QuantizedSemanticIdCodec.encode(m.quantizer("v"), ITEMS, true);
      assertEquals(6, codec.numItems());
      assertEquals(3, codec.idLength());
      assertEquals(SemanticId.of(1, 1, 0), codec.encode(1));
      assertEquals(SemanticId.of(1, 1, 1), codec.encode(3));
      assertEquals(SemanticId.of(1, 1, 2), codec.encode(6));
      assertEquals(SemanticId.of(2, 0, 1), codec.encode(5));
      Set<SemanticId> ids = new HashSet<>();
      for (int i = 1; i <= 6; i++) {
        assertTrue(ids.add(codec.encode(i)), "duplicate ID for item " + i);
        assertEquals(List.of(i), codec.decode(codec.encode(i)));
      }
      assertEquals(0.0, codec.collisionStats().collisionRate());
      assertEquals(0.5, codec.baseCollisionStats().collisionRate(), 1e-12); // 3 distinct of 6
      assertEquals(3, codec.baseCollisionStats().maxItemsPerId());
      assertEquals(List.of(1, 3, 6), codec.itemsWithPrefix(1, 1));
      assertEquals(List.of(1, 3, 6), codec.itemsWithPrefix(1));
      assertEquals(List.of(2, 5), codec.itemsWithPrefix(2));
      assertEquals(6, codec.itemsWithPrefix().size());
      assertEquals(List.of(), codec.itemsWithPrefix(0, 1));
      assertEquals(6, codec.idTable().length);
      assertEquals(List.of(), codec.decode(SemanticId.of(1, 1, 5)));
    }
  }

  @Test
  void withoutDisambiguationCollidingItemsShareIds() {
    try (MmRqVaeModel m = HandMadeModels.identityTwoLevels()) {
      QuantizedSemanticIdCodec codec = QuantizedSemanticIdCodec.encode(m.quantizer("v"), ITEMS, false);
      assertEquals(2, codec.idLength());
      assertEquals(List.of(1, 3, 6), codec.decode(SemanticId.of(1, 1)));
      assertEquals(0.5, codec.collisionStats().collisionRate(), 1e-12);
    }
  }

  @Test
  void coldStartItemsUseTheTrainedQuantizer() {
    try (MmRqVaeModel m = HandMadeModels.identityTwoLevels()) {
      QuantizedSemanticIdCodec codec = QuantizedSemanticIdCodec.encode(m.quantizer("v"), ITEMS, true);
      float[] fresh = {10.95f, 0.05f};
      assertEquals(SemanticId.of(1, 1, 3), codec.encodeVector(fresh));
      assertEquals(SemanticId.of(0, 1, 0), codec.encodeVector(new float[] {1.1f, 0f}));
      QuantizedSemanticIdCodec more = codec.withNewItems(new float[][] {fresh, {1.1f, 0f}});
      assertEquals(8, more.numItems());
      assertEquals(SemanticId.of(1, 1, 3), more.encode(7));
      assertEquals(SemanticId.of(0, 1, 0), more.encode(8));
      for (int i = 1; i <= 6; i++) {
        assertEquals(codec.encode(i), more.encode(i), "existing item " + i + " must keep its ID");
      }
      assertThrows(IllegalArgumentException.class, () -> codec.encodeVector(new float[] {Float.NaN, 0}));
      assertThrows(IllegalArgumentException.class, () -> codec.encode(7));
      assertThrows(IllegalArgumentException.class,
          () -> QuantizedSemanticIdCodec.ofCodes(m.quantizer("v"), new int[][] {{0, 3}}, true));
    }
  }
}
