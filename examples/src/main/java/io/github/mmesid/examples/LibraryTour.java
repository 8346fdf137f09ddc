package io.github.mmesid.examples;

import io.github.mmesid.core.CollisionStats;
import io.github.mmesid.core.ItemCatalog;
import io.github.mmesid.core.ScoredItem;
import io.github.mmesid.core.SemanticId;
import io.github.mmesid.core.data.LeaveOneOutSplit;
import io.github.mmesid.core.data.SyntheticData;
import io.github.mmesid.core.data.SyntheticDataGenerator;
import io.github.mmesid.llm.sasrec.SasRecConfig;
import io.github.mmesid.llm.sasrec.SasRecRecommender;
import io.github.mmesid.llm.sasrec.SasRecTrainer;
import io.github.mmesid.core.engine.train.RunOptions;
import io.github.mmesid.quant.MmRqVaeTrainer;
import io.github.mmesid.quant.MmRqVaeConfig;
import io.github.mmesid.quant.MmRqVaeModel;
import io.github.mmesid.quant.QuantizedSemanticIdCodec;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A runnable tour of the library API, the code the README shows: synthetic interactions ->
 * SASRec (collaborative item embeddings and top-K) -> MM-RQ-VAE over the SASRec embeddings and a
 * text modality -> semantic IDs. Run it with {@code java -cp examples/target/mmesid-cli.jar
 * io.github.mmesid.examples.LibraryTour}.
 */
public final class LibraryTour {
  private LibraryTour() {}

  /**
   * Runs the tour with small sizes.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    run(2000, 500, 3, 5, System.out);
  }

  /**
   * Runs the tour.
   *
   * @param users synthetic users
   * @param items synthetic items
   * @param sasrecEpochs SASRec epoch limit
   * @param quantEpochs MM-RQ-VAE epochs
   * @param out where to print
   * @return the semantic IDs' collision statistics (before disambiguation) of the collaborative
   *     modality
   */
  public static CollisionStats run(int users, int items, int sasrecEpochs, int quantEpochs,
      PrintStream out) {
    // 1. Data: users' chronological item sequences plus item modality embeddings.
    SyntheticData data = SyntheticDataGenerator.builder().users(users).items(items)
        .modalities(Map.of("text", 32)).seed(7).build().generate();
    LeaveOneOutSplit split = LeaveOneOutSplit.of(data.dataset());

    // 2. SASRec: the ID-based baseline and the source of collaborative item embeddings.
    SasRecConfig sasrecConfig = SasRecConfig.builder().dim(32).epochs(sasrecEpochs).seed(7)
        .build();
    try (SasRecRecommender sasrec = SasRecTrainer.train(split, sasrecConfig).recommender()) {
      int[] history = data.dataset().sequence(0);
      List<ScoredItem> top = sasrec.topK(history, 5); // history items are never returned
      out.println("SASRec top-5 for user 0: " + top);

      // 3. MM-RQ-VAE over two modalities: SASRec's item table and the text embeddings.
      ItemCatalog catalog = ItemCatalog.builder(items)
          .add("collab", sasrec.itemEmbeddings())
          .add("text", data.catalog().matrix("text"))
          .build();
      MmRqVaeConfig quantConfig = MmRqVaeConfig.builder().levels(3).codebookSize(32)
          .latentDim(16).hiddenLayers(64).epochs(quantEpochs).seed(7).build();
      try (MmRqVaeModel model = MmRqVaeTrainer.train(catalog, quantConfig, RunOptions.defaults())
          .model()) {
        // 4. Semantic IDs (with a disambiguation code where items collide) and code embeddings.
        float[][] collab = catalog.matrix("collab");
        QuantizedSemanticIdCodec codec = QuantizedSemanticIdCodec.encode(
            model.quantizer("collab"), Arrays.copyOfRange(collab, 1, collab.length), true);
        SemanticId sid = codec.encode(1);
        float[][][] codebooks = model.codebooks("collab"); // [level][code][dim]
        out.println("item 1 -> semantic ID " + sid + ", decodes to items " + codec.decode(sid)
            + "; codebooks " + codebooks.length + " x " + codebooks[0].length + " x "
            + codebooks[0][0].length);
        CollisionStats stats = codec.baseCollisionStats();
        out.println("collision rate before / after disambiguation: "
            + String.format("%.4f / %.4f", stats.collisionRate(),
                codec.collisionStats().collisionRate()));
        return stats;
      }
    }
  }
}
