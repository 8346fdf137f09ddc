package io.github.mmesid.core;

/**
 * How many items share a semantic ID.
 *
 * @param items the number of items
 * @param distinctIds the number of distinct IDs among them
 * @param maxItemsPerId the size of the largest group of items sharing one ID
 */
public record CollisionStats(int items, int distinctIds, int maxItemsPerId) {

  /**
   * Validates the counts.
   *
   * @param items the number of items
   * @param distinctIds the number of distinct IDs
   * @param maxItemsPerId the largest group size
   * @throws IllegalArgumentException if the counts are inconsistent
   */
  public CollisionStats {
    if (items < 0 || distinctIds < 0 || distinctIds > items || maxItemsPerId < 0
        || maxItemsPerId > items || (items > 0 && (distinctIds < 1 || maxItemsPerId < 1))) {
      throw new IllegalArgumentException(
          "inconsistent collision stats: items=" + items + ", distinctIds=" + distinctIds
              + ", maxItemsPerId=" + maxItemsPerId
              + "; need 0 <= distinctIds <= items and 1 <= maxItemsPerId <= items when items > 0");
    }
  }

  /**
   * Returns {@code 1 - distinctIds / items} (0 when there are no items).
   *
   * @return the collision rate in [0, 1)
   */
  public double collisionRate() {
    return items == 0 ? 0.0 : 1.0 - (double) distinctIds / items;
  }
}
