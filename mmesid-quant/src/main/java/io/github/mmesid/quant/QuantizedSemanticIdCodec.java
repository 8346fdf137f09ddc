package io.github.mmesid.quant;

import io.github.mmesid.core.CollisionStats;
import io.github.mmesid.core.MapSemanticIdCodec;
import io.github.mmesid.core.Quantizer;
import io.github.mmesid.core.SemanticId;
import io.github.mmesid.core.SemanticIdCodec;
import java.util.Arrays;
import java.util.List;

/**
 * The semantic IDs of one modality's items under a trained quantizer: item {@code i} (1..N) gets
 * the L nearest codes of its vector, optionally followed by a disambiguation code (its position in
 * item-id order among the items sharing its L codes), which makes item to ID a bijection. New
 * (cold-start) items are encoded with the same quantizer, without retraining: {@link
 * #encodeVector} gives the ID a new item would get, {@link #withNewItems} a codec that includes
 * them as items N+1.. (existing IDs unchanged). Immutable and thread-safe.
 */
public final class QuantizedSemanticIdCodec implements SemanticIdCodec {

  private final Quantizer quantizer;
  private final int[][] baseTable; // [N + 1][L], row 0 unused
  private final MapSemanticIdCodec codec;

  private QuantizedSemanticIdCodec(Quantizer quantizer, int[][] baseTable, boolean disambiguate) {
    this.quantizer = quantizer;
    this.baseTable = baseTable;
    this.codec = MapSemanticIdCodec.of(baseTable, disambiguate);
  }

  /**
   * Encodes items with a quantizer.
   *
   * @param quantizer the modality's quantizer (used again for cold-start items)
   * @param itemVectors {@code [N][d]}: row r is item r + 1
   * @param disambiguate whether to append the disambiguation code
   * @return the codec
   * @throws IllegalArgumentException if there are no items, or a vector has the wrong length or a
   *     non-finite value (naming the row)
   */
  public static QuantizedSemanticIdCodec encode(Quantizer quantizer, float[][] itemVectors,
      boolean disambiguate) {
    if (itemVectors == null || itemVectors.length == 0) {
      throw new IllegalArgumentException("no item vectors; a codec needs N >= 1 items");
    }
    return ofCodes(quantizer, quantizer.encode(itemVectors), disambiguate);
  }

  /**
   * Builds a codec from already computed codes.
   *
   * @param quantizer the modality's quantizer (used for cold-start items)
   * @param codes {@code [N][L]}: row r holds item r + 1's codes, each in 0..K-1
   * @param disambiguate whether to append the disambiguation code
   * @return the codec
   * @throws IllegalArgumentException if a row does not have L codes in range (naming the row)
   */
  public static QuantizedSemanticIdCodec ofCodes(Quantizer quantizer, int[][] codes,
      boolean disambiguate) {
    if (codes == null || codes.length == 0) {
      throw new IllegalArgumentException("no item codes; a codec needs N >= 1 items");
    }
    int[][] table = new int[codes.length + 1][];
    table[0] = new int[quantizer.levels()];
    for (int r = 0; r < codes.length; r++) {
      int[] c = codes[r];
      if (c == null || c.length != quantizer.levels()) {
        throw new IllegalArgumentException("codes row " + r + " (item " + (r + 1) + ") has "
            + (c == null ? 0 : c.length) + " codes; the quantizer has L = " + quantizer.levels());
      }
      for (int l = 0; l < c.length; l++) {
        if (c[l] < 0 || c[l] >= quantizer.codebookSize()) {
          throw new IllegalArgumentException("codes row " + r + " (item " + (r + 1) + "), level " + l
              + " = " + c[l] + "; allowed 0.." + (quantizer.codebookSize() - 1));
        }
      }
      table[r + 1] = c.clone();
    }
    return new QuantizedSemanticIdCodec(quantizer, table, disambiguate);
  }

  @Override
  public int numItems() {
    return codec.numItems();
  }

  @Override
  public SemanticId encode(int item) {
    return codec.encode(item);
  }

  @Override
  public List<Integer> decode(SemanticId id) {
    return codec.decode(id);
  }

  @Override
  public List<Integer> itemsWithPrefix(int... codes) {
    return codec.itemsWithPrefix(codes);
  }

  @Override
  public CollisionStats collisionStats() {
    return codec.collisionStats();
  }

  /**
   * Returns the collision statistics of the L quantizer codes alone (before disambiguation).
   *
   * @return the statistics over all N items
   */
  public CollisionStats baseCollisionStats() {
    return codec.baseCollisionStats();
  }

  /**
   * Returns whether IDs carry the disambiguation code.
   *
   * @return true if IDs have length L + 1
   */
  public boolean disambiguated() {
    return codec.disambiguated();
  }

  /**
   * Returns the ID length (L, or L + 1 with disambiguation).
   *
   * @return the length
   */
  public int idLength() {
    return codec.idLength();
  }

  /**
   * Returns the quantizer codes of every item, {@code [N][L]} (row r = item r + 1), without the
   * disambiguation code.
   *
   * @return a copy
   */
  public int[][] baseCodes() {
    int[][] out = new int[baseTable.length - 1][];
    for (int i = 1; i < baseTable.length; i++) {
      out[i - 1] = baseTable[i].clone();
    }
    return out;
  }

  /**
   * Returns the IDs of every item as a table, {@code [N][idLength()]} (row r = item r + 1).
   *
   * @return a copy
   */
  public int[][] idTable() {
    int[][] t = codec.codeTable();
    return Arrays.copyOfRange(t, 1, t.length);
  }

  /**
   * Returns the ID a new item with this vector would get if appended as item N + 1: its L codes
   * and, with disambiguation, the number of existing items that share them.
   *
   * @param vector the new item's vector
   * @return the ID
   * @throws IllegalArgumentException if the vector has the wrong length or a non-finite value
   */
  public SemanticId encodeVector(float[] vector) {
    SemanticId base = SemanticId.of(quantizer.encode(vector));
    if (!codec.disambiguated()) {
      return base;
    }
    return base.append(codec.itemsWithPrefix(base.codes()).size());
  }

  /**
   * Returns a codec that also holds new items, encoded with the trained quantizer (no retraining):
   * they become items N+1..N+n in the given order; existing items keep their IDs.
   *
   * @param vectors the new items' vectors
   * @return the extended codec
   * @throws IllegalArgumentException if a vector has the wrong length or a non-finite value
   */
  public QuantizedSemanticIdCodec withNewItems(float[][] vectors) {
    int[][] added = quantizer.encode(vectors);
    int[][] table = Arrays.copyOf(baseTable, baseTable.length + added.length);
    System.arraycopy(added, 0, table, baseTable.length, added.length);
    return new QuantizedSemanticIdCodec(quantizer, table, codec.disambiguated());
  }
}
