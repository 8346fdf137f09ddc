package io.github.mmesid.examples;

import io.github.mmesid.core.Finite;
import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.data.Npy;
import java.nio.file.Path;

/**
 * Item embedding tables ({@code .npy}, one row per item) as the commands read them: row order by
 * internal item id, or by external id through an {@value ItemIdMapping#FILE_NAME} mapping
 * ({@code quantize --mapping}, {@code train-mmesid --mapping}).
 */
final class EmbeddingTables {

  private EmbeddingTables() {}

  /**
   * Reads a 2-D float table and rejects one without rows or columns.
   *
   * @param file the {@code .npy} file
   * @param option the option that named it, for messages (e.g. {@code --modality text=})
   * @return the rows
   * @throws IllegalArgumentException if the file is not a 2-D float table or is empty
   */
  static float[][] read(Path file, String option) {
    float[][] m = Npy.readFloatMatrix(file);
    if (m.length == 0) {
      throw new IllegalArgumentException(option + file + " has 0 rows; it needs one row per item");
    }
    if (m[0].length == 0) {
      throw new IllegalArgumentException(option + file + " has " + m.length + " rows of 0 columns; each item "
          + "needs an embedding of at least 1 value");
    }
    return m;
  }

  /**
   * Aligns a table indexed by external id (row r = the item with external id r) to internal ids:
   * row i - 1 of the result is internal id i.
   *
   * @param table the table's file, for messages
   * @param rows the table
   * @param mapping the mapping whose external ids are row numbers of the table
   * @param mappingOption the option value that named the mapping, for messages
   * @return {@code [N][d]}, row i - 1 = internal id i
   * @throws IllegalArgumentException if an external id is not an integer or has no row
   */
  static float[][] align(Path table, float[][] rows, ItemIdMapping mapping, String mappingOption) {
    float[][] out = new float[mapping.size()][];
    int missing = 0;
    String firstMissing = null;
    for (int i = 1; i <= mapping.size(); i++) {
      String ext = mapping.originalId(i);
      long r;
      try {
        r = Long.parseLong(ext.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--mapping " + mappingOption + ": external id '" + ext + "' of item " + i
            + " is not a row number of " + table + "; --mapping aligns tables whose row r holds the item with "
            + "external id r (integer ids)");
      }
      if (r < 0 || r >= rows.length) {
        if (missing++ == 0) {
          firstMissing = "item " + i + " (external id " + ext + ")";
        }
        continue;
      }
      out[i - 1] = rows[(int) r];
    }
    if (missing > 0) {
      throw new IllegalArgumentException(table + " has rows 0.." + (rows.length - 1) + " but " + missing + " of the "
          + mapping.size() + " items of --mapping have an external id without a row, first " + firstMissing
          + "; the table needs a row for every mapped item");
    }
    return out;
  }

  /**
   * A table as an item table of {@code N + 1} rows (row 0 = padding, row i = internal id i):
   * without a mapping the file must already have exactly {@code N + 1} rows; with one, its rows
   * are aligned by external id ({@link #align}) and a zero padding row is put first.
   *
   * @param file the table's file, for messages
   * @param rows the table
   * @param numItems N, the number of items of the interactions
   * @param mapping the mapping of external ids to internal ids, or null
   * @param option the option that named the table, for messages (e.g. {@code --modality text=})
   * @param mappingOption the value of {@code --mapping}, for messages (unused without a mapping)
   * @return {@code [N + 1][d]}
   * @throws IllegalArgumentException if the row count does not fit the interactions or a used
   *     value is NaN or infinite (naming row and column)
   */
  static float[][] itemTable(Path file, float[][] rows, int numItems, ItemIdMapping mapping, String option,
      String mappingOption) {
    if (mapping == null) {
      if (rows.length != numItems + 1) {
        throw new IllegalArgumentException(option + file + " has " + rows.length + " rows but the interactions have "
            + numItems + " items; the table needs N + 1 = " + (numItems + 1) + " rows (row 0 = padding, row i = "
            + "item i), or give --mapping items.csv for a table indexed by external id");
      }
      Finite.check(rows, option + file);
      return rows;
    }
    if (mapping.size() != numItems) {
      throw new IllegalArgumentException("--mapping " + mappingOption + " maps " + mapping.size()
          + " items but the interactions have " + numItems + "; give the " + ItemIdMapping.FILE_NAME
          + " of these interactions");
    }
    float[][] aligned = align(file, rows, mapping, mappingOption);
    float[][] out = new float[numItems + 1][];
    out[0] = new float[rows[0].length];
    System.arraycopy(aligned, 0, out, 1, numItems);
    Finite.check(out, option + file + " aligned by --mapping (row i = internal id i)");
    return out;
  }
}
