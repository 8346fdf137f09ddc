package io.github.mmesid.quant;

import io.github.mmesid.core.io.Json;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mmesid.core.CollisionStats;
import io.github.mmesid.quant.metrics.QuantMetrics;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The quality report of a trained MM-RQ-VAE on its items: per modality the reconstruction error,
 * the collision rate before and after disambiguation, code usage and perplexity per level, and
 * Kendall's tau between item-pair distances in the input space and in the quantized space
 * ({@code z_q}); across modalities (anchor vs each other) the normalised mutual information of
 * the codes per level and the tau between the two modalities' quantized distances.
 *
 * @param items N
 * @param pairs item pairs sampled for each tau
 * @param modalities per-modality results, in modality order
 * @param crossModal anchor-vs-other results (empty with one modality)
 */
public record QuantReport(int items, int pairs, List<ModalityReport> modalities,
    List<CrossModalReport> crossModal) {

  /**
   * Copies the lists.
   *
   * @param items see the record description
   * @param pairs see the record description
   * @param modalities see the record description
   * @param crossModal see the record description
   */
  public QuantReport {
    modalities = List.copyOf(modalities);
    crossModal = List.copyOf(crossModal);
  }

  /**
   * One modality's results.
   *
   * @param name the modality
   * @param reconstructionMse mean squared error of decoded codes against the inputs, per element
   * @param collisions ID statistics of the L codes alone
   * @param disambiguated ID statistics with the disambiguation code (rate 0 by construction)
   * @param usage per level, the fraction of the K codes used by some item
   * @param perplexity per level, {@code exp(entropy)} of the code distribution
   * @param kendallTau tau between input-space and quantized-space pair distances
   */
  public record ModalityReport(String name, double reconstructionMse, CollisionStats collisions,
      CollisionStats disambiguated, double[] usage, double[] perplexity, double kendallTau) {}

  /**
   * Agreement between the anchor and another modality.
   *
   * @param anchor the anchor modality
   * @param other the other modality
   * @param codeNmi per level, the NMI of the two modalities' codes
   * @param quantizedDistanceTau tau between the two modalities' quantized pair distances
   */
  public record CrossModalReport(String anchor, String other, double[] codeNmi,
      double quantizedDistanceTau) {}

  /**
   * Computes the report.
   *
   * @param model the trained model
   * @param data modality name to {@code [N][d]} item vectors (the model's modalities)
   * @param pairs item pairs to sample for each tau, {@code >= 2} (the issue asks for at least
   *     100,000)
   * @param seed the sampling seed
   * @return the report
   * @throws IllegalArgumentException if a modality is missing or the data do not fit the model
   */
  public static QuantReport compute(MmRqVaeModel model, Map<String, float[][]> data, int pairs,
      long seed) {
    List<ModalityReport> mods = new ArrayList<>();
    Map<String, int[][]> codesBy = new LinkedHashMap<>();
    Map<String, float[][]> zqBy = new LinkedHashMap<>();
    int n = -1;
    for (String m : model.modalities()) {
      float[][] x = data.get(m);
      if (x == null) {
        throw new IllegalArgumentException("no data for modality '" + m + "'; the report needs " + model.modalities());
      }
      if (n >= 0 && x.length != n) {
        throw new IllegalArgumentException("modality '" + m + "' has " + x.length + " rows; others have " + n);
      }
      n = x.length;
      RqQuantizer q = model.quantizer(m);
      QuantizedSemanticIdCodec codec = QuantizedSemanticIdCodec.encode(q, x, true);
      int[][] codes = codec.baseCodes();
      float[][] rec = q.reconstruct(codes);
      double se = 0;
      for (int i = 0; i < x.length; i++) {
        for (int j = 0; j < x[i].length; j++) {
          double t = (double) rec[i][j] - x[i][j];
          se += t * t;
        }
      }
      float[][] zq = new float[x.length][];
      for (int i = 0; i < x.length; i++) {
        zq[i] = q.quantizedLatent(codes[i]);
      }
      int levels = q.levels();
      double[] usage = new double[levels];
      double[] ppl = new double[levels];
      for (int l = 0; l < levels; l++) {
        usage[l] = QuantMetrics.usage(codes, l, q.codebookSize());
        ppl[l] = QuantMetrics.perplexity(codes, l);
      }
      double tau = x.length < 2 ? Double.NaN : QuantMetrics.distanceTau(x, zq, pairs, seed);
      mods.add(new ModalityReport(m, se / ((double) x.length * q.inputDim()),
          codec.baseCollisionStats(), codec.collisionStats(), usage, ppl, tau));
      codesBy.put(m, codes);
      zqBy.put(m, zq);
    }
    List<CrossModalReport> cross = new ArrayList<>();
    List<String> names = model.modalities();
    String anchor = model.config().anchor() == null ? names.get(0) : model.config().anchor();
    for (String m : names) {
      if (m.equals(anchor)) {
        continue;
      }
      int levels = model.config().levels();
      double[] nmi = new double[levels];
      for (int l = 0; l < levels; l++) {
        nmi[l] = QuantMetrics.nmi(column(codesBy.get(anchor), l), column(codesBy.get(m), l));
      }
      double tau = n < 2 ? Double.NaN : QuantMetrics.distanceTau(zqBy.get(anchor), zqBy.get(m), pairs, seed);
      cross.add(new CrossModalReport(anchor, m, nmi, tau));
    }
    return new QuantReport(n, pairs, mods, cross);
  }

  private static int[] column(int[][] codes, int l) {
    int[] out = new int[codes.length];
    for (int i = 0; i < codes.length; i++) {
      out[i] = codes[i][l];
    }
    return out;
  }

  /**
   * Returns the report as JSON. Top-level keys: {@code items}, {@code pairs}, {@code
   * collision_rate} (per modality: {@code before_disambiguation}, {@code after_disambiguation}),
   * {@code kendall_tau} (per modality), {@code reconstruction_mse} (per modality), {@code
   * modalities} (everything per modality, including {@code usage} and {@code perplexity} per
   * level) and {@code cross_modal}.
   *
   * @param extra further top-level entries (e.g. training time, settings), or null
   * @return the JSON tree
   */
  public ObjectNode toJson(Map<String, Object> extra) {
    ObjectMapper om = new ObjectMapper();
    ObjectNode root = om.createObjectNode();
    root.put("items", items);
    root.put("pairs", pairs);
    ObjectNode cr = root.putObject("collision_rate");
    ObjectNode kt = root.putObject("kendall_tau");
    ObjectNode rm = root.putObject("reconstruction_mse");
    ObjectNode mods = root.putObject("modalities");
    for (ModalityReport m : modalities) {
      ObjectNode c = cr.putObject(m.name());
      c.put("before_disambiguation", m.collisions().collisionRate());
      c.put("after_disambiguation", m.disambiguated().collisionRate());
      kt.put(m.name(), m.kendallTau());
      rm.put(m.name(), m.reconstructionMse());
      ObjectNode o = mods.putObject(m.name());
      o.put("reconstruction_mse", m.reconstructionMse());
      o.put("collision_rate", m.collisions().collisionRate());
      o.put("collision_rate_disambiguated", m.disambiguated().collisionRate());
      o.put("distinct_ids", m.collisions().distinctIds());
      o.put("max_items_per_id", m.collisions().maxItemsPerId());
      ArrayNode u = o.putArray("usage");
      for (double v : m.usage()) {
        u.add(v);
      }
      ArrayNode p = o.putArray("perplexity");
      for (double v : m.perplexity()) {
        p.add(v);
      }
      o.put("kendall_tau", m.kendallTau());
    }
    ArrayNode cm = root.putArray("cross_modal");
    for (CrossModalReport c : crossModal) {
      ObjectNode o = cm.addObject();
      o.put("anchor", c.anchor());
      o.put("other", c.other());
      ArrayNode a = o.putArray("code_nmi");
      for (double v : c.codeNmi()) {
        a.add(v);
      }
      o.put("quantized_distance_tau", c.quantizedDistanceTau());
    }
    if (extra != null) {
      for (Map.Entry<String, Object> e : extra.entrySet()) {
        root.set(e.getKey(), Json.toTree(e.getValue()));
      }
    }
    return root;
  }

  /**
   * Writes {@link #toJson} to a file atomically.
   *
   * @param file the target
   * @param extra further top-level entries, or null
   * @throws UncheckedIOException if writing fails
   */
  public void writeJson(Path file, Map<String, Object> extra) {
    Json.writeFile(file, toJson(extra));
  }
}
