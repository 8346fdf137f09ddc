package io.github.mmesid.core;

import java.util.List;

/**
 * Maps item ids (1..N) to semantic IDs and back. Implementations are immutable and thread-safe.
 */
public interface SemanticIdCodec {

  /**
   * Returns the number of items N.
   *
   * @return N
   */
  int numItems();

  /**
   * Returns an item's semantic ID.
   *
   * @param item the item id, 1..N
   * @return its ID
   * @throws IllegalArgumentException if the id is outside 1..N
   */
  SemanticId encode(int item);

  /**
   * Returns the items whose semantic ID equals {@code id}, in ascending id order.
   *
   * @param id the ID to look up
   * @return the matching items; empty if none; more than one only if IDs collide
   */
  List<Integer> decode(SemanticId id);

  /**
   * Returns the items whose semantic ID starts with the given codes, in ascending id order.
   *
   * @param codes the prefix; empty matches all items
   * @return the matching items
   */
  List<Integer> itemsWithPrefix(int... codes);

  /**
   * Returns the collision statistics of the IDs {@link #encode} issues.
   *
   * @return the statistics over all N items
   */
  CollisionStats collisionStats();
}
