package io.github.mmesid.spark;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.row_number;

import io.github.mmesid.quant.MmRqVaeModel;
import io.github.mmesid.quant.RqQuantizer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Catalog-wide semantic-ID encoding on Spark with a trained MM-RQ-VAE ({@code quantize}'s or
 * {@code MmRqVaeModel.save}'s directory): each item's embedding is encoded to its L codes by the
 * modality's quantizer in batches inside partitions (the model loaded once per executor JVM),
 * and the semantic ID is the codes plus, when disambiguating, the item's position (0, 1, ...) in
 * item-id order among the items that share its codes, exactly as {@code
 * QuantizedSemanticIdCodec} (and {@code MapSemanticIdCodec}) define it.
 */
public final class SparkCatalogEncoder {

  /** Input and output column: the item id, {@code int}, unique, at least 1. */
  public static final String ITEM = "item";
  /** Input column: the item's embedding, {@code array<float>} of the modality's input size. */
  public static final String EMBEDDING = "embedding";
  /** Output column: the L codes, {@code array<int>}. */
  public static final String CODES = "codes";
  /** Output column: the semantic ID, {@code array<int>}: the codes, plus the disambiguation code if asked for. */
  public static final String SID = "sid";

  private SparkCatalogEncoder() {}

  /**
   * Encodes a catalog.
   *
   * @param items columns {@value #ITEM} (int) and {@value #EMBEDDING} ({@code array<float>})
   * @param quantizerDir the MM-RQ-VAE directory, readable at this path on every executor
   * @param modality the modality whose quantizer encodes the embeddings
   * @param disambiguate whether to append the disambiguation code to each semantic ID
   * @param options batch size and ONNX Runtime threads per executor (the base model is ignored)
   * @return a DataFrame ({@value #ITEM}, {@value #CODES}, {@value #SID}), lazily evaluated; with
   *     disambiguation its rows are grouped by codes (a shuffle), otherwise they follow the input
   * @throws IllegalArgumentException if an argument is invalid or a column is missing or of the
   *     wrong type; a wrong-length or non-finite embedding, or an unknown modality, fails the job
   *     naming the item
   */
  public static Dataset<Row> encode(Dataset<Row> items, String quantizerDir, String modality,
      boolean disambiguate, ScoringOptions options) {
    if (items == null) {
      throw new IllegalArgumentException("items must not be null");
    }
    SparkColumns.path(quantizerDir, "quantizerDir");
    if (modality == null || modality.isBlank()) {
      throw new IllegalArgumentException("modality must not be null or blank");
    }
    SparkColumns.options(options);
    SparkColumns.field(items.schema(), ITEM, DataTypes.IntegerType, "items");
    SparkColumns.field(items.schema(), EMBEDDING, DataTypes.createArrayType(DataTypes.FloatType), "items");
    StructType out = new StructType(new StructField[] {
        DataTypes.createStructField(ITEM, DataTypes.IntegerType, false),
        DataTypes.createStructField(CODES, DataTypes.createArrayType(DataTypes.IntegerType, false), false)});
    Dataset<Row> codes = items.select(ITEM, EMBEDDING)
        .mapPartitions(new EncodePartition(quantizerDir, modality, options), Encoders.row(out));
    if (!disambiguate) {
      return codes.withColumn(SID, col(CODES));
    }
    return codes.withColumn(SID, concat(col(CODES),
        array(row_number().over(Window.partitionBy(col(CODES)).orderBy(col(ITEM))).minus(1))))
        .select(ITEM, CODES, SID);
  }

  /** Encodes one partition in batches; holds only the path, modality and options. */
  private static final class EncodePartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final String path;
    private final String modality;
    private final TaskOptions options;

    EncodePartition(String path, String modality, ScoringOptions options) {
      this.path = path;
      this.modality = modality;
      this.options = TaskOptions.of(options);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
      return new SparkTopK.Batched<>(input, options.batchSize()) {
        private RqQuantizer quantizer;

        @Override
        List<Row> process(List<Row> batch) {
          if (quantizer == null) {
            MmRqVaeModel model = BundleCache.quantizerModel(path, options.intraOpThreads());
            if (!model.modalities().contains(modality)) {
              throw new IllegalArgumentException(path + " has no modality '" + modality
                  + "'; its modalities are " + model.modalities());
            }
            quantizer = model.quantizer(modality);
          }
          float[][] vectors = new float[batch.size()][];
          for (int i = 0; i < vectors.length; i++) {
            Row r = batch.get(i);
            if (r.isNullAt(0) || r.getInt(0) < 1) {
              throw new IllegalArgumentException("item id " + (r.isNullAt(0) ? "null" : r.getInt(0))
                  + " is not allowed; item ids are integers >= 1");
            }
            if (r.isNullAt(1)) {
              throw new IllegalArgumentException("item " + r.getInt(0) + ": embedding is null");
            }
            List<Object> e = r.getList(1);
            float[] v = new float[e.size()];
            for (int j = 0; j < v.length; j++) {
              Object x = e.get(j);
              if (x == null) {
                throw new IllegalArgumentException("item " + r.getInt(0) + ": embedding[" + j + "] is null");
              }
              v[j] = ((Number) x).floatValue();
              if (!Float.isFinite(v[j])) {
                throw new IllegalArgumentException("item " + r.getInt(0) + ": embedding[" + j + "] = "
                    + v[j] + "; values must be finite");
              }
            }
            if (v.length != quantizer.inputDim()) {
              throw new IllegalArgumentException("item " + r.getInt(0) + ": embedding has " + v.length
                  + " values; modality '" + modality + "' expects " + quantizer.inputDim());
            }
            vectors[i] = v;
          }
          int[][] codes;
          try {
            codes = quantizer.encode(vectors);
          } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("items " + batch.get(0).getInt(0) + ".. (batch of "
                + batch.size() + "): " + ex.getMessage(), ex);
          }
          List<Row> out = new ArrayList<>(batch.size());
          for (int i = 0; i < codes.length; i++) {
            out.add(RowFactory.create(batch.get(i).getInt(0), codes[i]));
          }
          return out;
        }
      };
    }
  }
}
