package io.github.mmesid.examples;

import io.github.mmesid.core.ItemIdMapping;
import io.github.mmesid.core.data.Npy;
import io.github.mmesid.core.data.NpyArray;
import io.github.mmesid.quant.MmRqVaeModel;
import io.github.mmesid.quant.QuantReport;
import io.github.mmesid.quant.QuantizedSemanticIdCodec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The files a trained MM-RQ-VAE leaves in an output directory, as {@code quantize} and {@code
 * train-mmesid} (its {@code quant/} directory) write them, each atomically: the model ({@value
 * MmRqVaeModel#MANIFEST_FILE} + {@value MmRqVaeModel#WEIGHTS_FILE}), per modality {@code
 * codes_<m>.npy}, {@code sids_<m>.npy} and {@code codebooks_<m>.npy}, {@code report.json}, and the
 * item id mapping when there is one.
 */
final class QuantOutputs {

  /** The quality report's file name. */
  static final String REPORT_FILE = "report.json";

  private QuantOutputs() {}

  /**
   * Writes the model, the code and semantic-ID tables, the codebooks and the report.
   *
   * @param dir the output directory
   * @param model the trained model
   * @param data modality name to the items' rows {@code [N][d_m]} (row r = the r-th item)
   * @param paddingRow whether the code tables get a zero row 0 (then row i is item i)
   * @param mapping the item id mapping to copy into {@code dir}, or null
   * @param pairs item pairs sampled for Kendall's tau in the report
   * @param seed seed of that sample
   * @param extra further top-level report entries (training log, config, ...)
   * @return the report
   */
  static QuantReport write(OutputDir dir, MmRqVaeModel model, Map<String, float[][]> data, boolean paddingRow,
      ItemIdMapping mapping, int pairs, long seed, Map<String, Object> extra) {
    dir.file(MmRqVaeModel.WEIGHTS_FILE);
    dir.file(MmRqVaeModel.MANIFEST_FILE);
    model.save(dir.path());
    if (mapping != null) {
      mapping.writeCsv(dir.file(ItemIdMapping.FILE_NAME));
    }
    for (String m : model.modalities()) {
      QuantizedSemanticIdCodec codec = QuantizedSemanticIdCodec.encode(model.quantizer(m), data.get(m), true);
      writeTable(dir.file("codes_" + m + ".npy"), codec.baseCodes(), paddingRow);
      writeTable(dir.file("sids_" + m + ".npy"), codec.idTable(), paddingRow);
      float[][][] books = model.codebooks(m);
      int l = books.length;
      int k = books[0].length;
      int e = books[0][0].length;
      float[] flat = new float[l * k * e];
      for (int a = 0; a < l; a++) {
        for (int b = 0; b < k; b++) {
          System.arraycopy(books[a][b], 0, flat, (a * k + b) * e, e);
        }
      }
      Outputs.writeNpy(dir.file("codebooks_" + m + ".npy"), NpyArray.ofFloats(flat, l, k, e));
    }
    QuantReport report = QuantReport.compute(model, data, pairs, seed);
    report.writeJson(dir.file(REPORT_FILE), extra);
    return report;
  }

  /**
   * Prints the report's per-modality and cross-modal lines.
   *
   * @param out where to print
   * @param report the report
   */
  static void print(PrintStream out, QuantReport report) {
    for (QuantReport.ModalityReport r : report.modalities()) {
      out.printf(Locale.ROOT, "%s: recon MSE %.5f, collision rate %.4f (after disambiguation %.4f, max %d items/ID), "
          + "kendall tau %.4f, usage %s, perplexity %s%n", r.name(), r.reconstructionMse(),
          r.collisions().collisionRate(), r.disambiguated().collisionRate(), r.collisions().maxItemsPerId(),
          r.kendallTau(), fmt(r.usage()), fmt(r.perplexity()));
    }
    for (QuantReport.CrossModalReport c : report.crossModal()) {
      out.printf(Locale.ROOT, "%s vs %s: code NMI per level %s, quantized-distance tau %.4f%n", c.anchor(),
          c.other(), fmt(c.codeNmi()), c.quantizedDistanceTau());
    }
  }

  private static String fmt(double[] v) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      sb.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, v[i] >= 10 ? "%.1f" : "%.3f", v[i]));
    }
    return sb.append(']').toString();
  }

  /** Writes a code table with one row per input row (a zero row 0 for the padding row). */
  private static void writeTable(Path file, int[][] rows, boolean paddingRow) {
    int width = rows[0].length;
    int offset = paddingRow ? 1 : 0;
    int[] flat = new int[(rows.length + offset) * width];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, (i + offset) * width, width);
    }
    Npy.write(file, NpyArray.ofInts(flat, rows.length + offset, width));
  }
}
