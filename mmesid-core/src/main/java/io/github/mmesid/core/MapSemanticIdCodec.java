package io.github.mmesid.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link SemanticIdCodec} backed by a table of codes, one row per item.
 *
 * <p>With disambiguation on, every item gets one extra code appended: its position (0, 1, ...)
 * in item-id order within the group of items that share its base codes. Singletons get 0. The
 * mapping is then a bijection and all IDs have length L + 1.
 */
public final class MapSemanticIdCodec implements SemanticIdCodec {

  private final int numItems;
  private final SemanticId[] ids; // index = item id; [0] unused
  private final Map<SemanticId, int[]> byId;
  private final int[] sortedItems; // items sorted by (ID, item id)
  private final CollisionStats stats;
  private final CollisionStats baseStats;
  private final boolean disambiguated;

  private MapSemanticIdCodec(int[][] table, boolean disambiguate) {
    if (table == null || table.length < 2) {
      throw new IllegalArgumentException(
          "code table must have N + 1 >= 2 rows (row 0 = padding, rows 1..N = items); got "
              + (table == null ? "null" : table.length + " rows"));
    }
    this.numItems = table.length - 1;
    this.disambiguated = disambiguate;
    if (table[1] == null || table[1].length == 0) {
      throw new IllegalArgumentException("code table row 1 is empty; every item row needs L >= 1 codes");
    }
    int levels = table[1].length;
    SemanticId[] base = new SemanticId[numItems + 1];
    for (int item = 1; item <= numItems; item++) {
      int[] row = table[item];
      if (row == null || row.length != levels) {
        throw new IllegalArgumentException(
            "code table row " + item + " has " + (row == null ? "no" : row.length)
                + " codes; every item row must have L = " + levels + " (the length of row 1)");
      }
      for (int l = 0; l < levels; l++) {
        if (row[l] < 0) {
          throw new IllegalArgumentException(
              "code table row " + item + ", level " + l + " = " + row[l] + " is negative; codes must be >= 0");
        }
      }
      base[item] = SemanticId.of(row);
    }
    Map<SemanticId, Integer> groupCounts = new HashMap<>();
    for (int item = 1; item <= numItems; item++) {
      groupCounts.merge(base[item], 1, Integer::sum);
    }
    this.baseStats = statsOf(groupCounts, numItems);
    this.ids = new SemanticId[numItems + 1];
    if (disambiguate) {
      Map<SemanticId, Integer> seen = new HashMap<>();
      for (int item = 1; item <= numItems; item++) {
        int index = seen.merge(base[item], 1, Integer::sum) - 1;
        ids[item] = base[item].append(index);
      }
    } else {
      System.arraycopy(base, 1, ids, 1, numItems);
    }
    Map<SemanticId, List<Integer>> groups = new HashMap<>();
    for (int item = 1; item <= numItems; item++) {
      groups.computeIfAbsent(ids[item], x -> new ArrayList<>()).add(item);
    }
    Map<SemanticId, int[]> m = new HashMap<>();
    Map<SemanticId, Integer> counts = new HashMap<>();
    for (Map.Entry<SemanticId, List<Integer>> e : groups.entrySet()) {
      m.put(e.getKey(), e.getValue().stream().mapToInt(Integer::intValue).toArray());
      counts.put(e.getKey(), e.getValue().size());
    }
    this.byId = m;
    this.stats = statsOf(counts, numItems);
    Integer[] order = new Integer[numItems];
    for (int i = 0; i < numItems; i++) {
      order[i] = i + 1;
    }
    Arrays.sort(order, (a, b) -> {
      int c = ids[a].compareTo(ids[b]);
      return c != 0 ? c : Integer.compare(a, b);
    });
    this.sortedItems = Arrays.stream(order).mapToInt(Integer::intValue).toArray();
  }

  /**
   * Builds a codec from a code table.
   *
   * @param codeTable {@code [N + 1][L]}: row = item id, row 0 (padding) is ignored; codes
   *     {@code >= 0}; the table is copied
   * @param disambiguate whether to append a disambiguation code (see the class description)
   * @return the codec
   * @throws IllegalArgumentException if the table is malformed (naming the row)
   */
  public static MapSemanticIdCodec of(int[][] codeTable, boolean disambiguate) {
    return new MapSemanticIdCodec(codeTable, disambiguate);
  }

  private static CollisionStats statsOf(Map<SemanticId, Integer> counts, int items) {
    int max = 0;
    for (int c : counts.values()) {
      max = Math.max(max, c);
    }
    return new CollisionStats(items, counts.size(), max);
  }

  @Override
  public int numItems() {
    return numItems;
  }

  /**
   * Returns whether a disambiguation code was appended to every ID.
   *
   * @return true if the IDs have length L + 1
   */
  public boolean disambiguated() {
    return disambiguated;
  }

  /**
   * Returns the length of every ID (L, or L + 1 with disambiguation).
   *
   * @return the ID length
   */
  public int idLength() {
    return ids[1].length();
  }

  @Override
  public SemanticId encode(int item) {
    if (item < 1 || item > numItems) {
      throw new IllegalArgumentException("item " + item + " is out of range; allowed 1.." + numItems);
    }
    return ids[item];
  }

  @Override
  public List<Integer> decode(SemanticId id) {
    int[] items = byId.get(id);
    if (items == null) {
      return List.of();
    }
    List<Integer> out = new ArrayList<>(items.length);
    for (int item : items) {
      out.add(item);
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public List<Integer> itemsWithPrefix(int... codes) {
    int[] prefix = codes == null ? new int[0] : codes;
    // lower bound: first item whose ID is >= prefix (prefix sorts before its extensions)
    int lo = 0;
    int hi = sortedItems.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compare(ids[sortedItems[mid]].codes(), prefix) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    List<Integer> out = new ArrayList<>();
    for (int i = lo; i < sortedItems.length && ids[sortedItems[i]].startsWith(prefix); i++) {
      out.add(sortedItems[i]);
    }
    Collections.sort(out);
    return Collections.unmodifiableList(out);
  }

  @Override
  public CollisionStats collisionStats() {
    return stats;
  }

  /**
   * Returns the collision statistics of the base codes (before any disambiguation code), i.e. the
   * quantizer's own collision rate.
   *
   * @return the statistics over all N items
   */
  public CollisionStats baseCollisionStats() {
    return baseStats;
  }

  /**
   * Returns a copy of the effective code table, {@code [N + 1][idLength()]}, row 0 all zeros.
   *
   * @return the table
   */
  public int[][] codeTable() {
    int[][] out = new int[numItems + 1][];
    out[0] = new int[idLength()];
    for (int item = 1; item <= numItems; item++) {
      out[item] = ids[item].codes();
    }
    return out;
  }
}
