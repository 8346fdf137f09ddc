package io.github.mmesid.llm.mmesid;

import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.quant.MmRqVaeModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The item-side data MME-SID trains on, besides the interactions: the modality embedding tables
 * (an {@link ItemCatalog}, row = item id, row 0 = padding), each modality's semantic IDs (the
 * quantizer's L raw codes per item and its L codebooks), and optionally the directory of a Hugging
 * Face Llama checkpoint to use as the backbone (without one, the config's preset backbone is
 * trained from scratch). Immutable.
 */
public final class MmeSidInputs {

  /**
   * One modality's semantic IDs.
   *
   * @param codes {@code [N + 1][L]}: the L raw codes of each item (row 0, padding, all zero), each
   *     in {@code [0, K)}
   * @param codebooks {@code [L][K][e]}: the quantizer's code vectors, the initial values of the
   *     SID embedding tables
   */
  public record SidTable(int[][] codes, float[][][] codebooks) {
    /**
     * Validates the shapes and code ranges.
     *
     * @param codes see the record description
     * @param codebooks see the record description
     * @throws IllegalArgumentException naming the first bad row or level
     */
    public SidTable {
      if (codebooks == null || codebooks.length == 0 || codebooks[0].length == 0
          || codebooks[0][0].length == 0) {
        throw new IllegalArgumentException("codebooks must be [L][K][e] with L, K, e >= 1");
      }
      int levels = codebooks.length;
      int k = codebooks[0].length;
      int e = codebooks[0][0].length;
      for (int l = 0; l < levels; l++) {
        if (codebooks[l].length != k) {
          throw new IllegalArgumentException("codebook level " + l + " has " + codebooks[l].length
              + " codes; level 0 has " + k + " (all levels must have K codes)");
        }
        for (int c = 0; c < k; c++) {
          if (codebooks[l][c].length != e) {
            throw new IllegalArgumentException("codebook level " + l + " code " + c + " has "
                + codebooks[l][c].length + " values; expected e = " + e);
          }
          for (float v : codebooks[l][c]) {
            if (!Float.isFinite(v)) {
              throw new IllegalArgumentException("codebook level " + l + " code " + c
                  + " holds " + v + "; code vectors must be finite");
            }
          }
        }
      }
      if (codes == null || codes.length < 2) {
        throw new IllegalArgumentException("codes must have N + 1 >= 2 rows (row 0 = padding)");
      }
      for (int i = 0; i < codes.length; i++) {
        if (codes[i].length != levels) {
          throw new IllegalArgumentException("codes row " + i + " has " + codes[i].length
              + " codes; the codebooks have L = " + levels + " levels");
        }
        for (int l = 0; l < levels; l++) {
          if (codes[i][l] < 0 || codes[i][l] >= k) {
            throw new IllegalArgumentException("codes[" + i + "][" + l + "] = " + codes[i][l]
                + " is out of range; allowed 0.." + (k - 1));
          }
        }
      }
    }

    /**
     * Levels L.
     *
     * @return L
     */
    public int levels() {
      return codebooks.length;
    }

    /**
     * Codes per level K.
     *
     * @return K
     */
    public int codebookSize() {
      return codebooks[0].length;
    }

    /**
     * Code vector size e.
     *
     * @return e
     */
    public int dim() {
      return codebooks[0][0].length;
    }
  }

  private final ItemCatalog catalog;
  private final Map<String, SidTable> sids;
  private final Path backbone;

  private MmeSidInputs(ItemCatalog catalog, Map<String, SidTable> sids, Path backbone) {
    this.catalog = catalog;
    this.sids = sids;
    this.backbone = backbone;
  }

  /**
   * Starts inputs from the modality tables.
   *
   * @param catalog the items' modality embeddings
   * @return the builder
   */
  public static Builder builder(ItemCatalog catalog) {
    return new Builder(catalog);
  }

  /**
   * Inputs whose semantic IDs come from a trained MM-RQ-VAE: for every catalog modality the model
   * knows, the nearest-code IDs of items 1..N and the codebooks.
   *
   * @param catalog the items' modality embeddings (the ones the quantizer was trained on)
   * @param quantizer the trained model
   * @return the inputs (no backbone checkpoint)
   * @throws IllegalArgumentException if a catalog modality is unknown to the quantizer or its
   *     dimension differs
   */
  public static MmeSidInputs of(ItemCatalog catalog, MmRqVaeModel quantizer) {
    return builder(catalog).semanticIds(quantizer).build();
  }

  /**
   * The modality tables.
   *
   * @return the catalog
   */
  public ItemCatalog catalog() {
    return catalog;
  }

  /**
   * The modalities that have semantic IDs, in catalog order.
   *
   * @return the names
   */
  public List<String> sidModalities() {
    return List.copyOf(sids.keySet());
  }

  /**
   * One modality's semantic IDs.
   *
   * @param modality the name
   * @return the table
   * @throws IllegalArgumentException if the modality has none, listing those that have
   */
  public SidTable sid(String modality) {
    SidTable t = sids.get(modality);
    if (t == null) {
      throw new IllegalArgumentException("modality '" + modality + "' has no semantic IDs; "
          + "modalities with semantic IDs: " + sids.keySet());
    }
    return t;
  }

  /**
   * The Hugging Face checkpoint directory of the backbone, or null for a preset backbone
   * trained from scratch.
   *
   * @return the directory or null
   */
  public Path backboneCheckpoint() {
    return backbone;
  }

  /**
   * The same inputs with a Hugging Face Llama checkpoint as the backbone.
   *
   * @param checkpointDir a directory with {@code config.json}, safetensors weights and {@code
   *     tokenizer.json}, or null for a preset backbone
   * @return new inputs
   */
  public MmeSidInputs withBackbone(Path checkpointDir) {
    return new MmeSidInputs(catalog, sids, checkpointDir);
  }

  /** Builds {@link MmeSidInputs}. */
  public static final class Builder {
    private final ItemCatalog catalog;
    private final Map<String, SidTable> sids = new LinkedHashMap<>();
    private Path backbone;

    private Builder(ItemCatalog catalog) {
      if (catalog == null) {
        throw new IllegalArgumentException("catalog must not be null");
      }
      this.catalog = catalog;
    }

    /**
     * Adds a modality's semantic IDs.
     *
     * @param modality a catalog modality
     * @param codes {@code [N + 1][L]} raw codes (row 0 = padding)
     * @param codebooks {@code [L][K][e]}
     * @return this builder
     * @throws IllegalArgumentException if the modality is unknown or the shapes are wrong
     */
    public Builder semanticIds(String modality, int[][] codes, float[][][] codebooks) {
      if (!catalog.hasModality(modality)) {
        throw new IllegalArgumentException("modality '" + modality + "' is not in the catalog; "
            + "catalog modalities: " + catalog.modalities());
      }
      SidTable t = new SidTable(codes, codebooks);
      if (codes.length != catalog.numItems() + 1) {
        throw new IllegalArgumentException("modality '" + modality + "': codes have "
            + codes.length + " rows; the catalog has N + 1 = " + (catalog.numItems() + 1));
      }
      sids.put(modality, t);
      return this;
    }

    /**
     * Adds the semantic IDs of every catalog modality a trained MM-RQ-VAE knows.
     *
     * @param model the trained model
     * @return this builder
     * @throws IllegalArgumentException if no catalog modality is known to the model or a
     *     dimension differs
     */
    public Builder semanticIds(MmRqVaeModel model) {
      List<String> used = new ArrayList<>();
      for (String m : catalog.modalities()) {
        if (!model.modalities().contains(m)) {
          continue;
        }
        if (model.inputDim(m) != catalog.dim(m)) {
          throw new IllegalArgumentException("modality '" + m + "' has dimension " + catalog.dim(m)
              + " in the catalog but " + model.inputDim(m) + " in the quantizer");
        }
        float[][] all = catalog.matrix(m);
        int[][] items = model.quantizer(m).encode(Arrays.copyOfRange(all, 1, all.length));
        int[][] codes = new int[all.length][];
        codes[0] = new int[items[0].length];
        System.arraycopy(items, 0, codes, 1, items.length);
        semanticIds(m, codes, model.codebooks(m));
        used.add(m);
      }
      if (used.isEmpty()) {
        throw new IllegalArgumentException("the quantizer knows modalities " + model.modalities()
            + ", none of which is in the catalog " + catalog.modalities());
      }
      return this;
    }

    /**
     * Uses a Hugging Face checkpoint as the backbone.
     *
     * @param checkpointDir the directory, or null for a preset backbone
     * @return this builder
     */
    public Builder backbone(Path checkpointDir) {
      backbone = checkpointDir;
      return this;
    }

    /**
     * Builds the inputs.
     *
     * @return the inputs
     */
    public MmeSidInputs build() {
      return new MmeSidInputs(catalog, Collections.unmodifiableMap(new LinkedHashMap<>(sids)),
          backbone);
    }
  }
}
